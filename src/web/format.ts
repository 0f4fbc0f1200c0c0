// Number and date text for the page: readouts, captions, summaries. Pure, so it is unit-tested
// in Node (test/web-format.test.ts).
import { decimalYearToYmd } from '../core/time.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** "12.34" with a true minus sign; "no data" for NaN. */
export function formatValue(value: number, decimals = 2): string {
  if (!Number.isFinite(value)) return 'no data';
  const text = Math.abs(value).toFixed(decimals);
  return value < 0 && Number(text) !== 0 ? `−${text}` : text;
}

/** Calendar day of a (fractional) day of year, on a common year: 214.3 → "2 Aug". */
export function dayOfYearToMonthDay(doy: number): string {
  if (!Number.isFinite(doy)) return '';
  let day = Math.floor(doy);
  if (day < 1) day = 1;
  for (let m = 0; m < 12; m++) {
    if (day <= MONTH_DAYS[m]) return `${day} ${MONTHS[m]}`;
    day -= MONTH_DAYS[m];
  }
  return '31 Dec';
}

/** "20150312" → "2015-03-12". */
export function isoDate(ymd: string): string {
  return `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`;
}

/** Decimal year → "2015-03-12". */
export function decimalYearToIso(tYears: number): string {
  return isoDate(decimalYearToYmd(tYears));
}

/** Degrees with hemisphere: 34.8125 → "34.8125°N". */
export function formatLatitude(lat: number, decimals = 4): string {
  return `${Math.abs(lat).toFixed(decimals)}°${lat >= 0 ? 'N' : 'S'}`;
}

export function formatLongitude(lon: number, decimals = 4): string {
  return `${Math.abs(lon).toFixed(decimals)}°${lon >= 0 ? 'E' : 'W'}`;
}

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatPercent(part: number, whole: number, decimals = 1): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(decimals)} %` : '–';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
