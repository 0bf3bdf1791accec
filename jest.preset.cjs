// Shared jest settings: sources are ESM TypeScript, transpiled by swc for jest's CJS runtime.
// `@sgdiff/source` makes workspace imports resolve to src/, so tests need no prior build.
module.exports = {
  testEnvironment: 'node',
  passWithNoTests: true,
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs', ignoreDynamic: true },
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironmentOptions: {
    customExportConditions: ['@sgdiff/source', 'node', 'require', 'default'],
  },
};
