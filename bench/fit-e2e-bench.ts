// End-to-end benchmark of `permasar fit`: a MintPy timeseries.h5 on disk → row-block tiles →
// kernel → nine streamed GeoTIFFs + summary + quicklooks, for --device cpu and gpu, against the
// time to merely read the stack once (the floor an end-to-end run cannot beat) and, with
// --mintpy, against MintPy's `timeseries2velocity --periodic 1.0` on the same file in the same
// run, with each run's peak resident memory (it should follow the tile size, not the stack).
//
//   npm run bench:e2e -- [--width 1000] [--height 1000] [--dates 200] [--skip-cpu] [--skip-gpu]
//                        [--mintpy ../shared/reference/mintpy/src]
//
// With --mintpy the stack has complete series (no gaps, no NaN pixels): MintPy fails a whole
// block on any NaN epoch. MintPy runs under Debian's /usr/bin/python3 (PERMASAR_MINTPY_PYTHON
// overrides) with python3-numpy, -scipy, -h5py, -matplotlib, -pyproj, -gdal and -pyresample.
// Each measurement is its own process under GNU time (/usr/bin/time -v: wall and peak RSS);
// the stack is written by a child process first, so no run inherits its memory.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GNU_TIME as gnuTime, measure, type MeasuredRun } from './measure.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const stringArg = (name: string): string | null => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] ?? null : null;
};
const width = arg('width', 1000);
const height = arg('height', 1000);
const nDates = arg('dates', 200);
const here = path.dirname(fileURLToPath(import.meta.url));
const runTs = path.join(here, '..', 'bin', 'run-ts.mjs');
const bin = path.join(here, '..', 'bin', 'permasar.mjs');
const python = process.env.PERMASAR_MINTPY_PYTHON ?? '/usr/bin/python3';

/** MintPy's source folder if it can run here, else why not (printed, and the rest runs). */
function findMintpy(): { source: string } | { missing: string } {
  const given = stringArg('mintpy');
  if (!given) return { missing: 'no --mintpy given' };
  const source = path.resolve(given);
  if (!existsSync(path.join(source, 'mintpy', 'cli', 'timeseries2velocity.py'))) {
    return { missing: `${source} holds no mintpy/cli/timeseries2velocity.py` };
  }
  const probe = spawnSync(python, ['-c', 'import mintpy.utils.utils, scipy, h5py'], {
    encoding: 'utf8', env: { ...process.env, PYTHONPATH: source },
  });
  if (probe.status !== 0) {
    const last = (probe.stderr || String(probe.error ?? '')).trim().split('\n').pop();
    return { missing: `${python} cannot import MintPy (${last})` };
  }
  return { source };
}

type Row = MeasuredRun;

const mintpy = findMintpy();
if ('missing' in mintpy) console.log(`MintPy side by side: skipped (${mintpy.missing}).`);
if (!existsSync(gnuTime)) console.log(`${gnuTime} not found (apt-get install time): no peak RSS.`);
const dir = await mkdtemp(path.join(os.tmpdir(), 'permasar-e2e-'));

try {
  const stackFile = path.join(dir, 'timeseries.h5');
  const writerArgs = [runTs, path.join(here, 'write-bench-stack.ts'), stackFile, String(width), String(height), String(nDates)];
  if ('source' in mintpy) writerArgs.push('complete');
  execFileSync(process.execPath, writerArgs, { stdio: 'inherit' });
  const bytes = (await stat(stackFile)).size;
  const loadBefore = os.loadavg();

  const rows: Row[] = [measure('read the stack once (floor)', process.execPath, [runTs, path.join(here, 'read-bench-stack.ts'), stackFile])];
  let mintpyRow: Row | null = null;
  if ('source' in mintpy) {
    mintpyRow = measure('MintPy timeseries2velocity --periodic 1.0', python,
      ['-m', 'mintpy.cli.timeseries2velocity', stackFile, '--periodic', '1.0', '-o', path.join(dir, 'velocity.h5')],
      { env: { ...process.env, PYTHONPATH: mintpy.source }, cwd: dir });
    rows.push(mintpyRow);
  }
  const devices = ['gpu', 'cpu'].filter((d) => !process.argv.includes(`--skip-${d}`));
  for (const device of devices) {
    rows.push(measure(`permasar fit --device ${device}`, process.execPath, [bin, 'fit', stackFile, '--out', path.join(dir, `out-${device}`), '--device', device, '--quiet']));
  }
  const floor = rows[0].seconds;
  const loadAfter = os.loadavg();
  console.log(`\nfit end to end: ${width} × ${height} pixels × ${nDates} dates${'source' in mintpy ? ' (complete series)' : ''}, ${(bytes / 2 ** 20).toFixed(0)} MiB MintPy file; node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average before ${loadBefore.map((x) => x.toFixed(1)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(1)).join(' ')}\n`);
  console.log('| run | seconds | × read floor | × MintPy | pixels/s | peak RSS MiB |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const versusMintpy = mintpyRow ? (r.seconds / mintpyRow.seconds).toFixed(1) : '–';
    const rss = r.maxRssMiB === null ? '–' : r.maxRssMiB.toFixed(0);
    console.log(`| ${r.label} | ${r.seconds.toFixed(1)} | ${(r.seconds / floor).toFixed(1)} | ${versusMintpy} | ${Math.round((width * height) / r.seconds)} | ${rss} |`);
  }
  if (mintpyRow) {
    for (const r of rows.filter((x) => x.label.startsWith('permasar'))) {
      console.log(`${r.label} / MintPy: ${(r.seconds / mintpyRow.seconds).toFixed(2)} (wall)`);
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
