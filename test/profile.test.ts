// `permasar profile` end to end on a planted layout: a railway along a meridian in shuffled and
// reversed pieces, a rate raster whose pixels carry a fresh random value per kilometre, no-data
// pixels, outliers, pixels beyond the half-width carrying a value that must not show, a timing
// raster, thermokarst points at random distances and a lake across the line. Every expectation is
// computed here independently, with GeographicLib for the geometry. Seeds are printed for replay.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import geodesicPackage from 'geographiclib-geodesic';
import { runCommand } from './support/run-command.ts';
import { writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import { decodePng } from '../src/plot/png.ts';
import { segmentStatistics } from '../src/core/profile.ts';
import { makeRandom } from '../data/synthetic.ts';
import type { RasterGrid } from '../src/core/grid.ts';

interface Geodesic {
  Inverse(lat1: number, lon1: number, lat2: number, lon2: number): { s12: number };
  Direct(lat1: number, lon1: number, azi1: number, s12: number): { lat2: number; lon2: number };
}
const WGS84 = (geodesicPackage as unknown as { Geodesic: { WGS84: Geodesic } }).Geodesic.WGS84;

afterEach(() => vi.restoreAllMocks());

const LON0 = 92;
const LAT0 = 35;
const LENGTH_M = 7300;
const HALF_WIDTH_M = 500;

/** Quantile by linear interpolation of the sorted values (written out here, not imported). */
function quantile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * ((s[Math.min(s.length - 1, lo + 1)] ?? s[lo]) - s[lo]);
}

function csvRows(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const names = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])));
}

