import baseConfig from '../../eslint.config.mjs';

// The root config scopes its TypeScript rules (layering, non-null assertions, unused vars) to
// **/*.ts; the app's components are .tsx, so the same rules apply to them here.
const tsRules = baseConfig.filter(
  (c) => Array.isArray(c.files) && c.files.length === 1 && c.files[0] === '**/*.ts',
);

export default [
  ...baseConfig,
  ...tsRules.map((c) => ({ ...c, files: ['**/*.tsx'] })),
  { ignores: ['e2e-output', '.generated'] },
];
