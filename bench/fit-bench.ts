// Throughput of the fit kernels (issue 3): `npm run bench` (= node --expose-gc bin/run-ts.mjs
// bench/fit-bench.ts). Results are recorded by hand in bench/README.md, per machine and adapter;
// tests never time anything.
//
//   --width 1000 --height 1000   the big stack (pixels = width × height)
//   --dates 200                  epochs (12-day sampling from 2016-01-01)
//   --single 65536               a stack that fits one GPU chunk
//   --cpu-pixels 10000           the float64 CPU kernel runs on this many pixels only (it does
//                                ~3·10³ px/s on one core; the full 10⁶ would take minutes)
//   --bandwidth-gbps N           the device's memory bandwidth, GB/s (WebGPU cannot report it);
//                                default: this host's measured memcpy rate, the right floor for
//                                a software adapter such as llvmpipe
//   --quick                      256 × 256 and 2 000 CPU pixels
//   --stream-pixels N            also stream N pixels (e.g. 11063313, the study's corridor) through
//                                the GPU kernel in the fit's own tile size (pipeline/fit.ts
//                                FIT_TILE_SERIES_BYTES, two in flight as the fit keeps them), one tile of
//                                data reused: the kernel's share of a corridor-size run, no disk
//
// Reported per run: pixels/s of the kernel alone (fitTile wall time: upload, dispatch and
// read-back overlapped, no file I/O), input bytes/s against the floor "each input byte read
// once at memory bandwidth" (the kernel reads the series twice, see shaders/fit.wgsl), and the
// peak resident memory of the process.

import { performance } from 'node:perf_hooks';
import { generateStack } from '../data/synthetic.ts';
import { fitTileCpu } from '../src/cpu/fit.ts';
import { DEFAULT_FIT_OPTIONS, type FitContext, type FitKernel, type SeriesTile } from '../src/core/fit-types.ts';
import type { TimeAxis } from '../src/core/time.ts';
import { acquireGpu } from '../src/gpu/device.ts';
import { createGpuFitKernel } from '../src/gpu/fit-kernel.ts';
import { FIT_TILE_SERIES_BYTES } from '../src/pipeline/fit.ts';

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const quick = process.argv.includes('--quick');
const width = argument('width', quick ? 256 : 1000);
const height = argument('height', quick ? 256 : 1000);
const nDatesWanted = argument('dates', 200);
const singlePixels = argument('single', quick ? 16384 : 65536);
const cpuPixels = argument('cpu-pixels', quick ? 2000 : 10000);

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
let peakRssBytes = 0;
const sampleMemory = () => { peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss); };
const sampler = setInterval(sampleMemory, 50);

const MB = 1024 * 1024;
const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Host memcpy rate, GB/s: the bandwidth floor for a software rasteriser that runs on the CPU. */
function measureHostCopyGbps(): number {
  const source = new Float32Array(64 * MB / 4).fill(1);
  const target = new Float32Array(source.length);
  let best = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    target.set(source);
    const seconds = (performance.now() - t0) / 1000;
    // A copy reads and writes each byte; count the bytes read, as the kernel's floor does.
    best = Math.max(best, source.byteLength / seconds / 1e9);
  }
  return best;
}

/**
 * A stack of `nPixels` pixels: one synthetic block (seasonal and non-seasonal pixels, gaps,
 * NaN pixels) repeated to fill the stack, so a million pixels take seconds to make, not minutes.
 */
function makeStack(nPixels: number, block: { axis: TimeAxis; values: Float32Array; nPixels: number }): SeriesTile {
  const nDates = block.axis.dates.length;
  const values = new Float32Array(nPixels * nDates);
  for (let d = 0; d < nDates; d++) {
    const row = block.values.subarray(d * block.nPixels, (d + 1) * block.nPixels);
    for (let p = 0; p < nPixels; p += block.nPixels) {
      values.set(row.subarray(0, Math.min(block.nPixels, nPixels - p)), d * nPixels + p);
    }
  }
  return { nPixels, nDates, values };
}

interface Row {
  path: string;
  pixels: number;
  dates: number;
  seconds: number;
  chunks: number;
}

async function timeKernel(label: string, kernel: FitKernel, tile: SeriesTile, context: FitContext): Promise<Row> {
  gc();
  const t0 = performance.now();
  await kernel.fitTile(tile, context);
  const seconds = (performance.now() - t0) / 1000;
  sampleMemory();
  return { path: label, pixels: tile.nPixels, dates: tile.nDates, seconds, chunks: Math.ceil(tile.nPixels / kernel.maxTilePixels(tile.nDates)) };
}

