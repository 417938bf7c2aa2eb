export interface SloHealthOptions {
  /** Definitions YAML (the generator fills it in); empty: the definitions built into the module. */
  definitions: string;
  /** Cluster whose SLOs are shown (template variables allowed); empty: every cluster. */
  cluster: string;
  /** Minimum tile width in pixels. */
  tileMinWidth: number;
  /** An alert with more tiles than this (one per queue) shows as one roll-up tile. */
  rollupAbove?: number;
}

export type SloStatus = 'ok' | 'warning' | 'critical' | 'nodata' | 'pending';
/** The alert's state from Prometheus's `ALERTS` series; `unknown` when the panel has no `ALERTS` query. */
export type AlertState = 'unknown' | 'inactive' | 'pending' | 'firing';

/** One SLO as the core's `evaluateHealth` returns it (see luneo-obs-core health.rs). */
export interface SloHealth {
  id: string;
  refId: string;
  alert: string;
  slo: string;
  title: string;
  cluster: string;
  queue?: string;
  expr: string;
  threshold: number;
  unit: string;
  grafanaUnit: string;
  metricUnit: string;
  thresholdInMetricUnit: number;
  comparison: '>' | '==';
  severity: string;
  for: string;
  value: number | null;
  valueText: string;
  thresholdText: string;
  /** The value crosses the threshold now (without the alert's `for` and guards). */
  crossed: boolean;
  alertState: AlertState;
  /** `ALERTS` series of the alert in that state (one per route, queue, ...). */
  alertSeries: number;
  status: SloStatus;
  runbookUrl: string;
}

/** An SLO's error budget (spec.slos), computed by the core from its recorded error ratios. */
export interface BudgetHealth {
  id: string;
  slo: string;
  description: string;
  cluster: string;
  alert: string;
  objective: number;
  window: string;
  budget: number;
  budgetText: string;
  groupBy?: string;
  groups: number;
  remaining: number | null;
  remainingText: string;
  remainingGroup?: string;
  burnRate: number | null;
  burnRateText: string;
  burnRateGroup?: string;
  alertState: AlertState;
  tier?: string;
  status: SloStatus;
  runbookUrl: string;
}

/** The worst status of an alert's tiles. */
export interface Rollup {
  id: string;
  alert: string;
  cluster: string;
  status: SloStatus;
  counts: Record<SloStatus, number>;
  /** Tile ids, worst first. */
  members: string[];
}

export interface Diagnostic {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  file: string;
  line: number;
  column: number;
  hint?: string;
}

export interface HealthResponse {
  ok: boolean;
  slos: SloHealth[];
  counts: Record<SloStatus, number>;
  budgets: BudgetHealth[];
  rollups: Rollup[];
  worst: SloStatus | null;
  diagnostics: Diagnostic[];
}

/** The label sets of the `ALERTS` series (pending or firing now). */
export type AlertLabels = Record<string, string>;

/** A value per refId / series name, as the core reads it: numbers, "NaN"/"+Inf"/"-Inf", null, or lists. */
export type Sample = number | string | null | Sample[];
export type HealthValues = Record<string, Sample>;
