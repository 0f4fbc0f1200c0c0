// The web app at real sizes (issue 14), in Debian's chromium, headless, WebGPU on SwiftShader:
// - a LiCSBAS cum.h5 opens and fits in the page as the CLI fits it (same grid, half-post shift
//   included; CPU path in both, so the rates agree to float32 rounding);
// - a MintPy timeseries.h5 of more than 1.5 GiB, written row block by row block with the
//   streaming MintPy writer, opens in place (WORKERFS: h5wasm's wasm heap and the page's JS heap
//   stay far below the file's size, which a copy into the tab could not), fits on WebGPU with
//   the known rates recovered; then the maps zoom about the cursor (wheel), pan (drag), a click
//   after both picks the pixel computed here from the gestures alone, every pane follows the one
//   view, shift+click sets a reference (a pixel without data is refused in one line), and
//   double-click resets. The big file is deleted in afterAll.
//
// Stack shape: 2 000 dates (every other day, 2015-01-01 on) × 404 × 500 pixels, float32:
// 1.616 GB, all of it read. Many dates on fewer pixels costs the same bytes, and the fit's work
// follows the values with data, so data lie in a quarter of the frame (bigNoData below).
// PERMASAR_WEB_BIG_ROWS overrides the row count (a smaller file for trying things out; the test
// then says so and the size assertion fails, so CI cannot pass on a small file).
//
// No browser is ever downloaded. Without /usr/bin/chromium the test is skipped with a loud
// note, unless PERMASAR_REQUIRE_BROWSER=1 (CI), where that is a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDir } from './support/serve-dir.ts';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { fromArrayBuffer } from 'geotiff';
import { runFitCommand } from '../src/cli/cmd-fit.ts';
import { readGeoTiffRaster } from '../src/io/geotiff-read.ts';
import { writeMintpyTimeseriesRows } from '../src/io/mintpy-h5-write-node.ts';
import { writeLicsbasCum } from '../src/io/licsbas-h5-write-node.ts';
import { generateStack, makeRandom, regularDates } from '../data/synthetic.ts';
import { makeTimeAxis } from '../src/core/time.ts';
import type { RasterGrid } from '../src/core/grid.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.PERMASAR_CHROMIUM ?? '/usr/bin/chromium';
const REQUIRE = process.env.PERMASAR_REQUIRE_BROWSER === '1';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) {
  const line = `web-big: ${CHROMIUM} not found — the browser test is ${REQUIRE ? 'REQUIRED (PERMASAR_REQUIRE_BROWSER=1) and fails' : 'SKIPPED'}; install Debian's chromium package to run it`;
  console.warn(`\n${'!'.repeat(line.length)}\n${line}\n${'!'.repeat(line.length)}\n`);
}

const seed = Number(process.env.PERMASAR_SEED ?? Date.now() % 1_000_000);
console.log(`web-big: seed ${seed} (PERMASAR_SEED=${seed} to replay)`);

/** The floor: a stack of at least 1.5 GB (taken as GiB, the larger reading). */
const MIN_STACK_BYTES = 1.5 * 1024 ** 3;
const BIG_DATES = regularDates('20150101', '20251231', 2).slice(0, 2000);
const BIG_WIDTH = 500;
const BIG_HEIGHT = Number(process.env.PERMASAR_WEB_BIG_ROWS ?? 404);
if (process.env.PERMASAR_WEB_BIG_ROWS) console.warn(`web-big: PERMASAR_WEB_BIG_ROWS=${BIG_HEIGHT}: a smaller stack than the test requires`);
const BIG_GRID: RasterGrid = { width: BIG_WIDTH, height: BIG_HEIGHT, geoTransform: [92.9, 0.001, 0, 35.2, 0, -0.001], epsg: 4326 };

/**
 * Truth of the big stack: rate by row, peak-to-trough amplitude by column. Data in a strip of
 * 125 columns down the middle (a swath's footprint in a larger frame: 50 000 pixels fitted), with
 * scattered no-data pixels in it; every other pixel is NaN on every date. The file holds every
 * pixel all the same (1.6 GB read through the tab); fitting all 202 000 pixels of 2 000 dates
 * would take about 1.5 min more in SwiftShader on the test machine (3.5 s per 6 000 pixels,
 * measured on a slice), on a suite run 20 times in a row to prove it is not flaky.
 */
