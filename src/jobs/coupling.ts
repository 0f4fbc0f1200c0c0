// The coupling job (`permasar coupling FITDIR --stack STACK (--lon X --lat Y | --row R --col C) --temperature T.csv
// --out DIR`): ground-temperature coupling at one pixel, the study's §4.1 and Fig. 7c: lagged
// cross-correlation of displacement and temperature, the lag from the annual temperature minimum
// to the displacement peak (the study: about four months), and the thaw windows (> 273.15 K).
// The maths is in core/coupling.ts; this job reads, checks and writes.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, optionError } from '../core/errors.ts';
import { mapToPixel, pixelCentre, sameGrid, describeGrid, type RasterGrid } from '../core/grid.ts';
import { DAYS_PER_DECIMAL_YEAR, makeTimeAxis, parseYmd, ymdToDecimalYear, yearFractionToDayOfYear } from '../core/time.ts';
import { DEFAULT_FIT_OPTIONS } from '../core/fit-types.ts';
import {
  fitAnnualSinusoid,
  forwardLagDays,
  interpolateTemperature,
  laggedCrossCorrelation,
  thawWindows,
  THAW_THRESHOLD_K,
  yearlyMinimumToPeakLags,
  type TemperatureSeries,
} from '../core/coupling.ts';
import { fitPixelDetailed } from '../cpu/fit.ts';
import { openStack } from '../io/stack-node.ts';
import { readFitFolder, type FitProductName } from '../io/fit-folder-node.ts';
import { readCsv } from '../io/text-files-node.ts';
import { csvColumnIndex, parseCsvNumber, type CsvTable } from '../io/csv.ts';
import { withOutput } from '../io/output-dir-node.ts';
import { writeJson } from '../io/text-files-node.ts';
import { normaliseUnit, unitScaleToMm, SENTINEL1_WAVELENGTH_M } from '../pipeline/fit.ts';
import { lonLatToGrid } from '../pipeline/grid-crs.ts';
import { timeSeriesPlot } from '../plot/charts.ts';
import { encodePng } from '../plot/png.ts';
import type { JobContext } from './support/context.ts';

/** Lags examined by default: half a year either way covers one full annual cycle. */
export { DEFAULT_LAG_RANGE_DAYS } from './coupling-options.ts';
import { DEFAULT_LAG_RANGE_DAYS } from './coupling-options.ts';
/** Fewer overlapping epochs than this and no correlation or sinusoid is worth reporting. */
const MIN_OVERLAP_EPOCHS = 10;

/** Reads the temperature CSV: sorted, unique dates, finite kelvin values. */
export function temperatureFromCsv(table: CsvTable, valueColumn: string | null): TemperatureSeries & { dates: string[] } {
  const dateIndex = csvColumnIndex(table, 'date');
  let valueIndex: number;
  if (valueColumn) valueIndex = csvColumnIndex(table, valueColumn);
  else {
    valueIndex = table.header.findIndex((h) => h.trim().toLowerCase() === 'value');
    if (valueIndex < 0) {
      const others = table.header.map((_, i) => i).filter((i) => i !== dateIndex);
      if (others.length !== 1) throw new InputError(table.file, `no "value" column and more than one other column (${table.header.join(', ')}); name it with --temperature-column`);
      valueIndex = others[0];
    }
  }
  if (table.rows.length < 2) throw new InputError(table.file, `needs at least 2 rows of date, value; has ${table.rows.length}`);
  const entries = table.rows.map((row, i) => {
    const raw = row[dateIndex].trim();
    const ymd = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? raw.replace(/-/g, '') : raw;
    if (!parseYmd(ymd)) throw new InputError(table.file, `line ${table.lineNumbers[i]}: date "${raw}" is not YYYYMMDD or YYYY-MM-DD`);
    const kelvin = parseCsvNumber(row[valueIndex], table.delimiter);
    if (kelvin === null || !Number.isFinite(kelvin)) throw new InputError(table.file, `line ${table.lineNumbers[i]}, column ${table.header[valueIndex]}: "${row[valueIndex]}" is not a temperature`);
    return { ymd, t: ymdToDecimalYear(ymd), kelvin, line: table.lineNumbers[i] };
  });
  entries.sort((a, b) => a.t - b.t);
  for (let i = 1; i < entries.length; i++) {
    if (entries[i].t === entries[i - 1].t) throw new InputError(table.file, `date ${entries[i].ymd} appears twice (lines ${entries[i - 1].line} and ${entries[i].line})`);
  }
  // Kelvin, as GLDAS gives it: soil temperatures on Earth lie within 180–340 K. Values like
  // −13 or 7 are degrees Celsius and would put every day "below freezing".
  const bad = entries.find((e) => e.kelvin < 180 || e.kelvin > 340);
  if (bad) throw new InputError(table.file, `line ${bad.line}: ${bad.kelvin} is not a ground temperature in kelvin (expected 180–340 K; °C must be converted: K = °C + 273.15)`);
  return { dates: entries.map((e) => e.ymd), tYears: Float64Array.from(entries, (e) => e.t), kelvin: Float64Array.from(entries, (e) => e.kelvin) };
}

