// Two synthetic `permasar fit` output folders (rate, amplitude, timing, seasonal + summary.json),
// an ascending one and a descending one shifted by a fraction of a pixel, written row band by row
// band through the streaming COG writer, so a pair of any size costs bounded memory. Used by the
// block test (test/blocks-jobs.test.ts) and the compare memory bench (bench/compare-rss.ts).
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import type { RasterGrid } from '../src/core/grid.ts';
import { createGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import { makeRandom } from './synthetic.ts';

const PRODUCTS = [
  { name: 'rate', unit: 'mm/yr' },
  { name: 'amplitude', unit: 'mm' },
  { name: 'timing', unit: 'day of year' },
  { name: 'seasonal', unit: 'flag' },
] as const;

/** One fit folder on `grid`; values from the seeded generator, ~10 % no data. */
export async function writeFitFolder(dir: string, grid: RasterGrid, seed: number, opts: { incidenceDeg?: number } = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const random = makeRandom(seed);
  const files = [...PRODUCTS.map((p) => ({ ...p, file: `${p.name}.tif` })), ...(opts.incidenceDeg ? [{ name: 'incidence', unit: 'degree', file: 'incidence.tif' }] : [])];
  const writers = [];
  for (const p of files) {
    writers.push(await createGeoTiffFile(path.join(dir, p.file), grid, { sampleType: 'float32', bandUnit: p.unit, metadata: { PRODUCT: p.name, UNITS: p.unit, SOFTWARE: 'permasar' } }));
  }
  const band = 64;
  for (let row0 = 0; row0 < grid.height; row0 += band) {
    const nRows = Math.min(band, grid.height - row0);
    const n = nRows * grid.width;
    const planes = files.map(() => new Float32Array(n));
    for (let i = 0; i < n; i++) {
      const noData = random() < 0.1;
      const seasonal = random() < 0.6 ? 1 : 0;
      planes[0][i] = noData ? NaN : -20 + 40 * random();
      planes[1][i] = noData || !seasonal ? NaN : 30 * random();
      planes[2][i] = noData || !seasonal ? NaN : 1 + 365 * random();
      planes[3][i] = noData ? NaN : seasonal;
      if (opts.incidenceDeg) planes[4][i] = opts.incidenceDeg + 10 * random();
    }
    for (const [k, w] of writers.entries()) await w.writeRows(row0, planes[k]);
  }
  for (const w of writers) await w.close();
  await writeFile(path.join(dir, 'summary.json'), JSON.stringify({ software: 'permasar', command: 'fit' }) + '\n');
}

/** An ascending and a descending fit folder on `width` × `height` grids that mostly overlap. */
export async function writeFitPair(root: string, width: number, height: number, seed: number): Promise<{ ascending: string; descending: string }> {
  const step = 0.0008;
  const asc: RasterGrid = { width, height, geoTransform: [92, step, 0, 35, 0, -step], epsg: 4326 };
  const desc: RasterGrid = { width, height, geoTransform: [92 + 0.37 * step + 3 * step, step * 1.03, 0, 35 - 0.41 * step - 2 * step, 0, -step * 1.03], epsg: 4326 };
  const ascending = path.join(root, 'fit-asc');
  const descending = path.join(root, 'fit-desc');
  await writeFitFolder(ascending, asc, seed, { incidenceDeg: 31 });
  await writeFitFolder(descending, desc, seed + 1);
  return { ascending, descending };
}
