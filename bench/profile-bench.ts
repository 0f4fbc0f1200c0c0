// `npm run bench:profile`: `permasar profile` at the study's size (issue 23): corridor mosaics of
// ~11 M pixels each (0.0015°, about the study's 120–150 m, over the QTEC from Golmud to Lhasa),
// five products on the ascending grid and one on a shifted descending grid (two pixel
// assignments), ~1,100 km of railway in ~1,500 shuffled and reversed pieces, 20 000 thermokarst
// features and 30 stations. The inputs are written first (not timed) and kept for reruns; the
// profile runs in its own process, timed with its peak resident memory (bench/measure.ts).
//
//   npm run bench:profile -- [--quick] [--dir DIR] [--features N]
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import type { RasterGrid } from '../src/core/grid.ts';
import { makeRandom } from '../data/synthetic.ts';
import { measure } from './measure.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const value = (name: string, fallback: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
const quick = args.includes('--quick');
const pixelDeg = quick ? 0.006 : 0.0015;
const featureCount = Number(value('--features', quick ? '2000' : '20000'));
const dir = path.resolve(value('--dir', path.join(os.tmpdir(), `permasar-profile-bench-v2-${pixelDeg}-${featureCount}`)));

// The corridor, as bench/hazards-bench.ts draws it (Golmud → Lhasa), wandering more so that the
// railway is ~1,100 km long, as the real one (1,142 km) is.
const start = { lon: 94.9, lat: 36.4 };
const end = { lon: 91.1, lat: 29.65 };
const corridorAt = (f: number): [number, number] => [
  start.lon + (end.lon - start.lon) * f + 0.14 * Math.sin(f * 85),
  start.lat + (end.lat - start.lat) * f + 0.03 * Math.sin(f * 23),
];
const west = 90.9, north = 36.6;
const width = Math.round((95.1 - west) / pixelDeg);
const height = Math.round((north - 29.45) / pixelDeg);
const asc: RasterGrid = { width, height, geoTransform: [west, pixelDeg, 0, north, 0, -pixelDeg], epsg: 4326 };
const desc: RasterGrid = { ...asc, geoTransform: [west + pixelDeg / 3, pixelDeg, 0, north - pixelDeg / 4, 0, -pixelDeg] };

const products: { name: string; sub: string; grid: RasterGrid; unit: string; value: (lon: number, lat: number, noise: number) => number }[] = [
  { name: 'rate', sub: 'asc', grid: asc, unit: 'mm/yr', value: (lon, lat, n) => -25 * Math.sin(lat * 3) + 4 * n },
  { name: 'amplitude', sub: 'asc', grid: asc, unit: 'mm', value: (lon, lat, n) => 40 + 20 * Math.cos(lon * 5) + 5 * n },
  { name: 'timing', sub: 'asc', grid: asc, unit: 'day of year', value: (lon, lat, n) => ((100 + 60 * lat + 20 * n) % 365.25 + 365.25) % 365.25 + 1 },
  { name: 'rate_vertical', sub: 'asc-vertical', grid: asc, unit: 'mm/yr', value: (lon, lat, n) => -30 * Math.sin(lat * 3) + 5 * n },
  { name: 'alt', sub: 'alt', grid: asc, unit: 'm', value: (lon, lat, n) => 1 + 0.5 * Math.sin(lon * 7) + 0.1 * n },
  { name: 'rate', sub: 'desc', grid: desc, unit: 'mm/yr', value: (lon, lat, n) => -20 * Math.sin(lat * 3) + 4 * n },
];

const data = path.join(dir, 'qtec');
const linesFile = path.join(dir, 'railway.geojson');
const featuresFile = path.join(dir, 'thermokarst.geojson');
const stationsFile = path.join(dir, 'stations.geojson');
const ready = path.join(dir, 'READY');

