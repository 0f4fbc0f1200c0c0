// Writes MintPy-layout HDF5 files (timeseries.h5, geometryGeo.h5, temporalCoherence.h5) with
// h5wasm: for synthetic stacks with known truth, fixtures, and tests of the readers. Node-only.
//
// Attributes are written as text, as MintPy writes them, and the grid as MintPy's
// X_FIRST/Y_FIRST (pixel corner) and X_STEP/Y_STEP.

import h5wasm from 'h5wasm/node';
import type { File as H5File } from 'h5wasm';
import { resolve } from 'node:path';
import type { RasterGrid } from '../core/grid.ts';
import { crsOfEpsg, describeUnusableEpsg } from './crs.ts';

function gridAttributes(grid: RasterGrid): Record<string, string> {
  // Radar coordinates: MintPy writes no X_FIRST… until geocode.py.
  if (grid.radarCoded) return { LENGTH: String(grid.height), WIDTH: String(grid.width) };
  const g = grid.geoTransform;
  if (g[2] !== 0 || g[4] !== 0) throw new Error('MintPy grids are north-up; rotated geotransform given');
  // MintPy's X_UNIT/Y_UNIT: "degrees" for a geographic CRS, "meters" for a projected one in
  // metres (the EPSG database says which, crs.ts); no CRS means MintPy's default, EPSG:4326.
  const epsg = grid.epsg ?? 4326;
  const crs = crsOfEpsg(epsg);
  if (!crs) throw new Error(`writeMintpy: ${describeUnusableEpsg(epsg)}`);
  if (!crs.geographic && crs.metresPerUnit !== 1) throw new Error(`writeMintpy: EPSG:${epsg} (${crs.name}) is not in metres; MintPy's X_UNIT knows degrees and meters`);
  const unit = crs.geographic ? 'degrees' : 'meters';
  return {
    LENGTH: String(grid.height),
    WIDTH: String(grid.width),
    X_FIRST: String(g[0]),
    Y_FIRST: String(g[3]),
    X_STEP: String(g[1]),
    Y_STEP: String(g[5]),
    EPSG: String(epsg),
    X_UNIT: unit,
    Y_UNIT: unit,
  };
}

async function create(path: string, attributes: Record<string, string>, fill: (f: H5File) => void): Promise<void> {
  await h5wasm.ready;
  const file = new h5wasm.File(resolve(path), 'w');
  try {
    for (const [k, v] of Object.entries(attributes)) file.create_attribute(k, v);
    fill(file);
  } finally {
    file.close();
  }
}

export interface MintpyTimeseriesInput {
  grid: RasterGrid;
  /** YYYYMMDD, sorted. */
  dates: string[];
  /** Date-major [date][row][col], in `unit`. */
  values: Float32Array;
  /** MintPy writes "m". */
  unit?: string;
  refDate?: string;
  wavelengthM?: number;
  /** Extra root attributes (e.g. ORBIT_DIRECTION, REF_Y/REF_X). */
  attributes?: Record<string, string>;
  /** HDF5 chunk shape [date, row, col]; MintPy's default is contiguous per date plane. */
  chunks?: [number, number, number];
}

/** Root attributes of a timeseries.h5 (whole or streamed). */
function timeseriesAttributes(input: Omit<MintpyTimeseriesInput, 'values' | 'chunks'>): Record<string, string> {
  return {
    FILE_TYPE: 'timeseries',
    UNIT: input.unit ?? 'm',
    ...gridAttributes(input.grid),
    ...(input.refDate ? { REF_DATE: input.refDate } : {}),
    ...(input.wavelengthM ? { WAVELENGTH: String(input.wavelengthM) } : {}),
    ...input.attributes,
  };
}

export async function writeMintpyTimeseries(path: string, input: MintpyTimeseriesInput): Promise<void> {
  const { grid, dates, values } = input;
  if (values.length !== dates.length * grid.width * grid.height) {
    throw new Error(`writeMintpyTimeseries: ${values.length} values for ${dates.length}×${grid.height}×${grid.width}`);
  }
  const attributes = timeseriesAttributes(input);
  await create(path, attributes, (f) => {
    f.create_dataset({
      name: 'timeseries',
      data: values,
      shape: [dates.length, grid.height, grid.width],
      dtype: '<f',
      ...(input.chunks ? { chunks: input.chunks } : {}),
    });
    f.create_dataset({ name: 'date', data: dates, dtype: 'S8' });
    // MintPy also stores the perpendicular baseline per date; readers here ignore it.
    f.create_dataset({ name: 'bperp', data: new Float32Array(dates.length), dtype: '<f' });
  });
}

/** A file of 2-D float32 datasets (geometryGeo.h5, temporalCoherence.h5), row-major each. */
export async function writeMintpyRasters(path: string, grid: RasterGrid, datasets: Record<string, Float32Array>, fileType: string, attributes: Record<string, string> = {}): Promise<void> {
  await create(path, { FILE_TYPE: fileType, ...gridAttributes(grid), ...attributes }, (f) => {
    for (const [name, data] of Object.entries(datasets)) {
      if (data.length !== grid.width * grid.height) throw new Error(`writeMintpyRasters: "${name}" has ${data.length} values for ${grid.width}×${grid.height}`);
      f.create_dataset({ name, data, shape: [grid.height, grid.width], dtype: '<f' });
    }
  });
}

/**
 * timeseries.h5 written row block by row block (a corridor-size synthetic stack never held whole):
 * the dataset is created chunked with `blockRows` rows, grown to the full height, and each block
 * of rows (date-major [date][row][col] of rows row0…row0+nRows−1) written as a hyperslab.
 */
export async function writeMintpyTimeseriesRows(
  path: string,
  input: Omit<MintpyTimeseriesInput, 'values' | 'chunks'> & { blockRows?: number },
  rowsOf: (row0: number, nRows: number) => Float32Array,
): Promise<void> {
  const { grid, dates } = input;
  const blockRows = Math.max(1, Math.min(grid.height, input.blockRows ?? 16));
  const attributes = timeseriesAttributes(input);
  await create(path, attributes, (f) => {
    // Chunks of ≤ 1024 columns splitting the width evenly: a last, mostly empty chunk would
    // still be stored whole (HDF5 allocates full chunks), nearly doubling a 1 030-column file.
    const chunkCols = Math.ceil(grid.width / Math.ceil(grid.width / 1024));
    const dataset = f.create_dataset({
      name: 'timeseries',
      data: new Float32Array(dates.length * blockRows * grid.width),
      shape: [dates.length, blockRows, grid.width],
      maxshape: [dates.length, null, grid.width],
      dtype: '<f',
      chunks: [dates.length, blockRows, chunkCols],
    });
    dataset.resize([dates.length, grid.height, grid.width]);
    for (let row0 = 0; row0 < grid.height; row0 += blockRows) {
      const nRows = Math.min(blockRows, grid.height - row0);
      const values = rowsOf(row0, nRows);
      if (values.length !== dates.length * nRows * grid.width) throw new Error(`writeMintpyTimeseriesRows: ${values.length} values for ${dates.length}×${nRows}×${grid.width}`);
      dataset.write_slice([[0, dates.length], [row0, row0 + nRows], [0, grid.width]], values);
    }
    f.create_dataset({ name: 'date', data: dates, dtype: 'S8' });
    f.create_dataset({ name: 'bperp', data: new Float32Array(dates.length), dtype: '<f' });
  });
}
