// `permasar profile` from a folder of products (--from: a corridor or demo layout, a raster in a
// projected CRS among them), lines from an ogr2ogr-made Shapefile in UTM, and the one-line errors
// that name the file and leave no output folder.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import proj4 from 'proj4';
import geodesicPackage from 'geographiclib-geodesic';
import { runCommand } from './support/run-command.ts';
import { GDAL_AVAILABLE } from './support/gdal.ts';
import { writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import { makeRandom } from '../data/synthetic.ts';
import type { RasterGrid } from '../src/core/grid.ts';

afterEach(() => vi.restoreAllMocks());

const WGS84 = (geodesicPackage as unknown as { Geodesic: { WGS84: { Inverse(lat1: number, lon1: number, lat2: number, lon2: number): { s12: number } } } }).Geodesic.WGS84;

const LINE = [[92, 35], [92.02, 35.03], [92.05, 35.05], [92.08, 35.06]];

function lineLayer(dir: string, features = [{ type: 'Feature', properties: { class: 'railway' }, geometry: { type: 'LineString', coordinates: LINE } }]): string {
  const file = path.join(dir, 'lines.geojson');
  writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features }));
  return file;
}

/** A constant raster around the line on a lon/lat grid, or in UTM zone 46N. */
async function constantRaster(file: string, value: number, utm = false): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  let grid: RasterGrid;
  if (utm) {
    const [x0, y0] = proj4('EPSG:4326', '+proj=utm +zone=46 +datum=WGS84 +units=m +no_defs', [91.98, 35.08]);
    grid = { width: 300, height: 300, geoTransform: [x0, 40, 0, y0, 0, -40], epsg: 32646 };
  } else {
    grid = { width: 250, height: 150, geoTransform: [91.98, 0.0005, 0, 35.07, 0, -0.0005], epsg: 4326 };
  }
  await writeGeoTiffFile(file, grid, new Float32Array(grid.width * grid.height).fill(value), { sampleType: 'float32', bandUnit: 'mm/yr' });
}

function csv(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const names = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])));
}

describe('permasar profile --from', () => {
  it('profiles a corridor-like folder\'s known products; the vertical rate is the subsidence source; a UTM raster is sampled in place', async () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const random = makeRandom(seed);
    const dir = mkdtempSync(path.join(tmpdir(), 'permasar-profile-from-'));
    const results = path.join(dir, 'qtec');
    const los = -5 - 30 * random(), vertical = -5 - 30 * random(), alt = 0.5 + random();
    await constantRaster(path.join(results, 'asc', 'rate.tif'), los);
    await constantRaster(path.join(results, 'asc-vertical', 'rate_vertical.tif'), vertical);
    await constantRaster(path.join(results, 'alt', 'alt.tif'), alt, true);
    const stations = path.join(dir, 'stations.geojson');
    writeFileSync(stations, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'Tuotuohe' }, geometry: { type: 'Point', coordinates: [92.05, 35.05] } }] }));
    const out = path.join(dir, 'profile');
    const r = await runCommand(['profile', '--lines', lineLayer(dir), '--from', results, '--stations', stations, '--out', out, '--quiet']);
    expect(r.stderr, `seed ${seed}`).toEqual([]);
    expect(r.code).toBe(0);
    const rows = csv(path.join(out, 'segments.csv'));
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      expect(Number(row.asc_rate_median)).toBeCloseTo(los, 4);
      expect(Number(row.asc_rate_vertical_median)).toBeCloseTo(vertical, 4);
      expect(Number(row.alt_median)).toBeCloseTo(alt, 5);
      expect(Number(row.alt_count)).toBeGreaterThan(10);
      expect(row.flag_subsidence_source).toBe('asc_rate_vertical');
      expect(row.flag_subsidence).toBe(vertical <= -20 ? '1' : '0');
      expect(row.flag_alt).toBe(alt >= 1 ? '1' : '0');
    }
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.products.map((p: { name: string }) => p.name)).toEqual(['asc_rate', 'asc_rate_vertical', 'alt']);
    expect(summary.stations[0].route).toBe('railway');
    // The station sits on the line's third vertex: its chainage is the length up to there.
    const upToThird = WGS84.Inverse(LINE[0][1], LINE[0][0], LINE[1][1], LINE[1][0]).s12 + WGS84.Inverse(LINE[1][1], LINE[1][0], LINE[2][1], LINE[2][0]).s12;
    expect(summary.stations[0].km * 1000).toBeCloseTo(upToThird, 1);
    expect(summary.stations[0].distanceM).toBeLessThan(0.01);

    // NAME alone picks one product of --from.
    const one = await runCommand(['profile', '--lines', lineLayer(dir), '--from', results, '--product', 'alt', '--out', path.join(dir, 'one'), '--quiet']);
    expect(one.code).toBe(0);
    expect(Object.keys(csv(path.join(dir, 'one', 'segments.csv'))[0]).filter((c) => c.endsWith('_median'))).toEqual(['alt_median']);
  });

  it.skipIf(!GDAL_AVAILABLE)('reads the lines from an ogr2ogr-made Shapefile in UTM, with the chainage of the GeoJSON', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'permasar-profile-shp-'));
    const geojson = lineLayer(dir);
    const shp = path.join(dir, 'lines.shp');
    execFileSync('ogr2ogr', ['-t_srs', 'EPSG:32646', shp, geojson], { stdio: 'ignore' });
    await constantRaster(path.join(dir, 'rate.tif'), -25);
    const a = await runCommand(['profile', '--lines', geojson, '--product', `rate=${path.join(dir, 'rate.tif')}`, '--out', path.join(dir, 'a'), '--quiet']);
    const b = await runCommand(['profile', '--lines', shp, '--product', `rate=${path.join(dir, 'rate.tif')}`, '--out', path.join(dir, 'b'), '--quiet']);
    expect([a.code, b.code]).toEqual([0, 0]);
    const la = JSON.parse(readFileSync(path.join(dir, 'a', 'summary.json'), 'utf8')).routes[0].length_km;
    const lb = JSON.parse(readFileSync(path.join(dir, 'b', 'summary.json'), 'utf8')).routes[0].length_km;
    expect(Math.abs(la - lb) * 1000).toBeLessThan(0.01);
  });
});

