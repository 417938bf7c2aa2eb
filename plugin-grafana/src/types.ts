export interface SloHealthOptions {
  /** Definitions YAML (the generator fills it in); empty: the definitions built into the module. */
  definitions: string;
  /** Cluster whose SLOs are shown (template variables allowed); empty: every cluster. */
  cluster: string;
  /** Minimum tile width in pixels. */
  tileMinWidth: number;
}

export type SloStatus = 'ok' | 'warning' | 'critical' | 'nodata';

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
  status: SloStatus;
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
  diagnostics: Diagnostic[];
}

/** A value per refId / series name, as the core reads it: numbers, "NaN"/"+Inf"/"-Inf", null, or lists. */
export type Sample = number | string | null | Sample[];
export type HealthValues = Record<string, Sample>;
