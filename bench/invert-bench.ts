// Benchmark of `permasar invert` (issue 21) side by side with MintPy's ifgram_inversion in the
// same run (Debian's python3-mintpy under /usr/bin/python3), each measurement its own process
// under GNU time (wall clock and peak RSS).
//
//   npm run bench:invert -- study [--length 20 --width 20] [--ours-side 200]   (a) ms per pixel at the study's network
//   npm run bench:invert -- big   [--length 1000 --width 1000 --ifgrams 300] [--keep DIR]
//   npm run bench:invert -- corrections [--length 600 --width 600 --ifgrams 120 | --study]   (c) what the corrections add
//                                                                (b) a ~3 GB stack end to end
//
// (a) The study's per-frame network (947 interferograms × 286 dates) on a small tile: MintPy
//     `-w var` (its per-pixel Python loop; its own "time used" and the wall clock), permasar
//     `--device cpu` and `--device gpu` on that tile and on a larger one (fixed costs amortised, as
//     in a frame). ms per pixel = MintPy's "time used", or our job's elapsedSeconds, / pixels.
// (b) A stack of WIDTH × LENGTH pixels × IFGRAMS interferograms (unwrapPhase, coherence float32,
//     connectComponent int16: 1000 × 1000 × 300 ≈ 3 GB): one read of every dataset the
//     inversion reads (through our reader, in the inversion's tiles), permasar invert `-w var`
//     on the CPU and the GPU, and MintPy `-w no` (its fastest, vectorised path) on the same file.
//
// Ratios are what to compare: absolute times on a shared 2-core machine vary twofold.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, type MeasuredRun } from './measure.ts';

const part = process.argv[2];
if (part !== 'study' && part !== 'big' && part !== 'corrections') {
  console.error('usage: npm run bench:invert -- study|big|corrections [--length N] [--width N] [--ifgrams N] [--keep DIR] [--skip-mintpy] [--skip-gpu]');
  process.exit(1);
}
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const stringArg = (name: string): string | null => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] ?? null : null;
};
const here = path.dirname(fileURLToPath(import.meta.url));
const runTs = path.join(here, '..', 'bin', 'run-ts.mjs');
const bin = path.join(here, '..', 'bin', 'permasar.mjs');
const python = process.env.PERMASAR_MINTPY_PYTHON ?? '/usr/bin/python3';

type Row = MeasuredRun;

const mintpyOk = !flag('skip-mintpy') && spawnSync(python, ['-c', 'import mintpy.cli.ifgram_inversion'], { encoding: 'utf8' }).status === 0;
if (!mintpyOk) console.log(`MintPy side by side: skipped (${flag('skip-mintpy') ? '--skip-mintpy' : `${python} cannot import mintpy: apt-get install python3-mintpy`}).`);

