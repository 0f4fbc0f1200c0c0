// `permasar alt` and `permasar envelope` end to end on the bundled ALT sample (data/sample-alt.ts)
// with the true vertical amplitude, and the bad inputs of issue 5: each a one-line error (exit 1,
// no output folder) or a reported skip, never a silent NaN map.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerCommand } from '../src/cli/main.ts';
import { runCommand } from './support/run-command.ts';
import { makeAltSample, plantedFrozenWaterContent } from '../data/sample-alt.ts';
import { SAMPLE_ASC_GRID, sampleMotionField } from '../data/sample-field.ts';
import { makeRandom } from '../data/synthetic.ts';
import { PLANTED_ENVELOPE } from '../data/sample-alt.ts';
import { writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import { readRaster } from '../src/io/raster-node.ts';
import { parseCsv } from '../src/io/csv.ts';
import { execFileSync } from 'node:child_process';
import { GDAL_AVAILABLE } from './support/gdal.ts';

registerCommand('alt', async () => (await import('../src/cli/cmd-alt.ts')).altCommand);
registerCommand('envelope', async () => (await import('../src/cli/cmd-envelope.ts')).envelopeCommand);

let dir = '';
const grid = SAMPLE_ASC_GRID;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'permasar-alt-'));
  await makeAltSample(path.join(dir, 'alt'));
  // The true vertical amplitude of the sample (what a perfect fit + vertical would give).
  const truth = JSON.parse(await readFile(new URL('../data/sample/asc/truth.json', import.meta.url), 'utf8'));
  const incidence = sampleMotionField().asc.geometry.incidenceDeg;
  const vertical = new Float32Array(grid.width * grid.height);
  for (let i = 0; i < vertical.length; i++) {
    const los = truth.amplitudeMm[i];
    vertical[i] = truth.seasonal[i] === 1 && truth.noData[i] === 0 && los !== null ? los / Math.cos((incidence[i] * Math.PI) / 180) : NaN;
  }
  // For the envelope: amplitudes over the study's range (0–100 mm) and a reference ALT that lies
  // on or above the planted lower bound (ALT 1 m at 55 mm), with exponential scatter above it.
  const random = makeRandom((Date.now() ^ 0x5eed) >>> 0);
  const wideAmplitude = new Float32Array(vertical.length).map(() => 100 * random());
  const referenceAlt = wideAmplitude.map((a) => PLANTED_ENVELOPE.interceptM + PLANTED_ENVELOPE.slopeMPerMm * a - 0.4 * Math.log(Math.max(random(), 1e-12)));
  await writeGeoTiffFile(path.join(dir, 'amplitude_wide.tif'), grid, wideAmplitude, { sampleType: 'float32', bandUnit: 'mm' });
  await writeGeoTiffFile(path.join(dir, 'reference_alt_wide.tif'), grid, referenceAlt, { sampleType: 'float32', bandUnit: 'm' });
  await writeGeoTiffFile(path.join(dir, 'amplitude_vertical.tif'), grid, vertical, { sampleType: 'float32', bandUnit: 'mm' });
  await writeGeoTiffFile(path.join(dir, 'negative.tif'), grid, vertical.map((v) => -Math.abs(v)), { sampleType: 'float32', bandUnit: 'mm' });
});

afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

