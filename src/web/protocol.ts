// Messages between the page (main.ts) and the fit worker (fit-worker.ts). Everything here is
// structured-clone data: File objects go in (the worker reads them itself), product rasters
// come out as transferred Float32Arrays, so the page thread never parses or fits anything.
import type { RasterGrid } from '../core/grid.ts';
import type { FitProductKey } from '../core/fit-types.ts';
import type { PixelFit, PixelSeasons } from '../core/fit-detail.ts';
import type { FitSummary } from '../pipeline/fit-summary.ts';

export type { DeviceChoice } from '../pipeline/devices.ts';
import type { DeviceChoice } from '../pipeline/devices.ts';

export interface FitRequest {
  type: 'fit';
  /** One MintPy timeseries.h5, or the per-date GeoTIFFs. */
  stackFiles: File[];
  maskFile: File | null;
  /** Keep pixels with mask ≥ this (the CLI's --mask-min). */
  maskMin: number;
  /** Incidence raster (GeoTIFF, or an HDF5 with incidenceAngle), a constant in degrees, or none. */
  incidence: File | number | null;
  /** null: the file's UNIT attribute (the CLI without --unit). */
  unit: string | null;
  tolerance: number;
  minEpochs: number;
  expectedExtrema: number | null;
  device: DeviceChoice;
}

export interface SeriesRequest {
  type: 'series';
  requestId: number;
  row: number;
  col: number;
  /** The page's reference pixel: the series comes back as series − series_ref (null: as stored). */
  reference: { row: number; col: number } | null;
}

export type WorkerRequest = FitRequest | SeriesRequest;

export interface FitOutcome {
  stackName: string;
  grid: RasterGrid;
  dates: string[];
  /** MintPy ORBIT_DIRECTION when the file says (ASCENDING/DESCENDING), else null. */
  orbitDirection: string | null;
  products: Record<FitProductKey, Float32Array>;
  incidence: { data: Float32Array; source: string } | null;
  device: { kind: 'cpu' | 'gpu'; description: string; notes: string[]; choice: DeviceChoice };
  summary: FitSummary;
  /** `permasar seasons`' products (the "by year" view): one amplitude map per band year. */
  seasons: { years: number[]; amplitudeByYearMm: Float32Array[]; amplitudeTrendMmPerYear: Float32Array };
  /**
   * What reading the stack cost the worker: the files' size, h5wasm's wasm heap after the fit
   * (null for GeoTIFFs before h5wasm ever loaded), the rows read per block, and HDF5's reads
   * of mounted files in this worker (read() calls, FileReaderSync fetches, bytes fetched).
   */
  memory: { stackBytes: number; wasmHeapBytes: number | null; tileRows: number; reads: { reads: number; fetches: number; bytesFetched: number } };
}

export interface PixelSeries {
  requestId: number;
  row: number;
  col: number;
  /** The reference pixel the values are relative to; null or absent: as stored. */
  reference?: { row: number; col: number } | null;
  /** Decimal years (MintPy convention), one per date. */
  tYears: number[];
  /** LOS displacement in mm (positive toward the satellite), NaN = no data. */
  valuesMm: number[];
  tMidYears: number;
  fit: PixelFit;
  /** Per-year amplitudes and their trend (null when no year qualifies). */
  seasons?: PixelSeasons | null;
}

export type WorkerMessage =
  | { type: 'status'; text: string }
  | { type: 'device'; kind: 'cpu' | 'gpu'; description: string; notes: string[] }
  | { type: 'note'; text: string }
  | { type: 'progress'; rowsDone: number; rowsTotal: number }
  | { type: 'done'; outcome: FitOutcome }
  | { type: 'error'; message: string; inputError: boolean; requestId?: number }
  | { type: 'series'; series: PixelSeries };
