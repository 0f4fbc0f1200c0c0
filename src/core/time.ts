// Time axis of a displacement stack (DESIGN.md §1 "Time").
//
// Decimal years follow MintPy (utils/ptime.py, `yyyymmdd2years`): t = year + (doy − 1) / 365.25,
// so rates, amplitudes and phases agree with MintPy's to rounding. Normal matrices are built on
// a time axis centred on the stack's mid-date, t_c = t − t_mid, so float32 (on the GPU) keeps
// sub-day resolution and the trend/offset columns stay well conditioned.

/** A calendar date as YYYYMMDD text, e.g. "20150312". */
export type DateYmd = string;

const DAYS_PER_YEAR = 365.25;

/** Parses YYYYMMDD; returns null when it is not a real calendar date. */
export function parseYmd(text: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return null;
  if (day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** Day of year, 1..366. */
export function dayOfYear(year: number, month: number, day: number): number {
  let doy = day;
  for (let m = 1; m < month; m++) doy += daysInMonth(year, m);
  return doy;
}

/** MintPy's decimal year: year + (doy − 1) / 365.25. Throws on a malformed date. */
export function ymdToDecimalYear(ymd: DateYmd): number {
  const d = parseYmd(ymd);
  if (!d) throw new Error(`not a YYYYMMDD date: "${ymd}"`);
  return d.year + (dayOfYear(d.year, d.month, d.day) - 1) / DAYS_PER_YEAR;
}

/** Inverse of ymdToDecimalYear for display (nearest day). */
export function decimalYearToYmd(tYears: number): DateYmd {
  const year = Math.floor(tYears);
  let doy = Math.round((tYears - year) * DAYS_PER_YEAR) + 1;
  const len = isLeapYear(year) ? 366 : 365;
  let y = year;
  if (doy > len) { doy -= len; y += 1; }
  let month = 1;
  while (doy > daysInMonth(y, month)) { doy -= daysInMonth(y, month); month++; }
  return `${y}${String(month).padStart(2, '0')}${String(doy).padStart(2, '0')}`;
}

/** Fractional part in [0, 1). */
export function fractionOfYear(tYears: number): number {
  return tYears - Math.floor(tYears);
}

/**
 * Day of year (1 ≤ doy < 367) of a phase expressed as a fraction of the year, using the same
 * convention as the decimal year: doy = 1 + fraction × 365.25.
 */
export function yearFractionToDayOfYear(fraction: number): number {
  return 1 + fractionOfYear(fraction) * DAYS_PER_YEAR;
}

export const DAYS_PER_DECIMAL_YEAR = DAYS_PER_YEAR;

/** The stack's time axis: decimal years, and the centre all normal matrices use. */
export interface TimeAxis {
  /** Acquisition dates, sorted, unique. */
  dates: DateYmd[];
  /** Decimal years, MintPy convention. */
  tYears: Float64Array;
  /** Mid-date of the stack, (t_first + t_last) / 2, in decimal years. */
  tMidYears: number;
  /** t − t_mid, in years: the axis every design matrix is built on. */
  tCentredYears: Float64Array;
}

/** Builds the axis; dates must already be sorted and unique (readers check that). */
export function makeTimeAxis(dates: DateYmd[]): TimeAxis {
  const tYears = Float64Array.from(dates, ymdToDecimalYear);
  for (let i = 1; i < tYears.length; i++) {
    if (!(tYears[i] > tYears[i - 1])) throw new Error(`dates not strictly increasing at ${dates[i]}`);
  }
  const tMidYears = tYears.length ? (tYears[0] + tYears[tYears.length - 1]) / 2 : 0;
  const tCentredYears = tYears.map((t) => t - tMidYears);
  return { dates: [...dates], tYears, tMidYears, tCentredYears };
}