describe('permasar profile --route-property and the thresholds', () => {
  it('chains per route value; a threshold option moves the flag', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'permasar-profile-routes-'));
    const rate = path.join(dir, 'rate.tif');
    const value = -3 - 10 * Math.random();
    await constantRaster(rate, value);
    // Two highways, each in two pieces (one reversed), told apart by "ref" only.
    const piece = (ref: string, coordinates: number[][]) => ({ type: 'Feature', properties: { class: 'highway', ref }, geometry: { type: 'LineString', coordinates } });
    const lines = lineLayer(dir, [
      piece('G109', [[92, 35.01], [92.03, 35.01]]), piece('G109', [[92.06, 35.01], [92.03, 35.01]]),
      piece('G317', [[92, 35.05], [92.02, 35.05]]), piece('G317', [[92.02, 35.05], [92.05, 35.05]]),
    ]);
    // Subsidence faster than |value| − 0.5 mm/yr: the constant rate is flagged everywhere.
    const threshold = value + 0.5;
    const r = await runCommand(['profile', '--lines', lines, '--route-property', 'ref', '--product', `rate=${rate}`, '--subsidence-mm-yr', String(-threshold), '--out', path.join(dir, 'out'), '--quiet']);
    expect(r.stderr).toEqual([]);
    const summary = JSON.parse(readFileSync(path.join(dir, 'out', 'summary.json'), 'utf8'));
    expect(summary.routes.map((x: { name: string }) => x.name).sort()).toEqual(['G109', 'G317']);
    for (const route of summary.routes) expect(route.gaps).toBe(0);
    const rows = csv(path.join(dir, 'out', 'segments.csv'));
    expect(new Set(rows.map((row) => row.route))).toEqual(new Set(['G109', 'G317']));
    for (const row of rows) expect(row.flag_subsidence).toBe('1');
    expect(summary.flags.flag_subsidence.threshold).toBe(threshold);
    expect(summary.flagged_km.G109.flag_subsidence).toBeCloseTo(summary.routes.find((x: { name: string }) => x.name === 'G109').line_km, 3);
  });
});

describe('permasar profile: bad input is one line naming the file, nothing written', () => {
  const bad = async (args: string[], dir: string, mustName: string, mustSay: RegExp) => {
    const out = path.join(dir, 'out');
    const r = await runCommand(['profile', ...args, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toContain(mustName);
    expect(r.stderr[0]).toMatch(mustSay);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('out'))).toEqual([]);
  };

  it('no feature of the class; non-line geometry; unknown product name with --from; NAME without --from', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'permasar-profile-bad-'));
    const rate = path.join(dir, 'p', 'rate.tif');
    await constantRaster(rate, -3);
    const lines = lineLayer(dir);
    await bad(['--lines', lines, '--class', 'highway', '--product', `rate=${rate}`], dir, lines, /no line of class "highway".*railway/);

    const mixed = path.join(dir, 'mixed.geojson');
    writeFileSync(mixed, JSON.stringify({ type: 'FeatureCollection', features: [
      { type: 'Feature', properties: { class: 'railway' }, geometry: { type: 'LineString', coordinates: LINE } },
      { type: 'Feature', properties: { class: 'railway' }, geometry: { type: 'Point', coordinates: [92, 35] } },
    ] }));
    await bad(['--lines', mixed, '--product', `rate=${rate}`], dir, mixed, /Point.*LineString/);

    await bad(['--lines', lines, '--from', path.join(dir, 'p'), '--product', 'rate_vertical'], dir, path.join(dir, 'p'), /no product "rate_vertical".*rate/);
    await bad(['--lines', lines, '--product', 'rate'], dir, '--product', /NAME=FILE/);
    await bad(['--lines', lines, '--product', `rate=${path.join(dir, 'missing.tif')}`], dir, path.join(dir, 'missing.tif'), /not found|cannot/);
    await bad(['--lines', lines, '--from', path.join(dir, 'nothing-here')], dir, path.join(dir, 'nothing-here'), /not found/);
  });
});
