// Static server for the browser harness, on 127.0.0.1 only, with a chosen
// Content-Security-Policy. It serves no .wasm file at all: the panel carries its module
// inline, which is the point (no MIME type or public-path dependency).
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

/** Grafana's default `content_security_policy_template` (conf/defaults.ini). */
const GRAFANA_DEFAULT =
  "script-src 'self' 'unsafe-eval' 'unsafe-inline' 'strict-dynamic' $NONCE;object-src 'none';font-src 'self';" +
  "style-src 'self' 'unsafe-inline' blob:;img-src * data:;base-uri 'self';connect-src 'self' grafana.com " +
  "ws://$ROOT_PATH wss://$ROOT_PATH;manifest-src 'self';media-src 'none';form-action 'self';";

/** A hardened policy: no 'unsafe-eval', no 'unsafe-inline' scripts; WebAssembly allowed by 'wasm-unsafe-eval'. */
const HARDENED =
  "default-src 'none';script-src 'strict-dynamic' $NONCE $WASM;style-src 'self' 'unsafe-inline';" +
  "img-src 'self' data:;font-src 'self';connect-src 'self';base-uri 'none';object-src 'none';form-action 'self';";

export const POLICIES = {
  'grafana-default': (nonce, root) => GRAFANA_DEFAULT.replaceAll('$NONCE', `'nonce-${nonce}'`).replaceAll('$ROOT_PATH', root),
  'hardened-wasm-unsafe-eval': (nonce) => HARDENED.replace('$NONCE', `'nonce-${nonce}'`).replace('$WASM', "'wasm-unsafe-eval'"),
  'hardened-without-wasm-unsafe-eval': (nonce) => HARDENED.replace('$NONCE', `'nonce-${nonce}'`).replace(' $WASM', ''),
};

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml' };

/** Start the server; `policy` is a key of POLICIES. Resolves to { url, close, csp }. */
export function serve(root, policy) {
  const make = POLICIES[policy];
  if (!make) {
    throw new Error(`unknown policy ${policy}`);
  }
  let lastCsp = '';
  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url, 'http://127.0.0.1').pathname;
      const nonce = randomBytes(16).toString('base64');
      const csp = make(nonce, req.headers.host ?? '127.0.0.1');
      if (path === '/' || path === '/index.html') {
        lastCsp = csp;
        const html = (await readFile(join(root, 'harness', 'index.html'), 'utf8')).replaceAll('__NONCE__', nonce);
        res.writeHead(200, { 'content-type': TYPES['.html'], 'content-security-policy': csp, 'cache-control': 'no-store' });
        res.end(html);
        return;
      }
      if (path === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      const rel = normalize(path).replace(/^\/+/, '');
      if (!(rel.startsWith('dist/') || rel.startsWith('harness/dist/')) || rel.includes('..')) {
        res.writeHead(404).end();
        return;
      }
      const body = await readFile(join(root, rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/`, csp: () => lastCsp, close: () => new Promise((r) => server.close(r)) });
    });
  });
}