const STRIP_HALF_WIDTH = 62;
const STRIP_CENTRE = Math.floor(BIG_WIDTH / 2);
const bigRateMmPerYear = (row: number) => -20 + (25 * row) / Math.max(1, BIG_HEIGHT - 1);
const bigAmplitudeMm = (col: number) => 12 + (30 * (col - STRIP_CENTRE + STRIP_HALF_WIDTH)) / (2 * STRIP_HALF_WIDTH);
const bigNoData = (row: number, col: number) => Math.abs(col - STRIP_CENTRE) > STRIP_HALF_WIDTH || (row * 31 + col * 17) % 211 === 0;

/** GPU float32 vs truth with ±1 mm noise over 2 000 dates: well inside this (mm/yr). */
const RATE_TOLERANCE_MM_PER_YEAR = 0.05;
/** The wheel notches and the drag the test makes (CSS px). */
const WHEEL_NOTCHES = 3;
const DRAG = { x: 23, y: -17 };


/** Streams the big stack to disk (never whole in memory): values in m, as MintPy stores them. */
async function writeBigStack(file: string): Promise<void> {
  const random = makeRandom(seed);
  const noise = Float32Array.from({ length: 1 << 16 }, () => 2 * random() - 1); // ±1 mm
  const axis = makeTimeAxis(BIG_DATES);
  const nDates = BIG_DATES.length;
  // The annual term at each date, peak on day ~200 (phase fixed): sin(2π(t − t_mid) + φ).
  const annual = Float64Array.from(axis.tCentredYears, (t) => Math.sin(2 * Math.PI * t + 0.7));
  const amplitude = Float64Array.from({ length: BIG_WIDTH }, (_, c) => bigAmplitudeMm(c));
  await writeMintpyTimeseriesRows(file, { grid: BIG_GRID, dates: BIG_DATES, unit: 'm', refDate: BIG_DATES[0], blockRows: 4 }, (row0, nRows) => {
    const out = new Float32Array(nDates * nRows * BIG_WIDTH);
    for (let d = 0; d < nDates; d++) {
      const t = axis.tCentredYears[d];
      for (let r = 0; r < nRows; r++) {
        const row = row0 + r;
        const trend = bigRateMmPerYear(row) * t;
        const base = (d * nRows + r) * BIG_WIDTH;
        for (let c = 0; c < BIG_WIDTH; c++) {
          out[base + c] = bigNoData(row, c) ? NaN : (trend + (amplitude[c] / 2) * annual[d] + noise[(d * 7919 + row * 613 + c) & 0xffff]) / 1000;
        }
      }
    }
    return out;
  });
}

async function fitInPage(page: Page, device: 'auto' | 'cpu', timeoutMs: number): Promise<void> {
  await page.selectOption('#opt-device', device);
  await page.click('#run');
  await page.waitForFunction(() => /done in/.test(document.getElementById('status')!.textContent ?? '') || document.querySelector('.message.error') !== null, undefined, { timeout: timeoutMs, polling: 500 });
  expect(await page.locator('.message.error').allTextContents()).toEqual([]);
}

type PermasarWindow = {
  permasar: {
    tracks: { outcome: { memory: { stackBytes: number; wasmHeapBytes: number | null; tileRows: number }; summary: { inputs: { format: string } }; grid: RasterGrid; products: Record<string, Float32Array> } | null }[];
    mapPoint(k: string, r: number, c: number): { x: number; y: number } | null;
    mapBox(k: string): { x: number; y: number; width: number; height: number } | null;
    viewMatrix(): number[];
  };
};

