// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  transform: {
    ...base.transform,
    // d3-color and friends (dependencies of @grafana/data) ship .mjs files.
    '^.+\\.mjs$': '@swc/jest',
  },
  moduleNameMapper: {
    ...base.moduleNameMapper,
    // The real WebAssembly module, as the same data URL webpack inlines.
    '\\.wasm$': '<rootDir>/jest/wasm-data-url.js',
  },
};
