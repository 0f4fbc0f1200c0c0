// Axis ticks on "nice" numbers (1, 2, 5 × 10^k) and number formatting for labels.

import { dayOfYear } from '../core/time.ts';

export interface Ticks {
  /** Tick values inside [min, max] (inclusive, with a small tolerance). */
  values: number[];
  step: number;
  /** Decimal places that show every tick distinctly. */
  decimals: number;
}

/** The 1-2-5 step nearest to `rough` from above. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const exp = Math.floor(Math.log10(rough));
  const base = 10 ** exp;
  const m = rough / base;
  const nice = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
  return nice * base;
}

/** About `target` ticks on 1-2-5 steps covering [min, max]. */
export function niceTicks(min: number, max: number, target = 5): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { values: [], step: 1, decimals: 0 };
  if (max < min) [min, max] = [max, min];
  if (max === min) return { values: [min], step: 1, decimals: decimalsFor(Math.abs(min) > 0 ? Math.abs(min) / 10 : 1) };
  const step = niceStep((max - min) / Math.max(1, target));
  const eps = step * 1e-9;
  const values: number[] = [];
  for (let v = Math.ceil((min - eps) / step) * step; v <= max + eps; v += step) {
    // Rebuild from the integer multiple so repeated addition does not leave 0.30000000000000004.
    values.push(Number((Math.round(v / step) * step).toPrecision(12)));
  }
  return { values, step, decimals: decimalsFor(step) };
}

/** Expands [min, max] outward to whole steps, for axes that should start and end on a tick. */
export function niceRange(min: number, max: number, target = 5): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return [min - pad, max + pad];
  }
  const step = niceStep((max - min) / Math.max(1, target));
  return [Math.floor(min / step + 1e-9) * step, Math.ceil(max / step - 1e-9) * step];
}

function decimalsFor(step: number): number {
  if (!(step > 0)) return 0;
  return Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
}

/** The typographic minus (U+2212): a hyphen is too short to read as a sign at small sizes. */
export const MINUS = '−';

/** Fixed decimals with a real minus sign and no "−0". */
export function formatFixed(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '∞' : `${MINUS}∞`;
  let text = value.toFixed(decimals);
  if (/^-0(\.0+)?$/.test(text)) text = text.slice(1);
  return text.replace('-', MINUS);
}

/** A tick label: fixed decimals from the step, or scientific for very large/small magnitudes. */
export function formatTick(value: number, ticks: Pick<Ticks, 'step' | 'decimals'>): string {
  const magnitude = Math.max(Math.abs(value), ticks.step);
  if (magnitude >= 1e6 || (ticks.step < 1e-4 && magnitude < 1e-3)) return formatSignificant(value, 3);
  return formatFixed(value, ticks.decimals);
}

/** `significant` significant digits, exponent as ×10^k only where needed. */
export function formatSignificant(value: number, significant = 3): string {
  if (!Number.isFinite(value)) return formatFixed(value, 0);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-3) {
    const [mantissa, exp] = value.toExponential(significant - 1).split('e');
    return `${mantissa.replace('-', MINUS)}e${exp.replace('+', '').replace('-', MINUS)}`;
  }
  const decimals = Math.max(0, significant - 1 - Math.floor(Math.log10(abs)));
  return formatFixed(Number(value.toFixed(decimals)), decimals);
}

/** Whole number with thousands separators, e.g. "12,345" (counts in legends). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

// ---- Date axis in decimal years (MintPy's t = year + (doy − 1) / 365.25) --------------------

export interface DateTicks {
  /** Tick positions in decimal years. */
  values: number[];
  labels: string[];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Decimal year of the 1st of a month, on the same convention as the data. */
export function monthStartDecimalYear(year: number, month: number): number {
  return year + (dayOfYear(year, month, 1) - 1) / 365.25;
}

/**
 * Ticks for a decimal-year axis: whole years (every 1, 2, 5… years) for long spans, labelled
 * "2016"; for spans under about three years, months (every 1, 2, 3 or 6), labelled "Jan 2016"
 * on January and "Apr" otherwise, so the year is always readable without crowding.
 */
export function dateTicks(minYear: number, maxYear: number, target = 7): DateTicks {
  const span = maxYear - minYear;
  if (!(span > 0)) return { values: [], labels: [] };
  if (span >= 3) {
    // Yearly ticks as long as they stay within ~1.4× the target count: a year label per year is
    // what readers of multi-year InSAR series expect.
    const step = span / 1 <= target * 1.4 ? 1 : Math.max(1, niceStep(span / target));
    const values: number[] = [];
    for (let y = Math.ceil(minYear / step) * step; y <= maxYear + 1e-9; y += step) values.push(y);
    return { values, labels: values.map((v) => String(Math.round(v))) };
  }
  const monthsRough = (span * 12) / target;
  const stepMonths = [1, 2, 3, 6, 12].find((m) => m >= monthsRough) ?? 12;
  const values: number[] = [];
  const labels: string[] = [];
  for (let year = Math.floor(minYear); year <= Math.ceil(maxYear); year++) {
    for (let month = 1; month <= 12; month += stepMonths) {
      const t = monthStartDecimalYear(year, month);
      if (t < minYear - 1e-9 || t > maxYear + 1e-9) continue;
      values.push(t);
      labels.push(month === 1 ? `${MONTHS[0]} ${year}` : MONTHS[month - 1]);
    }
  }
  return { values, labels };
}
