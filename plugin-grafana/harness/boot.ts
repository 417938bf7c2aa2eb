// Runs before @grafana/runtime is evaluated (imported first by entry.tsx): Grafana's
// index page sets window.grafanaBootData; @grafana/runtime's config reads it.
const w = window as unknown as { grafanaBootData?: unknown };
w.grafanaBootData = {
  settings: { featureToggles: {}, buildInfo: { version: '12.4.0' }, theme2: undefined },
  user: { timezone: 'utc', theme: 'dark' },
  navTree: [],
};
export {};
