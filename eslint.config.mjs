import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

// Layering from docs/architecture.md. An arrow points at what a package may import.
const layers = {
  'scene-graph': [],
  nn: [],
  datasets: ['scene-graph'],
  encoder: ['nn', 'scene-graph'],
  eval: ['nn', 'scene-graph'],
  diffusion: ['encoder', 'nn', 'scene-graph'],
  cli: ['datasets', 'eval', 'diffusion', 'encoder', 'nn', 'scene-graph'],
  web: ['diffusion', 'encoder', 'nn', 'scene-graph'],
};
// Packages that must stay free of tensors.
const noTfjs = new Set(['scene-graph', 'datasets']);

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  prettier,
  {
    ignores: [
      '**/dist',
      '**/out-tsc',
      '**/node_modules',
      '**/vendor',
      'docs-site',
      'out',
      '.nx',
      '.device-carry',
    ],
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: Object.entries(layers).map(([name, deps]) => ({
            sourceTag: `layer:${name}`,
            onlyDependOnLibsWithTags: deps.map((d) => `layer:${d}`),
            ...(noTfjs.has(name) ? { bannedExternalImports: ['@tensorflow/*', 'webgpu'] } : {}),
          })),
        },
      ],
      // Non-null assertions mark lookups that the surrounding code has just guaranteed.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
