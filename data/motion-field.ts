// One known 3-D ground-motion field seen from an ascending and a descending Sentinel-1 track,
// for the tests of `permasar compare` / `vertical`, the bundled sample and the demo.
//
// The field is a grid of cells in map coordinates: each COLUMN has one secular motion, each ROW
// one seasonal motion, chosen so that Table 1 gives a known class on every cell for any
// incidence in the generator's range (margins of ≥ 1 mm/yr or mm against every threshold, far
// above the noise of a fit of 1 mm white noise over eight years):
//
//   columns (secular, mm/yr)            class              why
//   up −12                              vertical           both LOS ≈ −12 cos θ: within 1.1
//   east +18                            east-west          LOS ≈ ∓18·0.976 sin θ: opposite, within 2
//   up −12, east +12                    undetermined       LOS −17.5 vs −2.3: magnitudes differ
//   up −2, east +1                      undetermined       both within 5 of zero (our rule)
//
//   rows (seasonal, peak to trough)     class
//   up 16 mm, peak day 100              vertical           amplitudes within 1.4, same timing
//   east 20 mm, peak day 200            east-west          the tracks peak half a year apart
//   up 16 (day 100) + east 16 (day 191) undetermined       ≈ 75 days apart: other timing
//   up 20 + east 10, both day 100       undetermined       ≈ 9.8 vs 21.8 mm: amplitude differs
//   semi- + ter-annual only             not tested         not seasonal on either track
//
// Geometry: incidence grows across each swath towards far range — eastward on the ascending
// track (which looks east), westward on the descending one — between 34° and 42°; azimuth
// angles in MintPy's convention (+102.5° asc, −102.5° desc). The two grids have different
// origins and spacings and overlap partially; every cell lies inside the overlap.
//
// Two products: LOS stacks (for `permasar fit`, end to end) and the fit products themselves,
// computed exactly from the field (rate, amplitude, timing, seasonal flag), for fast tests of
// `compare` without fitting. Truth is given on the ascending grid, the grid `compare` works on.
import { losUnitVector, peakDayToPhase, phaseToPeakDay } from '../src/core/decomposition.ts';
import { DirectionClass } from '../src/core/direction.ts';
import type { RasterGrid } from '../src/core/grid.ts';
import { pixelCentre } from '../src/core/grid.ts';
import { resampleToGrid } from '../src/core/resample.ts';
import { makeTimeAxis, type TimeAxis } from '../src/core/time.ts';
import { makeNormal, makeRandom, regularDates } from './synthetic.ts';

export interface SecularMotion { name: string; upMmPerYear: number; eastMmPerYear: number; northMmPerYear: number; expected: number }
export interface AnnualTerm { amplitudeMm: number; peakDayOfYear: number }
export interface SeasonalMotion { name: string; up: AnnualTerm | null; east: AnnualTerm | null; seasonal: boolean; expected: number }

export const SECULAR_MOTIONS: readonly SecularMotion[] = [
  { name: 'vertical', upMmPerYear: -12, eastMmPerYear: 0, northMmPerYear: 0, expected: DirectionClass.VERTICAL },
  { name: 'east-west', upMmPerYear: 0, eastMmPerYear: 18, northMmPerYear: 0, expected: DirectionClass.EAST_WEST },
  { name: 'mixed', upMmPerYear: -12, eastMmPerYear: 12, northMmPerYear: 0, expected: DirectionClass.UNDETERMINED },
  { name: 'near zero', upMmPerYear: -2, eastMmPerYear: 1, northMmPerYear: 0, expected: DirectionClass.UNDETERMINED },
];

export const SEASONAL_MOTIONS: readonly SeasonalMotion[] = [
  { name: 'vertical', up: { amplitudeMm: 16, peakDayOfYear: 100 }, east: null, seasonal: true, expected: DirectionClass.VERTICAL },
  { name: 'east-west', up: null, east: { amplitudeMm: 20, peakDayOfYear: 200 }, seasonal: true, expected: DirectionClass.EAST_WEST },
  { name: 'other timing', up: { amplitudeMm: 16, peakDayOfYear: 100 }, east: { amplitudeMm: 16, peakDayOfYear: 191 }, seasonal: true, expected: DirectionClass.UNDETERMINED },
  { name: 'amplitude differs', up: { amplitudeMm: 20, peakDayOfYear: 100 }, east: { amplitudeMm: 10, peakDayOfYear: 100 }, seasonal: true, expected: DirectionClass.UNDETERMINED },
  { name: 'not seasonal', up: null, east: null, seasonal: false, expected: DirectionClass.NOT_TESTED },
];

