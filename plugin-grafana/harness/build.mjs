// Bundles the browser harness (react, react-dom, @grafana/ui, @grafana/data,
// @grafana/runtime, @emotion/css: what Grafana provides to plugins) into harness/dist.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const started = Date.now();
await build({
  entryPoints: [join(here, 'entry.tsx')],
  outfile: join(here, 'dist', 'harness.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
  loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.eot': 'empty' },
  logLevel: 'warning',
});
console.log(`harness bundled in ${Date.now() - started} ms -> harness/dist/harness.js`);
