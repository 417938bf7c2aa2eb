import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

// Extends the scaffold's configuration (.config/ stays untouched).
const config = async (env: Env): Promise<Configuration> => {
  const baseConfig = await grafanaConfig(env);
  return merge(baseConfig, {
    module: {
      rules: [
        // The luneo-obs core: inlined into module.js as a base64 data URL, decoded with
        // atob and compiled with WebAssembly.instantiate (src/core/wasm.ts). No fetch,
        // so no dependency on the server's MIME type or the plugin's public path.
        { test: /\.wasm$/, type: 'asset/inline' },
      ],
    },
    performance: { hints: false },
  });
};

export default config;
