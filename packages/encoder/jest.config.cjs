const preset = require('../../jest.preset.cjs');

module.exports = {
  ...preset,
  displayName: 'encoder',
  setupFilesAfterEnv: ['<rootDir>/jest-setup.ts'],
  // TEMPORARY (see jest-nn-shim.ts): until @sgdiff/nn's index exports tf, modules and optim.
  moduleNameMapper: {
    '^@sgdiff/nn$': '<rootDir>/jest-nn-shim.ts',
    '^@sgdiff/nn/node$': '<rootDir>/jest-nn-node-shim.ts',
    ...preset.moduleNameMapper,
  },
};