/** Where the coupling is computed: a pixel by 0-based row and column, or the pixel containing a WGS 84 point. */
export type CouplingPixel = { row: number; col: number } | { lon: number; lat: number };

/** The pixel (row, col) of `pixel` on the stack's grid (lon/lat converted to the grid's CRS). */
export function locatePixelOnGrid(grid: RasterGrid, pixel: CouplingPixel, stackPath: string): { row: number; col: number } {
  if ('row' in pixel) {
    const { row: rowOption, col: colOption } = pixel;
    if (!Number.isInteger(rowOption) || !Number.isInteger(colOption) || rowOption < 0 || colOption < 0 || rowOption >= grid.height || colOption >= grid.width) {
      throw optionError('row/--col', `(${rowOption}, ${colOption}) is outside the stack's ${grid.height} rows × ${grid.width} columns (0-based)`);
    }
    return { row: rowOption, col: colOption };
  }
  const { lon, lat } = pixel;
  if (Math.abs(lon) > 180 || Math.abs(lat) > 90) throw optionError('lon/--lat', `(${lon}, ${lat}) is not a WGS 84 longitude/latitude`);
  let x = lon, y = lat;
  if (grid.epsg !== 4326) {
    if (grid.epsg === null && !grid.wkt) throw new InputError(stackPath, 'the stack\'s CRS is unknown, so --lon/--lat cannot be placed on it; use --row/--col');
    [x, y] = lonLatToGrid(grid, stackPath)(lon, lat);
  }
  const { col, row } = mapToPixel(grid, x, y);
  const r = Math.floor(row), c = Math.floor(col);
  if (!(r >= 0 && c >= 0 && r < grid.height && c < grid.width)) {
    const g = grid.geoTransform;
    const xs = [g[0], g[0] + grid.width * g[1]].sort((a, b) => a - b);
    const ys = [g[3], g[3] + grid.height * g[5]].sort((a, b) => a - b);
    throw optionError('lon/--lat', `(${lon}, ${lat}) is outside the stack's grid (x ${xs[0]}…${xs[1]}, y ${ys[0]}…${ys[1]}${grid.epsg === 4326 ? '' : ` in EPSG:${grid.epsg}`})`);
  }
  return { row: r, col: c };
}


const round = (v: number, digits: number): number | null => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);

export interface CouplingJobInputs {
  /** Output folder of the fit job for the same stack (its rate detrends the series). */
  fit: string;
  /** MintPy timeseries.h5 or folder of per-date GeoTIFFs (the one `fit` was fitted from). */
  stack: string;
  /** CSV with columns date and value (K). */
  temperature: string;
  pixel: CouplingPixel;
}

export interface CouplingJobOptions {
  /** The value column (default "value", else the only column besides date). */
  temperatureColumn?: string | null;
  /** Lags examined, days (default DEFAULT_LAG_RANGE_DAYS); > 0: displacement after temperature. */
  lagRangeDays?: [number, number];
  /** Unit of the stack when its file does not say (m|cm|mm|rad). */
  unit?: string | null;
  /** Radar wavelength for unit rad, metres (default: the file's, else Sentinel-1's). */
  wavelengthM?: number;
  overwrite?: boolean;
}

