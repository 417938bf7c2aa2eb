// Browser harness: loads the built dist/module.js the way Grafana does (an AMD module
// whose dependencies the host provides), then renders the panel for each scenario with
// real @grafana/data frames inside Grafana's ThemeContext. No Grafana server needed.
import './boot';
import React from 'react';
import * as ReactDOM from 'react-dom';
import { createRoot } from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as emotionCss from '@emotion/css';
import * as grafanaData from '@grafana/data';
import * as grafanaUi from '@grafana/ui';
import * as grafanaRuntime from '@grafana/runtime';
import { createDataFrame, createTheme, FieldType, getDefaultTimeRange, LoadingState, PanelPlugin, standardEditorsRegistry } from '@grafana/data';
import { ThemeContext } from '@grafana/ui';
import fixtures from './scenarios.json';

type Scenario = (typeof fixtures.scenarios)[number];

declare global {
  interface Window {
    define?: ((deps: string[], factory: (...mods: unknown[]) => unknown) => void) & { amd?: boolean };
    __harness: { done: boolean; error?: string; requested: string[]; theme: Record<string, string>; defaults?: Record<string, unknown> };
    /** Health panels of generated dashboards, injected by run.mjs. */
    __generated?: Array<{ id: string; cluster: string; panel: { options: Record<string, unknown>; targets: Array<{ refId: string; legendFormat?: string }> } }>;
  }
}

const theme = createTheme();
window.__harness = {
  done: false,
  requested: [],
  theme: {
    ok: theme.colors.success.main,
    warning: theme.colors.warning.main,
    critical: theme.colors.error.main,
    nodata: theme.colors.text.disabled,
    pending: theme.colors.info.main,
  },
};

// Grafana registers its option editors at start-up; the panel's option builder (and so
// plugin.defaults) looks editors up by id. Register the ids this panel uses.
standardEditorsRegistry.setInit(() =>
  ['text', 'number'].map((id) => ({ id, name: id, editor: () => null, override: () => null, process: (v: unknown) => v, shouldApply: () => true }))
);

const provided: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  'react/jsx-runtime': jsxRuntime,
  '@emotion/css': emotionCss,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
};

function loadPlugin(src: string): Promise<PanelPlugin> {
  return new Promise((resolve, reject) => {
    const define = (deps: string[], factory: (...mods: unknown[]) => unknown) => {
      try {
        window.__harness.requested = deps;
        const mods = deps.map((d) => {
          if (d === 'module') {
            return { uri: src, id: 'luneo-slohealth-panel' };
          }
          if (!(d in provided)) {
            throw new Error(`module.js requires ${d}, which Grafana's loader would provide but this harness does not`);
          }
          return provided[d];
        });
        const exports = factory(...mods) as { plugin?: PanelPlugin };
        if (!exports?.plugin) {
          throw new Error('module.js does not export `plugin`');
        }
        resolve(exports.plugin);
      } catch (e) {
        reject(e);
      }
    };
    define.amd = true;
    window.define = define;
    const script = document.createElement('script');
    script.src = src;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(script);
  });
}

type Alerts = Array<Record<string, string>>;

/** The query refId of a value key: `SLO/<name>/<which>[/<group>]` belongs to query `SLO/<name>/<which>`, `refId/series` to `refId`. */
function refIdOf(key: string): string {
  const parts = key.split('/');
  return parts[0] === 'SLO' ? parts.slice(0, 3).join('/') : parts[0];
}

/**
 * One frame per key (a key `refId/series` is a series of query `refId` named by its
 * legend), and one `ALERTS` frame per alert label set, as Grafana's Prometheus data
 * source returns an instant vector (the labels on the value field).
 */
function frames(s: { values: Record<string, number | null>; alerts?: Alerts }) {
  const t0 = Date.now() - 5 * 60_000;
  const values = Object.entries(s.values).map(([key, v]) =>
    createDataFrame({
      refId: refIdOf(key),
      name: key !== refIdOf(key) ? key : undefined,
      fields: [
        { name: 'Time', type: FieldType.time, values: v === null ? [] : [t0, t0 + 30_000] },
        { name: 'Value', type: FieldType.number, values: v === null ? [] : [v, v], config: key !== refIdOf(key) ? { displayNameFromDS: key } : {} },
      ],
    })
  );
  const alerts = (s.alerts ?? []).map((labels) =>
    createDataFrame({
      refId: 'ALERTS',
      fields: [
        { name: 'Time', type: FieldType.time, values: [t0] },
        { name: 'Value', type: FieldType.number, values: [1], labels },
      ],
    })
  );
  return [...values, ...alerts];
}