describe('permasar alt', () => {
  it('recovers the planted n at the sites, reports the anomalous ones, writes every product', async () => {
    const out = path.join(dir, 'out-alt');
    const { code, stderr: errors } = await runCommand(['alt', '--amplitude', path.join(dir, 'amplitude_vertical.tif'), '--moisture', path.join(dir, 'alt', 'october_moisture.tif'),
      '--sites', path.join(dir, 'alt', 'alt_sites.csv'), '--out', out, '--device', 'cpu', '--quiet']);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['alt.png', 'alt.tif', 'alt_histogram.png', 'alt_status.tif', 'moisture.png', 'moisture.tif', 'n.png', 'n.tif', 'sites.csv', 'summary.json']);
    const sites = parseCsv(await readFile(path.join(out, 'sites.csv'), 'utf8'), 'sites.csv');
    const col = (name: string) => sites.header.indexOf(name);
    for (const row of sites.rows) {
      const name = row[col('name')];
      if (name === 'thin-probe') { expect(row[col('outcome')]).toBe('dropped'); expect(row[col('reason')]).toMatch(/n = .* < 0/); continue; }
      if (name === 'off-grid') { expect(row[col('outcome')]).toBe('skipped'); expect(row[col('reason')]).toMatch(/outside/); continue; }
      expect(row[col('outcome')]).toBe('kept');
      expect(Number(row[col('n')])).toBeCloseTo(plantedFrozenWaterContent(Number(row[col('lon')]), Number(row[col('lat')])), 3);
    }
    // Where the sites are, ALT equals theirs: the spline goes through every kept n.
    const alt = await readRaster(path.join(out, 'alt.tif'));
    for (const row of sites.rows.filter((r) => r[col('outcome')] === 'kept')) {
      const i = Number(row[col('pixel_row')]) * grid.width + Number(row[col('pixel_col')]);
      expect(alt.data[i]).toBeCloseTo(Number(row[col('alt_m')]), 2);
    }
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    // Every planted site is kept; the two anomalous ones are dropped or skipped.
    const planted = JSON.parse(await readFile(path.join(dir, 'alt', 'truth.json'), 'utf8')).sites.planted;
    expect(planted).toBeGreaterThanOrEqual(8);
    expect(summary.sites).toEqual({ total: planted + 2, kept: planted, skipped: 1, dropped: 1 });
    expect(summary.frozenWaterContent.kind).toBe('spline');
    expect(summary.pixels.withAlt).toBeGreaterThan(1000);
  });

  it.skipIf(!GDAL_AVAILABLE)('--sites from a Shapefile (UTM 46N) and a GeoPackage (EPSG:4540) equals the CSV run', async () => {
    // GDAL reads the CSV as points (its CSV driver) and writes them projected: the layers a user
    // would bring, made by ogr2ogr, not by us.
    const csv = path.join(dir, 'alt', 'alt_sites.csv');
    const fromCsv = ['-oo', 'X_POSSIBLE_NAMES=lon', '-oo', 'Y_POSSIBLE_NAMES=lat', '-oo', 'AUTODETECT_TYPE=YES', '-s_srs', 'EPSG:4326'];
    execFileSync('ogr2ogr', [...fromCsv, '-t_srs', 'EPSG:32646', path.join(dir, 'sites.shp'), csv], { stdio: 'ignore' });
    execFileSync('ogr2ogr', ['-f', 'GPKG', ...fromCsv, '-t_srs', 'EPSG:4540', '-nln', 'boreholes', path.join(dir, 'sites.gpkg'), csv], { stdio: 'ignore' });
    const outputs: Record<string, { rows: string[][]; header: string[]; n: Float32Array }> = {};
    for (const [label, sites] of [['csv', csv], ['shp', path.join(dir, 'sites.shp')], ['gpkg', `${path.join(dir, 'sites.gpkg')}:boreholes`]]) {
      const out = path.join(dir, `out-sites-${label}`);
      const { code, stderr: errors } = await runCommand(['alt', '--amplitude', path.join(dir, 'amplitude_vertical.tif'), '--moisture', path.join(dir, 'alt', 'october_moisture.tif'),
        '--sites', sites, '--out', out, '--device', 'cpu', '--quiet']);
      expect(errors).toEqual([]);
      expect(code).toBe(0);
      const table = parseCsv(await readFile(path.join(out, 'sites.csv'), 'utf8'), 'sites.csv');
      outputs[label] = { rows: table.rows, header: table.header, n: (await readRaster(path.join(out, 'n.tif'))).data };
    }
    const reference = outputs.csv;
    expect(reference.rows.length).toBeGreaterThanOrEqual(10);
    const col = (name: string) => reference.header.indexOf(name);
    for (const label of ['shp', 'gpkg']) {
      const { rows, header, n } = outputs[label];
      expect(header).toEqual(reference.header);
      expect(rows).toHaveLength(reference.rows.length);
      rows.forEach((row, i) => {
        const want = reference.rows[i];
        // The same site, the same pixel, the same solved n and verdict; lon/lat back through
        // GDAL's projection and proj4's inverse to ~1 mm. `line` is the record number there.
        for (const c of ['name', 'alt_m', 'pixel_row', 'pixel_col', 'amplitude_mm', 'N', 'n', 'outcome']) expect(row[col(c)], `${label} ${want[col('name')]} ${c}`).toBe(want[col(c)]);
        expect(Math.abs(Number(row[col('lon')]) - Number(want[col('lon')]))).toBeLessThan(1e-8);
        expect(Math.abs(Number(row[col('lat')]) - Number(want[col('lat')]))).toBeLessThan(1e-8);
        expect(Number(row[col('line')])).toBe(i + 1);
      });
      let worst = 0;
      reference.n.forEach((v, i) => { worst = Math.max(worst, Number.isNaN(v) !== Number.isNaN(n[i]) ? Infinity : Number.isNaN(v) ? 0 : Math.abs(v - n[i])); });
      expect(worst, `${label}: n.tif against the CSV run`).toBeLessThan(1e-6);
    }
  });

  it('envelope recovers a planted 55 mm crossing', async () => {
    const out = path.join(dir, 'out-env');
    const { code, stderr: errors } = await runCommand(['envelope', '--amplitude', path.join(dir, 'amplitude_wide.tif'), '--alt-ref', path.join(dir, 'reference_alt_wide.tif'), '--out', out, '--quiet']);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    const env = JSON.parse(await readFile(path.join(out, 'envelope.json'), 'utf8'));
    expect(Math.abs(env.amplitudeAtThresholdMm - 55)).toBeLessThan(4);
    expect(existsSync(path.join(out, 'envelope.png'))).toBe(true);
  });

  const bad: [string, (d: string) => Promise<string[]>, RegExp][] = [
    ['an empty CSV', async (d) => { await writeFile(path.join(d, 'empty.csv'), ''); return ['--sites', path.join(d, 'empty.csv')]; }, /empty\.csv: empty CSV/],
    ['a CSV with a header only', async (d) => { await writeFile(path.join(d, 'header.csv'), 'lon,lat,alt_m\n'); return ['--sites', path.join(d, 'header.csv')]; }, /header\.csv: no sites/],
    ['sites all outside the grid', async (d) => { await writeFile(path.join(d, 'far.csv'), 'lon,lat,alt_m\n100,30,2\n101,31,1.5\n'); return ['--sites', path.join(d, 'far.csv')]; }, /far\.csv: no site left to constrain n \(2 skipped; first: line 2: outside the amplitude grid/],
    ['a constant n at or above N everywhere', async () => ['--n', '0.35', '--moisture', '0.3'], /no pixel has a finite ALT \(.*N ≤ n/],
    ['negative amplitudes only', async (d) => ['--amplitude', path.join(d, 'negative.tif')], /negative\.tif: every amplitude is negative/],
    ['sites as lines, not points', async () => ['--sites', 'data/fixtures/hazards/corridor.geojson'], /corridor\.geojson: feature 0 is a LineString; ALT sites are Point features/],
    ['point sites without alt_m', async () => ['--sites', 'data/fixtures/hazards/thermokarst.geojson'], /thermokarst\.geojson: feature 0: no "alt_m" attribute/],
    ['moisture in percent', async () => ['--moisture', '30'], /--moisture: 30 is not a volumetric water content/],
  ];
  for (const [label, setup, message] of bad) {
    it(`${label}: one-line error, no output`, async () => {
      const out = path.join(dir, `out-${label.replace(/\W+/g, '-')}`);
      const extra = await setup(dir);
      const args = ['alt', '--amplitude', path.join(dir, 'amplitude_vertical.tif'), '--moisture', path.join(dir, 'alt', 'october_moisture.tif'), '--out', out, '--device', 'cpu', '--quiet'];
      // Later options win in parseArgs, so the case's own --amplitude/--moisture replace the defaults.
      const { code, stderr: errors } = await runCommand([...args, ...extra]);
      expect(code).toBe(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]).not.toContain('\n');
      expect(errors[0]).toMatch(message);
      expect(existsSync(out)).toBe(false);
    });
  }
});
