// `permasar compare`: Table 1 rules (core/direction.ts), the LOS geometry and decomposition
// (core/decomposition.ts), and the command end to end on exact fit products of one known
// motion field (data/motion-field.ts) seen from two tracks on different grids with partial
// overlap: every class matches the truth by construction, counts add up, the decomposition
// recovers up/east, bad inputs give one-line errors. CPU path (the GPU kernel's parity is
// test/compare-parity.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  circularDayDifference,
  classifySeasonal,
  classifySecular,
  classOfReason,
  DEFAULT_DIRECTION_THRESHOLDS as T,
  SeasonalReason,
  SecularReason,
} from '../src/core/direction.ts';
import { decomposeSeasonal, decomposeUpEast, losUnitVector, MIN_DECOMPOSITION_DETERMINANT } from '../src/core/decomposition.ts';
import { makeMotionField, writeTrackFitFolder, SECULAR_MOTIONS, SEASONAL_MOTIONS, type MotionField } from '../data/motion-field.ts';
import { runCompareCommand } from '../src/cli/cmd-compare.ts';
import { crsTransform, countReasons } from '../src/pipeline/compare.ts';
import { resampleToGrid } from '../src/core/resample.ts';
import { readRaster } from '../src/io/raster-node.ts';
import { runCommand } from './support/run-command.ts';
import { registerCommand } from '../src/cli/main.ts';
import { InputError } from '../src/core/errors.ts';

describe('Table 1 rules', () => {
  it('secular: similar magnitudes → vertical (same sign) / east-west (opposite); different → undetermined', () => {
    expect(classifySecular(-12, -10, T)).toBe(SecularReason.VERTICAL);
    expect(classifySecular(12, 10, T)).toBe(SecularReason.VERTICAL);
    expect(classifySecular(-12, 10, T)).toBe(SecularReason.EAST_WEST);
    expect(classifySecular(-20, -10, T)).toBe(SecularReason.MAGNITUDE_DIFFERS);
    expect(classifySecular(-20, 10, T)).toBe(SecularReason.MAGNITUDE_DIFFERS);
    // The threshold itself counts as similar (≤).
    expect(classifySecular(-15, -10, T)).toBe(SecularReason.VERTICAL);
    expect(classifySecular(-15.01, -10, T)).toBe(SecularReason.MAGNITUDE_DIFFERS);
    expect(classifySecular(NaN, 3, T)).toBe(SecularReason.NO_DATA);
    expect(classifySecular(3, Infinity, T)).toBe(SecularReason.NO_DATA);
  });

  it('secular: both rates within the threshold of zero → undetermined ("both near zero"), whatever the signs', () => {
    // Table 1 read literally would call these east-west and vertical: the signs are noise.
    expect(classifySecular(4, -4, T)).toBe(SecularReason.BOTH_NEAR_ZERO);
    expect(classifySecular(-1, -2, T)).toBe(SecularReason.BOTH_NEAR_ZERO);
    expect(classifySecular(0, 0, T)).toBe(SecularReason.BOTH_NEAR_ZERO);
    expect(classifySecular(5, -5, T)).toBe(SecularReason.BOTH_NEAR_ZERO);
    expect(classOfReason(SecularReason.BOTH_NEAR_ZERO)).toBe(3);
    // One rate beyond the threshold: Table 1 applies again.
    expect(classifySecular(4, -5.5, T)).toBe(SecularReason.EAST_WEST);
    expect(classifySecular(0, 6, T)).toBe(SecularReason.MAGNITUDE_DIFFERS);
  });

  it('circular timing difference wraps the new year', () => {
    expect(circularDayDifference(360, 5)).toBeCloseTo(10.25, 10);
    expect(circularDayDifference(5, 360)).toBeCloseTo(10.25, 10);
    expect(circularDayDifference(100, 100 + 182.625)).toBeCloseTo(182.625, 10);
    expect(circularDayDifference(1, 366.25)).toBeCloseTo(0, 10);
  });

  it('seasonal: in phase → vertical, 180 ± 30 days → east-west, else other timing; amplitude first', () => {
    expect(classifySeasonal(true, 20, 17, 100, 125, T)).toBe(SeasonalReason.VERTICAL);
    expect(classifySeasonal(true, 20, 17, 360, 20, T)).toBe(SeasonalReason.VERTICAL); // 25.25 days across the new year
    expect(classifySeasonal(true, 20, 17, 100, 280, T)).toBe(SeasonalReason.EAST_WEST);
    expect(classifySeasonal(true, 20, 17, 100, 250, T)).toBe(SeasonalReason.EAST_WEST); // 150 days: edge of 180 − 30
    expect(classifySeasonal(true, 20, 17, 100, 249, T)).toBe(SeasonalReason.OTHER_TIMING);
    expect(classifySeasonal(true, 20, 17, 100, 131, T)).toBe(SeasonalReason.OTHER_TIMING);
    expect(classifySeasonal(true, 20, 14, 100, 100, T)).toBe(SeasonalReason.AMPLITUDE_DIFFERS);
    expect(classifySeasonal(false, 20, 20, 100, 100, T)).toBe(SeasonalReason.NOT_TESTED);
    expect(classifySeasonal(true, NaN, 20, 100, 100, T)).toBe(SeasonalReason.NO_DATA);
  });
});