describe.skipIf(!haveBrowser && !REQUIRE)('web app at real sizes in chromium (LiCSBAS, a 1.6 GB stack, pan/zoom, reference)', () => {
  let work: string;
  let server: http.Server | null = null;
  let context: BrowserContext | null = null;
  let page: Page;
  let bigFile: string;
  let bigWritten: Promise<void>;

  beforeAll(async () => {
    if (!haveBrowser) throw new Error(`PERMASAR_REQUIRE_BROWSER=1 but ${CHROMIUM} does not exist`);
    work = await mkdtemp(path.join(os.tmpdir(), 'permasar-web-big-'));
    bigFile = path.join(work, 'timeseries.h5');
    const { build } = await import('vite');
    const outDir = path.join(work, 'site');
    await build({ configFile: path.join(repo, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    // The big stack is written while the LiCSBAS case runs (awaited in its own test).
    bigWritten = writeBigStack(bigFile);
    bigWritten.catch(() => { /* reported by the test that awaits it */ });
    server = await serveDir(outDir);
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1680, height: 1300 },
      args: ['--enable-unsafe-webgpu', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--disable-default-apps', '--no-default-browser-check'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  });

  afterAll(async () => {
    await context?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await bigWritten?.catch(() => {});
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('opens a LiCSBAS cum.h5 and fits it as the CLI does, on the same grid', async () => {
    const width = 40, height = 30;
    const synthetic = generateStack({ seed, width, height, intervalDays: 24 });
    const grid: RasterGrid = { width, height, geoTransform: [92.9, 0.001, 0, 35.2, 0, -0.001], epsg: 4326 };
    const cum = path.join(work, 'cum_filt.h5');
    await writeLicsbasCum(cum, { grid, dates: synthetic.axis.dates, valuesMm: synthetic.values });
    const cliDir = path.join(work, 'cli-licsbas');
    await runFitCommand({ out: cliDir, device: 'cpu', quiet: true }, cum);
    const tif = await readFile(path.join(cliDir, 'rate.tif'));
    const cliRate = await readGeoTiffRaster(await fromArrayBuffer(tif.buffer.slice(tif.byteOffset, tif.byteOffset + tif.byteLength)), 'rate.tif', tif.length);

    await page.setInputFiles('#stack-input-1', cum);
    await fitInPage(page, 'cpu', 60_000);
    const got = await page.evaluate(() => {
      const o = (window as unknown as PermasarWindow).permasar.tracks[0].outcome!;
      return { format: o.summary.inputs.format, grid: o.grid, rate: Array.from(o.products.rateMmPerYear) };
    });
    expect(got.format).toBe('licsbas-h5');
    // LiCSBAS's corner is the first pixel's centre; the grid is half a post out, as written.
    expect(got.grid).toEqual(cliRate.grid);
    expect(got.grid.geoTransform).toEqual(grid.geoTransform);
    let finite = 0;
    for (let i = 0; i < width * height; i++) {
      const a = got.rate[i] ?? NaN, b = cliRate.data[i];
      expect(Number.isNaN(a), `NaN pattern at pixel ${i}`).toBe(Number.isNaN(b));
      if (Number.isNaN(b)) continue;
      finite++;
      expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-4);
    }
    expect(finite).toBeGreaterThan((width * height) / 2);
  });

  it('opens a stack of more than 1.5 GiB in place, fits it on WebGPU, then pans, zooms, picks and moves the reference', async () => {
    await bigWritten;
    const bytes = (await stat(bigFile)).size;
    console.log(`web-big: stack ${(bytes / 1e9).toFixed(3)} GB (${BIG_DATES.length} dates × ${BIG_HEIGHT} × ${BIG_WIDTH})`);

    await page.setInputFiles('#stack-input-1', bigFile);
    await fitInPage(page, 'auto', 540_000);
    expect(await page.locator('#device-line').getAttribute('data-kind')).toBe('gpu');
    console.log(`web-big: ${await page.locator('#status').textContent()}`);

    // Read in place: the worker's wasm heap (all h5wasm ever held) and the page's JS heap stay
    // far below the file's size; a copy of the file into the tab would need all of it.
    const report = await page.evaluate(() => (window as unknown as PermasarWindow).permasar.tracks[0].outcome!.memory);
    const cdp = await context!.newCDPSession(page);
    const heap = await cdp.send('Runtime.getHeapUsage') as { usedSize: number; totalSize: number };
    await cdp.detach();
    console.log(`web-big: wasm heap ${(report.wasmHeapBytes! / 2 ** 20).toFixed(0)} MiB, page JS heap ${(heap.usedSize / 2 ** 20).toFixed(0)} MiB used of ${(heap.totalSize / 2 ** 20).toFixed(0)} MiB, ${report.tileRows} rows per block, stack ${(bytes / 2 ** 20).toFixed(0)} MiB`);
    // The known rates, at pixels spread over the grid (Eq. 1 rate of seasonal pixels = truth).
    const random = makeRandom(seed + 1);
    const probes = Array.from({ length: 300 }, (_, k) => ({
      row: Math.floor(random() * BIG_HEIGHT),
      // Two in three in the strip with data.
      col: k % 3 ? STRIP_CENTRE - STRIP_HALF_WIDTH + Math.floor(random() * (2 * STRIP_HALF_WIDTH + 1)) : Math.floor(random() * BIG_WIDTH),
    }));
    const fitted = await page.evaluate((ps) => {
      const o = (window as unknown as PermasarWindow).permasar.tracks[0].outcome!;
      return ps.map((p) => o.products.rateMmPerYear[p.row * o.grid.width + p.col]);
    }, probes);
    probes.forEach((p, k) => {
      if (bigNoData(p.row, p.col)) expect(Number.isNaN(fitted[k] ?? NaN), `pixel ${p.row},${p.col} has no data`).toBe(true);
      else expect(Math.abs(fitted[k] - bigRateMmPerYear(p.row)), `rate at ${p.row},${p.col}`).toBeLessThanOrEqual(RATE_TOLERANCE_MM_PER_YEAR);
    });

    // Zoom with the wheel about the centre of the rate map's box, then drag.
    const rateCanvas = page.locator('canvas[data-product="rateMmPerYear"]');
    await rateCanvas.scrollIntoViewIfNeeded();
    const canvasBox = (await rateCanvas.boundingBox())!;
    const box = (await page.evaluate(() => (window as unknown as PermasarWindow).permasar.mapBox('rateMmPerYear')))!;
    // Chromium delivers mouse positions in whole CSS px of the page: points are put on them.
    const onPagePixel = (x: number, y: number) => ({ x: Math.round(canvasBox.x + x) - canvasBox.x, y: Math.round(canvasBox.y + y) - canvasBox.y });
    const P = onPagePixel(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.move(canvasBox.x + P.x, canvasBox.y + P.y);
    for (let k = 0; k < WHEEL_NOTCHES; k++) await page.mouse.wheel(0, -100);
    const factor = 1.25 ** WHEEL_NOTCHES;
    await page.waitForFunction((f) => Math.abs(Number(document.querySelector<HTMLCanvasElement>('canvas[data-product="rateMmPerYear"]')!.dataset.zoom) - f) < 1e-3, factor, { timeout: 10_000 });
    await page.mouse.down();
    await page.mouse.move(canvasBox.x + P.x + DRAG.x, canvasBox.y + P.y + DRAG.y, { steps: 4 });
    await page.mouse.up();
    const matrix = await page.evaluate(() => (window as unknown as PermasarWindow).permasar.viewMatrix());
    expect(matrix[0]).toBeCloseTo(factor, 9);
    expect(matrix[6]).not.toBe(0);
    // Every pane shows the same view.
    const zooms = await page.locator('canvas.map-canvas').evaluateAll((cs) => cs.map((c) => (c as HTMLCanvasElement).dataset.zoom));
    expect(zooms.length).toBeGreaterThanOrEqual(5);
    expect(new Set(zooms)).toEqual(new Set([factor.toFixed(4)]));

    // A click at Q picks what the gestures put there, computed here without the page's matrices:
    // before the drag Q was at Q − d; before the zoom about P, at P + (Q − d − P) / factor.
    // Q lands in the strip with data (a pixel without data plots no series).
    // A point within rounding of a pixel edge is moved one px on.
    const rasterOf = (q: { x: number; y: number }) => ({
      row: (((P.y + (q.y - DRAG.y - P.y) / factor) - box.y) / box.height) * BIG_HEIGHT,
      col: (((P.x + (q.x - DRAG.x - P.x) / factor) - box.x) / box.width) * BIG_WIDTH,
    });
    const nearEdge = (v: number) => Math.abs(v - Math.round(v)) < 0.05;
    let Q = onPagePixel(P.x + 10, box.y + box.height * 0.65);
    while (nearEdge(rasterOf(Q).row) || nearEdge(rasterOf(Q).col)) Q = { x: Q.x + 1, y: Q.y + 1 };
    const expected = { row: Math.floor(rasterOf(Q).row), col: Math.floor(rasterOf(Q).col) };
    await page.mouse.click(canvasBox.x + Q.x, canvasBox.y + Q.y);
    await page.waitForFunction(() => Number(document.getElementById('series-canvas')!.dataset.points ?? 0) > 0, undefined, { timeout: 30_000 });
    const picked = await page.evaluate(() => ({ ...document.getElementById('series-canvas')!.dataset }));
    expect({ row: Number(picked.row), col: Number(picked.col) }).toEqual(expected);
    expect(await page.locator('#readout').textContent()).toContain(`row ${expected.row}, col ${expected.col}`);

    // Shift+click on a pixel without data: refused in one line; on one with data: the reference.
    // Zoomed pixels are ~2 CSS px and the click lands on a whole page px, so targets are pixels
    // whose neighbours are of the same kind, and the pixel the page names is checked.
    const visible = (p: { x: number; y: number } | null) => !!p && p.x > box.x && p.y > box.y && p.x < box.x + box.width && p.y < box.y + box.height;
    const pointOf = (r: number, c: number) => page.evaluate(([rr, cc]) => (window as unknown as PermasarWindow).permasar.mapPoint('rateMmPerYear', rr, cc), [r, c]);
    const neighbours = (r: number, c: number) => [-1, 0, 1].flatMap((dr) => [-1, 0, 1].map((dc) => [r + dr, c + dc] as const));
    const outside = { row: expected.row, col: STRIP_CENTRE - STRIP_HALF_WIDTH - 6 };
    const outsidePoint = await pointOf(outside.row, outside.col);
    expect(visible(outsidePoint)).toBe(true);
    await rateCanvas.click({ position: outsidePoint!, modifiers: ['Shift'] });
    const refusal = page.locator('.message.error');
    await refusal.waitFor({ timeout: 10_000 });
    const refused = /^Track 1: reference pixel \(row (\d+), col (\d+)\) has no data/.exec((await refusal.textContent()) ?? '');
    expect(refused, 'one-line refusal').not.toBeNull();
    expect(Math.abs(Number(refused![1]) - outside.row)).toBeLessThanOrEqual(1);
    expect(Math.abs(Number(refused![2]) - outside.col)).toBeLessThanOrEqual(1);
    expect(await page.locator('#reference-line').getAttribute('data-row')).toBeNull();

    let target = { row: expected.row + 3, col: STRIP_CENTRE };
    while (neighbours(target.row, target.col).some(([r, c]) => bigNoData(r, c))) target = { row: target.row + 1, col: target.col };
    const refPoint = await pointOf(target.row, target.col);
    expect(visible(refPoint)).toBe(true);
    await rateCanvas.click({ position: refPoint!, modifiers: ['Shift'] });
    await page.waitForFunction(() => document.getElementById('reference-line')!.dataset.row !== undefined, undefined, { timeout: 10_000 });
    const ref = await page.locator('#reference-line').evaluate((el) => ({ row: Number((el as HTMLElement).dataset.row), col: Number((el as HTMLElement).dataset.col) }));
    expect(Math.abs(ref.row - target.row)).toBeLessThanOrEqual(1);
    expect(Math.abs(ref.col - target.col)).toBeLessThanOrEqual(1);
    expect(bigNoData(ref.row, ref.col)).toBe(false);
    // The view survives the re-render, and the series now comes back relative to the reference.
    expect((await page.evaluate(() => (window as unknown as PermasarWindow).permasar.viewMatrix()))[0]).toBeCloseTo(factor, 9);
    await page.waitForFunction((r) => document.getElementById('series-canvas')!.dataset.refRow === String(r.row), ref, { timeout: 30_000 });
    expect(await page.locator('#series-caption').textContent()).toMatch(/minus the reference pixel's/);
    expect(await page.locator('#readout').textContent()).toMatch(/rate − ref/);

    // Double-click: the whole map again, on every pane.
    await page.mouse.dblclick(canvasBox.x + P.x, canvasBox.y + P.y);
    await page.waitForFunction(() => (window as unknown as PermasarWindow).permasar.viewMatrix()[0] === 1, undefined, { timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as PermasarWindow).permasar.viewMatrix())).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const reset = await page.locator('canvas.map-canvas').evaluateAll((cs) => cs.map((c) => (c as HTMLCanvasElement).dataset.zoom));
    expect(new Set(reset)).toEqual(new Set(['1.0000']));
    // Last, so that a trial with PERMASAR_WEB_BIG_ROWS runs everything before failing here.
    expect(report.stackBytes).toBe(bytes);
    expect(report.wasmHeapBytes).not.toBeNull();
    expect(report.wasmHeapBytes!).toBeLessThan(bytes / 8);
    expect(heap.totalSize).toBeLessThan(bytes / 8);

    expect(bytes).toBeGreaterThanOrEqual(MIN_STACK_BYTES);
  }, 600_000);
});
