// End-to-end benchmark of `permasar fit`: a MintPy timeseries.h5 on disk → row-block tiles →
// kernel → nine streamed GeoTIFFs + summary + quicklooks, for --device cpu and gpu, against the
// time to merely read the stack once (the floor an end-to-end run cannot beat), with each run's
// peak resident memory (it should follow the tile size, not the stack size).
//
//   npm run bench:e2e -- [--width 1000] [--height 1000] [--dates 200] [--skip-cpu]
//
// The stack is written by a child process first, so this process's peak memory is the fit's.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const width = arg('width', 1000);
const height = arg('height', 1000);
const nDates = arg('dates', 200);
const here = path.dirname(fileURLToPath(import.meta.url));
const runTs = path.join(here, '..', 'bin', 'run-ts.mjs');
const bin = path.join(here, '..', 'bin', 'permasar.mjs');
const dir = await mkdtemp(path.join(os.tmpdir(), 'permasar-e2e-'));

try {
  const stackFile = path.join(dir, 'timeseries.h5');
  execFileSync(process.execPath, [runTs, path.join(here, 'write-bench-stack.ts'), stackFile, String(width), String(height), String(nDates)], { stdio: 'inherit' });
  const bytes = (await stat(stackFile)).size;

  // Each measurement in its own process, timed with GNU time's max RSS where available.
  const measure = (label: string, args: string[]) => {
    const started = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.status !== 0) throw new Error(`${label} failed: ${r.stderr}`);
    const maxRssMiB = Number(r.stderr.trim().split('\n').pop()) / 1024;
    return { label, seconds, maxRssMiB, stdout: r.stdout.trim() };
  };
  const rows = [measure('read the stack once (floor)', [runTs, path.join(here, 'read-bench-stack.ts'), stackFile])];
  const devices = process.argv.includes('--skip-cpu') ? ['gpu'] : ['gpu', 'cpu'];
  for (const device of devices) {
    rows.push(measure(`permasar fit --device ${device}`, [bin, 'fit', stackFile, '--out', path.join(dir, `out-${device}`), '--device', device, '--quiet']));
  }
  console.log(`\nfit end to end: ${width} × ${height} pixels × ${nDates} dates, ${(bytes / 2 ** 20).toFixed(0)} MiB MintPy file; node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  console.log('| run | seconds | pixels/s | input MB/s | peak RSS MiB |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.label} | ${r.seconds.toFixed(1)} | ${Math.round((width * height) / r.seconds)} | ${(bytes / 1e6 / r.seconds).toFixed(0)} | ${r.maxRssMiB.toFixed(0)} |`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
