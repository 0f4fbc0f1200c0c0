// Writes LiCSBAS-layout cum.h5 files with h5wasm, for tests and fixtures: the datasets
// LiCSBAS13_sb_inv.py writes (cum float32 [n_im, length, width] in mm, imdates int32, scalar
// float64 corner_lat/corner_lon/post_lat/post_lon, refarea as text, vel, gap) and the LOS unit
// vector E.geo/N.geo/U.geo that LiCSBAS ≥ 1.5.2 copies in. Node-only.
import h5wasm from 'h5wasm/node';
import { resolve } from 'node:path';
import type { RasterGrid } from '../core/grid.ts';

export interface LicsbasCumInput {
  /** EPSG:4326, north-up: the GDAL geotransform of the outer pixel corner. */
  grid: RasterGrid;
  dates: string[];
  /** Date-major [date][row][col] in mm, positive toward the satellite. */
  valuesMm: Float32Array;
  /** "x1:x2/y1:y2" (default a 1×1 window at the centre). */
  refarea?: string;
  /** LOS unit vector ground → satellite, [length·width] each. */
  los?: { east: Float32Array; north: Float32Array; up: Float32Array };
  /** Leave these datasets out (bad-input tests). */
  omit?: string[];
  /** Extra scalar or array datasets (bad-input tests), written after the others. */
  extra?: Record<string, { data: number | Float32Array | Int32Array; shape?: number[]; dtype: string }>;
}

export async function writeLicsbasCum(path: string, input: LicsbasCumInput): Promise<void> {
  const { grid, dates, valuesMm } = input;
  const g = grid.geoTransform;
  if (g[2] !== 0 || g[4] !== 0 || g[5] >= 0) throw new Error('writeLicsbasCum: LiCSBAS grids are north-up');
  if (valuesMm.length !== dates.length * grid.width * grid.height) throw new Error(`writeLicsbasCum: ${valuesMm.length} values for ${dates.length}×${grid.height}×${grid.width}`);
  const omit = new Set(input.omit ?? []);
  await h5wasm.ready;
  const f = new h5wasm.File(resolve(path), 'w');
  try {
    const put = (name: string, spec: { data: unknown; shape?: number[]; dtype?: string }) => {
      if (!omit.has(name)) f.create_dataset({ name, ...(spec as { data: Float32Array }) });
    };
    put('imdates', { data: Int32Array.from(dates, Number), dtype: '<i' });
    put('cum', { data: valuesMm, shape: [dates.length, grid.height, grid.width], dtype: '<f' });
    put('vel', { data: new Float32Array(grid.width * grid.height), shape: [grid.height, grid.width], dtype: '<f' });
    put('gap', { data: new Int8Array(Math.max(0, dates.length - 1) * grid.width * grid.height), shape: [Math.max(0, dates.length - 1), grid.height, grid.width], dtype: '<b' });
    // GAMMA's corner is the first pixel's centre: half a post inside GDAL's corner.
    put('corner_lat', { data: g[3] + g[5] / 2, dtype: '<d' });
    put('corner_lon', { data: g[0] + g[1] / 2, dtype: '<d' });
    put('post_lat', { data: g[5], dtype: '<d' });
    put('post_lon', { data: g[1], dtype: '<d' });
    const cx = Math.floor(grid.width / 2), cy = Math.floor(grid.height / 2);
    put('refarea', { data: input.refarea ?? `${cx}:${cx + 1}/${cy}:${cy + 1}` });
    if (input.los) {
      put('E.geo', { data: input.los.east, shape: [grid.height, grid.width], dtype: '<f' });
      put('N.geo', { data: input.los.north, shape: [grid.height, grid.width], dtype: '<f' });
      put('U.geo', { data: input.los.up, shape: [grid.height, grid.width], dtype: '<f' });
    }
    for (const [name, spec] of Object.entries(input.extra ?? {})) f.create_dataset({ name, ...(spec as { data: Float32Array }) });
  } finally {
    f.close();
  }
}