describe('LOS geometry and decomposition', () => {
  it('MintPy convention: ascending sees eastward motion as away, descending as toward; up as toward', () => {
    const asc = losUnitVector(38, 102.5);
    const desc = losUnitVector(38, -102.5);
    expect(asc.east).toBeLessThan(-0.5);
    expect(desc.east).toBeGreaterThan(0.5);
    expect(asc.up).toBeCloseTo(Math.cos((38 * Math.PI) / 180), 12);
    expect(Math.hypot(asc.east, asc.north, asc.up)).toBeCloseTo(1, 12);
  });

  it('recovers up/east rates and annual terms exactly from two noiseless LOS', () => {
    const a = losUnitVector(35, 102.5);
    const d = losUnitVector(41, -101);
    const g = { ascEast: a.east, ascUp: a.up, descEast: d.east, descUp: d.up };
    const up = -7.5;
    const east = 4.25;
    const r = decomposeUpEast(a.east * east + a.up * up, d.east * east + d.up * up, g);
    expect(r.up).toBeCloseTo(up, 10);
    expect(r.east).toBeCloseTo(east, 10);
    // Annual terms: up 30 mm peaking on day 250, east 12 mm peaking on day 40 (phasors).
    const ph = (day: number) => (2 * Math.PI * (day - 1)) / 365.25;
    const losTerm = (c: { east: number; up: number }) => {
      const re = c.up * 15 * Math.cos(ph(250)) + c.east * 6 * Math.cos(ph(40));
      const im = c.up * 15 * Math.sin(ph(250)) + c.east * 6 * Math.sin(ph(40));
      return { amplitude: 2 * Math.hypot(re, im), day: 1 + ((((Math.atan2(im, re) / (2 * Math.PI)) % 1) + 1) % 1) * 365.25 };
    };
    const la = losTerm(a);
    const ld = losTerm(d);
    const s = decomposeSeasonal(la.amplitude, la.day, ld.amplitude, ld.day, g);
    expect(s.up.amplitudeMm).toBeCloseTo(30, 8);
    expect(s.up.peakDayOfYear).toBeCloseTo(250, 6);
    expect(s.east.amplitudeMm).toBeCloseTo(12, 8);
    expect(s.east.peakDayOfYear).toBeCloseTo(40, 6);
  });

  it('refuses two lines of sight that cannot separate up from east', () => {
    const a = losUnitVector(35, 102.5);
    const same = { ascEast: a.east, ascUp: a.up, descEast: a.east, descUp: a.up };
    expect(Math.abs(a.east * a.up - a.east * a.up)).toBeLessThan(MIN_DECOMPOSITION_DETERMINANT);
    expect(decomposeUpEast(3, 3, same).up).toBeNaN();
  });
});

