import { SceneGraphError, formatSceneGraphText } from '@sgdiff/scene-graph';
import type { Command } from 'commander';
import { readGraphFile } from '../graph-input.js';
import { loadVocabulary } from '../vocab.js';

interface ValidateOptions {
  vocab: string;
  json?: boolean;
  maxObjects?: number;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check scene graph files (JSON or text syntax) against a vocabulary')
    .argument('<files...>', 'scene graph files; "-" reads stdin')
    .option(
      '--vocab <name|path>',
      'synthetic, coco, or a vocabulary/manifest JSON path',
      'synthetic',
    )
    .option('--max-objects <n>', 'reject graphs with more objects', (v) => parseInt(v, 10))
    .option('--json', 'print a machine-readable report')
    .action((files: string[], opts: ValidateOptions) => {
      const vocab = loadVocabulary(opts.vocab);
      const results = files.map((file) => {
        try {
          const graph = readGraphFile(file, vocab, { maxObjects: opts.maxObjects });
          return { file, valid: true as const, graph, issues: [] };
        } catch (e) {
          if (!(e instanceof SceneGraphError)) throw e;
          return { file, valid: false as const, issues: e.issues };
        }
      });
      if (opts.json) {
        process.stdout.write(JSON.stringify({ vocab: vocab.name, results }, null, 2) + '\n');
      } else {
        for (const r of results) {
          if (r.valid) {
            console.log(
              `✓ ${r.file}: ${r.graph.objects.length} objects, ${r.graph.relations.length} relations`,
            );
            console.log(`  ${formatSceneGraphText(r.graph)}`);
          } else {
            console.log(`✗ ${r.file}: ${r.issues.length} problem${r.issues.length > 1 ? 's' : ''}`);
            for (const i of r.issues) console.log(`  ${i.path ? `${i.path}: ` : ''}${i.message}`);
          }
        }
      }
      process.exitCode = results.every((r) => r.valid) ? 0 : 1;
    });
}
