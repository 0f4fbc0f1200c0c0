// `permasar demo` (what `npm start` runs): every step of the study on the bundled synthetic
// sample in data/sample/, into ./results (replaced on each run), with a line per step. The
// steps are the jobs (jobs/), called directly with one device selection, so the GPU is
// acquired once for the whole demo; each step prints the command that would run it alone.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { InputError } from '../core/errors.ts';
import type { JobContext } from '../jobs/support/context.ts';
import { nodeDeviceSelection } from '../jobs/support/devices-node.ts';
import { fitJob } from '../jobs/fit.ts';
import { invertJob } from '../jobs/invert.ts';
import { compareJob } from '../jobs/compare.ts';
import { verticalJob } from '../jobs/vertical.ts';
import { altJob } from '../jobs/alt.ts';
import { envelopeJob } from '../jobs/envelope.ts';
import { hazardsJob } from '../jobs/hazards.ts';
import { profileJob } from '../jobs/profile.ts';
import { couplingJob } from '../jobs/coupling.ts';
import { argvConfig, DEVICE_OPTION, usageLines, type OptionTable } from '../jobs/support/option-table.ts';
import { cliJobContext, deviceOption } from './job-context.ts';
import type { Command } from './command.ts';

/** The demo's own options (its steps take the jobs' defaults). */
const DEMO_OPTIONS: OptionTable = [
  { name: 'out', kind: 'text', value: 'DIR', default: 'results', help: 'results folder; each step\'s folder in it is replaced on every run' },
  DEVICE_OPTION,
];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run every step on the bundled sample (data/sample) into ./results',
  usage: `usage: permasar demo [--out DIR] [--device gpu|cpu|auto]

Runs the whole study on the bundled synthetic sample (data/sample/, made by npm run make-sample):
each track's interferograms inverted with the study's corrections (network selection by mean
coherence, ERA5, a linear ramp per date, maskTempCoh), fit of both tracks from those folders, motion direction and up/east
decomposition, vertical projection, active-layer thickness with its in-situ sites, the ALT
envelope, thermokarst hazard counts near a toy corridor, and ground-temperature coupling at one
pixel. Results go to DIR (default ./results), each step's folder replaced on every run.

options:
${usageLines(DEMO_OPTIONS)}`,
  positionals: [0, 0],
  options: argvConfig(DEMO_OPTIONS),
  async run(values) {
    const out = path.resolve(String(values.out ?? 'results'));
    const device = deviceOption(values);
    const sample = path.join(repoRoot, 'data', 'sample');
    if (!existsSync(path.join(sample, 'asc', 'ifgramStack.h5'))) throw new InputError(sample, 'bundled sample missing; run npm run make-sample');
    const asc = path.join(sample, 'asc');
    const desc = path.join(sample, 'desc');
    const r = (name: string) => path.join(out, name);
    const hazards = path.join(repoRoot, 'data', 'fixtures', 'hazards');
    const dev = ['--device', device];
    const replace = { overwrite: true };
    // Each step: its label, the equivalent command line (printed), and the job call.
    const steps: [string, string[], (ctx: JobContext) => Promise<unknown>][] = [
      // The study from its start: each track's interferograms inverted with the study's
      // corrections (network by mean coherence, ERA5, a linear ramp per date, maskTempCoh at 0.6),
      // then fitted from the inversion's folder (its final series, maskTempCoh as the mask).
      ...(['asc', 'desc'] as const).flatMap((track): [string, string[], (ctx: JobContext) => Promise<unknown>][] => {
        const dir = track === 'asc' ? asc : desc;
        const inv = r(`${track}-invert`);
        const name = track === 'asc' ? 'ascending' : 'descending';
        return [
          [`network inversion and corrections, ${name} track`, ['invert', path.join(dir, 'ifgramStack.h5'), '--min-coherence', '0.6', '--troposphere', path.join(dir, 'ERA5.h5'),
            '--min-temp-coh', '0.6', '--deramp', 'linear', '--out', inv, '--overwrite', ...dev],
          (ctx) => invertJob({ stack: path.join(dir, 'ifgramStack.h5') }, { minCoherence: 0.6, troposphere: path.join(dir, 'ERA5.h5'), minTemporalCoherence: 0.6, deramp: 'linear', overwrite: true }, inv, ctx)],
          [`fit, ${name} track`, ['fit', inv, '--out', r(track), '--overwrite', '--geometry', path.join(dir, 'geometryGeo.h5'), ...dev],
            (ctx) => fitJob({ stack: inv, geometry: path.join(dir, 'geometryGeo.h5') }, replace, r(track), ctx)],
        ];
      }),
      ['motion direction (Table 1) and up/east decomposition', ['compare', r('asc'), r('desc'), '--out', r('direction'), '--overwrite', ...dev],
        (ctx) => compareJob({ ascending: r('asc'), descending: r('desc') }, replace, r('direction'), ctx)],
      ['vertical projection', ['vertical', r('asc'), '--out', r('asc-vertical'), '--overwrite', ...dev],
        (ctx) => verticalJob({ fit: r('asc') }, replace, r('asc-vertical'), ctx)],
      ['active-layer thickness (Eq. 2)', ['alt', '--amplitude', path.join(r('asc-vertical'), 'amplitude_vertical.tif'),
        '--moisture', path.join(sample, 'alt', 'october_moisture.tif'), '--sites', path.join(sample, 'alt', 'alt_sites.csv'),
        '--out', r('alt'), '--overwrite', ...dev],
      (ctx) => altJob({ amplitude: path.join(r('asc-vertical'), 'amplitude_vertical.tif'), moisture: path.join(sample, 'alt', 'october_moisture.tif'), sites: path.join(sample, 'alt', 'alt_sites.csv') }, replace, r('alt'), ctx)],
      ['ALT lower envelope', ['envelope', '--amplitude', path.join(r('asc-vertical'), 'amplitude_vertical.tif'),
        '--alt-ref', path.join(sample, 'alt', 'reference_alt.tif'), '--out', r('envelope'), '--overwrite'],
      (ctx) => envelopeJob({ amplitude: path.join(r('asc-vertical'), 'amplitude_vertical.tif'), altReference: path.join(sample, 'alt', 'reference_alt.tif') }, replace, r('envelope'), ctx)],
      ['thermokarst hazards near the corridor', ['hazards', '--lines', path.join(hazards, 'corridor.geojson'),
        '--features', path.join(hazards, 'thermokarst.geojson'), '--out', r('hazards'), '--overwrite'],
      (ctx) => hazardsJob({ lines: path.join(hazards, 'corridor.geojson'), features: [path.join(hazards, 'thermokarst.geojson')] }, replace, r('hazards'), ctx)],
      ['along the line: per-kilometre profile of the toy corridor', ['profile', '--lines', path.join(hazards, 'corridor.geojson'), '--from', out,
        '--features', path.join(hazards, 'thermokarst.geojson'), '--out', r('profile'), '--overwrite'],
      (ctx) => profileJob({ lines: path.join(hazards, 'corridor.geojson'), from: out, features: [path.join(hazards, 'thermokarst.geojson')] }, replace, r('profile'), ctx)],
      ['ground-temperature coupling at one pixel', ['coupling', r('asc'), '--stack', path.join(r('asc-invert'), 'timeseries_ERA5_ramp.h5'),
        '--lon', '92.906', '--lat', '34.844', '--temperature', path.join(sample, 'temperature', 'gldas_point.csv'),
        '--out', r('coupling'), '--overwrite'],
      (ctx) => couplingJob({ fit: r('asc'), stack: path.join(r('asc-invert'), 'timeseries_ERA5_ramp.h5'), temperature: path.join(sample, 'temperature', 'gldas_point.csv'), pixel: { lon: 92.906, lat: 34.844 } }, replace, r('coupling'), ctx)],
    ];
    const devices = nodeDeviceSelection(device);
    try {
      const ctx: JobContext = { ...cliJobContext(values, device), kernels: devices };
      for (const [label, argv, job] of steps) {
        console.log(`\n== ${label}: permasar ${argv.map((a) => (a.startsWith(repoRoot) ? path.relative(process.cwd(), a) : a)).join(' ')}`);
        await job(ctx);
      }
    } finally {
      await devices.dispose();
    }
    console.log(`\nAll steps done; results in ${out}`);
  },
};
