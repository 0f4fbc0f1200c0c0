// The web app's pan/zoom maths (src/web/view-transform.ts) and its reference-point arithmetic
// (src/web/reference.ts), in Node: screen ↔ pixel, zoom about the cursor, pan, clamping, and
// rates/series relative to a reference pixel. Random cases from the one seeded generator.
import { describe, expect, it } from 'vitest';
import { makeRandom } from '../data/synthetic.ts';
import {
  MAX_ZOOM, SharedView, canvasToRaster, clampView, identityView, isIdentityView, panBy, pickPixel, rasterPointToCanvas,
  rasterToCanvas, visibleUnitWindow, wheelZoomFactor, zoomAbout, zoomOf, type MapBox,
} from '../src/web/view-transform.ts';
import { referenceProblem, relativeToReference, subtractReferenceSeries } from '../src/web/reference.ts';
import { fitPixelDetailed } from '../src/cpu/fit.ts';
import { CACHE_BYTES, MAX_READ_AHEAD, MIN_READ_AHEAD, ReadAheadFile } from '../src/web/read-ahead.ts';
import { makeTimeAxis } from '../src/core/time.ts';
import { regularDates } from '../data/synthetic.ts';
import { DEFAULT_FIT_OPTIONS } from '../src/core/fit-types.ts';

const seed = Number(process.env.PERMASAR_SEED ?? Date.now() % 1_000_000);
console.log(`web-view-transform: seed ${seed} (PERMASAR_SEED=${seed} to replay)`);
const random = makeRandom(seed);
const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();

/** A pane as the renderer lays it out: a raster of width × height at `scale` canvas px per pixel. */
function pane(width: number, height: number, scale: number): MapBox {
  return { x: uniform(20, 90), y: uniform(30, 70), width: Math.round(width * scale), height: Math.round(height * scale) };
}

