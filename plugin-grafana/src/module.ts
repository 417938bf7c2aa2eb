import { PanelPlugin } from '@grafana/data';
import { SloHealthOptions } from './types';
import { SloHealthPanel } from './components/SloHealthPanel';

export const plugin = new PanelPlugin<SloHealthOptions>(SloHealthPanel).setPanelOptions((builder) =>
  builder
    .addTextInput({
      path: 'cluster',
      name: 'Cluster',
      description: 'Show the SLOs of the alerts deployed to this cluster (template variables allowed). Empty: every cluster.',
      defaultValue: '',
    })
    .addTextInput({
      path: 'definitions',
      name: 'Definitions (YAML)',
      description:
        'luneo-obs definitions: thresholds, severities and units come from here, exactly as the alerts use them. ' +
        'Empty: the definitions built into the plugin. Query refIds (or legends) must equal the SLO refIds.',
      defaultValue: '',
      settings: { useTextarea: true, rows: 12 },
    })
    .addNumberInput({
      path: 'tileMinWidth',
      name: 'Minimum tile width',
      description: 'In pixels.',
      defaultValue: 180,
      settings: { min: 100, max: 600, integer: true },
    })
    .addNumberInput({
      path: 'rollupAbove',
      name: 'Roll up above',
      description: 'An alert with more tiles than this (one per queue) shows as one tile: its worst state, the count per state and the worst queues.',
      defaultValue: 6,
      settings: { min: 1, max: 1000, integer: true },
    })
);
