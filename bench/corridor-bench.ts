// `npm run bench:corridor`: `permasar corridor` on a synthetic corridor (data/make-corridor.ts)
// of the study's size — about 11 M pixels × 240 dates over 9 frames (5 ascending, 4 descending),
// ~10.6 GB of MintPy stacks — or a smaller one:
//
//   npm run bench:corridor -- [--quick] [--size PIXELS] [--dates N] [--frames A,D] [--device cpu|gpu|auto] [--dir DIR] [--keep] [--reuse] [--features N]
//
// Reports the per-stage times (fit of every frame, mosaic per direction, compare, vertical, alt,
// hazards),
// pixels/s, the read floor (every stack read once, tile by tile, as fit reads it, nothing else)
// and the peak resident memory of the corridor process (GNU time -v, /usr/bin/time). The corridor
// is written first (not timed into the results), streamed row block by row block.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { corridorOfSize, makeCorridor, writeCorridor, writeCorridorHazardInputs } from '../data/make-corridor.ts';
import { openStack } from '../src/io/stack-node.ts';
import { fitTileRows } from '../src/pipeline/fit.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const value = (name: string, fallback: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
const quick = args.includes('--quick');
const pixels = Number(value('--size', quick ? '150000' : '11063313'));
const nDates = Number(value('--dates', quick ? '60' : '240'));
const frames = value('--frames', quick ? '3,3' : '5,4').split(',').map(Number) as [number, number];
const device = value('--device', 'auto');
const dir = path.resolve(value('--dir', path.join(os.tmpdir(), `permasar-corridor-bench-${pixels}-${nDates}`)));
// --reuse: keep the stacks written by an earlier --keep run of the same size (writing them is
// most of a corridor-size run), redo only the read floor and the corridor.
const reuse = args.includes('--reuse');
const keep = reuse || args.includes('--keep');

const gib = (b: number) => (b / 2 ** 30).toFixed(2);
console.log(`corridor bench: ~${pixels} pixels × ${nDates} dates over ${frames[0]} + ${frames[1]} frames in ${dir}`);

// 1. The corridor on disk.
const corridor = makeCorridor(corridorOfSize(pixels, frames, nDates));
let t = Date.now();
let manifest = path.join(dir, 'data', 'corridor.json');
const reused = reuse && existsSync(manifest);
if (reused) {
  await rm(path.join(dir, 'out'), { recursive: true, force: true });
} else {
  await rm(dir, { recursive: true, force: true });
  manifest = await writeCorridor(path.join(dir, 'data'), corridor, { compare: {} });
}
// Every later stage: alt with a uniform October moisture, hazards with a railway and a highway
// down the corridor and `--features` thermokarst points over it (default 20 000).
const featureCount = Number(value('--features', quick ? '2000' : '20000'));
const stageBlocks = { compare: {}, alt: { moisture: 0.35 }, ...(await writeCorridorHazardInputs(path.join(dir, 'data'), corridor, featureCount)) };
await writeFile(manifest, JSON.stringify({ ...JSON.parse(await readFile(manifest, 'utf8')), ...stageBlocks }, null, 2) + '\n');
const writeSeconds = (Date.now() - t) / 1000;
const framePixels = corridor.frames.reduce((s, f) => s + f.grid.width * f.grid.height, 0);
let inputBytes = 0;
for (const f of corridor.frames) inputBytes += (await stat(path.join(dir, 'data', f.direction === 'ascending' ? 'asc' : 'desc', f.name, 'timeseries.h5'))).size;
console.log(`${reused ? 'reused' : 'written'}: ${corridor.frames.length} frames, ${framePixels} pixels, ${gib(inputBytes)} GiB of timeseries.h5 in ${writeSeconds.toFixed(1)} s`);

// 2. The read floor: every stack once, in the fit's tiles (pipeline/fit.ts fitTileRows), nothing else.
t = Date.now();
for (const f of corridor.frames) {
  const stack = await openStack(path.join(dir, 'data', f.direction === 'ascending' ? 'asc' : 'desc', f.name, 'timeseries.h5'));
  const rowsPerTile = fitTileRows(stack.grid.width, stack.grid.height, stack.dates.length, Number.MAX_SAFE_INTEGER, stack.rowsPerChunk);
  for (let row0 = 0; row0 < stack.grid.height; row0 += rowsPerTile) await stack.readRows(row0, Math.min(rowsPerTile, stack.grid.height - row0));
  stack.close();
}
const floorSeconds = (Date.now() - t) / 1000;
console.log(`read floor: ${floorSeconds.toFixed(1)} s (${(inputBytes / 2 ** 20 / floorSeconds).toFixed(0)} MiB/s)`);