/** coupling.json, the job's summary. */
export interface CouplingJobSummary {
  description: string;
  inputs: { fit_folder: string; stack: string; temperature: string };
  pixel: { row: number; col: number; x: number; y: number; crs: string };
  [key: string]: unknown;
}

export async function couplingJob(inputs: CouplingJobInputs, options: CouplingJobOptions, outDir: string, ctx: JobContext): Promise<CouplingJobSummary> {
  const { fit: fitDir, stack: stackPath, temperature: temperaturePath } = inputs;
  const lagRange = options.lagRangeDays ?? DEFAULT_LAG_RANGE_DAYS;
  if (lagRange.length !== 2 || !(lagRange[0] < lagRange[1]) || Math.abs(lagRange[0]) > 730 || Math.abs(lagRange[1]) > 730) {
    throw optionError('lag-range-days', `expected MIN,MAX with MIN < MAX, within ±730 days; got ${lagRange.join(',')}`);
  }
  const unitOption = options.unit ? normaliseUnit(options.unit) : null;
  if (options.unit && !unitOption) throw optionError('unit', `expected m|cm|mm|rad, got "${options.unit}"`);

  // The pixel's series and the fit products at it.
  const stack = await openStack(stackPath);
  let seriesMm: Float64Array;
  let row: number, col: number;
  let dates: string[];
  let grid: RasterGrid;
  try {
    grid = stack.grid;
    ({ row, col } = locatePixelOnGrid(grid, inputs.pixel, stackPath));
    const unit = unitOption ?? stack.unit;
    if (!unit) throw new InputError(stackPath, 'the file does not state its unit; give --unit m|cm|mm|rad');
    // As fit (pipeline/fit-setup.ts): the option wins over the file, the file over the default.
    const scaleToMm = unitScaleToMm(unit, options.wavelengthM ?? stack.wavelengthM ?? SENTINEL1_WAVELENGTH_M);
    const block = await stack.readRows(row, 1);
    dates = stack.dates;
    seriesMm = Float64Array.from(dates, (_, d) => block[d * grid.width + col] * scaleToMm);
  } finally {
    stack.close();
  }
  const fitFolder = await readFitFolder(fitDir);
  const rate = await fitFolder.readProduct('rate');
  if (!sameGrid(rate.grid, grid)) throw new InputError(fitDir, `its grid (${describeGrid(rate.grid)}) is not the stack's (${describeGrid(grid)}): fit the same stack`);
  const at = row * grid.width + col;
  const rateMmPerYear = rate.data[at];
  if (!Number.isFinite(rateMmPerYear)) throw new InputError(fitDir, `no fit at pixel (row ${row}, col ${col}): rate is NaN there (too few valid epochs or masked)`);
  const productAt = async (name: FitProductName): Promise<number | null> => (fitFolder.products.includes(name) ? round((await fitFolder.readProduct(name)).data[at], 4) : null);

  // Temperature, and the epochs it covers.
  const temperature = temperatureFromCsv(await readCsv(temperaturePath), options.temperatureColumn ?? null);
  const axis = makeTimeAxis(dates);
  const used: number[] = [];
  let outside = 0;
  for (let d = 0; d < dates.length; d++) {
    if (!Number.isFinite(seriesMm[d])) continue;
    const t = axis.tYears[d];
    if (t < temperature.tYears[0] || t > temperature.tYears[temperature.tYears.length - 1]) { outside++; continue; }
    used.push(d);
  }
  if (used.length < MIN_OVERLAP_EPOCHS) {
    throw new InputError(temperaturePath, `its dates ${temperature.dates[0]}–${temperature.dates[temperature.dates.length - 1]} cover ${used.length} of the pixel's valid acquisitions (${dates[0]}–${dates[dates.length - 1]}); at least ${MIN_OVERLAP_EPOCHS} are needed`);
  }
  const tUsed = Float64Array.from(used, (d) => axis.tYears[d]);
  const displacementUsed = Float64Array.from(used, (d) => seriesMm[d]);
  // Detrend with the pixel's fitted secular rate (Eq. 1's a, from FITDIR), so the
  // correlation sees the seasonal motion, not the subsidence trend; the offset is the mean.
  const trendRemoved = Float64Array.from(used, (d) => seriesMm[d] - rateMmPerYear * axis.tCentredYears[d]);
  const meanMm = trendRemoved.reduce((s, v) => s + v, 0) / trendRemoved.length;
  const detrendedMm = trendRemoved.map((v) => v - meanMm);
  // The full model of the same series, as a cross-check of FITDIR (same stack ⇒ same rate).
  const refit = fitPixelDetailed(seriesMm, { tCentredYears: axis.tCentredYears, tMidYears: axis.tMidYears, scaleToMm: 1, options: DEFAULT_FIT_OPTIONS });

  const cc = laggedCrossCorrelation(tUsed, detrendedMm, temperature, { minLagDays: lagRange[0], maxLagDays: lagRange[1] });
  const t0 = tUsed[0], t1 = tUsed[tUsed.length - 1];
  const inRange = temperature.tYears.reduce<number[]>((acc, t, i) => (t >= t0 && t <= t1 ? (acc.push(i), acc) : acc), []);
  const temperatureFit = fitAnnualSinusoid(inRange.map((i) => temperature.tYears[i]), inRange.map((i) => temperature.kelvin[i]), true);
  const displacementFit = fitAnnualSinusoid(tUsed, detrendedMm, false);
  const sinusoidLagDays = temperatureFit && displacementFit ? forwardLagDays(temperatureFit.troughYearFraction, displacementFit.peakYearFraction) : NaN;
  const yearly = temperatureFit ? yearlyMinimumToPeakLags(temperature, temperatureFit.troughYearFraction, tUsed, detrendedMm) : [];
  const yearlySorted = yearly.map((y) => y.lagDays).sort((a, b) => a - b);
  const medianYearlyLagDays = yearlySorted.length ? (yearlySorted[(yearlySorted.length - 1) >> 1] + yearlySorted[yearlySorted.length >> 1]) / 2 : NaN;
  const windows = thawWindows(temperature, t0, t1, THAW_THRESHOLD_K);
  const thawDaysByYear: Record<string, number> = {};
  for (const w of windows) thawDaysByYear[w.year] = round((thawDaysByYear[w.year] ?? 0) + w.days, 1)!;
  const temperatureAtEpochs = interpolateTemperature(temperature, tUsed);
  const centre = pixelCentre(grid, row, col);

  const report = {
    description: 'Ground-temperature coupling at one pixel (the study\'s §4.1, Fig. 7c).',
    inputs: { fit_folder: fitDir, stack: stackPath, temperature: temperaturePath },
    pixel: { row, col, x: centre.x, y: centre.y, crs: grid.epsg !== null ? `EPSG:${grid.epsg}` : 'unknown' },
    epochs: {
      used: used.length,
      valid: used.length + outside,
      dropped_outside_temperature_dates: outside,
      first: dates[used[0]],
      last: dates[used[used.length - 1]],
    },
    fit: {
      rate_mm_per_year: round(rateMmPerYear, 4),
      seasonal_amplitude_mm: await productAt('amplitude'),
      peak_day_of_year: await productAt('timing'),
      seasonal: await productAt('seasonal'),
      refit_rate_mm_per_year: round(refit.eq1?.rateMmPerYear ?? refit.trend?.rateMmPerYear ?? NaN, 4),
      refit_peak_day_of_year: round(refit.eq1?.peakDayOfYear ?? NaN, 1),
      note: 'rate_mm_per_year (from the fit folder) detrends the series; refit_* is the same model fitted again here with default options, as a check',
    },
    cross_correlation: {
      convention: 'r(L) = corr(T(t), d(t + L)) on a regular grid; L > 0: displacement follows temperature; d detrended',
      step_days: cc.stepDays,
      lags_days: cc.lagsDays,
      r: cc.correlation.map((r) => round(r, 4)),
      pairs: cc.pairs,
      extreme: cc.extreme && { lag_days: cc.extreme.lagDays, r: round(cc.extreme.r, 4) },
      most_negative: cc.mostNegative && { lag_days: cc.mostNegative.lagDays, r: round(cc.mostNegative.r, 4) },
      most_positive: cc.mostPositive && { lag_days: cc.mostPositive.lagDays, r: round(cc.mostPositive.r, 4) },
    },
    minimum_to_peak: {
      description: 'days from the annual ground-temperature minimum to the displacement peak (the study: about four months)',
      from_annual_sinusoids: {
        temperature_minimum_day_of_year: temperatureFit ? round(yearFractionToDayOfYear(temperatureFit.troughYearFraction), 1) : null,
        displacement_peak_day_of_year: displacementFit ? round(yearFractionToDayOfYear(displacementFit.peakYearFraction), 1) : null,
        lag_days: round(sinusoidLagDays, 1),
        lag_months: round((sinusoidLagDays / DAYS_PER_DECIMAL_YEAR) * 12, 2),
        temperature_amplitude_k: temperatureFit ? round(temperatureFit.amplitude, 3) : null,
        displacement_amplitude_mm: displacementFit ? round(displacementFit.amplitude, 3) : null,
      },
      per_year: yearly.map((y) => ({
        temperature_minimum_date: y.temperatureMinimumDate,
        temperature_minimum_k: round(y.temperatureMinimumK, 2),
        displacement_peak_date: y.displacementPeakDate,
        lag_days: round(y.lagDays, 1),
        epochs: y.epochs,
      })),
      median_per_year_lag_days: round(medianYearlyLagDays, 1),
    },
    thaw: {
      threshold_k: THAW_THRESHOLD_K,
      windows: windows.map((w) => ({ start: w.startDate, end: w.endDate, days: round(w.days, 1), year: w.year, clipped: w.clipped })),
      days_above_by_year: thawDaysByYear,
    },
    series: {
      dates: used.map((d) => dates[d]),
      displacement_mm: Array.from(displacementUsed, (v) => round(v, 3)),
      detrended_mm: Array.from(detrendedMm, (v) => round(v, 3)),
      temperature_k: Array.from(temperatureAtEpochs, (v) => round(v, 3)),
    },
  };

  const written = await withOutput(outDir, { overwrite: Boolean(options.overwrite) }, async (out) => {
    await writeJson(join(out.dir, 'coupling.json'), report);
    // Fig. 7c: temperature (K, left, blue), cumulative LOS displacement (mm, right, grey),
    // 0 °C dashed, time above 0 °C shaded red.
    const chart = timeSeriesPlot({
      title: `Displacement and ground temperature at row ${row}, col ${col}`,
      series: [
        { label: 'ground temperature (K)', t: inRange.map((i) => temperature.tYears[i]), values: inRange.map((i) => temperature.kelvin[i]), color: '#1f5fbf', axis: 'left', style: 'line' },
        { label: 'LOS displacement (mm)', t: tUsed, values: displacementUsed, color: '#6e6e6e', axis: 'right', style: 'points+line' },
      ],
      yLabel: 'ground temperature (K)',
      y2Label: 'LOS displacement (mm)',
      referenceLines: [{ value: THAW_THRESHOLD_K, label: '0 °C (273.15 K)', axis: 'left', color: '#1f5fbf' }],
      shadedIntervals: windows.map((w) => ({ start: w.startTYears, end: w.endTYears, label: 'above 0 °C', color: [220, 40, 40, 60] as const })),
      xRange: [t0, t1],
    });
    await writeFile(join(out.dir, 'coupling.png'), encodePng(chart));
    return out.outDir;
  });

  {
    const neg = cc.mostNegative;
    ctx.log(`pixel row ${row}, col ${col}: ${used.length} epochs with temperature (${outside} outside its dates dropped)`);
    if (neg) ctx.log(`strongest inverse correlation r = ${neg.r.toFixed(2)} at displacement ${neg.lagDays} days after temperature`);
    ctx.log(`temperature minimum → displacement peak: ${Number.isFinite(sinusoidLagDays) ? `${sinusoidLagDays.toFixed(0)} days (${((sinusoidLagDays / DAYS_PER_DECIMAL_YEAR) * 12).toFixed(1)} months)` : 'not determined'} from annual sinusoids; per year median ${Number.isFinite(medianYearlyLagDays) ? `${medianYearlyLagDays.toFixed(0)} days over ${yearly.length} winters` : 'n/a'}`);
    ctx.log(`thaw windows (> 273.15 K): ${windows.length}; wrote ${written}: coupling.json, coupling.png`);
  }
  return report as CouplingJobSummary;
}
