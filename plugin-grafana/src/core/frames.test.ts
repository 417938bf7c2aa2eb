import { createDataFrame, FieldType } from '@grafana/data';
import { valuesFromFrames } from './frames';
import { seriesFrame } from '../test-utils';

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