/** Reason codes expected per row / column (core/direction.ts SecularReason / SeasonalReason). */
export const EXPECTED_SECULAR_REASONS = [1, 2, 3, 4] as const;
export const EXPECTED_SEASONAL_REASONS = [1, 2, 3, 4, 0] as const;

export interface MotionFieldOptions {
  /** Lon/lat of the north-west corner of the cell block (default near Beiluhe, 92.9°E 34.85°N). */
  west?: number;
  north?: number;
  /** Size of one cell, degrees (default 0.008: ~9 ascending pixels). */
  cellDeg?: number;
  /** Ascending pixel size, degrees (default 0.001); descending pixels are 1.3× larger. */
  ascPixelDeg?: number;
  descPixelDeg?: number;
  /** LOS stacks: white noise, mm (default 1) and seed. */
  noiseMm?: number;
  seed?: number;
  /** LOS stacks: dates (default Dec 2014 – Sep 2022 every 24 days, as the study's span). */
  dates?: string[];
  /** Fraction of pixels with no data on each track (default 0.01). */
  noDataFraction?: number;
}

export interface TrackGeometry {
  /** MintPy incidenceAngle, degrees. */
  incidenceDeg: Float32Array;
  /** MintPy azimuthAngle, degrees. */
  azimuthDeg: Float32Array;
}

/** Fit products of one track, exactly as `permasar fit` would write them from a noiseless stack. */
export interface TrackFitProducts {
  rateMmPerYear: Float32Array;
  seasonalAmplitudeMm: Float32Array;
  peakDayOfYear: Float32Array;
  seasonalFlag: Float32Array;
}

export interface TrackField {
  direction: 'ASCENDING' | 'DESCENDING';
  grid: RasterGrid;
  geometry: TrackGeometry;
  products: TrackFitProducts;
  /** 1 where the pixel has no data. */
  noData: Uint8Array;
}

export interface FieldTruth {
  /** On the ascending grid: expected class codes (DirectionClass) where `interior`. */
  secularClass: Uint8Array;
  seasonalClass: Uint8Array;
  /** 1 where the class is known by construction: inside the overlap, the asc pixel and every
   *  descending pixel its bilinear sample touches inside one cell, with data on both tracks. */
  interior: Uint8Array;
  /** 1 where the asc pixel centre samples the descending grid at all (the overlap). */
  inOverlap: Uint8Array;
  /** 1 where either track has no data at this asc pixel (expected 255). */
  noData: Uint8Array;
  /** Ground motion at the asc pixel centre. */
  upRateMmPerYear: Float32Array;
  eastRateMmPerYear: Float32Array;
  upAmplitudeMm: Float32Array;
  eastAmplitudeMm: Float32Array;
  upPeakDayOfYear: Float32Array;
  eastPeakDayOfYear: Float32Array;
}

export interface MotionField {
  asc: TrackField;
  desc: TrackField;
  truth: FieldTruth;
  /** Cell (column = secular, row = seasonal) at a map point, clamped into the block. */
  cellAt(x: number, y: number): { column: number; row: number };
  /** Ground motion at a map point. */
  motionAt(x: number, y: number): { secular: SecularMotion; seasonal: SeasonalMotion };
}

const INCIDENCE_NEAR_DEG = 34;
const INCIDENCE_FAR_DEG = 42;
const ASC_AZIMUTH_DEG = 102.5;
const DESC_AZIMUTH_DEG = -102.5;

/** Annual term as a phasor (A/2)·e^{iφ} (core/decomposition.ts). */
function phasor(term: AnnualTerm | null): [number, number] {
  if (!term) return [0, 0];
  const phase = peakDayToPhase(term.peakDayOfYear);
  return [(term.amplitudeMm / 2) * Math.cos(phase), (term.amplitudeMm / 2) * Math.sin(phase)];
}

