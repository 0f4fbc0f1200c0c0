// `permasar vertical`: δ_vertical = δ_LOS / cos(incidence) (DESIGN.md §1 "Vertical projection").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { losToVertical } from '../src/core/decomposition.ts';
import { verticalTileCpu } from '../src/cpu/compare.ts';
import { makeMotionField, writeTrackFitFolder, type MotionField } from '../data/motion-field.ts';
import { writeMintpyRasters } from '../src/io/mintpy-h5-write-node.ts';
import { runVerticalCommand } from '../src/cli/cmd-vertical.ts';
import { readRaster } from '../src/io/raster-node.ts';

describe('vertical projection', () => {
  it("incidence 31° to 46.8° gives the study's 1.17 to 1.46 times the LOS value", () => {
    expect(losToVertical(1, 31)).toBeCloseTo(1.17, 2);
    expect(losToVertical(1, 46.8)).toBeCloseTo(1.46, 2);
    expect(losToVertical(-10, 46.8)).toBeCloseTo(-14.6, 1); // sign kept: subsidence stays subsidence
  });

  it('no incidence, no number: 0° (MintPy outside the swath), NaN, ≥ 90° → NaN; NaN LOS stays NaN', () => {
    const out = verticalTileCpu({
      nPixels: 5,
      rateMmPerYear: Float32Array.of(-10, -10, -10, -10, NaN),
      amplitudeMm: Float32Array.of(20, 20, 20, NaN, 20),
      incidenceDeg: Float32Array.of(0, NaN, 90, 40, 40),
    });
    expect([...out.rateVerticalMmPerYear].slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(out.rateVerticalMmPerYear[3]).toBeCloseTo(-10 / Math.cos((40 * Math.PI) / 180), 5);
    expect(out.amplitudeVerticalMm[3]).toBeNaN();
    expect(out.rateVerticalMmPerYear[4]).toBeNaN();
  });

  describe('permasar vertical', () => {
    let dir: string;
    let field: MotionField;
    let fitDir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'permasar-vertical-'));
      field = makeMotionField();
      fitDir = path.join(dir, 'asc');
      await writeTrackFitFolder(fitDir, field.asc);
    });
    afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

    it("uses the fit folder's incidence.tif by default and recovers the up rate of vertical cells", async () => {
      const out = path.join(dir, 'v1');
      const { summary } = await runVerticalCommand({ out, device: 'cpu', quiet: true }, fitDir);
      const rate = await readRaster(path.join(out, 'rate_vertical.tif'));
      const amplitude = await readRaster(path.join(out, 'amplitude_vertical.tif'));
      const { products, geometry, grid } = field.asc;
      let checked = 0;
      for (let p = 0; p < grid.width * grid.height; p++) {
        const want = products.rateMmPerYear[p] / Math.cos((geometry.incidenceDeg[p] * Math.PI) / 180);
        if (Number.isNaN(want)) { expect(rate.data[p]).toBeNaN(); continue; }
        expect(rate.data[p]).toBeCloseTo(want, 4);
        if (Number.isNaN(products.seasonalAmplitudeMm[p])) expect(amplitude.data[p]).toBeNaN();
        checked++;
      }
      expect(checked).toBeGreaterThan(1000);
      // Pure vertical motion (first column of cells: up −12 mm/yr) comes back as itself.
      const { x, y } = { x: 92.9 + 0.004, y: 34.85 - 0.004 };
      const c = Math.floor((x - grid.geoTransform[0]) / grid.geoTransform[1]);
      const r = Math.floor((y - grid.geoTransform[3]) / grid.geoTransform[5]);
      expect(rate.data[r * grid.width + c]).toBeCloseTo(-12, 4);
      const ratio = summary.verticalOverLosRatio as [number, number];
      expect(ratio[0]).toBeCloseTo(1 / Math.cos((34 * Math.PI) / 180), 2);
      expect(ratio[1]).toBeLessThanOrEqual(1 / Math.cos((42 * Math.PI) / 180) + 1e-6);
    });

    it('a constant incidence, and a MintPy geometry file on the same grid', async () => {
      const out = path.join(dir, 'v2');
      await runVerticalCommand({ out, device: 'cpu', quiet: true, incidence: '46.8' }, fitDir);
      const rate = await readRaster(path.join(out, 'rate_vertical.tif'));
      const p = field.asc.products.rateMmPerYear.findIndex(Number.isFinite);
      expect(rate.data[p] / field.asc.products.rateMmPerYear[p]).toBeCloseTo(1.46, 2);

      const h5 = path.join(dir, 'geometryGeo.h5');
      const inc = Float32Array.from(field.asc.geometry.incidenceDeg);
      inc[p] = 0; // MintPy: outside the swath
      await writeMintpyRasters(h5, field.asc.grid, { incidenceAngle: inc, azimuthAngle: field.asc.geometry.azimuthDeg }, 'geometry');
      const out3 = path.join(dir, 'v3');
      const { summary } = await runVerticalCommand({ out: out3, device: 'cpu', quiet: true, incidence: h5 }, fitDir);
      const rate3 = await readRaster(path.join(out3, 'rate_vertical.tif'));
      expect(rate3.data[p]).toBeNaN();
      expect(String((summary.inputs as { incidence: string }).incidence)).toContain('geometryGeo.h5');
      const written = JSON.parse(await readFile(path.join(out3, 'summary.json'), 'utf8'));
      expect(written.command).toBe('vertical');
    });

    it('refuses, in one line, a fit folder without incidence and a non-angle', async () => {
      const bare = path.join(dir, 'bare');
      await writeTrackFitFolder(bare, field.asc, { geometry: false });
      await expect(runVerticalCommand({ out: path.join(dir, 'v4'), quiet: true }, bare)).rejects.toThrow(/^--incidence: is required: .*bare has no incidence\.tif/);
      await expect(runVerticalCommand({ out: path.join(dir, 'v5'), quiet: true, incidence: '95' }, fitDir)).rejects.toThrow('--incidence: 95° is not an incidence angle (0–90°)');
    });
  });
});
