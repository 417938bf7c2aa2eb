import React from 'react';
import { readFileSync } from 'fs';
import { resolve } from 'path';
import { render, screen } from '@testing-library/react';
import { createTheme, FieldConfigSource, LoadingState, PanelData, getDefaultTimeRange, DataFrame } from '@grafana/data';
import { ThemeContext } from '@grafana/ui';
import { SloHealthPanel } from './SloHealthPanel';
import { evaluate, loadCore } from '../core/wasm';
import { SloHealthOptions, SloStatus } from '../types';
import { alertFrame, framesFor, seriesFrame } from '../test-utils';

// No mock of the core: these tests load the real luneo-obs WebAssembly module through
// the same loader as the browser (base64 data URL -> atob -> WebAssembly.instantiate).

function panelData(series: DataFrame[], refIds: string[] = []): PanelData {
  const request = { targets: refIds.map((refId) => ({ refId })) } as unknown as PanelData['request'];
  return { state: LoadingState.Done, series, timeRange: getDefaultTimeRange(), request };
}

function renderPanel(series: DataFrame[], options: Partial<SloHealthOptions> = {}, refIds: string[] = []) {
  const props = {
    id: 1,
    data: panelData(series, refIds),
    timeRange: getDefaultTimeRange(),
    timeZone: 'utc',
    options: { definitions: '', cluster: 'primary', tileMinWidth: 180, ...options },
    fieldConfig: { defaults: {}, overrides: [] } as FieldConfigSource,
    transparent: false,
    width: 900,
    height: 300,
    renderCounter: 0,
    title: 'SLO health',
    eventBus: { publish: jest.fn(), getStream: jest.fn(), subscribe: jest.fn(), removeAllListeners: jest.fn(), newScopedBus: jest.fn() },
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    replaceVariables: (s: string) => s.replace('$cluster', 'standby'),
    onChangeTimeRange: jest.fn(),
  } as unknown as React.ComponentProps<typeof SloHealthPanel>;
  return render(
    <ThemeContext.Provider value={createTheme()}>
      <SloHealthPanel {...props} />
    </ThemeContext.Provider>
  );
}

async function tileStatuses(): Promise<Record<string, SloStatus>> {
  const tiles = await screen.findAllByTestId('slo-tile');
  return Object.fromEntries(tiles.map((t) => [t.getAttribute('data-ref-id')!, t.getAttribute('data-status') as SloStatus]));
}

