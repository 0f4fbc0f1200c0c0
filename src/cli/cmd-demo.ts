// `permasar demo` (what `npm start` runs): every step of the study on the bundled synthetic
// sample in data/sample/, into ./results (replaced on each run), with a line per step.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { InputError } from '../core/errors.ts';
import { main } from './main.ts';
import type { Command } from './command.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run every step on the bundled sample (data/sample) into ./results',
  usage: `usage: permasar demo [--out DIR] [--device gpu|cpu|auto]

Runs the whole study on the bundled synthetic sample (data/sample/, made by npm run make-sample):
fit of the ascending stack, with its temporal-coherence mask and geometry. Results go to DIR
(default ./results), replaced on every run.`,
  positionals: [0, 0],
  options: { out: { type: 'string' }, device: { type: 'string' } },
  async run(values) {
    const out = path.resolve(String(values.out ?? 'results'));
    const device = String(values.device ?? 'auto');
    const sample = path.join(repoRoot, 'data', 'sample');
    if (!existsSync(path.join(sample, 'asc', 'timeseries.h5'))) throw new InputError(sample, 'bundled sample missing; run npm run make-sample');
    const steps: [string, string[]][] = [
      ['fit (ascending)', ['fit', path.join(sample, 'asc', 'timeseries.h5'), '--out', path.join(out, 'asc'), '--overwrite',
        '--mask', path.join(sample, 'asc', 'temporalCoherence.h5'), '--geometry', path.join(sample, 'asc', 'geometryGeo.h5'), '--device', device]],
    ];
    for (const [label, argv] of steps) {
      console.log(`\n== ${label}: permasar ${argv.map((a) => (a.startsWith(repoRoot) ? path.relative(process.cwd(), a) : a)).join(' ')}`);
      const code = await main(argv);
      if (code !== 0) throw new InputError(label, `step failed (exit ${code})`);
    }
    console.log(`\nAll steps done; results in ${out}`);
  },
};
