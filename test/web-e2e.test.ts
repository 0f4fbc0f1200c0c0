// The web app in a real browser (issue 7): Debian's chromium, headless, WebGPU on SwiftShader.
// Builds the page with Vite, serves it on 127.0.0.1, loads the bundled sample stack through
// the file input, fits it on WebGPU (and checks the page says which adapter, and that it was
// not the CPU fallback), clicks a pixel and checks the series plot, downloads rate.tif and
// compares it with what `permasar fit` writes for the same input; then the CPU path in the
// page, whose rate.tif must be byte-identical to the CLI's CPU output. A bad file must give a
// message in the page. Screenshot: test-artifacts/web-app.png.
//
// No browser is ever downloaded. Without /usr/bin/chromium the test is skipped with a loud
// note, unless PERMASAR_REQUIRE_BROWSER=1 (CI), where that is a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDir } from './support/serve-dir.ts';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { fromArrayBuffer } from 'geotiff';
import { runFitCommand } from '../src/cli/cmd-fit.ts';
import { encodeGeoTiff } from '../src/io/geotiff-write.ts';
import { readGeoTiffRaster } from '../src/io/geotiff-read.ts';
import type { RasterGrid } from '../src/core/grid.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const SAMPLE = path.join(repo, 'data/sample/asc/timeseries.h5');
const CHROMIUM = process.env.PERMASAR_CHROMIUM ?? '/usr/bin/chromium';
const REQUIRE = process.env.PERMASAR_REQUIRE_BROWSER === '1';
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser) {
  const line = `web-e2e: ${CHROMIUM} not found — the browser test is ${REQUIRE ? 'REQUIRED (PERMASAR_REQUIRE_BROWSER=1) and fails' : 'SKIPPED'}; install Debian's chromium package to run it`;
  console.warn(`\n${'!'.repeat(line.length)}\n${line}\n${'!'.repeat(line.length)}\n`);
}

/** Parity tolerance of the rate (GPU float32 vs CPU float64), mm/yr — as in fit-parity. */
const RATE_TOLERANCE_MM_PER_YEAR = 0.01;


async function download(page: Page, file: string): Promise<Uint8Array> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`#downloads button[data-file="${file}"]`)]);
  expect(dl.suggestedFilename()).toBe(file);
  return new Uint8Array(await readFile((await dl.path())!));
}

async function fitInPage(page: Page, device: 'auto' | 'cpu'): Promise<void> {
  await page.selectOption('#opt-device', device);
  await page.click('#run');
  await page.waitForFunction(() => /done in/.test(document.getElementById('status')!.textContent ?? '') || document.querySelector('.message.error') !== null, undefined, { timeout: 45_000 });
  const error = await page.locator('.message.error').allTextContents();
  expect(error).toEqual([]);
}