describe('view transform (one mat3 for every pane)', () => {
  it('at identity picks the pixel under a point as the quicklook draws it, and maps pixel centres back', () => {
    for (let k = 0; k < 200; k++) {
      const width = 1 + Math.floor(uniform(1, 3000)), height = 1 + Math.floor(uniform(1, 3000));
      const box = pane(width, height, uniform(0.1, 6));
      const view = identityView();
      const row = Math.floor(uniform(0, height)), col = Math.floor(uniform(0, width));
      const centre = rasterPointToCanvas(view, box, width, height, col + 0.5, row + 0.5);
      // Independently: the quicklook puts pixel col at box.x + col · box.width / width.
      expect(centre.x).toBeCloseTo(box.x + ((col + 0.5) * box.width) / width, 6);
      expect(centre.y).toBeCloseTo(box.y + ((row + 0.5) * box.height) / height, 6);
      expect(pickPixel(view, box, width, height, centre.x, centre.y)).toEqual({ row, col });
    }
    const box: MapBox = { x: 10, y: 10, width: 100, height: 50 };
    expect(pickPixel(identityView(), box, 200, 100, 9.99, 20)).toBeNull();
    expect(pickPixel(identityView(), box, 200, 100, 110, 20)).toBeNull();
    expect(pickPixel(identityView(), box, 200, 100, 20, 60)).toBeNull();
  });

  it('zooms about the cursor: the raster point under it stays, and a later click picks the pixel the zoom put there', () => {
    for (let k = 0; k < 200; k++) {
      const width = 10 + Math.floor(uniform(0, 5000)), height = 10 + Math.floor(uniform(0, 5000));
      const box = pane(width, height, 560 / Math.max(width, height));
      const cursor = { x: uniform(box.x, box.x + box.width), y: uniform(box.y, box.y + box.height) };
      const before = canvasToRaster(identityView(), box, width, height, cursor.x, cursor.y);
      const notches = 1 + Math.floor(uniform(0, 12));
      const factor = wheelZoomFactor(-100 * notches);
      expect(factor).toBeCloseTo(Math.pow(1.25, notches), 12);
      const view = zoomAbout(identityView(), box, cursor.x, cursor.y, factor);
      expect(zoomOf(view)).toBeCloseTo(factor, 9);
      const after = canvasToRaster(view, box, width, height, cursor.x, cursor.y);
      expect(after.col).toBeCloseTo(before.col, 6);
      expect(after.row).toBeCloseTo(before.row, 6);
      // Another point Q after the zoom: what was at P + (Q − P)/factor before it (no mat3 here).
      const q = { x: uniform(box.x, box.x + box.width), y: uniform(box.y, box.y + box.height) };
      const preX = cursor.x + (q.x - cursor.x) / factor, preY = cursor.y + (q.y - cursor.y) / factor;
      const expected = { row: Math.floor(((preY - box.y) * height) / box.height), col: Math.floor(((preX - box.x) * width) / box.width) };
      const picked = pickPixel(view, box, width, height, q.x, q.y)!;
      // Exactly, unless the point lies within float rounding of a pixel edge.
      const edge = Math.min(...[((preX - box.x) * width) / box.width, ((preY - box.y) * height) / box.height].map((v) => Math.abs(v - Math.round(v))));
      if (edge > 1e-6) expect(picked).toEqual(expected);
    }
  });

  it('pans with a drag, and clamps: never past the raster\'s edge, zoom within [1, MAX_ZOOM], zooming back out ends at identity', () => {
    for (let k = 0; k < 100; k++) {
      const width = 50 + Math.floor(uniform(0, 2000)), height = 50 + Math.floor(uniform(0, 2000));
      const box = pane(width, height, 560 / Math.max(width, height));
      // A drag at identity moves nothing (the whole raster is on show).
      expect(isIdentityView(panBy(identityView(), box, uniform(-300, 300), uniform(-300, 300)))).toBe(true);
      let view = zoomAbout(identityView(), box, box.x + box.width / 2, box.y + box.height / 2, 8);
      // A small drag moves the raster with the pointer: the point under Q is now under Q + d.
      const q = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      const d = { x: uniform(-box.width / 8, box.width / 8), y: uniform(-box.height / 8, box.height / 8) };
      const under = canvasToRaster(view, box, width, height, q.x, q.y);
      const panned = panBy(view, box, d.x, d.y);
      const moved = canvasToRaster(panned, box, width, height, q.x + d.x, q.y + d.y);
      expect(moved.col).toBeCloseTo(under.col, 6);
      expect(moved.row).toBeCloseTo(under.row, 6);
      // A huge drag stops at the edge: the box's corners stay on the raster.
      view = panBy(panned, box, uniform(-1e5, 1e5), uniform(-1e5, 1e5));
      for (const [x, y] of [[box.x, box.y], [box.x + box.width, box.y + box.height]]) {
        const p = canvasToRaster(view, box, width, height, x, y);
        expect(p.col).toBeGreaterThanOrEqual(-1e-6);
        expect(p.row).toBeGreaterThanOrEqual(-1e-6);
        expect(p.col).toBeLessThanOrEqual(width + 1e-6);
        expect(p.row).toBeLessThanOrEqual(height + 1e-6);
      }
      const [u0, v0, u1, v1] = visibleUnitWindow(view);
      expect(u1 - u0).toBeCloseTo(1 / 8, 9);
      expect(v1 - v0).toBeCloseTo(1 / 8, 9);
      // Far in: capped, and the point under the cursor still stays.
      const cursor = { x: uniform(box.x, box.x + box.width), y: uniform(box.y, box.y + box.height) };
      const before = canvasToRaster(view, box, width, height, cursor.x, cursor.y);
      const deep = zoomAbout(view, box, cursor.x, cursor.y, 1e6);
      expect(zoomOf(deep)).toBe(MAX_ZOOM);
      const after = canvasToRaster(deep, box, width, height, cursor.x, cursor.y);
      expect(after.col).toBeCloseTo(before.col, 5);
      expect(after.row).toBeCloseTo(before.row, 5);
      // Out past 1: the whole raster again, exactly.
      expect(isIdentityView(zoomAbout(deep, box, cursor.x, cursor.y, 1e-9))).toBe(true);
    }
    // clampView on a hand-made matrix: zoom below 1 and shifts off the raster are pulled back.
    const clamped = clampView(Float64Array.of(0.5, 0, 0, 0, 0.5, 0, 3, -7, 1));
    expect(Array.from(clamped)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const shifted = clampView(Float64Array.of(4, 0, 0, 0, 4, 0, 0.5, -9, 1));
    expect([shifted[6], shifted[7]]).toEqual([0, -3]);
  });

  it('rasterToCanvas gives canvas setTransform the same mapping as the picking', () => {
    const box: MapBox = { x: 40, y: 60, width: 500, height: 250 };
    const view = zoomAbout(identityView(), box, 300, 100, 3);
    const m = rasterToCanvas(view, box, 1000, 500);
    const p = rasterPointToCanvas(view, box, 1000, 500, 123.5, 77.5);
    expect(m[0] * 123.5 + m[3] * 77.5 + m[6]).toBeCloseTo(p.x, 9);
    expect(m[1] * 123.5 + m[4] * 77.5 + m[7]).toBeCloseTo(p.y, 9);
    expect(m[1]).toBe(0);
    expect(m[3]).toBe(0);
  });

  it('SharedView tells every pane once per change, and not after it unsubscribes', () => {
    const shared = new SharedView();
    const box: MapBox = { x: 0, y: 0, width: 100, height: 100 };
    let a = 0, b = 0;
    const offA = shared.subscribe(() => a++);
    shared.subscribe(() => b++);
    shared.set(zoomAbout(shared.matrix, box, 50, 50, 2));
    shared.set(zoomAbout(identityView(), box, 50, 50, 2)); // the same matrix: no change
    offA();
    shared.reset();
    expect([a, b]).toEqual([1, 2]);
    expect(isIdentityView(shared.matrix)).toBe(true);
  });
});

describe('reference pixel (rates and series relative to it)', () => {
  it('refuses a reference outside the grid or without data, in one line', () => {
    const rate = Float32Array.of(1, NaN, 3, 4, 5, 6);
    expect(referenceProblem(rate, 3, 2, { row: 0, col: 0 })).toBeNull();
    const noData = referenceProblem(rate, 3, 2, { row: 0, col: 1 })!;
    expect(noData).toMatch(/reference pixel \(row 0, col 1\) has no data/);
    expect(noData).not.toContain('\n');
    expect(referenceProblem(rate, 3, 2, { row: 2, col: 0 })).toMatch(/outside the 3 × 2 grid/);
    expect(referenceProblem(rate, 3, 2, { row: 0, col: -1 })).toMatch(/outside/);
  });

  it('shifts every rate by minus the reference\'s, keeps NaN, and puts 0 at the reference', () => {
    const width = 37, height = 23;
    const rate = Float32Array.from({ length: width * height }, () => (random() < 0.1 ? NaN : uniform(-30, 10)));
    let ref = { row: 0, col: 0 };
    do ref = { row: Math.floor(uniform(0, height)), col: Math.floor(uniform(0, width)) }; while (!Number.isFinite(rate[ref.row * width + ref.col]));
    const refRate = rate[ref.row * width + ref.col];
    const relative = relativeToReference(rate, width, ref);
    expect(relative[ref.row * width + ref.col]).toBe(0);
    for (let i = 0; i < rate.length; i++) {
      if (Number.isNaN(rate[i])) expect(Number.isNaN(relative[i])).toBe(true);
      else expect(relative[i]).toBe(Math.fround(rate[i] - refRate));
    }
  });

  it('the rate of series − series_ref is rate − rate_ref (same valid epochs), NaN where either has no data', () => {
    const axis = makeTimeAxis(regularDates('20150101', '20200101', 12));
    const n = axis.tYears.length;
    const context = { tCentredYears: axis.tCentredYears, tMidYears: axis.tMidYears, scaleToMm: 1, options: DEFAULT_FIT_OPTIONS };
    const series = (rate: number, amplitude: number, phase: number, offset: number) => Float32Array.from(axis.tCentredYears, (t) =>
      offset + rate * t + (amplitude / 2) * Math.sin(2 * Math.PI * t + phase) + uniform(-1, 1));
    const a = series(uniform(-20, 5), uniform(10, 40), uniform(0, 6), uniform(-50, 50));
    const r = series(uniform(-5, 5), uniform(0, 5), uniform(0, 6), uniform(-50, 50));
    const gap = Math.floor(uniform(0, n));
    a[gap] = NaN;
    r[gap] = NaN; // same valid epochs: the trend is linear in the data
    const fa = fitPixelDetailed(a, context), fr = fitPixelDetailed(r, context), fd = fitPixelDetailed(subtractReferenceSeries(a, r), context);
    expect(fd.trend!.rateMmPerYear).toBeCloseTo(fa.trend!.rateMmPerYear - fr.trend!.rateMmPerYear, 3);
    const other = Float32Array.from(r);
    other[(gap + 5) % n] = NaN;
    const diff = subtractReferenceSeries(a, other);
    expect(Number.isNaN(diff[gap])).toBe(true);
    expect(Number.isNaN(diff[(gap + 5) % n])).toBe(true);
    expect(diff.filter(Number.isNaN).length).toBe(2);
    expect(() => subtractReferenceSeries(a, new Float32Array(3))).toThrow(/3/);
  });
});

describe('read-ahead under WORKERFS (src/web/read-ahead.ts)', () => {
  const size = 40 * 1024 * 1024 + 12345;
  const file = new Uint8Array(size);
  for (let i = 0; i < size; i++) file[i] = (i * 2654435761) >>> 24;
  const source = () => new ReadAheadFile(size, (start, end) => file.slice(start, end));

  it('serves HDF5\'s small forward reads of a chunk from few fetches, byte for byte', () => {
    const f = source();
    // A row block of a [date, row, col] chunk: 2 000-byte pieces every 8 000 bytes.
    const out = new Uint8Array(2000);
    for (let pos = 0; pos + 2000 <= 32 * 1024 * 1024; pos += 8000) {
      expect(f.read(out, 0, 2000, pos)).toBe(2000);
      expect(out[0]).toBe(file[pos]);
      expect(out[1999]).toBe(file[pos + 1999]);
    }
    expect(f.stats.reads).toBeGreaterThan(4000);
    expect(f.stats.fetches).toBeLessThan(20);
    expect(f.stats.bytesFetched).toBeLessThanOrEqual(32 * 1024 * 1024 + MAX_READ_AHEAD);
  });

  it('keeps scattered reads small, reads across segments and the end of the file, and bounds its memory', () => {
    const f = source();
    for (let k = 0; k < 300; k++) {
      const pos = Math.floor(uniform(0, size));
      const length = Math.floor(uniform(1, 300_000));
      const out = new Uint8Array(length + 7);
      const n = f.read(out, 7, length, pos);
      expect(n).toBe(Math.min(length, size - pos));
      for (const i of [0, Math.floor(n / 2), n - 1]) if (n > 0) expect(out[7 + i]).toBe(file[pos + i]);
    }
    // Far jumps (date planes of a contiguous dataset) fetch little beyond what is asked.
    const g = source();
    const out = new Uint8Array(16_000);
    for (let d = 0; d < 40; d++) g.read(out, 0, 16_000, d * 1_000_003);
    expect(g.stats.bytesFetched).toBeLessThanOrEqual(40 * Math.max(16_000, 2 * MIN_READ_AHEAD));
    expect(f.read(new Uint8Array(10), 0, 10, size + 5)).toBe(0);
    expect((f as unknown as { cachedBytes: number }).cachedBytes).toBeLessThanOrEqual(CACHE_BYTES + MAX_READ_AHEAD + 300_000);
  });
});
