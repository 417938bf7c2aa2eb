import React, { useEffect, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { BudgetHealth, Diagnostic, HealthResponse, Rollup, SloHealth, SloHealthOptions, SloStatus } from '../types';
import { evaluate, loadCore } from '../core/wasm';
import { alertsFromFrames, valuesFromFrames } from '../core/frames';

interface Props extends PanelProps<SloHealthOptions> {}

const LABELS: Record<SloStatus, string> = {
  ok: 'OK',
  warning: 'Warning',
  critical: 'Critical',
  nodata: 'No data',
  pending: 'Pending',
};

/** An alert with more tiles than this shows as one roll-up tile (option `rollupAbove`). */
export const DEFAULT_ROLLUP_ABOVE = 6;
/** Members a roll-up tile lists, worst first. */
const ROLLUP_SHOWN = 4;

/** What the alert does, next to the value: the tile never claims more than this. */
function alertLine(s: SloHealth): string {
  const series = s.alertSeries > 1 ? ` (${s.alertSeries} series)` : '';
  switch (s.alertState) {
    case 'firing':
      return `alert firing${series}`;
    case 'pending':
      return `alert pending${series}`;
    case 'inactive':
      return s.crossed ? 'threshold crossed, alert inactive' : 'alert inactive';
    default:
      return s.crossed ? 'threshold crossed (alert state not queried)' : 'alert state not queried';
  }
}

/** Status colours from the Grafana theme (so they follow light/dark themes). */
export function statusColor(theme: GrafanaTheme2, status: SloStatus): string {
  switch (status) {
    case 'ok':
      return theme.colors.success.main;
    case 'warning':
      return theme.colors.warning.main;
    case 'critical':
      return theme.colors.error.main;
    case 'pending':
      return theme.colors.info.main;
    default:
      return theme.colors.text.disabled;
  }
}

/**
 * The colour of a tile's number: the status colour while the alert is pending or firing;
 * plain text otherwise, so a crossed threshold or a spent budget under an inactive alert
 * is not painted green (nor red: the alert decides).
 */
function valueColor(theme: GrafanaTheme2, status: SloStatus): string {
  switch (status) {
    case 'ok':
      return theme.colors.text.primary;
    case 'nodata':
      return theme.colors.text.disabled;
    default:
      return statusColor(theme, status);
  }
}

const getStyles = (theme: GrafanaTheme2, minWidth: number) => ({
  grid: css({
    display: 'grid',
    gridTemplateColumns: `repeat(auto-fill, minmax(${minWidth}px, 1fr))`,
    gap: theme.spacing(1),
    overflow: 'auto',
    height: '100%',
    alignContent: 'start',
  }),
  tile: css({
    borderRadius: theme.shape.radius.default,
    border: `1px solid ${theme.colors.border.weak}`,
    borderLeftWidth: 6,
    padding: theme.spacing(1, 1.5),
    background: theme.colors.background.secondary,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.25),
    minWidth: 0,
  }),
  title: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  value: css({
    fontSize: theme.typography.h3.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    lineHeight: 1.2,
  }),
  meta: css({
    display: 'flex',
    alignItems: 'baseline',
    justifyContent: 'space-between',
    gap: theme.spacing(1),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  badge: css({
    whiteSpace: 'nowrap',
    fontWeight: theme.typography.fontWeightBold,
    textTransform: 'uppercase',
  }),
  message: css({
    padding: theme.spacing(1),
    color: theme.colors.text.secondary,
  }),
  error: css({
    padding: theme.spacing(1),
    color: theme.colors.error.text,
    whiteSpace: 'pre-wrap',
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  link: css({
    color: theme.colors.text.link,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
  }),
  state: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  summary: css({
    gridColumn: '1 / -1',
    display: 'flex',
    gap: theme.spacing(2),
    alignItems: 'baseline',
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  members: css({
    margin: 0,
    padding: 0,
    listStyle: 'none',
    fontSize: theme.typography.bodySmall.fontSize,
    '& li': { display: 'flex', justifyContent: 'space-between', gap: theme.spacing(1), whiteSpace: 'nowrap' },
  }),
  note: css({
    gridColumn: '1 / -1',
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
});

function renderDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}[${d.code}]: ${d.message}${d.hint ? `\n  hint: ${d.hint}` : ''}`;
}

function Tile({ slo, styles, showCluster }: { slo: SloHealth; styles: ReturnType<typeof getStyles>; showCluster: boolean }) {
  const theme = useTheme2();
  const color = statusColor(theme, slo.status);
  return (
    <div
      className={styles.tile}
      style={{ borderLeftColor: color }}
      data-testid="slo-tile"
      data-slo-id={slo.id}
      data-ref-id={slo.refId}
      data-status={slo.status}
      title={`${slo.alert} (${slo.severity}, for ${slo.for})\n${slo.expr} ${slo.comparison} ${slo.thresholdInMetricUnit}`}
    >
      <div className={styles.title}>
        {slo.title}
        {showCluster ? ` · ${slo.cluster}` : ''}
      </div>
      <div className={styles.value} style={{ color: valueColor(theme, slo.status) }}>
        {slo.status === 'nodata' ? 'No data' : slo.valueText}
      </div>
      <div className={styles.meta}>
        <span>
          {slo.comparison === '==' ? 'alert at ' : 'alert > '}
          {slo.thresholdText}
        </span>
        <span className={styles.badge} style={{ color }} data-testid="slo-status">
          {LABELS[slo.status]}
        </span>
      </div>
      <div className={styles.meta}>
        <span className={styles.state} title={alertLine(slo)} data-testid="slo-alert-state" data-alert-state={slo.alertState} data-crossed={String(slo.crossed)}>
          {alertLine(slo)}
        </span>
        {slo.runbookUrl && (
          <a className={styles.link} href={slo.runbookUrl} target="_blank" rel="noopener noreferrer">
            runbook
          </a>
        )}
      </div>
    </div>
  );
}

/** One tile for an alert with many tiles (a queue alert on 100 queues): its worst status, the count per status and the worst members. */
function RollupTile({ rollup, tiles, styles, showCluster }: { rollup: Rollup; tiles: Map<string, SloHealth>; styles: ReturnType<typeof getStyles>; showCluster: boolean }) {
  const theme = useTheme2();
  const color = statusColor(theme, rollup.status);
  const order: SloStatus[] = ['critical', 'warning', 'pending', 'nodata', 'ok'];
  const counts = order.filter((s) => rollup.counts[s] > 0).map((s) => `${rollup.counts[s]} ${LABELS[s].toLowerCase()}`);
  const first = tiles.get(rollup.members[0]);
  return (
    <div className={styles.tile} style={{ borderLeftColor: color }} data-testid="slo-rollup" data-rollup-id={rollup.id} data-status={rollup.status}>
      <div className={styles.title}>
        {rollup.alert} · {rollup.members.length} series{showCluster ? ` · ${rollup.cluster}` : ''}
      </div>
      <div className={styles.meta}>
        <span data-testid="slo-rollup-counts">{counts.join(' · ')}</span>
        <span className={styles.badge} style={{ color }} data-testid="slo-status">
          {LABELS[rollup.status]}
        </span>
      </div>
      <ul className={styles.members}>
        {rollup.members.slice(0, ROLLUP_SHOWN).map((id) => {
          const t = tiles.get(id);
          return (
            t && (
              <li key={id} data-testid="slo-rollup-member" data-slo-id={id} data-status={t.status}>
                <span className={styles.state}>{t.queue ?? t.title}</span>
                <span style={{ color: statusColor(theme, t.status) }}>
                  {t.valueText} · {LABELS[t.status]}
                </span>
              </li>
            )
          );
        })}
      </ul>
      {first?.runbookUrl && (
        <a className={styles.link} href={first.runbookUrl} target="_blank" rel="noopener noreferrer">
          runbook
        </a>
      )}
    </div>
  );
}

/** An SLO's error budget: what is left over the window and how fast it burns now, coloured by its burn-rate alert. */
function BudgetTile({ budget, styles, showCluster }: { budget: BudgetHealth; styles: ReturnType<typeof getStyles>; showCluster: boolean }) {
  const theme = useTheme2();
  const color = statusColor(theme, budget.status);
  const state =
    budget.alertState === 'firing' || budget.alertState === 'pending'
      ? `${budget.alert} ${budget.alertState}${budget.tier ? ` (${budget.tier})` : ''}`
      : budget.alertState === 'inactive'
        ? `${budget.alert} inactive`
        : 'alert state not queried';
  const group = (g?: string) => (g ? ` · ${g}` : '');
  return (
    <div
      className={styles.tile}
      style={{ borderLeftColor: color }}
      data-testid="slo-budget"
      data-slo={budget.slo}
      data-status={budget.status}
      title={`${budget.description}\nobjective ${budget.objective} % over ${budget.window}, budget ${budget.budgetText}`}
    >
      <div className={styles.title}>
        SLO {budget.slo} · {budget.objective} % / {budget.window}
        {showCluster ? ` · ${budget.cluster}` : ''}
      </div>
      <div className={styles.value} data-testid="slo-budget-left" style={{ color: valueColor(theme, budget.status) }}>
        {budget.remaining === null ? 'No data' : `${budget.remainingText} left`}
      </div>
      <div className={styles.meta}>
        <span data-testid="slo-burn-rate">
          burn {budget.burnRateText}
          {group(budget.burnRateGroup)}
        </span>
        <span className={styles.badge} style={{ color }} data-testid="slo-status">
          {LABELS[budget.status]}
        </span>
      </div>
      <div className={styles.meta}>
        <span className={styles.state} data-testid="slo-alert-state" data-alert-state={budget.alertState}>
          {state}
          {group(budget.remainingGroup)}
        </span>
        <a className={styles.link} href={budget.runbookUrl} target="_blank" rel="noopener noreferrer">
          runbook
        </a>
      </div>
    </div>
  );
}

export const SloHealthPanel: React.FC<Props> = ({ options, data, width, height, replaceVariables }) => {
  const styles = useStyles2(getStyles, options.tileMinWidth || 180);
  const theme = useTheme2();
  const [state, setState] = useState<{ ready: boolean; error?: string }>({ ready: false });

  useEffect(() => {
    let live = true;
    loadCore().then(
      () => live && setState({ ready: true }),
      (e: unknown) => live && setState({ ready: false, error: e instanceof Error ? e.message : String(e) })
    );
    return () => {
      live = false;
    };
  }, []);

  const cluster = replaceVariables(options.cluster ?? '');
  const queried = useMemo(() => (data.request?.targets ?? []).map((t) => t.refId), [data.request]);
  const health: HealthResponse | undefined = useMemo(
    () =>
      state.ready ? evaluate(options.definitions ?? '', cluster, valuesFromFrames(data.series), alertsFromFrames(data.series, queried)) : undefined,
    [state.ready, options.definitions, cluster, data.series, queried]
  );

  const box = { width, height };
  if (state.error) {
    return (
      <div className={styles.error} style={box} data-testid="slo-load-error">
        {`The SLO health module could not start: ${state.error}\n` +
          `If Grafana runs with a Content-Security-Policy, script-src must allow 'wasm-unsafe-eval'.`}
      </div>
    );
  }
  if (!health) {
    return (
      <div className={styles.message} style={box}>
        Loading…
      </div>
    );
  }
  const errors = health.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    return (
      <div className={styles.error} style={box} data-testid="slo-definitions-error">
        {errors.map(renderDiagnostic).join('\n')}
      </div>
    );
  }
  if (health.slos.length === 0 && health.budgets.length === 0) {
    return (
      <div className={styles.message} style={box}>
        No alert of the definitions is deployed to {cluster ? `cluster ${cluster}` : 'any cluster'}.
      </div>
    );
  }
  const unmatched = health.diagnostics.filter((d) => d.code === 'health/unknown-value').length;
  const noData = health.counts.nodata > 0;
  const multiCluster = new Set(health.slos.map((s) => s.cluster)).size > 1;
  const tiles = new Map(health.slos.map((s) => [s.id, s]));
  const rollupAbove = options.rollupAbove ?? DEFAULT_ROLLUP_ABOVE;
  const worst = health.worst ?? 'nodata';
  const order: SloStatus[] = ['critical', 'warning', 'pending', 'nodata', 'ok'];
  const all = [...health.slos.map((s) => s.status), ...health.budgets.map((b) => b.status)];
  const summary = order
    .map((st) => [st, all.filter((x) => x === st).length] as const)
    .filter(([, n]) => n > 0)
    .map(([st, n]) => `${n} ${LABELS[st].toLowerCase()}`);
  return (
    <div className={styles.grid} style={box} data-testid="slo-health-panel">
      <div className={styles.summary} data-testid="slo-summary" data-status={worst}>
        <span className={styles.badge} style={{ color: statusColor(theme, worst) }}>
          {LABELS[worst]}
        </span>
        <span>{summary.join(' · ')}</span>
      </div>
      {health.budgets.map((b) => (
        <BudgetTile key={b.id} budget={b} styles={styles} showCluster={multiCluster} />
      ))}
      {health.rollups.flatMap((r) =>
        r.members.length > rollupAbove
          ? [<RollupTile key={r.id} rollup={r} tiles={tiles} styles={styles} showCluster={multiCluster} />]
          : health.slos.filter((s) => `${s.cluster}/${s.alert}` === r.id).map((s) => <Tile key={s.id} slo={s} styles={styles} showCluster={multiCluster} />)
      )}
      {noData && unmatched > 0 && (
        <div className={styles.note}>
          {unmatched} series matched no SLO: name each query with the SLO&apos;s refId (or legend), e.g.{' '}
          {health.slos.find((s) => s.status === 'nodata')?.refId}.
        </div>
      )}
    </div>
  );
};