describe('CRS handling', () => {
  it('reprojects between EPSG:4326 and WGS 84 / UTM with proj4', () => {
    const geo = { width: 1, height: 1, geoTransform: [92, 0.001, 0, 35, 0, -0.001] as [number, number, number, number, number, number], epsg: 4326 };
    const utm = { ...geo, epsg: 32646 };
    const t = crsTransform(geo, utm, 'desc')!;
    const [x, y] = t(93, 34.85); // UTM 46N: central meridian 93°E → false easting 500 km
    expect(x).toBeCloseTo(500000, 0);
    expect(y).toBeGreaterThan(3.85e6);
    expect(y).toBeLessThan(3.87e6);
    expect(crsTransform(geo, { ...geo }, 'desc')).toBeNull();
  });

  it('reprojects any EPSG CRS: CGCS2000 geographic (4490) and Gauss-Krüger CM 93E (4540)', () => {
    const geo = { width: 1, height: 1, geoTransform: [92, 0.001, 0, 35, 0, -0.001] as [number, number, number, number, number, number], epsg: 4326 };
    const [x, y] = crsTransform(geo, { ...geo, epsg: 4540 }, 'desc')!(93, 35);
    expect(x).toBeCloseTo(500000, 0); // on the central meridian, no false-easting zone prefix
    expect(y).toBeGreaterThan(3.87e6);
    const [lon, lat] = crsTransform(geo, { ...geo, epsg: 4490 }, 'desc')!(93, 35);
    expect(Math.abs(lon - 93) + Math.abs(lat - 35)).toBeLessThan(1e-6); // CGCS2000 ≈ WGS 84 to cm
  });

  it('refuses a CRS it cannot use, in one line naming the file and why', () => {
    const geo = { width: 1, height: 1, geoTransform: [92, 0.001, 0, 35, 0, -0.001] as [number, number, number, number, number, number], epsg: 4326 };
    for (const [epsg, why] of [[4978, /not a 2-D geographic or projected/], [999999, /not in the EPSG database/]] as const) {
      let error: unknown;
      try { crsTransform(geo, { ...geo, epsg }, '/data/desc'); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(new RegExp(`^/data/desc: .*EPSG:${epsg}`));
      expect((error as Error).message).toMatch(why);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('permasar compare on a known motion field', () => {
  let dir: string;
  let field: MotionField;
  let ascDir: string;
  let descDir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'permasar-compare-'));
    field = makeMotionField();
    ascDir = path.join(dir, 'asc');
    descDir = path.join(dir, 'desc');
    await writeTrackFitFolder(ascDir, field.asc);
    await writeTrackFitFolder(descDir, field.desc);
  });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('the fixture is what the test needs: different grids, partial overlap, every class, no-data pixels', () => {
    const [ax0, adx, , ay0, , ady] = field.asc.grid.geoTransform;
    const [dx0, ddx, , dy0, , ddy] = field.desc.grid.geoTransform;
    expect(adx).not.toBeCloseTo(ddx, 6);
    expect(ax0).not.toBeCloseTo(dx0, 6);
    expect(ay0).not.toBeCloseTo(dy0, 6);
    expect(ady).not.toBeCloseTo(ddy, 6);
    const overlap = field.truth.inOverlap.reduce((s, v) => s + v, 0);
    expect(overlap).toBeGreaterThan(0);
    expect(overlap).toBeLessThan(field.truth.inOverlap.length); // partial
    expect(field.desc.noData.some((v) => v === 1) && field.asc.noData.some((v) => v === 1)).toBe(true);
  });

  it('every class matches the truth; counts add up; decomposition recovers up/east', async () => {
    const out = path.join(dir, 'direction');
    const { run, summary } = await runCompareCommand({ out, device: 'cpu', quiet: true }, ascDir, descDir, true);
    const files = await readdir(out);
    for (const f of ['direction_secular.tif', 'direction_seasonal.tif', 'direction_secular.png', 'direction_seasonal.png',
      'direction_secular_shares.png', 'direction_seasonal_shares.png', 'summary.json',
      'rate_up.tif', 'rate_east.tif', 'amplitude_up.tif', 'amplitude_east.tif', 'timing_up.tif', 'timing_east.tif']) {
      expect(files).toContain(f);
    }
    const w = run.prepared.window;
    const ascWidth = field.asc.grid.width;
    // The output grid is the ascending grid cropped to the overlap: every overlap pixel inside it.
    const inWindow = (q: number) => {
      const r = Math.floor(q / ascWidth), c = q % ascWidth;
      return r >= w.row0 && r < w.row0 + w.height && c >= w.col0 && c < w.col0 + w.width;
    };
    field.truth.inOverlap.forEach((v, q) => { if (v) expect(inWindow(q)).toBe(true); });

    const secularTif = await readRaster(path.join(out, 'direction_secular.tif'));
    const seasonalTif = await readRaster(path.join(out, 'direction_seasonal.tif'));
    expect(secularTif.grid.width).toBe(w.width);
    let checked = 0;
    let noDataChecked = 0;
    const seenSecular = new Set<number>();
    const seenSeasonal = new Set<number>();
    let worstRate = 0;
    let worstAmplitude = 0;
    let worstRateNearHole = 0;
    const descTouchesNoData = resampleToGrid(field.desc.grid, Float32Array.from(field.desc.noData), field.asc.grid, 'bilinear');
    for (let r = 0; r < w.height; r++) {
      for (let c = 0; c < w.width; c++) {
        const p = r * w.width + c;
        const q = (r + w.row0) * ascWidth + (c + w.col0);
        if (!field.truth.inOverlap[q]) {
          expect(run.secularClass[p]).toBe(255);
          continue;
        }
        if (!field.truth.interior[q]) continue;
        checked++;
        // The GeoTIFF holds the classes; 255 (no data) reads back as NaN.
        const fromFile = (v: number) => (Number.isNaN(v) ? 255 : v);
        expect(fromFile(secularTif.data[p])).toBe(field.truth.secularClass[q]);
        expect(fromFile(seasonalTif.data[p])).toBe(field.truth.seasonalClass[q]);
        seenSecular.add(field.truth.secularClass[q]);
        seenSeasonal.add(field.truth.seasonalClass[q]);
        if (field.truth.noData[q]) { noDataChecked++; continue; }
        const rateError = Math.max(Math.abs(run.outputs.rateUpMmPerYear[p] - field.truth.upRateMmPerYear[q]), Math.abs(run.outputs.rateEastMmPerYear[p] - field.truth.eastRateMmPerYear[q]));
        // Next to a no-data descending pixel the products' stencil drops it (gdalwarp's rule) while
        // the geometry's keeps it: the LOS coefficients then come from slightly other weights.
        if (descTouchesNoData[q] > 0) worstRateNearHole = Math.max(worstRateNearHole, rateError);
        else worstRate = Math.max(worstRate, rateError);
        if (Number.isFinite(field.truth.upAmplitudeMm[q])) {
          const amplitudeError = Math.max(Math.abs(run.outputs.amplitudeUpMm[p] - field.truth.upAmplitudeMm[q]), Math.abs(run.outputs.amplitudeEastMm[p] - field.truth.eastAmplitudeMm[q]));
          if (descTouchesNoData[q] > 0) worstRateNearHole = Math.max(worstRateNearHole, amplitudeError);
          else worstAmplitude = Math.max(worstAmplitude, amplitudeError);
          if (field.truth.upAmplitudeMm[q] > 0) expect(circularDayDifference(run.outputs.peakDayUp[p], field.truth.upPeakDayOfYear[q])).toBeLessThan(0.01);
        } else {
          expect(run.outputs.amplitudeUpMm[p]).toBeNaN();
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
    expect(noDataChecked).toBeGreaterThan(0);
    expect([...seenSecular].sort((a, b) => a - b)).toEqual([1, 2, 3, 255]);
    expect([...seenSeasonal].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 255]);
    // Exact products, float32 on disk: the decomposition is exact to rounding.
    expect(worstRate).toBeLessThan(1e-3);
    expect(worstAmplitude).toBeLessThan(1e-3);
    expect(worstRateNearHole).toBeLessThan(0.05);

    // Counts add up, over the pixels that entered each test, and match the rasters.
    const counts = (summary.counts as { pixels: number; secular: ReturnType<typeof countReasons>; seasonal: ReturnType<typeof countReasons> });
    for (const test of ['secular', 'seasonal'] as const) {
      const c = counts[test];
      expect(c.vertical + c.eastWest + c.undetermined).toBe(c.tested);
      expect(Object.values(c.undeterminedBecause).reduce((s, v) => s + v, 0)).toBe(c.undetermined);
      expect(c.tested + c.notTested + c.noData).toBe(counts.pixels);
      const pct = c.percentOfTested;
      expect(pct.vertical! + pct.eastWest! + pct.undetermined!).toBeCloseTo(100, 9);
      const classes = test === 'secular' ? run.secularClass : run.seasonalClass;
      expect(classes.filter((v) => v === 1).length).toBe(c.vertical);
      expect(classes.filter((v) => v === 3).length).toBe(c.undetermined);
    }
    expect(counts.secular.notTested).toBe(0);
    expect(counts.secular.undeterminedBecause.bothNearZero).toBeGreaterThan(0);
    expect(counts.seasonal.undeterminedBecause.otherTiming).toBeGreaterThan(0);
    expect(counts.seasonal.undeterminedBecause.amplitudeDiffers).toBeGreaterThan(0);
    const written = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(written.counts.seasonal.tested).toBe(counts.seasonal.tested);
    expect(written.legend['255']).toBe('no data');
  });

  it('writes the legend into the class GeoTIFFs', async () => {
    const out = path.join(dir, 'legend');
    await runCompareCommand({ out, device: 'cpu', quiet: true }, ascDir, descDir);
    const tif = await readRaster(path.join(out, 'direction_seasonal.tif'));
    expect(tif.nodata).toBe(255);
    expect(tif.metadata.CLASS_1).toBe('vertical');
    expect(tif.metadata.CLASS_2).toBe('east-west');
    expect(tif.metadata.CLASS_0).toBe('not tested');
    expect(tif.description).toContain('1 vertical');
  });

  it('thresholds are options: a huge rate threshold makes every secular pair "both near zero"', async () => {
    const out = path.join(dir, 'loose');
    const { run } = await runCompareCommand({ out, device: 'cpu', quiet: true, 'rate-threshold': '1000' }, ascDir, descDir, true);
    expect(run.counts.secular.undeterminedBecause.bothNearZero).toBe(run.counts.secular.tested);
    expect(run.counts.secular.vertical).toBe(0);
  });

  it('without geometry there is no decomposition, and the classes are the same', async () => {
    const bare = path.join(dir, 'bare');
    await writeTrackFitFolder(path.join(bare, 'asc'), field.asc, { geometry: false });
    await writeTrackFitFolder(path.join(bare, 'desc'), field.desc, { geometry: false });
    const { run } = await runCompareCommand({ out: path.join(bare, 'out'), device: 'cpu', quiet: true }, path.join(bare, 'asc'), path.join(bare, 'desc'), true);
    expect(run.prepared.tile.geometry).toBeNull();
    expect((await readdir(path.join(bare, 'out'))).some((f) => f.startsWith('rate_up'))).toBe(false);
    expect(run.counts.secular.vertical).toBeGreaterThan(0);
  });

  describe('bad inputs give one line naming the file', () => {
    registerCommand('compare', async () => (await import('../src/cli/cmd-compare.ts')).compareCommand);
    const cli = async (args: string[]) => { const r = await runCommand(args); return { code: r.code, error: r.stderr.join('\n') }; };

    it('non-overlapping grids', async () => {
      const far = makeMotionField({ west: 100, north: 30 });
      const farDir = path.join(dir, 'far-desc');
      await writeTrackFitFolder(farDir, far.desc);
      const { code, error } = await cli(['compare', ascDir, farDir, '--out', path.join(dir, 'x1'), '--device', 'cpu']);
      expect(code).toBe(1);
      expect(error).toMatch(/^permasar compare: .*far-desc: does not overlap the ascending track/);
      expect(error.split('\n')).toHaveLength(1);
    });

    it('a folder that is not a fit output', async () => {
      const { code, error } = await cli(['compare', ascDir, path.join(dir, 'direction'), '--out', path.join(dir, 'x2'), '--device', 'cpu']);
      expect(code).toBe(1);
      expect(error).toMatch(/direction: (is the output of permasar compare|not a permasar fit output|not a complete permasar fit output)/);
      expect(error.split('\n')).toHaveLength(1);
      const empty = await mkdtemp(path.join(dir, 'empty-'));
      const r2 = await cli(['compare', ascDir, empty, '--out', path.join(dir, 'x3'), '--device', 'cpu']);
      expect(r2.error).toMatch(/empty-\w+: not a permasar fit output/);
      expect(r2.error.split('\n')).toHaveLength(1);
    });

    it('mismatched units', async () => {
      const metres = path.join(dir, 'desc-metres');
      await writeTrackFitFolder(metres, field.desc, { units: { rate: 'm/yr' } });
      const { code, error } = await cli(['compare', ascDir, metres, '--out', path.join(dir, 'x4'), '--device', 'cpu']);
      expect(code).toBe(1);
      expect(error).toMatch(/desc-metres\/rate\.tif: unit "m\/yr", expected "mm\/yr"/);
      expect(error.split('\n')).toHaveLength(1);
    });

    it('one geometry without the other; overlapping windows of the timing thresholds', async () => {
      const r1 = await cli(['compare', ascDir, descDir, '--out', path.join(dir, 'x5'), '--asc-geometry', 'a.h5']);
      expect(r1.error).toBe('permasar compare: --desc-geometry: is required too: the decomposition needs the geometry of both tracks');
      const r2 = await cli(['compare', ascDir, descDir, '--out', path.join(dir, 'x6'), '--in-phase-days', '160']);
      expect(r2.code).toBe(1);
      expect(r2.error).toMatch(/overlap/);
    });

    it('nothing is left behind by a failed run', async () => {
      expect((await readdir(dir)).filter((f) => f.startsWith('x'))).toEqual([]);
    });
  });
});

// Names of the cells, so a failure message can say which motion broke.
export const CELL_NAMES = { secular: SECULAR_MOTIONS.map((m) => m.name), seasonal: SEASONAL_MOTIONS.map((m) => m.name) };