// 3. The corridor, under GNU time for its peak resident memory.
const out = path.join(dir, 'out');
const command = [process.execPath, path.join(repo, 'bin/permasar.mjs'), 'corridor', manifest, '--out', out, '--device', device];
const timed = existsSync('/usr/bin/time');
t = Date.now();
const run = timed ? spawnSync('/usr/bin/time', ['-v', ...command], { encoding: 'utf8', maxBuffer: 1 << 26 }) : spawnSync(command[0], command.slice(1), { encoding: 'utf8', maxBuffer: 1 << 26 });
const wallSeconds = (Date.now() - t) / 1000;
process.stdout.write(run.stdout);
if (run.status !== 0) {
  process.stderr.write(run.stderr);
  throw new Error(`permasar corridor failed (exit ${run.status})`);
}
const rssKiB = timed ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1] ?? NaN) : NaN;

// 4. The report.
const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
const fitSeconds = summary.seconds.fit as number;
const mosaicPixels = ['asc', 'desc'].reduce((s, k) => s + (summary.mosaics[k]?.counts.pixels ?? 0), 0);
const stage = (name: string) => summary.stages[name]?.seconds as number | undefined;
const rows: [string, string, string][] = [
  ['fit, every frame', `${fitSeconds.toFixed(1)} s`, `${Math.round(framePixels / fitSeconds)} px/s`],
  ['mosaic asc', `${stage('mosaic asc')?.toFixed(1)} s`, `${Math.round((summary.mosaics.asc?.counts.pixels ?? 0) / (stage('mosaic asc') ?? NaN))} px/s`],
  ['mosaic desc', `${stage('mosaic desc')?.toFixed(1)} s`, `${Math.round((summary.mosaics.desc?.counts.pixels ?? 0) / (stage('mosaic desc') ?? NaN))} px/s`],
  ['compare', `${stage('compare')?.toFixed(1)} s`, ''],
  ['vertical asc + desc', `${((stage('vertical asc') ?? 0) + (stage('vertical desc') ?? 0)).toFixed(1)} s`, ''],
  ['alt', `${stage('alt')?.toFixed(1)} s`, ''],
  [`hazards (${featureCount} features)`, `${stage('hazards')?.toFixed(1)} s`, ''],
  ['total (process wall)', `${wallSeconds.toFixed(1)} s`, `${Math.round(framePixels / wallSeconds)} px/s`],
  ['read floor (stacks once)', `${floorSeconds.toFixed(1)} s`, `${(inputBytes / 2 ** 20 / floorSeconds).toFixed(0)} MiB/s`],
];
const gitRev = (() => { try { return execFileSync('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { return '?'; } })();
console.log(`\n${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${gib(os.totalmem())} GiB, node ${process.version}, ${gitRev}; device ${device} (${String(summary.frames?.length)} frames)`);
console.log(`${framePixels} frame pixels (${mosaicPixels} mosaic pixels) × ${nDates} dates, ${gib(inputBytes)} GiB of stacks\n`);
console.log('| stage | time | rate |\n|---|---:|---:|');
for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
console.log(`\npeak resident memory of permasar corridor: ${Number.isFinite(rssKiB) ? `${(rssKiB / 1024).toFixed(0)} MiB` : 'unknown (no /usr/bin/time)'}`);
console.log(`offsets (mm/yr): ${['asc', 'desc'].flatMap((k) => (summary.mosaics[k]?.frames ?? []).map((f: { name: string; offsetMmPerYear: number }) => `${f.name} ${f.offsetMmPerYear.toFixed(2)}`)).join(', ')}`);
console.log(`truth (mm/yr, relative to the first frame of each direction): ${corridor.frames.map((f) => `${f.name} ${f.rateOffsetMmPerYear.toFixed(2)}`).join(', ')}`);
if (!keep) await rm(dir, { recursive: true, force: true });