if (!existsSync(ready)) {
  await rm(dir, { recursive: true, force: true });
  const t0 = Date.now();
  const random = makeRandom(2026);
  for (const p of products) {
    await mkdir(path.join(data, p.sub), { recursive: true });
    const writer = await createGeoTiffFile(path.join(data, p.sub, `${p.name}.tif`), p.grid, { sampleType: 'float32', bandUnit: p.unit });
    const blockRows = 256;
    for (let row0 = 0; row0 < p.grid.height; row0 += blockRows) {
      const n = Math.min(blockRows, p.grid.height - row0);
      const block = new Float32Array(n * p.grid.width);
      for (let r = 0; r < n; r++) {
        const lat = p.grid.geoTransform[3] + (row0 + r + 0.5) * p.grid.geoTransform[5];
        for (let c = 0; c < p.grid.width; c++) {
          const lon = p.grid.geoTransform[0] + (c + 0.5) * p.grid.geoTransform[1];
          // 8 % no data, as a mosaic has (decorrelation, water).
          block[r * p.grid.width + c] = random() < 0.08 ? NaN : p.value(lon, lat, random() - 0.5);
        }
      }
      await writer.writeRows(row0, block);
    }
    await writer.close();
  }
  // ~1,100 km of railway: vertices every ~100 m, cut into pieces of 1–15 vertices, shuffled, half reversed.
  const vertexCount = 11_000;
  const vertices: number[][] = [];
  for (let i = 0; i <= vertexCount; i++) {
    const [lon, lat] = corridorAt(i / vertexCount);
    vertices.push([lon + 0.0002 * (random() - 0.5), lat + 0.0002 * (random() - 0.5)]);
  }
  const pieces: number[][][] = [];
  for (let i = 0; i < vertexCount;) {
    const n = 1 + Math.floor(random() * 15);
    const piece = vertices.slice(i, Math.min(vertexCount + 1, i + n + 1));
    pieces.push(random() < 0.5 ? piece.reverse() : piece);
    i += n;
  }
  for (let i = pieces.length - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); [pieces[i], pieces[j]] = [pieces[j], pieces[i]]; }
  await writeFile(linesFile, JSON.stringify({ type: 'FeatureCollection', features: pieces.map((coordinates, i) => ({ type: 'Feature', id: i, properties: { class: 'railway' }, geometry: { type: 'LineString', coordinates } })) }));
  const features = [];
  for (let i = 0; i < featureCount; i++) {
    const [lon, lat] = corridorAt(random());
    const cLon = lon + (random() - 0.5) * 0.13, cLat = lat + (random() - 0.5) * 0.11;
    if (random() < 0.7) features.push({ type: 'Feature', properties: { type: 'thaw slump' }, geometry: { type: 'Point', coordinates: [cLon, cLat] } });
    else {
      const r = 0.0005 + random() * 0.0015;
      const ring = Array.from({ length: 13 }, (_, v) => [cLon + r * 1.2 * Math.cos(((v % 12) / 12) * 2 * Math.PI), cLat + r * Math.sin(((v % 12) / 12) * 2 * Math.PI)]);
      features.push({ type: 'Feature', properties: { type: 'thaw lake' }, geometry: { type: 'Polygon', coordinates: [ring] } });
    }
  }
  await writeFile(featuresFile, JSON.stringify({ type: 'FeatureCollection', features }));
  const stations = Array.from({ length: 30 }, (_, i) => {
    const [lon, lat] = corridorAt((i + 0.5) / 30);
    return { type: 'Feature', properties: { name: `S${i + 1}` }, geometry: { type: 'Point', coordinates: [lon + 0.002, lat] } };
  });
  await writeFile(stationsFile, JSON.stringify({ type: 'FeatureCollection', features: stations }));
  await writeFile(ready, '');
  console.log(`written in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${products.length} mosaics of ${width} × ${height} = ${(width * height / 1e6).toFixed(2)} M pixels, ${pieces.length} line pieces, ${featureCount} features (${dir})`);
}

const out = path.join(dir, 'profile');
await rm(out, { recursive: true, force: true });
const run = measure('profile', process.execPath, [path.join(repo, 'bin/permasar.mjs'), 'profile', '--lines', linesFile, '--class', 'railway', '--start', '94.90,36.42',
  '--from', data, '--features', featuresFile, '--stations', stationsFile, '--out', out]);
console.log(run.stdout.trim());
console.log(`profile-bench: ${products.length} mosaics of ${width} × ${height} (${(width * height / 1e6).toFixed(2)} M pixels each), ~1,100 km of railway in pieces, ${featureCount} features: ` +
  `${run.seconds.toFixed(1)} s wall, peak RSS ${run.maxRssMiB?.toFixed(0) ?? '?'} MiB; node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