/** MintPy's own "time used: MM mins SS.S secs." figure, seconds. */
function mintpyTimeUsed(stdout: string): number | null {
  const all = [...stdout.matchAll(/time used: (\d+) mins ([\d.]+) secs/g)];
  const m = all[all.length - 1];
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

async function ourRun(label: string, stack: string, out: string, device: 'cpu' | 'gpu', extra: string[] = []): Promise<Row & { summary: any }> {
  const row = measure(label, process.execPath, [bin, 'invert', stack, '--out', out, '--device', device, '--overwrite', ...extra]);
  const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
  return { ...row, summary };
}

const mib = (v: number | null) => (v === null ? '—' : `${Math.round(v)} MiB`);
const keep = stringArg('keep');
const dir = keep ? path.resolve(keep) : await mkdtemp(path.join(os.tmpdir(), 'permasar-invert-bench-'));
await mkdir(dir, { recursive: true });
const cpuInfo = `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
console.log(`machine: ${cpuInfo}; node ${process.version}`);

try {
  if (part === 'study') {
    // MintPy's inversion is a per-pixel loop (-w var), so its ms per pixel is measured on a small
    // tile; ours has fixed costs (opening, the variance table, writers, worker start) that a frame
    // of millions of pixels amortises, so it runs on that tile AND on a larger one.
    const length = arg('length', 20);
    const width = arg('width', 20);
    const bigSide = arg('ours-side', 200);
    const stackOf = (side: string, l: number, w: number) => {
      const stack = path.join(dir, side, 'inputs', 'ifgramStack.h5');
      if (!existsSync(stack)) {
        measure('write stack', process.execPath, [runTs, path.join(here, '..', 'data', 'ifgram-stack.ts'), path.dirname(stack), '--length', String(l), '--width', String(w), '--study', '--seed', '11']);
      }
      return stack;
    };
    const small = stackOf(`study-${length}x${width}`, length, width);
    const large = stackOf(`study-${bigSide}x${bigSide}`, bigSide, bigSide);
    console.log(`\n(a) the study's network: 947 interferograms × 286 dates, -w var; MintPy on ${length} × ${width} pixels, permasar on that and on ${bigSide} × ${bigSide}\n`);
    const rows: { label: string; pixels: number; seconds: number; msPerPixel: number; rss: number | null; note: string }[] = [];
    let mintpyMs: number | null = null;
    if (mintpyOk) {
      const cwd = path.join(dir, `study-${length}x${width}`, 'mintpy');
      await mkdir(cwd, { recursive: true });
      const r = measure('MintPy -w var', python, ['-m', 'mintpy.cli.ifgram_inversion', small, '-w', 'var', '-o', 'ts.h5', 'tcoh.h5', 'num.h5'], { cwd });
      const used = mintpyTimeUsed(r.stdout) ?? r.seconds;
      mintpyMs = (1000 * used) / (length * width);
      rows.push({ label: 'MintPy 1.5.1 -w var', pixels: length * width, seconds: r.seconds, msPerPixel: mintpyMs, rss: r.maxRssMiB, note: `its "time used" ${used.toFixed(1)} s` });
    }
    for (const [stack, pixels] of [[small, length * width], [large, bigSide * bigSide]] as const) {
      for (const device of ['cpu', 'gpu'] as const) {
        if (device === 'gpu' && flag('skip-gpu')) continue;
        const r = await ourRun(`permasar ${device}`, stack, path.join(path.dirname(path.dirname(stack)), `ours-${device}`), device);
        const s = r.summary.elapsedSeconds as number;
        rows.push({ label: `permasar invert --device ${device}`, pixels, seconds: r.seconds, msPerPixel: (1000 * s) / pixels, rss: r.maxRssMiB, note: `${String(r.summary.device.description).slice(0, 48)}; job ${s.toFixed(2)} s` });
      }
    }
    console.log('| run | pixels | wall s | ms / pixel (job) | × MintPy | peak RSS | note |');
    console.log('|---|---:|---:|---:|---:|---:|---|');
    for (const r of rows) {
      const ratio = mintpyMs ? (mintpyMs / r.msPerPixel).toFixed(0) : '—';
      console.log(`| ${r.label} | ${r.pixels} | ${r.seconds.toFixed(1)} | ${r.msPerPixel.toFixed(4)} | ${ratio} | ${mib(r.rss)} | ${r.note} |`);
    }
  } else if (part === 'corrections') {
    // (c) What the study's corrections add (issue 22): the same stack inverted plain, and with
    // --min-coherence --troposphere ERA5.h5 --deramp linear; MintPy's generate_mask + diff.py +
    // remove_ramp.py on our outputs beside it.
    const length = arg('length', 600);
    const width = arg('width', 600);
    const ifgrams = arg('ifgrams', 120);
    const nDates = Math.ceil(ifgrams / 3) + 1;
    const stack = path.join(dir, flag('study') ? 'corr-study' : 'corr', 'inputs', 'ifgramStack.h5');
    if (!existsSync(stack)) {
      // --study: the study's network (947 interferograms × 286 dates), where the inversion's
      // share of the work is what a real frame's is.
      const network = flag('study') ? ['--study'] : ['--dates', String(nDates), '--neighbours', '3'];
      const w = measure('write stack', process.execPath, [runTs, path.join(here, '..', 'data', 'ifgram-stack.ts'), path.dirname(stack), '--length', String(length), '--width', String(width), ...network, '--seed', '5', '--troposphere', '--ramps', 'linear']);
      console.log(`stack written in ${w.seconds.toFixed(0)} s`);
    }
    const era5 = path.join(path.dirname(stack), 'ERA5.h5');
    console.log(`\n(c) ${width} × ${length} pixels, ${flag('study') ? '947 interferograms × 286 dates' : `${nDates} dates`}; the corrections' cost\n`);
    const rows: Row[] = [];
    for (const device of ['cpu', 'gpu'] as const) {
      if (device === 'gpu' && flag('skip-gpu')) continue;
      rows.push(await ourRun(`permasar invert --device ${device}`, stack, path.join(dir, 'corr', `plain-${device}`), device));
      // --min-coherence 0.01: the selection's pass over the coherence is paid, but the same
      // interferograms are inverted (a real threshold drops some and makes the inversion cheaper).
      rows.push(await ourRun(`permasar invert --device ${device} + corrections`, stack, path.join(dir, 'corr', `corrected-${device}`), device, ['--min-coherence', '0.01', '--troposphere', era5, '--deramp', 'linear']));
    }
    if (mintpyOk) {
      const cwd = path.join(dir, 'corr', 'mintpy');
      await mkdir(cwd, { recursive: true });
      const ours = path.join(dir, 'corr', 'plain-cpu');
      rows.push(measure('MintPy generate_mask + diff + remove_ramp (on our outputs)', python, ['-c', [
        'from mintpy.cli import generate_mask, diff, remove_ramp',
        `generate_mask.main(['${ours}/temporalCoherence.h5', '-m', '0.6', '-o', 'maskTempCoh.h5'])`,
        `diff.main(['${ours}/timeseries.h5', '${era5}', '-o', 'timeseries_ERA5.h5', '--force'])`,
        "remove_ramp.main(['timeseries_ERA5.h5', '-s', 'linear', '-m', 'maskTempCoh.h5', '-o', 'timeseries_ERA5_ramp.h5'])",
      ].join('\n')], { cwd }));
    }
    console.log('| run | wall s | peak RSS |');
    console.log('|---|---:|---:|');
    for (const r of rows) console.log(`| ${r.label} | ${r.seconds.toFixed(1)} | ${mib(r.maxRssMiB)} |`);
    for (let i = 0; i + 1 < rows.length && rows[i].label.startsWith('permasar'); i += 2) {
      console.log(`${rows[i].label}: corrections add ${(100 * (rows[i + 1].seconds / rows[i].seconds - 1)).toFixed(0)} % time, ${mib((rows[i + 1].maxRssMiB ?? 0) - (rows[i].maxRssMiB ?? 0))} peak memory`);
    }
  } else {
    const length = arg('length', 1000);
    const width = arg('width', 1000);
    const ifgrams = arg('ifgrams', 300);
    // Each date with its next 3: M ≈ 3·N.
    const nDates = Math.ceil(ifgrams / 3) + 1;
    const stack = path.join(dir, 'big', 'inputs', 'ifgramStack.h5');
    if (!existsSync(stack)) {
      const w = measure('write stack', process.execPath, [runTs, path.join(here, '..', 'data', 'ifgram-stack.ts'), path.dirname(stack), '--length', String(length), '--width', String(width), '--dates', String(nDates), '--neighbours', '3', '--seed', '5']);
      console.log(`stack written in ${w.seconds.toFixed(0)} s`);
    }
    const bytes = (await stat(stack)).size;
    console.log(`\n(b) ${width} × ${length} pixels, ${nDates} dates, ${(bytes / 2 ** 30).toFixed(2)} GiB on disk\n`);
    const rows: Row[] = [];
    rows.push(measure('read once (our reader, the inversion\'s tiles: unwrapPhase + coherence)', process.execPath, [runTs, path.join(here, 'read-ifgram-stack.ts'), stack]));
    for (const device of ['cpu', 'gpu'] as const) {
      if (device === 'gpu' && flag('skip-gpu')) continue;
      rows.push(await ourRun(`permasar invert -w var --device ${device}`, stack, path.join(dir, 'big', `ours-${device}`), device));
    }
    rows.push(await ourRun('permasar invert -w no --device cpu', stack, path.join(dir, 'big', 'ours-no-cpu'), 'cpu', ['--weight-func', 'no']));
    if (mintpyOk) {
      const cwd = path.join(dir, 'big', 'mintpy');
      await mkdir(cwd, { recursive: true });
      rows.push(measure('MintPy 1.5.1 -w no (4 GB blocks, its default)', python, ['-m', 'mintpy.cli.ifgram_inversion', stack, '-w', 'no', '-o', 'ts.h5', 'tcoh.h5', 'num.h5'], { cwd }));
    }
    const floor = rows[0].seconds;
    console.log('| run | wall s | × one read | peak RSS |');
    console.log('|---|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.label} | ${r.seconds.toFixed(1)} | ${(r.seconds / floor).toFixed(2)} | ${mib(r.maxRssMiB)} |`);
  }
} finally {
  if (!keep) await rm(dir, { recursive: true, force: true });
}