describe.skipIf(!haveBrowser && !REQUIRE)('web app in chromium (WebGPU on SwiftShader)', () => {
  let work: string;
  let server: http.Server | null = null;
  let context: BrowserContext | null = null;
  let page: Page;
  let baseUrl: string;
  let cliDir: string;
  let grid: RasterGrid;

  beforeAll(async () => {
    if (!haveBrowser) throw new Error(`PERMASAR_REQUIRE_BROWSER=1 but ${CHROMIUM} does not exist`);
    work = await mkdtemp(path.join(os.tmpdir(), 'permasar-web-'));
    const { build } = await import('vite');
    const outDir = path.join(work, 'site');
    // The CLI's reference output, in-process, while Vite builds.
    cliDir = path.join(work, 'cli');
    const cli = runFitCommand({ out: cliDir, device: 'cpu', quiet: true }, SAMPLE);
    await build({ configFile: path.join(repo, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    await cli;
    grid = JSON.parse(await readFile(path.join(cliDir, 'summary.json'), 'utf8')).inputs.grid;
    server = await serveDir(outDir);
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { chromium } = await import('playwright-core');
    // A new, empty profile every time: nothing from a previous run (or a person's browser).
    const profile = path.join(work, 'profile');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1680, height: 1300 },
      args: ['--enable-unsafe-webgpu', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--disable-default-apps', '--no-default-browser-check'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(baseUrl);
  });

  afterAll(async () => {
    await context?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('says what is wrong with a file that is not HDF5, or GeoTIFFs on mixed grids, instead of a blank map', async () => {
    await page.setInputFiles('#stack-input-1', { name: 'timeseries.h5', mimeType: 'application/octet-stream', buffer: Buffer.from('this is a text file, not HDF5\n'.repeat(20)) });
    await page.click('#run');
    const message = page.locator('.message.error');
    await message.waitFor({ timeout: 20_000 });
    expect(await message.textContent()).toMatch(/timeseries\.h5: not an HDF5 file/);
    expect(await page.locator('#results').isHidden()).toBe(true);
    expect(await page.locator('#empty-state').isVisible()).toBe(true);

    // Per-date GeoTIFFs on two different grids: the second file is named, with the difference.
    const a: RasterGrid = { width: 4, height: 3, geoTransform: [92.9, 0.001, 0, 34.86, 0, -0.001], epsg: 4326 };
    const b: RasterGrid = { ...a, width: 5 };
    const tif = (g: RasterGrid) => Buffer.from(encodeGeoTiff(g, new Float32Array(g.width * g.height), { sampleType: 'float32' }));
    await page.setInputFiles('#stack-input-1', [
      { name: 'disp_20150101.tif', mimeType: 'image/tiff', buffer: tif(a) },
      { name: 'disp_20150113.tif', mimeType: 'image/tiff', buffer: tif(b) },
    ]);
    await page.click('#run');
    await page.waitForFunction(() => /disp_20150113\.tif/.test(document.querySelector('.message.error')?.textContent ?? ''), undefined, { timeout: 20_000 });
    expect(await page.locator('.message.error').textContent()).toMatch(/disp_20150113\.tif: size 5×3, not 4×3 of disp_20150101\.tif/);
    expect(await page.locator('#results').isHidden()).toBe(true);
  });

  it('fits the sample on WebGPU, plots a clicked pixel, and downloads the CLI\'s rate.tif', async () => {
    await page.setInputFiles('#stack-input-1', SAMPLE);
    await fitInPage(page, 'auto');

    // Which adapter ran it, and that it was the GPU, not the CPU fallback.
    const deviceLine = page.locator('#device-line');
    expect(await deviceLine.getAttribute('data-kind')).toBe('gpu');
    const deviceText = (await deviceLine.textContent()) ?? '';
    expect(deviceText).toMatch(/fitted on WebGPU · .+\[browser, (core|compatibility)\]/);
    expect(deviceText.toLowerCase()).toContain('swiftshader');

    // Four maps drawn, with pixels that are not background.
    for (const key of ['rateMmPerYear', 'seasonalAmplitudeMm', 'peakDayOfYear', 'seasonalFlag']) {
      const colours = await page.evaluate((k) => {
        const c = document.querySelector<HTMLCanvasElement>(`canvas[data-product="${k}"]`)!;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const seen = new Set<number>();
        for (let i = 0; i < d.length; i += 4 * 37) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        return seen.size;
      }, key);
      expect(colours, key).toBeGreaterThan(key === 'seasonalFlag' ? 3 : 20);
    }

    // Click a pixel on the rate map: the readout and the series plot follow.
    const row = 20, col = 30;
    const point = await page.evaluate(([r, c]) => (window as unknown as { permasar: { mapPoint(k: string, r: number, c: number): { x: number; y: number } | null } }).permasar.mapPoint('rateMmPerYear', r, c), [row, col]);
    expect(point).not.toBeNull();
    await page.locator('canvas[data-product="rateMmPerYear"]').click({ position: point! });
    await page.waitForFunction(() => Number(document.getElementById('series-canvas')!.dataset.points ?? 0) > 0, undefined, { timeout: 15_000 });
    const plotted = await page.evaluate(() => ({ ...document.getElementById('series-canvas')!.dataset }));
    expect(Number(plotted.row)).toBe(row);
    expect(Number(plotted.col)).toBe(col);
    expect(Number(plotted.points)).toBeGreaterThan(100);
    expect(await page.locator('#series-caption').textContent()).toMatch(/valid epochs; (seasonal|not seasonal)/);
    expect(await page.locator('#readout').textContent()).toContain(`row ${row}, col ${col}`);
    // The "by year" view (issue 15): a slider over the yearly amplitude maps, and the clicked
    // pixel's yearly amplitudes with error bars and trend line.
    const yearMap = page.locator('canvas[data-product="amplitudeByYear"]');
    expect(await yearMap.getAttribute('data-year')).toBe('2021');
    await page.locator('#year-slider').fill('0');
    expect(await yearMap.getAttribute('data-year')).toBe('2015');
    await page.waitForFunction(() => Number(document.getElementById('years-canvas')?.dataset.points ?? 0) > 0, undefined, { timeout: 15_000 });
    expect(Number(await page.locator('#years-canvas').getAttribute('data-points'))).toBeGreaterThanOrEqual(4);
    await page.locator('#results').scrollIntoViewIfNeeded();
    await mkdir(path.join(repo, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(repo, 'test-artifacts/web-app.png'), fullPage: true });

    // rate.tif: the same file as the CLI's, but for float32-vs-float64 rounding of the values
    // (so the compressed tiles differ): same grid, CRS, metadata and nodata, same NaN pattern.
    const browserTif = await download(page, 'rate.tif');
    const cliTif = new Uint8Array(await readFile(path.join(cliDir, 'rate.tif')));
    const [browserRaster, cliRaster] = await Promise.all([browserTif, cliTif].map(async (bytes, k) => {
      const copy = bytes.slice();
      return readGeoTiffRaster(await fromArrayBuffer(copy.buffer), k ? 'cli rate.tif' : 'browser rate.tif', copy.length);
    }));
    expect(browserRaster.grid).toEqual(cliRaster.grid);
    expect(browserRaster.metadata).toEqual(cliRaster.metadata);
    expect([browserRaster.unit, browserRaster.description]).toEqual([cliRaster.unit, cliRaster.description]);
    expect(Number.isNaN(browserRaster.nodata)).toBe(true);
    const n = grid.width * grid.height;
    const gpuRate = browserRaster.data;
    const cpuRate = cliRaster.data;
    expect(gpuRate.length).toBe(n);
    let worst = 0, finite = 0;
    for (let i = 0; i < n; i++) {
      expect(Number.isNaN(gpuRate[i]), `NaN pattern at pixel ${i}`).toBe(Number.isNaN(cpuRate[i]));
      if (Number.isNaN(cpuRate[i])) continue;
      finite++;
      worst = Math.max(worst, Math.abs(gpuRate[i] - cpuRate[i]));
    }
    expect(finite).toBeGreaterThan(n / 2);
    expect(worst).toBeLessThanOrEqual(RATE_TOLERANCE_MM_PER_YEAR);

    const summary = JSON.parse(new TextDecoder().decode(await download(page, 'summary.json')));
    const cliSummary = JSON.parse(await readFile(path.join(cliDir, 'summary.json'), 'utf8'));
    expect(Object.keys(summary).sort()).toEqual(Object.keys(cliSummary).sort());
    expect(summary.dates).toEqual(cliSummary.dates);
    expect(summary.inputs.grid).toEqual(cliSummary.inputs.grid);
    expect(summary.counts.pixels).toBe(cliSummary.counts.pixels);
    expect(summary.counts.withData).toBe(cliSummary.counts.withData);
    expect(summary.device.kind).toBe('gpu');
  });

  it("on the CPU path, writes the CLI's rate.tif: every tag, pixel and overview the same", async () => {
    await fitInPage(page, 'cpu');
    expect(await page.locator('#device-line').getAttribute('data-kind')).toBe('cpu');
    const browserTif = await download(page, 'rate.tif');
    const cliTif = new Uint8Array(await readFile(path.join(cliDir, 'rate.tif')));
    // The tiles are the same bytes before DEFLATE; the browser deflates them with fflate, the
    // CLI with node:zlib (off the main thread), so only the compressed streams, and with them
    // TileOffsets and TileByteCounts, may differ.
    const [browser, cli] = await Promise.all([browserTif, cliTif].map((bytes) => fromArrayBuffer(bytes.slice().buffer)));
    const images = await cli.getImageCount();
    expect(await browser.getImageCount()).toBe(images);
    expect(images).toBeGreaterThanOrEqual(1);
    // Every TIFF tag of an image by number but the tile offsets and sizes (geotiff.js keeps
    // large arrays deferred until loaded).
    const tags = async (image: Awaited<ReturnType<typeof cli.getImage>>): Promise<Record<number, unknown>> => {
      const directory = image.fileDirectory as unknown as { actualizedFields: Map<number, unknown>; deferredFields: Map<number, unknown>; loadValue(tag: number): Promise<unknown> };
      const out: Record<number, unknown> = {};
      for (const [tag, value] of directory.actualizedFields) out[tag] = value;
      for (const tag of directory.deferredFields.keys()) out[tag] = await directory.loadValue(tag);
      delete out[324]; // TileOffsets
      delete out[325]; // TileByteCounts
      return JSON.parse(JSON.stringify(out, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v)));
    };
    for (let i = 0; i < images; i++) {
      const [b, c] = await Promise.all([browser.getImage(i), cli.getImage(i)]);
      const [browserTags, cliTags] = await Promise.all([tags(b), tags(c)]);
      expect(browserTags, `image ${i} tags`).toEqual(cliTags);
      // Size, compression, predictor, tiles, sample format, nodata; georeferencing and metadata on the first.
      expect(Object.keys(cliTags).map(Number)).toEqual(expect.arrayContaining([256, 257, 259, 317, 322, 323, 339, 42113, ...(i === 0 ? [33550, 33922, 34735, 42112] : [])]));
      const [bp, cp] = await Promise.all([b.readRasters({ interleave: true }), c.readRasters({ interleave: true })]);
      const bits = (r: unknown) => new Uint32Array(Float32Array.from(r as ArrayLike<number>).buffer);
      expect(Buffer.from(bits(bp).buffer).equals(Buffer.from(bits(cp).buffer)), `image ${i} pixels, bit for bit`).toBe(true);
    }
  });

  it('with two tracks loaded, shows the direction maps and class shares', async () => {
    // The same stack as both tracks: identical rates → every pixel with |v| > 5 mm/yr is
    // "vertical" (same sign, same magnitude), which checks the wiring, not the science.
    await page.setInputFiles('#stack-input-2', SAMPLE);
    await fitInPage(page, 'auto');
    await page.waitForFunction(() => /Track 2: done in/.test(document.getElementById('status')!.textContent ?? ''), undefined, { timeout: 45_000 });
    await page.click('#tabs button[data-view="direction"]');
    await page.locator('canvas[data-product="direction_secular"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('canvas[data-product="direction_seasonal"]').count()).toBe(1);
    const tables = await page.locator('.share-table').allTextContents();
    expect(tables).toHaveLength(2);
    expect(tables[0]).toMatch(/vertical/);
    expect(tables[0]).not.toMatch(/east-west\s*[1-9]/);
    await page.screenshot({ path: path.join(repo, 'test-artifacts/web-app-direction.png'), fullPage: true });
  });

  it('draws a lines layer on every map, profiles the product along it, zooms to a segment clicked there and marks the segment clicked on a map', async () => {
    await page.click('#tabs button[data-view="1"]');
    // A railway across the sample's grid, west to east, as two pieces (one reversed) meeting mid-way.
    const gt = grid.geoTransform;
    const lat = gt[3] + (grid.height / 2) * gt[5];
    const west = gt[0] + 2 * gt[1], mid = gt[0] + (grid.width / 2) * gt[1], east = gt[0] + (grid.width - 2) * gt[1];
    const lines = { type: 'FeatureCollection', features: [
      { type: 'Feature', properties: { class: 'railway' }, geometry: { type: 'LineString', coordinates: [[mid, lat], [west, lat]] } },
      { type: 'Feature', properties: { class: 'railway' }, geometry: { type: 'LineString', coordinates: [[mid, lat], [east, lat - 3 * gt[5]]] } },
    ] };
    await page.setInputFiles('#lines-input', { name: 'railway.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(lines)) });
    await page.waitForFunction(() => Number(document.getElementById('profile-canvas')?.dataset.segments ?? 0) > 0, undefined, { timeout: 15_000 });
    const profile = await page.evaluate(() => ({ ...document.getElementById('profile-canvas')!.dataset }));
    expect(profile.route).toBe('railway');
    expect(profile.profileProduct).toBe('rateMmPerYear');
    const segments = Number(profile.segments);
    expect(segments).toBeGreaterThan(3);
    expect(Number(profile.withData)).toBeGreaterThan(segments / 2);
    // Drawn on every map of the track.
    for (const key of ['rateMmPerYear', 'seasonalAmplitudeMm', 'peakDayOfYear', 'seasonalFlag', 'amplitudeByYear']) {
      expect(Number(await page.locator(`canvas[data-product="${key}"]`).getAttribute('data-lines')), key).toBeGreaterThanOrEqual(segments);
    }
    type Probe = { row: number; col: number; profileX: number | null };
    const probe = (k: number) => page.evaluate((i) => (window as unknown as { permasar: { segmentProbe(k: number): Probe | null } }).permasar.segmentProbe(i), k);
    const marked = () => page.evaluate(() => (window as unknown as { permasar: { markedSegment(): number | null } }).permasar.markedSegment());

    // Click segment k on the profile: it is marked and every map zooms to it.
    const k = Math.floor(segments / 3);
    const p = (await probe(k))!;
    const box = (await page.locator('#profile-canvas').boundingBox())!;
    await page.locator('#profile-canvas').click({ position: { x: p.profileX!, y: box.height / 2 } });
    await page.waitForFunction((i) => (window as unknown as { permasar: { markedSegment(): number | null } }).permasar.markedSegment() === i, k, { timeout: 10_000 });
    const view = await page.evaluate(() => (window as unknown as { permasar: { viewMatrix(): number[] } }).permasar.viewMatrix());
    const zoom = view[0];
    expect(zoom).toBeGreaterThan(2);
    const u = (p.col + 0.5) / grid.width, v = (p.row + 0.5) / grid.height;
    expect(zoom * u + view[6]).toBeGreaterThan(0);
    expect(zoom * u + view[6]).toBeLessThan(1);
    expect(zoom * v + view[7]).toBeGreaterThan(0);
    expect(zoom * v + view[7]).toBeLessThan(1);
    expect(await page.locator('canvas[data-product="rateMmPerYear"]').getAttribute('data-marked-segment')).toBe(String(k));
    expect(await page.locator('#profile-caption').textContent()).toMatch(new RegExp(`Segment ${k} of railway`));

    // Click the rate map on the line at another segment: that one is marked.
    await page.locator('canvas[data-product="rateMmPerYear"]').dblclick(); // the whole map again
    const j = Math.floor((2 * segments) / 3);
    const q = (await probe(j))!;
    const point = await page.evaluate(([r, c]) => (window as unknown as { permasar: { mapPoint(k: string, r: number, c: number): { x: number; y: number } | null } }).permasar.mapPoint('rateMmPerYear', r, c), [q.row, q.col]);
    await page.locator('canvas[data-product="rateMmPerYear"]').click({ position: point! });
    await page.waitForFunction((i) => (window as unknown as { permasar: { markedSegment(): number | null } }).permasar.markedSegment() === i, j, { timeout: 10_000 });
    expect(await page.locator('#profile-canvas').getAttribute('data-marked')).toBe(String(j));
    await page.locator('#profile-card').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(repo, 'test-artifacts/web-app-profile.png'), fullPage: true });
  });
});