export function makeMotionField(options: MotionFieldOptions = {}): MotionField {
  const west = options.west ?? 92.9;
  const north = options.north ?? 34.85;
  const cell = options.cellDeg ?? 0.008;
  const ascStep = options.ascPixelDeg ?? 0.001;
  const descStep = options.descPixelDeg ?? ascStep * 1.3;
  const nCols = SECULAR_MOTIONS.length;
  const nRows = SEASONAL_MOTIONS.length;
  const east = west + nCols * cell;
  const south = north - nRows * cell;
  // Swath extent for the incidence ramps: the block plus a margin of one cell on each side.
  const swathWest = west - cell;
  const swathEast = east + cell;

  // Partial overlap: asc starts a cell west of the block and ends just past it, desc starts just
  // before the block (at a fractional pixel offset) and reaches a cell east of it.
  const ascGrid: RasterGrid = {
    width: Math.ceil((east + 0.25 * cell - (west - cell)) / ascStep),
    height: Math.ceil((north + 0.5 * cell - (south - 0.25 * cell)) / ascStep),
    geoTransform: [west - cell, ascStep, 0, north + 0.5 * cell, 0, -ascStep],
    epsg: 4326,
  };
  const descX0 = west - 0.3 * cell + 0.37 * descStep;
  const descY0 = north + 0.3 * cell - 0.21 * descStep;
  const descGrid: RasterGrid = {
    width: Math.ceil((east + cell - descX0) / descStep),
    height: Math.ceil((descY0 - (south - cell)) / descStep),
    geoTransform: [descX0, descStep, 0, descY0, 0, -descStep],
    epsg: 4326,
  };

  const cellAt = (x: number, y: number) => ({
    column: Math.min(nCols - 1, Math.max(0, Math.floor((x - west) / cell))),
    row: Math.min(nRows - 1, Math.max(0, Math.floor((north - y) / cell))),
  });
  const motionAt = (x: number, y: number) => {
    const c = cellAt(x, y);
    return { secular: SECULAR_MOTIONS[c.column], seasonal: SEASONAL_MOTIONS[c.row] };
  };
  const rampFraction = (x: number) => Math.min(1, Math.max(0, (x - swathWest) / (swathEast - swathWest)));
  const incidenceAt = (direction: TrackField['direction'], x: number) =>
    direction === 'ASCENDING'
      ? INCIDENCE_NEAR_DEG + (INCIDENCE_FAR_DEG - INCIDENCE_NEAR_DEG) * rampFraction(x)
      : INCIDENCE_FAR_DEG - (INCIDENCE_FAR_DEG - INCIDENCE_NEAR_DEG) * rampFraction(x);

  const random = makeRandom(options.seed ?? 4242);
  const noDataFraction = options.noDataFraction ?? 0.01;

  const track = (direction: TrackField['direction'], grid: RasterGrid): TrackField => {
    const n = grid.width * grid.height;
    const geometry: TrackGeometry = { incidenceDeg: new Float32Array(n), azimuthDeg: new Float32Array(n) };
    const products: TrackFitProducts = {
      rateMmPerYear: new Float32Array(n),
      seasonalAmplitudeMm: new Float32Array(n),
      peakDayOfYear: new Float32Array(n),
      seasonalFlag: new Float32Array(n),
    };
    const noData = new Uint8Array(n);
    for (let r = 0; r < grid.height; r++) {
      for (let c = 0; c < grid.width; c++) {
        const p = r * grid.width + c;
        const { x, y } = pixelCentre(grid, r, c);
        const inc = incidenceAt(direction, x);
        const az = direction === 'ASCENDING' ? ASC_AZIMUTH_DEG : DESC_AZIMUTH_DEG;
        geometry.incidenceDeg[p] = inc;
        geometry.azimuthDeg[p] = az;
        const los = losUnitVector(inc, az);
        const { secular, seasonal } = motionAt(x, y);
        products.rateMmPerYear[p] = los.east * secular.eastMmPerYear + los.north * secular.northMmPerYear + los.up * secular.upMmPerYear;
        if (seasonal.seasonal) {
          const [upRe, upIm] = phasor(seasonal.up);
          const [eastRe, eastIm] = phasor(seasonal.east);
          const re = los.up * upRe + los.east * eastRe;
          const im = los.up * upIm + los.east * eastIm;
          products.seasonalAmplitudeMm[p] = 2 * Math.hypot(re, im);
          products.peakDayOfYear[p] = phaseToPeakDay(Math.atan2(im, re));
          products.seasonalFlag[p] = 1;
        } else {
          products.seasonalAmplitudeMm[p] = NaN;
          products.peakDayOfYear[p] = NaN;
          products.seasonalFlag[p] = 0;
        }
        if (random() < noDataFraction) {
          noData[p] = 1;
          products.rateMmPerYear[p] = NaN;
          products.seasonalAmplitudeMm[p] = NaN;
          products.peakDayOfYear[p] = NaN;
          products.seasonalFlag[p] = NaN;
        }
      }
    }
    return { direction, grid, geometry, products, noData };
  };

  const asc = track('ASCENDING', ascGrid);
  const desc = track('DESCENDING', descGrid);

  // Truth on the asc grid. Which asc pixels the desc data reaches, and which touch a no-data
  // desc pixel, follow from the bilinear stencil: resampling an indicator raster gives both.
  const nAsc = ascGrid.width * ascGrid.height;
  const descNoData = Float32Array.from(desc.noData, (v) => (v ? NaN : 0));
  const descReach = resampleToGrid(descGrid, new Float32Array(descGrid.width * descGrid.height), ascGrid, 'bilinear');
  const descClean = resampleToGrid(descGrid, descNoData, ascGrid, 'bilinear');
  const truth: FieldTruth = {
    secularClass: new Uint8Array(nAsc).fill(DirectionClass.NO_DATA),
    seasonalClass: new Uint8Array(nAsc).fill(DirectionClass.NO_DATA),
    interior: new Uint8Array(nAsc),
    inOverlap: new Uint8Array(nAsc),
    noData: new Uint8Array(nAsc),
    upRateMmPerYear: new Float32Array(nAsc),
    eastRateMmPerYear: new Float32Array(nAsc),
    upAmplitudeMm: new Float32Array(nAsc),
    eastAmplitudeMm: new Float32Array(nAsc),
    upPeakDayOfYear: new Float32Array(nAsc),
    eastPeakDayOfYear: new Float32Array(nAsc),
  };
  for (let r = 0; r < ascGrid.height; r++) {
    for (let c = 0; c < ascGrid.width; c++) {
      const p = r * ascGrid.width + c;
      const { x, y } = pixelCentre(ascGrid, r, c);
      const { secular, seasonal } = motionAt(x, y);
      truth.upRateMmPerYear[p] = secular.upMmPerYear;
      truth.eastRateMmPerYear[p] = secular.eastMmPerYear;
      truth.upAmplitudeMm[p] = seasonal.seasonal ? seasonal.up?.amplitudeMm ?? 0 : NaN;
      truth.eastAmplitudeMm[p] = seasonal.seasonal ? seasonal.east?.amplitudeMm ?? 0 : NaN;
      truth.upPeakDayOfYear[p] = seasonal.up && seasonal.seasonal ? seasonal.up.peakDayOfYear : NaN;
      truth.eastPeakDayOfYear[p] = seasonal.east && seasonal.seasonal ? seasonal.east.peakDayOfYear : NaN;
      if (!Number.isFinite(descReach[p])) continue;
      truth.inOverlap[p] = 1;
      const noData = asc.noData[p] === 1 || !Number.isFinite(descClean[p]);
      truth.noData[p] = noData ? 1 : 0;
      if (noData) {
        truth.interior[p] = 1; // 255 is known by construction too
        continue;
      }
      truth.secularClass[p] = secular.expected;
      truth.seasonalClass[p] = seasonal.expected;
      // Interior: the bilinear stencil (desc pixel centres within one desc pixel of this point)
      // and the nearest desc pixel lie in this pixel's cell.
      const home = cellAt(x, y);
      let inside = true;
      for (const dx of [-descStep, 0, descStep]) {
        for (const dy of [-descStep, 0, descStep]) {
          const other = cellAt(x + dx, y + dy);
          if (other.column !== home.column || other.row !== home.row) inside = false;
        }
      }
      // Points outside the block clamp into edge cells; only the block itself is known.
      if (x < west || x > east || y > north || y < south) inside = false;
      truth.interior[p] = inside ? 1 : 0;
    }
  }
  return { asc, desc, truth, cellAt, motionAt };
}

