// Jest stand-in for webpack's `asset/inline` rule on .wasm imports (jest.config.js maps
// every .wasm import here): it exports the same base64 data URL webpack puts into
// module.js, read from the real module wasm-pack built, so the tests load the real core
// through the real loader (src/core/wasm.ts). Jest cannot transform .wasm files itself:
// it treats them as ES modules.
const fs = require('fs');
const path = require('path');

const file = path.resolve(__dirname, '..', 'src', 'wasm', 'pkg', 'luneo_obs_wasm_bg.wasm');
if (!fs.existsSync(file)) {
  throw new Error(`${file} is missing: build it first (make wasm)`);
}
module.exports = {
  __esModule: true,
  default: 'data:application/wasm;base64,' + fs.readFileSync(file).toString('base64'),
};
