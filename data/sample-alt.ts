// The ALT part of the bundled sample (data/sample/alt/), made from the truth of the ascending
// sample stack (data/sample/asc/truth.json, written by make-sample.ts):
//
//   october_moisture.tif  N, an October soil-moisture raster on a coarse SMAP-like grid
//                         (0.08° ≈ 9 km pixels) covering SAMPLE_ASC_GRID; a plane in lon/lat,
//                         so its bilinear resampling onto the InSAR grid is exact;
//   alt_sites.csv         in-situ ALT (lon, lat, alt_m, name) at seasonal pixels, computed by
//                         Eq. 2 from the planted n surface plantedFrozenWaterContent, N and the
//                         true vertical amplitude (LOS amplitude / cos incidence); plus one site
//                         whose ALT is far too thin for its amplitude (dropped: n < 0) and one
//                         off the grid (skipped), so the demo shows both reports;
//   reference_alt.tif     a reference ALT map on another grid (0.001°, 4 pixels wider on every
//                         side) whose lower bound against the true vertical amplitude is the
//                         line PLANTED_ENVELOPE (1 m at 55 mm, as the study reports), plus
//                         positive exponential scatter;
//   truth.json            the planted n surface and envelope.
// Made by `npm run make-sample` (data/make-all-samples.ts), after the ascending sample.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SAMPLE_ASC_GRID, sampleMotionField } from './sample-field.ts';
import { makeRandom } from './synthetic.ts';
import { altFromAmplitude } from '../src/core/alt.ts';
import type { RasterGrid } from '../src/core/grid.ts';
import { writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import { formatCsv } from '../src/io/csv.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

/** SMAP L4-like grid: 0.08° pixels, 4 × 3 of them around the sample patch. */
export const SAMPLE_MOISTURE_GRID: RasterGrid = { width: 4, height: 3, geoTransform: [92.82, 0.08, 0, 34.94, 0, -0.08], epsg: 4326 };
/** The reference ALT grid: the sample's pixels, 4 more on every side. */
export const SAMPLE_REFERENCE_ALT_GRID: RasterGrid = { width: SAMPLE_ASC_GRID.width + 8, height: SAMPLE_ASC_GRID.height + 8, geoTransform: [92.896, 0.001, 0, 34.864, 0, -0.001], epsg: 4326 };
/** Lower bound of the reference ALT: ALT_min = intercept + slope·δ_vertical(mm); 1 m at 55 mm. */
export const PLANTED_ENVELOPE = { interceptM: 0.2, slopeMPerMm: 0.8 / 55 };

/** Thawed water content N (m³/m³): a plane, 0.24 to ~0.43 over the moisture grid. */
export function plantedThawedWaterContent(lonDeg: number, latDeg: number): number {
  return 0.24 + 0.6 * (lonDeg - 92.82) + 0.3 * (latDeg - 34.70);
}

/** Frozen water content n (m³/m³): 0.05–0.095 over the sample patch, smooth. */
export function plantedFrozenWaterContent(lonDeg: number, latDeg: number): number {
  return 0.05 + 0.03 * Math.sin(((lonDeg - 92.9) / 0.064) * Math.PI) + 0.015 * ((latDeg - 34.812) / 0.048);
}

interface SampleTruth {
  amplitudeMm: (number | null)[];
  seasonal: number[];
  noData: number[];
}

export async function makeAltSample(dir = path.join(here, 'sample', 'alt'), ascTruthFile = path.join(here, 'sample', 'asc', 'truth.json')): Promise<void> {
  await mkdir(dir, { recursive: true });
  const truth = JSON.parse(await readFile(ascTruthFile, 'utf8')) as SampleTruth;
  const grid = SAMPLE_ASC_GRID;
  const lonOf = (c: number) => grid.geoTransform[0] + grid.geoTransform[1] * (c + 0.5);
  const latOf = (r: number) => grid.geoTransform[3] + grid.geoTransform[5] * (r + 0.5);
  // The ascending sample's own incidence (geometryGeo.h5), as `permasar vertical` will use.
  const incidence = sampleMotionField().asc.geometry.incidenceDeg;
  const verticalMm = (r: number, c: number): number => {
    const i = r * grid.width + c;
    const los = truth.amplitudeMm[i];
    return truth.seasonal[i] === 1 && truth.noData[i] === 0 && los !== null ? los / Math.cos((incidence[i] * Math.PI) / 180) : NaN;
  };

  const m = SAMPLE_MOISTURE_GRID;
  const moisture = new Float32Array(m.width * m.height);
  for (let r = 0; r < m.height; r++) for (let c = 0; c < m.width; c++) {
    moisture[r * m.width + c] = plantedThawedWaterContent(m.geoTransform[0] + 0.08 * (c + 0.5), m.geoTransform[3] - 0.08 * (r + 0.5));
  }
  await writeGeoTiffFile(path.join(dir, 'october_moisture.tif'), m, moisture, {
    sampleType: 'float32', bandUnit: 'm3/m3', bandDescription: 'October root-zone soil moisture (synthetic, SMAP L4-like 9 km)', metadata: { SOFTWARE: 'permasar sample' },
  });

  // Sites: on a 4 × 4 lattice, the nearest pixel that is seasonal with a clear amplitude (the fit
  // recovers those best), so the solved n lands near the planted surface.
  const rows: (string | number)[][] = [];
  let k = 0;
  for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) {
    const r0 = Math.round(4 + (a * (grid.height - 9)) / 3);
    const c0 = Math.round(4 + (b * (grid.width - 9)) / 3);
    let best: [number, number] | null = null;
    let bestD = Infinity;
    for (let r = Math.max(0, r0 - 5); r <= Math.min(grid.height - 1, r0 + 5); r++) for (let c = Math.max(0, c0 - 5); c <= Math.min(grid.width - 1, c0 + 5); c++) {
      const v = verticalMm(r, c);
      const d = (r - r0) ** 2 + (c - c0) ** 2;
      if (v >= 5 && d < bestD) { bestD = d; best = [r, c]; }
    }
    if (!best) continue;
    const [r, c] = best;
    const lon = lonOf(c), lat = latOf(r);
    const alt = altFromAmplitude(verticalMm(r, c) / 1000, plantedFrozenWaterContent(lon, lat), plantedThawedWaterContent(lon, lat));
    rows.push([+lon.toFixed(6), +lat.toFixed(6), +alt.toFixed(3), `QTEC-${String(++k).padStart(2, '0')}`]);
  }
  // A site far too thin for the heave observed next to it: Eq. 2 gives n < 0 → dropped.
  const thin = rows[5];
  rows.push([+(Number(thin[0]) + 0.0001).toFixed(6), thin[1], 0.15, 'thin-probe']);
  // A borehole east of the processed patch: no amplitude there → skipped.
  rows.push([93.05, 34.83, 2.1, 'off-grid']);
  await writeFile(path.join(dir, 'alt_sites.csv'), formatCsv(['lon', 'lat', 'alt_m', 'name'], rows));

  const g = SAMPLE_REFERENCE_ALT_GRID;
  const random = makeRandom(55);
  const reference = new Float32Array(g.width * g.height);
  for (let r = 0; r < g.height; r++) for (let c = 0; c < g.width; c++) {
    const rs = r - 4, cs = c - 4;
    const inside = rs >= 0 && cs >= 0 && rs < grid.height && cs < grid.width;
    const v = inside ? verticalMm(rs, cs) : NaN;
    const scatterM = -0.4 * Math.log(Math.max(random(), 1e-12));
    reference[r * g.width + c] = Number.isFinite(v) ? PLANTED_ENVELOPE.interceptM + PLANTED_ENVELOPE.slopeMPerMm * v + scatterM : 1 + 2 * random();
  }
  await writeGeoTiffFile(path.join(dir, 'reference_alt.tif'), g, reference, {
    sampleType: 'float32', bandUnit: 'm', bandDescription: 'reference active-layer thickness (synthetic)', metadata: { SOFTWARE: 'permasar sample' },
  });
  await writeFile(path.join(dir, 'truth.json'), JSON.stringify({
    note: 'planted truth of the ALT sample; amplitudes are the true vertical ones, the fitted ones differ by the fit error',
    thawedWaterContent: 'N = 0.24 + 0.6·(lon − 92.82) + 0.3·(lat − 34.70)',
    frozenWaterContent: 'n = 0.05 + 0.03·sin((lon − 92.9)/0.064·π) + 0.015·(lat − 34.812)/0.048',
    envelope: { ...PLANTED_ENVELOPE, amplitudeAt1mMm: (1 - PLANTED_ENVELOPE.interceptM) / PLANTED_ENVELOPE.slopeMPerMm, scatter: 'exponential, mean 0.4 m' },
    sites: { planted: k, anomalous: ['thin-probe (n < 0)', 'off-grid (outside the amplitude grid)'] },
  }, null, 2) + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await makeAltSample();
  console.log(`ALT sample written to ${path.join(here, 'sample', 'alt')}`);
}
