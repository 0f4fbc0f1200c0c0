// Writes MintPy-layout HDF5 files (timeseries.h5, geometryGeo.h5, temporalCoherence.h5) with
// h5wasm, for the bundled sample and for tests: the same datasets and root attributes MintPy
// writes (see MintPy's docs/api/data_structure.md), so our readers are exercised on the real
// layout, not on a format of our own.
import h5wasm from 'h5wasm/node';
import type { RasterGrid } from '../src/core/grid.ts';

function gridAttributes(grid: RasterGrid): Record<string, string> {
  const [x0, dx, , y0, , dy] = grid.geoTransform;
  return {
    LENGTH: String(grid.height),
    WIDTH: String(grid.width),
    X_FIRST: String(x0),
    Y_FIRST: String(y0),
    X_STEP: String(dx),
    Y_STEP: String(dy),
    X_UNIT: grid.epsg === 4326 ? 'degrees' : 'meters',
    Y_UNIT: grid.epsg === 4326 ? 'degrees' : 'meters',
    EPSG: String(grid.epsg ?? 4326),
  };
}

function writeAttributes(file: h5wasm.File, attrs: Record<string, string>): void {
  for (const [k, v] of Object.entries(attrs)) file.create_attribute(k, v);
}

export interface MintpyTimeseriesSpec {
  grid: RasterGrid;
  dates: string[];
  /** Date-major [date][row][col], in `unit`. */
  values: Float32Array;
  unit: 'm' | 'cm' | 'mm' | 'radian';
  refDate?: string;
  wavelengthM?: number;
  orbitDirection?: 'ASCENDING' | 'DESCENDING';
  extraAttributes?: Record<string, string>;
}

export async function writeMintpyTimeseries(path: string, spec: MintpyTimeseriesSpec): Promise<void> {
  await h5wasm.ready;
  const file = new h5wasm.File(path, 'w');
  try {
    writeAttributes(file, {
      FILE_TYPE: 'timeseries',
      UNIT: spec.unit,
      REF_DATE: spec.refDate ?? spec.dates[0],
      WAVELENGTH: String(spec.wavelengthM ?? 0.05546576),
      PLATFORM: 'Sen',
      ORBIT_DIRECTION: spec.orbitDirection ?? 'ASCENDING',
      ...gridAttributes(spec.grid),
      ...spec.extraAttributes,
    });
    file.create_dataset({ name: 'date', data: spec.dates, shape: [spec.dates.length], dtype: 'S8' });
    file.create_dataset({
      name: 'timeseries',
      data: spec.values,
      shape: [spec.dates.length, spec.grid.height, spec.grid.width],
      dtype: '<f4',
      // Chunked by date-plane blocks so row-block reads touch few chunks.
      chunks: [spec.dates.length, Math.min(spec.grid.height, 16), spec.grid.width],
    });
    // MintPy also stores the perpendicular baseline per date.
    file.create_dataset({ name: 'bperp', data: new Float32Array(spec.dates.length), shape: [spec.dates.length], dtype: '<f4' });
  } finally {
    file.close();
  }
}

export async function writeMintpyGeometry(
  path: string,
  grid: RasterGrid,
  layers: { incidenceAngle: Float32Array; azimuthAngle?: Float32Array; height?: Float32Array },
): Promise<void> {
  await h5wasm.ready;
  const file = new h5wasm.File(path, 'w');
  try {
    writeAttributes(file, { FILE_TYPE: 'geometry', ...gridAttributes(grid) });
    for (const [name, data] of Object.entries(layers)) {
      if (!data) continue;
      file.create_dataset({ name, data, shape: [grid.height, grid.width], dtype: '<f4' });
    }
  } finally {
    file.close();
  }
}

export async function writeMintpy2d(path: string, grid: RasterGrid, name: string, data: Float32Array, fileType = name): Promise<void> {
  await h5wasm.ready;
  const file = new h5wasm.File(path, 'w');
  try {
    writeAttributes(file, { FILE_TYPE: fileType, UNIT: '1', ...gridAttributes(grid) });
    file.create_dataset({ name, data, shape: [grid.height, grid.width], dtype: '<f4' });
  } finally {
    file.close();
  }
}