const rows: Row[] = [];
const blockSide = 128;
const intervalDays = 12;
const endDay = new Date(Date.UTC(2016, 0, 1) + (nDatesWanted - 1) * intervalDays * 86400e3);
const endYmd = endDay.toISOString().slice(0, 10).replaceAll('-', '');
const synthetic = generateStack({ seed: 2024, width: blockSide, height: blockSide, startYmd: '20160101', endYmd, intervalDays });
const block = { axis: synthetic.axis, values: synthetic.values, nPixels: blockSide * blockSide };
const context: FitContext = {
  tCentredYears: synthetic.axis.tCentredYears,
  tMidYears: synthetic.axis.tMidYears,
  scaleToMm: 1,
  options: DEFAULT_FIT_OPTIONS,
};
const nDates = synthetic.axis.dates.length;
const hostGbps = measureHostCopyGbps();
const floorGbps = argument('bandwidth-gbps', hostGbps);

// CPU reference, on a subset.
{
  const tile = makeStack(cpuPixels, block);
  const t0 = performance.now();
  fitTileCpu(tile, context);
  const seconds = (performance.now() - t0) / 1000;
  rows.push({ path: 'cpu float64, 1 thread', pixels: cpuPixels, dates: nDates, seconds, chunks: 1 });
  sampleMemory();
}

// GPU.
const gpu = await acquireGpu();
let adapter = 'none';
if (!gpu) {
  console.log('no WebGPU adapter: GPU rows skipped');
} else {
  adapter = gpu.adapterDescription;
  const kernel = await createGpuFitKernel(gpu);
  // Warm-up: pipeline compilation and first-dispatch JIT (llvmpipe compiles at first use).
  await kernel.fitTile(makeStack(4096, block), context);
  const single = makeStack(Math.min(singlePixels, kernel.maxTilePixels(nDates)), block);
  rows.push(await timeKernel('gpu, one chunk', kernel, single, context));
  const big = makeStack(width * height, block);
  rows.push(await timeKernel(`gpu, ${width} × ${height}`, kernel, big, context));
  const streamPixels = argument('stream-pixels', 0);
  if (streamPixels > 0) {
    const tilePixels = Math.max(1, Math.min(kernel.maxTilePixels(nDates), Math.floor(FIT_TILE_SERIES_BYTES / (4 * nDates))));
    const tile = makeStack(Math.min(tilePixels, streamPixels), block);
    const tiles = Math.ceil(streamPixels / tile.nPixels);
    gc();
    const t0 = performance.now();
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < tiles; i++) {
      inFlight.push(kernel.fitTile(tile, context));
      if (inFlight.length >= 2) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - t0) / 1000;
    sampleMemory();
    rows.push({ path: `gpu, ${fmt(tiles * tile.nPixels)} px streamed in ${tiles} tiles`, pixels: tiles * tile.nPixels, dates: nDates, seconds, chunks: tiles });
  }
  await kernel.dispose();
}

// The end-to-end number (disk → tiles → kernel → GeoTIFF writers) is bench/fit-e2e-bench.ts.

clearInterval(sampler);
sampleMemory();
const maxRssBytes = process.resourceUsage().maxRSS * 1024;

const os = await import('node:os');
console.log(`\nfit kernel benchmark: ${nDates} dates, node ${process.version}, ${os.cpus().length} cores, load average at end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`adapter: ${adapter}`);
console.log(`bandwidth floor: ${fmt(floorGbps, 1)} GB/s (${process.argv.includes('--bandwidth-gbps') ? 'given' : 'host memcpy, measured'})\n`);
console.log('| path | pixels | dates | chunks | seconds | pixels/s | input GB/s | × floor |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const inputBytes = 4 * r.pixels * r.dates;
  const gbps = inputBytes / r.seconds / 1e9;
  const floorSeconds = inputBytes / (floorGbps * 1e9);
  console.log(`| ${r.path} | ${fmt(r.pixels)} | ${r.dates} | ${r.chunks} | ${fmt(r.seconds, 2)} | ${fmt(r.pixels / r.seconds)} | ${fmt(gbps, 3)} | ${fmt(r.seconds / floorSeconds, 0)} |`);
}
console.log(`\npeak host memory: ${fmt(Math.max(peakRssBytes, maxRssBytes) / MB)} MiB (resident; the ${width} × ${height} input alone is ${fmt((4 * width * height * nDates) / MB)} MiB)`);
