import { DataFrame, FieldType } from '@grafana/data';
import { AlertLabels, HealthValues, Sample } from '../types';

/** Last non-null value of a numeric field, as the core reads it (JSON has no NaN/Infinity). */
function lastValue(values: ArrayLike<unknown>): Sample {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v === null || v === undefined) {
      continue;
    }
    if (typeof v !== 'number') {
      return null;
    }
    if (Number.isNaN(v)) {
      return 'NaN';
    }
    if (!Number.isFinite(v)) {
      return v > 0 ? '+Inf' : '-Inf';
    }
    return v;
  }
  return null;
}

function add(values: Record<string, Sample[]>, key: string | undefined, v: Sample) {
  if (!key) {
    return;
  }
  (values[key] ??= []).push(v);
}

/**
 * Current value per key from query results: each numeric field's last value, under its
 * frame's refId and under its series name (display name, frame name). Several series
 * under one key are passed as a list: the core takes the worst, as the alert would fire.
 */
export function valuesFromFrames(frames: DataFrame[]): HealthValues {
  const values: Record<string, Sample[]> = {};
  for (const frame of frames) {
    if (frame.refId === ALERTS_REF_ID) {
      // Alert states, not values (alertsFromFrames).
      continue;
    }
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) {
        continue;
      }
      const v = lastValue(field.values);
      // Series names: the legend (Prometheus' displayNameFromDS), an explicit display
      // name, the frame name, or a field name other than the generic "Value".
      const names = new Set<string>();
      for (const n of [field.config.displayNameFromDS, field.config.displayName, frame.name, field.name === 'Value' ? undefined : field.name]) {
        if (n) {
          names.add(n);
        }
      }
      add(values, frame.refId, v);
      for (const n of names) {
        if (n !== frame.refId) {
          add(values, n, v);
        }
      }
    }
  }
  const out: HealthValues = {};
  for (const [k, list] of Object.entries(values)) {
    out[k] = list.length === 1 ? list[0] : list;
  }
  return out;
}

/** The refId of the generated dashboards' `ALERTS` query (luneo-obs-core ALERTS_REF_ID). */
export const ALERTS_REF_ID = 'ALERTS';

/**
 * The alerts' real state: the label sets of the `ALERTS` series that have a value now,
 * or `undefined` when the panel has no `ALERTS` query (then the core can only judge
 * thresholds). An `ALERTS` query that returned nothing means no alert is pending or
 * firing: an empty list.
 */
export function alertsFromFrames(frames: DataFrame[], queriedRefIds: string[] = []): AlertLabels[] | undefined {
  const mine = frames.filter((f) => f.refId === ALERTS_REF_ID);
  if (mine.length === 0 && !queriedRefIds.includes(ALERTS_REF_ID)) {
    return undefined;
  }
  const out: AlertLabels[] = [];
  for (const frame of mine) {
    for (const field of frame.fields) {
      if (field.type !== FieldType.number || !field.labels) {
        continue;
      }
      if (lastValue(field.values) !== null) {
        out.push({ ...field.labels });
      }
    }
  }
  return out;
}
