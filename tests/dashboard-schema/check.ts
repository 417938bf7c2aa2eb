// Types the generated Grafana dashboards must satisfy, built on @grafana/schema (the types
// Grafana's own frontend uses; pinned in package.json to the Grafana 12.4 line).
//
// tests/tests/dashboard_schema.rs copies this file and tsconfig.json into a scratch
// directory (node_modules linked from here), writes every dashboard of both overlays (as
// `kubectl kustomize` builds them) to generated/<overlay>--<uid>.ts as
//
//   export const dashboard = { ...the JSON... } satisfies Json<LuneoDashboard>;
//
// and runs this directory's `tsc --noEmit`. `satisfies` keeps the literal types of the
// JSON and rejects unknown properties, so a misspelt option, a wrong enum value or a
// missing required field fails the test.

import type { DataSourceRef, Dashboard, FieldConfigSource, GridPos, Panel, VariableModel } from '@grafana/schema';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type {
  FieldConfig as TableFieldConfig,
  Options as TableOptions,
} from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type {
  FieldConfig as HeatmapFieldConfig,
  Options as HeatmapOptions,
} from '@grafana/schema/dist/esm/raw/composable/heatmap/panelcfg/x/HeatmapPanelCfg_types.gen';
import type {
  FieldConfig as TimeSeriesFieldConfig,
  Options as TimeSeriesOptions,
} from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

/** The JSON form of a schema type: a string enum accepts its literal values. */
export type Json<T> = T extends string
  ? string extends T
    ? string
    : `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Json<U>>
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

/**
 * A Prometheus target as Grafana's Prometheus data source stores it (the fields of
 * @grafana/prometheus' PromQuery that luneo-obs writes; @grafana/schema types targets as
 * DataQuery only).
 */
export interface PromQuery {
  refId: string;
  datasource: DataSourceRef;
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  range?: boolean;
  format?: 'time_series' | 'table' | 'heatmap';
  editorMode?: 'code' | 'builder';
  hide?: boolean;
}

/** Fields every generated panel must have. */
type Common = Omit<Panel, 'type' | 'options' | 'fieldConfig' | 'targets' | 'datasource' | 'gridPos' | 'id' | 'title'> & {
  id: number;
  title: string;
  description: string;
  datasource: DataSourceRef;
  gridPos: GridPos;
  targets: PromQuery[];
};

export type StatPanel = Common & { type: 'stat'; options: StatOptions; fieldConfig: FieldConfigSource };
export type TimeSeriesPanel = Common & {
  type: 'timeseries';
  options: TimeSeriesOptions;
  fieldConfig: FieldConfigSource<TimeSeriesFieldConfig>;
};
export type TablePanel = Common & { type: 'table'; options: TableOptions; fieldConfig: FieldConfigSource<TableFieldConfig> };
export type HeatmapPanel = Common & {
  type: 'heatmap';
  options: HeatmapOptions;
  fieldConfig: FieldConfigSource<HeatmapFieldConfig>;
};
/**
 * The luneo-obs SLO health panel (plugin-grafana, id `luneo-slohealth-panel`); its options
 * mirror `SloHealthOptions` of plugin-grafana/src/types.ts.
 */
export type SloHealthPanel = Common & {
  type: 'luneo-slohealth-panel';
  options: { definitions: string; cluster: string; tileMinWidth: number };
  fieldConfig?: FieldConfigSource;
};
export type LuneoPanel = StatPanel | TimeSeriesPanel | TablePanel | HeatmapPanel | SloHealthPanel;

/** A generated dashboard: a Dashboard with the fields luneo-obs always sets. */
export type LuneoDashboard = Omit<Dashboard, 'panels' | 'templating'> &
  Required<Pick<Dashboard, 'uid' | 'title' | 'tags' | 'refresh' | 'time' | 'schemaVersion' | 'editable'>> & {
    panels: LuneoPanel[];
    templating: { list: VariableModel[] };
  };

/** Every generated dashboard is also a plain @grafana/schema Dashboard. */
export function asDashboard(d: Json<LuneoDashboard>): Json<Dashboard> {
  return d;
}
