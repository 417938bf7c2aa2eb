import { createDataFrame, DataFrame, FieldType } from '@grafana/data';
import { Sample } from './types';

/**
 * A Prometheus-like time series frame, as Grafana's Prometheus data source returns it:
 * refId, a time field and a number field named by the legend.
 */
export function seriesFrame(refId: string, values: Array<number | null>, legend?: string): DataFrame {
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: values.map((_, i) => 1_700_000_000_000 + i * 30_000) },
      {
        name: 'Value',
        type: FieldType.number,
        values,
        config: legend ? { displayNameFromDS: legend } : {},
      },
    ],
  });
}

/** Frames for a map of refId -> last value (null: an empty series). */
export function framesFor(values: Record<string, Sample>): DataFrame[] {
  return Object.entries(values).map(([refId, v]) => seriesFrame(refId, [typeof v === 'number' ? v : null]));
}

/** An `ALERTS` series as Grafana's Prometheus data source returns it (labels on the value field). */
export function alertFrame(labels: Record<string, string>): DataFrame {
  return createDataFrame({
    refId: 'ALERTS',
    fields: [
      { name: 'Time', type: FieldType.time, values: [1_700_000_000_000] },
      { name: 'Value', type: FieldType.number, values: [1], labels, config: { displayNameFromDS: `ALERTS/${labels.alertname}/${labels.alertstate}` } },
    ],
  });
}