describe('permasar profile', () => {
  it('planted per-kilometre values come back as the medians; beyond the half-width and NaN pixels ignored; features counted against geometry', async () => {
    const seed = Number(process.env.PERMASAR_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`profile planted: seed ${seed} (PERMASAR_SEED=${seed} replays it)`);
    const random = makeRandom(seed);
    const dir = mkdtempSync(path.join(tmpdir(), 'permasar-profile-'));

    // The railway: a meridian from (92, 35) north for 7.3 km, vertices every 250 m, in pieces.
    const vertices: number[][] = [];
    for (let s = 0; s <= LENGTH_M; s += 250) vertices.push([LON0, s === 0 ? LAT0 : WGS84.Direct(LAT0, LON0, 0, Math.min(s, LENGTH_M)).lat2]);
    if (vertices[vertices.length - 1][1] !== WGS84.Direct(LAT0, LON0, 0, LENGTH_M).lat2) vertices.push([LON0, WGS84.Direct(LAT0, LON0, 0, LENGTH_M).lat2]);
    const latEnd = vertices[vertices.length - 1][1];
    const pieces: number[][][] = [];
    for (let i = 0; i < vertices.length - 1;) {
      const n = 1 + Math.floor(random() * 5);
      const piece = vertices.slice(i, Math.min(vertices.length, i + n + 1));
      pieces.push(random() < 0.5 ? piece.reverse() : piece);
      i += n;
    }
    pieces.sort(() => random() - 0.5);
    const lineFeatures = pieces.map((coordinates, i) => ({ type: 'Feature', id: `r${i}`, properties: { class: 'railway' }, geometry: { type: 'LineString', coordinates } }));
    // A highway far away, left out by --class railway.
    lineFeatures.push({ type: 'Feature', id: 'h', properties: { class: 'highway' }, geometry: { type: 'LineString', coordinates: [[93, 36], [93.1, 36]] } });
    const linesFile = path.join(dir, 'lines.geojson');
    writeFileSync(linesFile, JSON.stringify({ type: 'FeatureCollection', features: lineFeatures }));

    // Segment k covers chainage [1000k, 1000(k+1)); its latitude range along the meridian.
    const segmentCount = Math.ceil(LENGTH_M / 1000);
    const boundaryLat = Array.from({ length: segmentCount + 1 }, (_, k) => (k === 0 ? LAT0 : WGS84.Direct(LAT0, LON0, 0, Math.min(k * 1000, LENGTH_M)).lat2));
    const planted = Array.from({ length: segmentCount }, () => -45 + 55 * random());
    const plantedDay = Array.from({ length: segmentCount }, (_, k) => ((358 + 4 * k - 1) % 365.25) + 1);

    // The rasters: 0.0004° pixels around the line.
    const width = 110, height = 230;
    const grid: RasterGrid = { width, height, geoTransform: [LON0 - 0.022, 0.0004, 0, latEnd + 0.01, 0, -0.0004], epsg: 4326 };
    const rate = new Float32Array(width * height);
    const timing = new Float32Array(width * height);
    const expected: number[][] = planted.map(() => []);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const lon = grid.geoTransform[0] + (c + 0.5) * 0.0004;
        const lat = grid.geoTransform[3] - (r + 0.5) * 0.0004;
        let d: number;
        let k: number;
        let nearBoundary = false;
        if (lat < LAT0) { d = WGS84.Inverse(lat, lon, LAT0, LON0).s12; k = 0; }
        else if (lat > latEnd) { d = WGS84.Inverse(lat, lon, latEnd, LON0).s12; k = segmentCount - 1; }
        else {
          d = WGS84.Inverse(lat, LON0, lat, lon).s12;
          const s = WGS84.Inverse(LAT0, LON0, lat, LON0).s12;
          k = Math.min(segmentCount - 1, Math.floor(s / 1000));
          nearBoundary = Math.abs(s - Math.round(s / 1000) * 1000) < 2 && s > 2 && s < LENGTH_M - 2;
        }
        const i = r * width + c;
        // Pixels whose side of a threshold a metre decides are left out of the test (NaN).
        if (Math.abs(d - HALF_WIDTH_M) < 2 || nearBoundary) { rate[i] = NaN; timing[i] = NaN; continue; }
        if (d > HALF_WIDTH_M) { rate[i] = 9999; timing[i] = 182; continue; }
        const u = random();
        if (u < 0.1) { rate[i] = NaN; timing[i] = NaN; continue; }
        rate[i] = u < 0.17 ? planted[k] + 500 : planted[k];
        timing[i] = plantedDay[k];
        expected[k].push(rate[i]);
      }
    }
    const rateFile = path.join(dir, 'rate.tif');
    const timingFile = path.join(dir, 'peak_day.tif');
    await writeGeoTiffFile(rateFile, grid, rate, { sampleType: 'float32', bandUnit: 'mm/yr' });
    await writeGeoTiffFile(timingFile, grid, timing, { sampleType: 'float32', bandUnit: 'day of year' });
    // A raster nowhere near the line: a warning, its columns empty.
    const farFile = path.join(dir, 'far.tif');
    await writeGeoTiffFile(farFile, { ...grid, geoTransform: [100, 0.0004, 0, 40, 0, -0.0004] }, rate, { sampleType: 'float32', bandUnit: 'm' });

    // Thermokarst: points east of the line at random distances and latitudes, and a lake across it.
    const points: { lon: number; lat: number }[] = [];
    while (points.length < 40) {
      const lat = LAT0 - 0.01 + random() * (latEnd - LAT0 + 0.02);
      const q = WGS84.Direct(lat, LON0, 90, 50 + random() * 2600);
      points.push({ lon: q.lon2, lat: q.lat2 });
    }
    const lakeLat = (boundaryLat[3] + boundaryLat[4]) / 2;
    const lake = [[LON0 - 0.001, lakeLat - 0.0005], [LON0 + 0.001, lakeLat - 0.0005], [LON0 + 0.001, lakeLat + 0.0005], [LON0 - 0.001, lakeLat + 0.0005], [LON0 - 0.001, lakeLat - 0.0005]];
    const featuresFile = path.join(dir, 'thermokarst.geojson');
    writeFileSync(featuresFile, JSON.stringify({
      type: 'FeatureCollection',
      features: [
        ...points.map((p, i) => ({ type: 'Feature', id: `s${i}`, properties: { type: 'thaw slump' }, geometry: { type: 'Point', coordinates: [p.lon, p.lat] } })),
        { type: 'Feature', id: 'lake', properties: { type: 'thaw lake' }, geometry: { type: 'Polygon', coordinates: [lake] } },
      ],
    }));
    /** Distance from a point to segment k, by GeographicLib: across to the meridian, or to the nearer end. */
    const distanceToSegment = (p: { lon: number; lat: number }, k: number): number => {
      const a = boundaryLat[k], b = boundaryLat[k + 1];
      if (p.lat >= a && p.lat <= b) return WGS84.Inverse(p.lat, LON0, p.lat, p.lon).s12;
      return Math.min(WGS84.Inverse(p.lat, p.lon, a, LON0).s12, WGS84.Inverse(p.lat, p.lon, b, LON0).s12);
    };
    const buffers = [500, 1000, 1500, 2000];

    const out = path.join(dir, 'out');
    const r = await runCommand(['profile', '--lines', linesFile, '--class', 'railway', '--start', `${LON0},${LAT0 - 0.05}`,
      '--product', `rate=${rateFile}`, '--product', `peak_day=${timingFile}`, '--product', `far=${farFile}`,
      '--features', featuresFile, '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    if (process.env.PERMASAR_SEED) console.log(readFileSync(path.join(out, 'summary.json'), 'utf8').slice(0, 3000));
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toContain(farFile);
    expect(r.stderr[0]).toContain('does not overlap');

    const rows = csvRows(path.join(out, 'segments.csv'));
    expect(rows).toHaveLength(segmentCount);
    const flaggedKm = { subsidence: 0, thermokarst: 0 };
    rows.forEach((row, k) => {
      expect(row.route).toBe('railway');
      expect(Number(row.segment)).toBe(k);
      expect(Number(row.km_from)).toBeCloseTo(k, 9);
      expect(Number(row.km_to)).toBeCloseTo(Math.min(k + 1, LENGTH_M / 1000), 3);
      expect(Number(row.rate_count)).toBe(expected[k].length);
      expect(Number(row.rate_median)).toBeCloseTo(planted[k], 3);
      expect(Number(row.rate_p5)).toBeCloseTo(quantile(expected[k], 0.05), 3);
      expect(Number(row.rate_p95)).toBeCloseTo(quantile(expected[k], 0.95), 3);
      expect(Number(row.peak_day_circular_mean)).toBeCloseTo(plantedDay[k], 3);
      expect(row.far_count).toBe('0');
      expect(row.far_median).toBe('');
      // Features: every point and the lake, against the GeographicLib distance.
      for (const b of buffers) {
        const slumps = points.filter((p) => distanceToSegment(p, k) <= b).length;
        const nearEdge = points.some((p) => Math.abs(distanceToSegment(p, k) - b) < 0.5);
        if (!nearEdge) expect(Number(row[`thaw_slump_within_${b}m`]), `segment ${k}, ${b} m`).toBe(slumps);
      }
      const lakeHere = lakeLat + 0.0005 >= boundaryLat[k] && lakeLat - 0.0005 <= boundaryLat[k + 1];
      if (lakeHere) {
        expect(row.thaw_lake_within_500m).toBe('1');
        expect(Number(row.features_nearest_m)).toBe(0);
      }
      const subsidence = planted[k] <= -20 ? 1 : 0;
      expect(row.flag_subsidence).toBe(String(subsidence));
      expect(row.flag_subsidence_source).toBe('rate');
      const thermokarst = lakeHere || points.some((p) => distanceToSegment(p, k) <= 2000) ? 1 : 0;
      expect(row.flag_thermokarst).toBe(String(thermokarst));
      expect(row.flag_amplitude).toBe('');
      flaggedKm.subsidence += subsidence * Number(row.line_km);
      flaggedKm.thermokarst += thermokarst * Number(row.line_km);
    });

    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.routes).toHaveLength(1);
    expect(summary.routes[0].length_km).toBeCloseTo(LENGTH_M / 1000, 4);
    expect(summary.routes[0].start).toEqual([LON0, LAT0]);
    expect(summary.flagged_km.railway.flag_subsidence).toBeCloseTo(flaggedKm.subsidence, 2);
    expect(summary.flagged_km.railway.flag_thermokarst).toBeCloseTo(flaggedKm.thermokarst, 2);
    expect(summary.flagged_km.railway.flag_alt).toBeNull();
    const worst = summary.worst_segments.flag_subsidence;
    expect(worst).toHaveLength(Math.min(10, segmentCount));
    expect(worst[0].value).toBeCloseTo(Math.min(...planted), 3);
    expect(summary.products.find((p: { name: string }) => p.name === 'far').warning).toContain('does not overlap');

    const geojson = JSON.parse(readFileSync(path.join(out, 'segments.geojson'), 'utf8'));
    expect(geojson.features).toHaveLength(segmentCount);
    expect(geojson.features[0].geometry.type).toBe('LineString');
    expect(geojson.features[0].geometry.coordinates[0]).toEqual([LON0, LAT0]);
    expect(geojson.features[2].properties.rate_median).toBeCloseTo(planted[2], 3);
    const png = decodePng(readFileSync(path.join(out, 'profile_railway.png')));
    expect(png.width).toBeGreaterThan(800);
  });

  it('day-of-year products average on the calendar circle', () => {
    // Days 360 and 5 are 10.25 days apart across New Year: their mean is 365.125, not 182.5.
    const [count, mean, resultant] = segmentStatistics(Float64Array.of(360, 5), 'day-of-year');
    expect(count).toBe(2);
    expect(mean).toBeCloseTo(365.125, 9);
    expect(resultant).toBeGreaterThan(0.99);
    const seed = Math.floor(Math.random() * 2 ** 31);
    const random = makeRandom(seed);
    const centre = 1 + random() * 365;
    const days: number[] = [];
    for (let i = 0; i < 50; i++) {
      const delta = random() * 40;
      for (const d of [centre + delta, centre - delta]) days.push(((d - 1 + 365.25) % 365.25) + 1);
    }
    const [, m] = segmentStatistics(Float64Array.from(days), 'day-of-year');
    const diff = Math.abs(((m! - centre + 365.25 / 2) % 365.25 + 365.25) % 365.25 - 365.25 / 2);
    expect(diff, `seed ${seed}`).toBeLessThan(1e-6);
  });
});
