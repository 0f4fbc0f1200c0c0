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
fit of both tracks (ascending with its temporal-coherence mask), motion direction and up/east
decomposition, vertical projection, active-layer thickness with its in-situ sites, the ALT
envelope, thermokarst hazard counts near a toy corridor, and ground-temperature coupling at one
pixel. Results go to DIR (default ./results), each step's folder replaced on every run.`,
  positionals: [0, 0],
  options: { out: { type: 'string' }, device: { type: 'string' } },
  async run(values) {
    const out = path.resolve(String(values.out ?? 'results'));
    const device = String(values.device ?? 'auto');
    const sample = path.join(repoRoot, 'data', 'sample');
    if (!existsSync(path.join(sample, 'asc', 'timeseries.h5'))) throw new InputError(sample, 'bundled sample missing; run npm run make-sample');
    const asc = path.join(sample, 'asc');
    const desc = path.join(sample, 'desc');
    const r = (name: string) => path.join(out, name);
    const dev = ['--device', device];
    const steps: [string, string[]][] = [
      ['fit, ascending track', ['fit', path.join(asc, 'timeseries.h5'), '--out', r('asc'), '--overwrite',
        '--mask', path.join(asc, 'temporalCoherence.h5'), '--geometry', path.join(asc, 'geometryGeo.h5'), ...dev]],
      ['fit, descending track', ['fit', path.join(desc, 'timeseries.h5'), '--out', r('desc'), '--overwrite',
        '--geometry', path.join(desc, 'geometryGeo.h5'), ...dev]],
      ['motion direction (Table 1) and up/east decomposition', ['compare', r('asc'), r('desc'), '--out', r('direction'), '--overwrite', ...dev]],
      ['vertical projection', ['vertical', r('asc'), '--out', r('asc-vertical'), '--overwrite', ...dev]],
      ['active-layer thickness (Eq. 2)', ['alt', '--amplitude', path.join(r('asc-vertical'), 'amplitude_vertical.tif'),
        '--moisture', path.join(sample, 'alt', 'october_moisture.tif'), '--sites', path.join(sample, 'alt', 'alt_sites.csv'),
        '--out', r('alt'), '--overwrite', ...dev]],
      ['ALT lower envelope', ['envelope', '--amplitude', path.join(r('asc-vertical'), 'amplitude_vertical.tif'),
        '--alt-ref', path.join(sample, 'alt', 'reference_alt.tif'), '--out', r('envelope'), '--overwrite']],
      ['thermokarst hazards near the corridor', ['hazards', '--lines', path.join(repoRoot, 'data', 'fixtures', 'hazards', 'corridor.geojson'),
        '--features', path.join(repoRoot, 'data', 'fixtures', 'hazards', 'thermokarst.geojson'), '--out', r('hazards'), '--overwrite']],
      ['ground-temperature coupling at one pixel', ['coupling', r('asc'), '--stack', path.join(asc, 'timeseries.h5'),
        '--lon', '92.906', '--lat', '34.844', '--temperature', path.join(sample, 'temperature', 'gldas_point.csv'),
        '--out', r('coupling'), '--overwrite']],
    ];
    for (const [label, argv] of steps) {
      console.log(`\n== ${label}: permasar ${argv.map((a) => (a.startsWith(repoRoot) ? path.relative(process.cwd(), a) : a)).join(' ')}`);
      const code = await main(argv);
      if (code !== 0) throw new InputError(label, `step failed (exit ${code})`);
    }
    console.log(`\nAll steps done; results in ${out}`);
  },
};
