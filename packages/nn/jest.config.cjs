// Runs under `node --experimental-vm-modules` (see package.json nx.targets.test): the ESM-only
// `webgpu` package is loaded with a dynamic import() from the CJS-transpiled tests.
const preset = require('../../jest.preset.cjs');

module.exports = {
  ...preset,
  displayName: 'nn',
  globalSetup: '<rootDir>/jest.global-setup.cjs',
  testTimeout: 120000,
};