export interface TrackStack {
  axis: TimeAxis;
  /** Date-major LOS displacement, mm, + toward the satellite; NaN = no data. */
  valuesMm: Float32Array;
}

/**
 * LOS time series of one track from the field: d(t) = v_LOS (t − t_mid) + annual LOS term +
 * (not-seasonal rows) semi- and ter-annual terms seen through the up coefficient + noise.
 * The annual term peaks on the LOS peak day of the track's fit products, by (G1).
 */
export function makeTrackStack(field: MotionField, track: TrackField, options: MotionFieldOptions = {}): TrackStack {
  const dates = options.dates ?? regularDates('20141210', '20220925', 24);
  const axis = makeTimeAxis(dates);
  const normal = makeNormal(makeRandom((options.seed ?? 4242) + (track.direction === 'ASCENDING' ? 1 : 2)));
  const noiseMm = options.noiseMm ?? 1;
  const { grid, products, geometry } = track;
  const n = grid.width * grid.height;
  const nDates = dates.length;
  const valuesMm = new Float32Array(n * nDates);
  for (let r = 0; r < grid.height; r++) {
    for (let c = 0; c < grid.width; c++) {
      const p = r * grid.width + c;
      if (track.noData[p]) {
        for (let d = 0; d < nDates; d++) valuesMm[d * n + p] = NaN;
        continue;
      }
      const { x, y } = pixelCentre(grid, r, c);
      const { seasonal } = field.motionAt(x, y);
      const upCoefficient = Math.cos((geometry.incidenceDeg[p] * Math.PI) / 180);
      const rate = products.rateMmPerYear[p];
      const amplitude = products.seasonalAmplitudeMm[p];
      const phase = peakDayToPhase(products.peakDayOfYear[p]);
      for (let d = 0; d < nDates; d++) {
        const t = axis.tYears[d];
        let v = rate * axis.tCentredYears[d] + noiseMm * normal();
        if (seasonal.seasonal) v += (amplitude / 2) * Math.cos(2 * Math.PI * t - phase);
        // Four and six extrema a year (vertical), which the seasonality test rejects.
        else v += upCoefficient * (8 * Math.sin(4 * Math.PI * t + 0.7) + 5 * Math.sin(6 * Math.PI * t + 2.1));
        valuesMm[d * n + p] = v;
      }
    }
  }
  return { axis, valuesMm };
}