describe('SLO health panel with the real wasm core', () => {
  beforeAll(async () => {
    await loadCore();
  });

  it('instantiates the module once', async () => {
    const a = loadCore();
    const b = loadCore();
    expect(a).toBe(b);
    await a;
  });

  it('shows one tile per primary SLO with the status each threshold implies', async () => {
    renderPanel(
      framesFor({
        ApiLatencyHigh: 0.612, // 612 ms > 600 ms -> warning
        ApiErrorRate: 0.08, // 8 % > 5 % -> critical (the alert is critical)
        QueueWaitThreshold_ai: 12, // jobs/min < 40 -> ok
        QueueWaitThreshold_render: 40, // on the threshold: `>` does not fire -> ok
      })
    );
    expect(await tileStatuses()).toEqual({
      ApiLatencyHigh: 'warning',
      ApiErrorRate: 'critical',
      ApiUnavailable: 'nodata',
      QueueWaitThreshold_ai: 'ok',
      QueueWaitThreshold_render: 'ok',
      RenderGpuSaturation: 'nodata',
    });
    const latency = screen.getAllByTestId('slo-tile')[0];
    expect(latency).toHaveTextContent('API latency P95');
    expect(latency).toHaveTextContent('612 ms');
    expect(latency).toHaveTextContent('> 600 ms');
    expect(screen.getAllByTestId('slo-tile')[5]).toHaveTextContent('No data');
  });

  it('colours tiles from the Grafana theme', async () => {
    const theme = createTheme();
    renderPanel(framesFor({ ApiErrorRate: 0.5, ApiLatencyHigh: 0.1 }));
    await screen.findAllByTestId('slo-tile');
    const byRef = (r: string) => document.querySelector(`[data-ref-id="${r}"]`) as HTMLElement;
    const rgb = (c: string) => {
      const probe = document.createElement('div');
      probe.style.borderLeftColor = c;
      return probe.style.borderLeftColor;
    };
    expect(byRef('ApiErrorRate').style.borderLeftColor).toBe(rgb(theme.colors.error.main));
    expect(byRef('ApiLatencyHigh').style.borderLeftColor).toBe(rgb(theme.colors.success.main));
    expect(byRef('RenderGpuSaturation').style.borderLeftColor).toBe(rgb(theme.colors.text.disabled));
  });

  it('resolves the cluster option through template variables (standby SLOs)', async () => {
    renderPanel(framesFor({ StandbyApiUnavailable: 0, StandbyQueueGrowth_ai: 6 }), { cluster: '$cluster' });
    // The production alerts also watch the standby (no data while it is idle).
    expect(await tileStatuses()).toEqual({
      ApiLatencyHigh: 'nodata',
      ApiErrorRate: 'nodata',
      QueueWaitThreshold_ai: 'nodata',
      QueueWaitThreshold_render: 'nodata',
      RenderGpuSaturation: 'nodata',
      StandbyApiUnavailable: 'warning',
      StandbyQueueGrowth_ai: 'warning',
      StandbyQueueGrowth_render: 'nodata',
    });
  });

  it('matches queries by series name (legend) as well as refId', async () => {
    renderPanel([seriesFrame('A', [95], 'RenderGpuSaturation')]);
    expect((await tileStatuses()).RenderGpuSaturation).toBe('warning');
  });

  it('makes one tile per series of a queue alert, named by the queue label (issue 3 size)', async () => {
    // The generated dashboards query a queue alert once: one series per queue, legend
    // `QueueWaitThreshold/{{queue}}`; a queue the definitions do not list gets its own tile.
    renderPanel([
      seriesFrame('QueueWaitThreshold', [12, 41], 'QueueWaitThreshold/luneo-ai'),
      seriesFrame('QueueWaitThreshold', [40], 'QueueWaitThreshold/luneo-render'),
      seriesFrame('QueueWaitThreshold', [3], 'QueueWaitThreshold/luneo-video'),
    ]);
    const statuses = await tileStatuses();
    expect(Object.entries(statuses).filter(([k]) => k.startsWith('QueueWaitThreshold'))).toEqual([
      ['QueueWaitThreshold/luneo-ai', 'warning'],
      ['QueueWaitThreshold/luneo-render', 'ok'],
      ['QueueWaitThreshold/luneo-video', 'ok'],
    ]);
    const ids = screen.getAllByTestId('slo-tile').map((t) => t.getAttribute('data-slo-id'));
    expect(ids).toContain('primary/QueueWaitThreshold/ai');
    expect(ids).toContain('primary/QueueWaitThreshold/luneo-video');
    expect(screen.getByText(/Queue luneo-video backlog growth/)).toBeInTheDocument();
  });

  it('takes thresholds from the definitions option', async () => {
    const defs = readFileSync(resolve(__dirname, '../../../definitions/luneo.yaml'), 'utf8').replace('threshold: { value: 90, unit: percent }', 'threshold: { value: 99, unit: percent }');
    renderPanel(framesFor({ RenderGpuSaturation: 95 }), { definitions: defs });
    expect((await tileStatuses()).RenderGpuSaturation).toBe('ok');
    expect(screen.getByText(/> 99 %/)).toBeInTheDocument();
  });

  it('shows definition errors with their position instead of tiles', async () => {
    renderPanel([], { definitions: 'apiVersion: luneo.io/v1alpha1\nkind: Nope\n' });
    const err = await screen.findByTestId('slo-definitions-error');
    expect(err.textContent).toMatch(/panel definitions:\d+:\d+: error\[/);
    expect(screen.queryByTestId('slo-tile')).toBeNull();
  });

  it('takes each tile from its alert in ALERTS: a crossed threshold with the alert inactive stays OK', async () => {
    renderPanel(
      [
        ...framesFor({ ApiLatencyHigh: 0.75, ApiErrorRate: 0.2, QueueWaitThreshold_render: 55 }),
        alertFrame({ alertname: 'ApiErrorRate', alertstate: 'firing', cluster: 'primary', severity: 'critical' }),
        alertFrame({ alertname: 'QueueWaitThreshold', alertstate: 'pending', cluster: 'primary', queue: 'luneo-render' }),
        // Another cluster's firing alert does not colour this one.
        alertFrame({ alertname: 'ApiLatencyHigh', alertstate: 'firing', cluster: 'standby' }),
      ],
      {},
      ['ApiLatencyHigh', 'ALERTS']
    );
    expect(await tileStatuses()).toEqual({
      ApiLatencyHigh: 'ok',
      ApiErrorRate: 'critical',
      ApiUnavailable: 'nodata',
      QueueWaitThreshold_ai: 'nodata',
      QueueWaitThreshold_render: 'pending',
      RenderGpuSaturation: 'nodata',
    });
    const state = (ref: string) => document.querySelector(`[data-ref-id="${ref}"] [data-testid="slo-alert-state"]`)!;
    expect(state('ApiLatencyHigh').textContent).toBe('threshold crossed, alert inactive');
    expect(state('ApiErrorRate').textContent).toBe('alert firing');
    expect(state('QueueWaitThreshold_render').getAttribute('data-alert-state')).toBe('pending');
    expect(screen.getByTestId('slo-summary').getAttribute('data-status')).toBe('critical');
    expect(document.querySelector('[data-ref-id="ApiErrorRate"] a')!.getAttribute('href')).toMatch(/\/api-error-rate\.md$/);
  });

  it('an ALERTS query that returned nothing means every alert is inactive', async () => {
    const queried = renderPanel(framesFor({ ApiLatencyHigh: 0.75 }), {}, ['ApiLatencyHigh', 'ALERTS']);
    expect((await tileStatuses()).ApiLatencyHigh).toBe('ok');
    queried.unmount();
    // Without an ALERTS query the tile can only judge the threshold, and says so.
    renderPanel(framesFor({ ApiLatencyHigh: 0.75 }));
    const tiles = await screen.findAllByTestId('slo-tile');
    expect(tiles.filter((t) => t.getAttribute('data-status') === 'warning')).toHaveLength(1);
    expect(screen.getByText('threshold crossed (alert state not queried)')).toBeInTheDocument();
  });

  it('shows each SLO budget left and burn rate, computed by the core (numbers by hand)', async () => {
    // 99.5 % -> budget 0.5 %: 0.1 % of errors over 30d leaves 80 %; 7.2 % over 5m is 14.4x.
    // queue-jobs-duration (1 % budget): 1.2 % slow render jobs leave -20 %, the worst queue.
    renderPanel(
      [
        seriesFrame('SLO/api-availability/window', [0.001], 'SLO/api-availability/window'),
        seriesFrame('SLO/api-availability/now', [0.072], 'SLO/api-availability/now'),
        seriesFrame('SLO/queue-jobs-duration/window', [0.002], 'SLO/queue-jobs-duration/window/luneo-ai'),
        seriesFrame('SLO/queue-jobs-duration/window', [0.012], 'SLO/queue-jobs-duration/window/luneo-render'),
        alertFrame({ alertname: 'ApiAvailabilityBudgetBurn', alertstate: 'firing', cluster: 'primary', slo: 'api-availability', tier: 'page' }),
      ],
      {},
      ['ALERTS']
    );
    const budgets = await screen.findAllByTestId('slo-budget');
    const by = (slo: string) => budgets.find((b) => b.getAttribute('data-slo') === slo)!;
    expect(budgets.map((b) => b.getAttribute('data-slo'))).toEqual(['api-availability', 'api-latency', 'queue-jobs-duration']);
    expect(by('api-availability').getAttribute('data-status')).toBe('critical');
    expect(by('api-availability')).toHaveTextContent('80 % left');
    expect(by('api-availability')).toHaveTextContent('burn 14.4x');
    expect(by('api-availability')).toHaveTextContent('ApiAvailabilityBudgetBurn firing (page)');
    expect(by('queue-jobs-duration')).toHaveTextContent('-20 % left');
    expect(by('queue-jobs-duration')).toHaveTextContent('luneo-render');
    // Budget spent, but no burn-rate alert: the tile does not claim more than the alert.
    expect(by('queue-jobs-duration').getAttribute('data-status')).toBe('ok');
    expect(by('api-latency').getAttribute('data-status')).toBe('nodata');
  });

  it('rolls 100 queues into one tile of the worst state, never the first queue', async () => {
    const queues = Array.from({ length: 100 }, (_, i) => `q${String(i).padStart(3, '0')}`);
    renderPanel(
      [
        ...queues.map((q) => seriesFrame('QueueWaitThreshold', [q === 'q077' ? 55 : 3], `QueueWaitThreshold/${q}`)),
        alertFrame({ alertname: 'QueueWaitThreshold', alertstate: 'firing', cluster: 'primary', queue: 'q077' }),
      ],
      {},
      ['QueueWaitThreshold', 'ALERTS']
    );
    const rollup = await screen.findByTestId('slo-rollup');
    expect(rollup.getAttribute('data-status')).toBe('warning');
    expect(screen.getByTestId('slo-rollup-counts').textContent).toBe('1 warning · 99 ok');
    const members = screen.getAllByTestId('slo-rollup-member');
    expect(members.length).toBe(4);
    expect(members[0].getAttribute('data-slo-id')).toBe('primary/QueueWaitThreshold/q077');
    expect(screen.queryAllByTestId('slo-tile').map((t) => t.getAttribute('data-ref-id'))).not.toContain('QueueWaitThreshold/q000');
  });

  it('agrees with the alert thresholds just below and just above each one', () => {
    // The numbers come from the definitions (thresholdInMetricUnit is the number in the
    // alert expression, which the promtool tests prove); no threshold is written here.
    for (const cluster of ['primary', 'standby']) {
      const slos = evaluate('', cluster, {}).slos;
      expect(slos.length).toBeGreaterThan(0);
      for (const s of slos) {
        const t = s.thresholdInMetricUnit;
        const eps = Math.max(Math.abs(t) * 1e-6, 1e-9);
        const breach: SloStatus = s.severity === 'critical' ? 'critical' : 'warning';
        const at = (v: number) => evaluate('', cluster, { [s.refId]: v }).slos.find((x) => x.id === s.id)!.status;
        if (s.comparison === '>') {
          expect([s.id, at(t - eps)]).toEqual([s.id, 'ok']);
          expect([s.id, at(t)]).toEqual([s.id, 'ok']);
          expect([s.id, at(t + eps)]).toEqual([s.id, breach]);
        } else {
          expect([s.id, at(t)]).toEqual([s.id, breach]);
          expect([s.id, at(t + eps)]).toEqual([s.id, 'ok']);
        }
        expect(s.expr.length).toBeGreaterThan(0);
      }
    }
  });
});