/** The panel's height in a scenario (260 px unless it says). */
function heightOf(s: Scenario): number {
  return 'height' in s && typeof s.height === 'number' ? s.height : 260;
}

/** What Grafana puts in `data.request`: the panel's targets (the ALERTS query among them when the scenario has one). */
function request(refIds: string[]) {
  return { targets: refIds.map((refId) => ({ refId })) } as unknown as grafanaData.DataQueryRequest;
}

async function main() {
  const plugin = await loadPlugin('/dist/module.js');
  const Panel = plugin.panel as React.ComponentType<Record<string, unknown>>;
  const root = document.getElementById('root')!;
  const timeRange = getDefaultTimeRange();
  // The options as Grafana builds them for a new panel: the builder's defaults.
  const defaults = plugin.defaults as Record<string, unknown>;
  window.__harness.defaults = defaults;
  const common = {
    id: 1,
    timeRange,
    timeZone: 'utc',
    fieldConfig: { defaults: {}, overrides: [] },
    transparent: false,
    width: 1180,
    height: 260,
    renderCounter: 0,
    title: 'SLO health',
    eventBus: {},
    onOptionsChange: () => {},
    onFieldConfigChange: () => {},
    onChangeTimeRange: () => {},
  };
  const items = fixtures.scenarios.map((s: Scenario) => (
    <section key={s.id} data-scenario={s.id} style={{ marginBottom: 16 }}>
      <h3 style={{ margin: '4px 0', fontSize: 14, fontWeight: 500 }}>{s.title}</h3>
      <div style={{ height: heightOf(s), width: 1180 }}>
        <Panel
          {...common}
          height={heightOf(s)}
          data={{
            state: LoadingState.Done,
            series: frames(s as { values: Record<string, number | null>; alerts?: Alerts }),
            timeRange,
            request: request('alerts' in s ? ['ALERTS'] : []),
          }}
          options={{ ...defaults, cluster: '$cluster', tileMinWidth: 200 }}
          replaceVariables={(v: string) => v.replace('$cluster', s.cluster)}
        />
      </div>
    </section>
  ));
  // The panels of the generated dashboards, with their own options (embedded
  // definitions, `$cluster`) and one frame per target refId.
  const generated = (window.__generated ?? []).map((g) => {
    // A target whose legend names its series (`Alert/{{queue}}`) gets the fixture's
    // series of that refId; the others one frame under their refId.
    const fixture = fixtures.generated.values as Record<string, number>;
    const alerts = fixtures.generated.alerts as Alerts;
    const values = Object.fromEntries(
      g.panel.targets.flatMap((t) =>
        t.legendFormat === t.refId
          ? [[t.refId, fixture[t.refId] ?? null]]
          : Object.keys(fixture)
              .filter((k) => k.startsWith(`${t.refId}/`))
              .map((k) => [k, fixture[k]])
      )
    );
    return (
      <section key={g.id} data-scenario={g.id} style={{ marginBottom: 16 }}>
        <h3 style={{ margin: '4px 0', fontSize: 14, fontWeight: 500 }}>{g.id} (panel of the generated dashboard)</h3>
        <div style={{ height: 360, width: 1180 }}>
          <Panel
            {...common}
            height={360}
            data={{
              state: LoadingState.Done,
              series: frames({ values, alerts: alerts.filter((a) => a.cluster === g.cluster) }),
              timeRange,
              request: request(g.panel.targets.map((t) => t.refId)),
            }}
            options={{ ...defaults, ...g.panel.options }}
            replaceVariables={(v: string) => v.replace('$cluster', g.cluster)}
          />
        </div>
      </section>
    );
  });
  createRoot(root).render(
    <ThemeContext.Provider value={theme}>
      <div style={{ background: theme.colors.background.canvas, color: theme.colors.text.primary, padding: 16, fontFamily: theme.typography.fontFamily }}>
        {items}
        {generated}
      </div>
    </ThemeContext.Provider>
  );
  window.__harness.done = true;
}

main().catch((e: unknown) => {
  window.__harness.error = e instanceof Error ? `${e.message}\n${e.stack}` : String(e);
  window.__harness.done = true;
});
