import init, { evaluateHealth } from '../wasm/pkg/luneo_obs_wasm';
// A namespace import: TypeScript resolves this path to wasm-bindgen's
// luneo_obs_wasm_bg.wasm.d.ts (the module's exports), while webpack's `asset/inline` rule
// (and jest/wasm-data-url.js) make its default export the base64 data URL. It is the
// same module as the glue's own `new URL('luneo_obs_wasm_bg.wasm', import.meta.url)`,
// so the bytes are inlined once.
import * as wasmAsset from '../wasm/pkg/luneo_obs_wasm_bg.wasm';
import { AlertLabels, HealthResponse, HealthValues } from '../types';

/**
 * The luneo-obs core compiled to WebAssembly, inlined in module.js as base64.
 *
 * Loading never fetches: no dependency on the server's MIME type for .wasm, on the
 * plugin's public path or on a proxy, and no `instantiateStreaming`. The bytes are
 * decoded with `atob` and compiled with `WebAssembly.instantiate`, which a CSP allows
 * with `'unsafe-eval'` (Grafana's default template) or `'wasm-unsafe-eval'`.
 *
 * Instantiated once per page: the promise is kept on `globalThis`, so dashboards with
 * many panels, or module.js evaluated twice, share one instance.
 */
const GLOBAL_KEY = '__luneoObsCore_v1';
const wasmDataUrl = (wasmAsset as unknown as { default: string }).default;

type Holder = { [GLOBAL_KEY]?: Promise<void> };

export function decodeDataUrl(url: string): Uint8Array {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0 || !url.slice(0, comma).endsWith(';base64')) {
    throw new Error('the WebAssembly module is not an inline base64 data URL');
  }
  const bin = atob(url.slice(comma + 1));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) {
    bytes[i] = bin.charCodeAt(i);
  }
  return bytes;
}

/** Resolves once the module is instantiated; rejects with the engine's error (e.g. a CSP refusal). */
export function loadCore(): Promise<void> {
  const holder = globalThis as unknown as Holder;
  let ready = holder[GLOBAL_KEY];
  if (!ready) {
    ready = init({ module_or_path: decodeDataUrl(wasmDataUrl) }).then(() => undefined);
    // A failed load may be retried (e.g. after the page's CSP is fixed in a dev setup).
    ready.catch(() => {
      if (holder[GLOBAL_KEY] === ready) {
        delete holder[GLOBAL_KEY];
      }
    });
    holder[GLOBAL_KEY] = ready;
  }
  return ready;
}

/**
 * Evaluate SLO health. `definitions`: YAML text, or empty for the module's built-in
 * definitions; `alerts`: the `ALERTS` label sets (undefined: not queried). Call after
 * {@link loadCore} resolved.
 */
export function evaluate(definitions: string, cluster: string, values: HealthValues, alerts?: AlertLabels[]): HealthResponse {
  const request = JSON.stringify({ cluster: cluster.trim() === '' ? null : cluster.trim(), values, alerts: alerts ?? null });
  const text = definitions.trim() === '' ? undefined : definitions;
  return JSON.parse(evaluateHealth(text, request)) as HealthResponse;
}