/**
 * Writes one track's exact fit products as a `permasar fit` output folder: rate.tif,
 * amplitude.tif, timing.tif, seasonal.tif with fit's units and descriptions, incidence.tif and
 * azimuth.tif (as fit --geometry keeps them), and a summary.json naming the command.
 * `units` overrides a product's unit (tests of refused units). Node-only.
 */
export async function writeTrackFitFolder(dir: string, track: TrackField, options: { units?: Partial<Record<string, string>>; geometry?: boolean } = {}): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { writeGeoTiffFile } = await import('../src/io/geotiff-write-node.ts');
  const { FIT_PRODUCT_INFO } = await import('../src/pipeline/fit-products.ts');
  await mkdir(dir, { recursive: true });
  const planes: [string, Float32Array][] = [
    ['rateMmPerYear', track.products.rateMmPerYear],
    ['seasonalAmplitudeMm', track.products.seasonalAmplitudeMm],
    ['peakDayOfYear', track.products.peakDayOfYear],
    ['seasonalFlag', track.products.seasonalFlag],
  ];
  for (const [key, data] of planes) {
    const info = FIT_PRODUCT_INFO.find((p) => p.key === key)!;
    const stem = info.file.replace('.tif', '');
    const unit = options.units?.[stem] ?? info.unit;
    await writeGeoTiffFile(join(dir, info.file), track.grid, data, { sampleType: 'float32', bandUnit: unit, bandDescription: info.description, metadata: { PRODUCT: stem, UNITS: unit, SOFTWARE: 'permasar' } });
  }
  if (options.geometry ?? true) {
    await writeGeoTiffFile(join(dir, 'incidence.tif'), track.grid, track.geometry.incidenceDeg, { sampleType: 'float32', bandUnit: 'degrees', bandDescription: 'incidence angle (motion field)' });
    await writeGeoTiffFile(join(dir, 'azimuth.tif'), track.grid, track.geometry.azimuthDeg, { sampleType: 'float32', bandUnit: 'degrees', bandDescription: 'azimuth angle of the LOS, MintPy convention' });
  }
  await writeFile(join(dir, 'summary.json'), JSON.stringify({ software: 'permasar', command: 'fit', note: `exact products of the motion field, ${track.direction.toLowerCase()} track` }, null, 2) + '\n');
}

/**
 * Writes one track as MintPy would: timeseries.h5 (metres, + toward the satellite) and
 * geometryGeo.h5 (incidenceAngle, azimuthAngle), for `permasar fit` end to end. Node-only.
 */
export async function writeTrackMintpy(dir: string, field: MotionField, track: TrackField, options: MotionFieldOptions = {}): Promise<TrackStack> {
  const { mkdir } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { writeMintpyTimeseries, writeMintpyRasters } = await import('../src/io/mintpy-h5-write-node.ts');
  await mkdir(dir, { recursive: true });
  const stack = makeTrackStack(field, track, options);
  const metres = stack.valuesMm.map((v) => v / 1000);
  await writeMintpyTimeseries(join(dir, 'timeseries.h5'), {
    grid: track.grid,
    dates: stack.axis.dates,
    values: metres,
    unit: 'm',
    refDate: stack.axis.dates[0],
    wavelengthM: 0.05546576,
    attributes: { ORBIT_DIRECTION: track.direction, PLATFORM: 'Sen' },
  });
  await writeMintpyRasters(join(dir, 'geometryGeo.h5'), track.grid, { incidenceAngle: track.geometry.incidenceDeg, azimuthAngle: track.geometry.azimuthDeg }, 'geometry');
  return stack;
}
