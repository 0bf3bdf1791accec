import { SceneGraphError, findContradictions, formatSceneGraphText } from '@sgdiff/scene-graph';
import type { Command } from 'commander';
import { terminalSafe } from '../errors.js';
import { readGraphFile } from '../graph-input.js';
import { positiveInt } from '../options.js';
import { loadVocabulary } from '../vocab.js';

interface ValidateOptions {
  vocab: string;
  json?: boolean;
  maxObjects?: number;
  strict?: boolean;
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
    .option('--max-objects <n>', 'reject graphs with more objects', positiveInt, 1000)
    .option('--strict', 'treat warnings (relations that cannot all hold) as errors')
    .option('--json', 'print a machine-readable report')
    .action((files: string[], opts: ValidateOptions) => {
      const vocab = loadVocabulary(opts.vocab);
      const results = files.map((file) => {
        try {
          const graph = readGraphFile(file, vocab, { maxObjects: opts.maxObjects });
          // A valid graph can still be impossible to lay out: warned, or refused with --strict.
          const warnings = findContradictions(graph);
          return { file, valid: !(opts.strict && warnings.length), graph, issues: [], warnings };
        } catch (e) {
          if (!(e instanceof SceneGraphError)) throw e;
          return { file, valid: false, issues: e.issues, warnings: [] };
        }
      });
      if (opts.json) {
        process.stdout.write(JSON.stringify({ vocab: vocab.name, results }, null, 2) + '\n');
      } else {
        const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
        // Labels and file names come from the user's files: printed terminal-safe.
        const console = { log: (line: string) => globalThis.console.log(terminalSafe(line)) };
        for (const r of results) {
          const warned = r.warnings.length ? `, ${plural(r.warnings.length, 'warning')}` : '';
          if (r.graph && r.valid) {
            console.log(
              `✓ ${r.file}: ${r.graph.objects.length} objects, ${r.graph.relations.length} relations${warned}`,
            );
            console.log(`  ${formatSceneGraphText(r.graph)}`);
          } else if (r.graph) {
            console.log(`✗ ${r.file}: ${plural(r.warnings.length, 'warning')} (--strict)`);
          } else {
            console.log(`✗ ${r.file}: ${plural(r.issues.length, 'problem')}`);
            for (const i of r.issues) console.log(`  ${i.path ? `${i.path}: ` : ''}${i.message}`);
          }
          for (const w of r.warnings) console.log(`  warning: ${w.path}: ${w.message}`);
        }
      }
      process.exitCode = results.every((r) => r.valid) ? 0 : 1;
    });
}
