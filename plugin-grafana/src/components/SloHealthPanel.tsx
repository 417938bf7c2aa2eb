import React, { useEffect, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { Diagnostic, HealthResponse, SloHealth, SloHealthOptions, SloStatus } from '../types';
import { evaluate, loadCore } from '../core/wasm';
import { valuesFromFrames } from '../core/frames';

interface Props extends PanelProps<SloHealthOptions> {}

const LABELS: Record<SloStatus, string> = {
  ok: 'OK',
  warning: 'Warning',
  critical: 'Critical',
  nodata: 'No data',
};

/** Status colours from the Grafana theme (so they follow light/dark themes). */
export function statusColor(theme: GrafanaTheme2, status: SloStatus): string {
  switch (status) {
    case 'ok':
      return theme.colors.success.main;
    case 'warning':
      return theme.colors.warning.main;
    case 'critical':
      return theme.colors.error.main;
    default:
      return theme.colors.text.disabled;
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
      <div className={styles.value} style={{ color: slo.status === 'nodata' ? theme.colors.text.disabled : color }}>
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
    </div>
  );
}

export const SloHealthPanel: React.FC<Props> = ({ options, data, width, height, replaceVariables }) => {
  const styles = useStyles2(getStyles, options.tileMinWidth || 180);
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
  const health: HealthResponse | undefined = useMemo(
    () => (state.ready ? evaluate(options.definitions ?? '', cluster, valuesFromFrames(data.series)) : undefined),
    [state.ready, options.definitions, cluster, data.series]
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
  if (health.slos.length === 0) {
    return (
      <div className={styles.message} style={box}>
        No alert of the definitions is deployed to {cluster ? `cluster ${cluster}` : 'any cluster'}.
      </div>
    );
  }
  const unmatched = health.diagnostics.filter((d) => d.code === 'health/unknown-value').length;
  const noData = health.counts.nodata > 0;
  const multiCluster = new Set(health.slos.map((s) => s.cluster)).size > 1;
  return (
    <div className={styles.grid} style={box} data-testid="slo-health-panel">
      {health.slos.map((s) => (
        <Tile key={s.id} slo={s} styles={styles} showCluster={multiCluster} />
      ))}
      {noData && unmatched > 0 && (
        <div className={styles.note}>
          {unmatched} series matched no SLO: name each query with the SLO&apos;s refId (or legend), e.g.{' '}
          {health.slos.find((s) => s.status === 'nodata')?.refId}.
        </div>
      )}
    </div>
  );
};
