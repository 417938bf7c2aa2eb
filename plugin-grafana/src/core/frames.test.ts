import { createDataFrame, FieldType } from '@grafana/data';
import { alertsFromFrames, valuesFromFrames } from './frames';
import { alertFrame, seriesFrame } from '../test-utils';

describe('valuesFromFrames (real @grafana/data frames)', () => {
  it('takes the last non-null value under the refId and the series name', () => {
    const v = valuesFromFrames([seriesFrame('ApiLatencyHigh', [0.2, 0.7, null], 'p95')]);
    expect(v.ApiLatencyHigh).toBe(0.7);
    expect(v.p95).toBe(0.7);
  });

  it('turns NaN and infinities into the strings the core reads, and empty series into null', () => {
    const v = valuesFromFrames([
      seriesFrame('A', [1, NaN]),
      seriesFrame('B', [Infinity]),
      seriesFrame('C', [-Infinity]),
      seriesFrame('D', [null, null]),
    ]);
    expect(v).toMatchObject({ A: 'NaN', B: '+Inf', C: '-Inf', D: null });
  });

  it('passes several series of one query as a list', () => {
    const v = valuesFromFrames([seriesFrame('Q', [3]), seriesFrame('Q', [41])]);
    expect(v.Q).toEqual([3, 41]);
  });

  it('matches a frame by its name when the refId is not the SLO one', () => {
    const frame = createDataFrame({
      refId: 'A',
      name: 'RenderGpuSaturation',
      fields: [{ name: 'Value', type: FieldType.number, values: [93] }],
    });
    const v = valuesFromFrames([frame]);
    expect(v.A).toBe(93);
    expect(v.RenderGpuSaturation).toBe(93);
  });

  it('ignores string and time fields', () => {
    const frame = createDataFrame({
      refId: 'S',
      fields: [
        { name: 'Time', type: FieldType.time, values: [1] },
        { name: 'queue', type: FieldType.string, values: ['luneo-ai'] },
      ],
    });
    expect(valuesFromFrames([frame])).toEqual({});
  });
});

describe('alertsFromFrames (the ALERTS query)', () => {
  it('is undefined when the panel has no ALERTS query, empty when it returned nothing', () => {
    expect(alertsFromFrames([seriesFrame('A', [1])])).toBeUndefined();
    expect(alertsFromFrames([seriesFrame('A', [1])], ['A', 'ALERTS'])).toEqual([]);
  });

  it('returns the label set of each series with a value, and keeps them out of the values', () => {
    const frames = [seriesFrame('ApiLatencyHigh', [0.7]), alertFrame({ alertname: 'ApiLatencyHigh', alertstate: 'pending', cluster: 'primary' })];
    expect(alertsFromFrames(frames)).toEqual([{ alertname: 'ApiLatencyHigh', alertstate: 'pending', cluster: 'primary' }]);
    // The ALERTS series (legend ALERTS/ApiLatencyHigh/pending) never counts as the alert's value.
    expect(valuesFromFrames(frames)).toEqual({ ApiLatencyHigh: 0.7 });
  });
});
