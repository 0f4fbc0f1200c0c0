// Pure helpers of the web app: readout text, and the model curves of the pixel plot (which
// must mark exactly the extrema the seasonality test counted).
import { describe, expect, it } from 'vitest';
import { dayOfYearToMonthDay, formatValue, isoDate, formatPercent } from '../src/web/format.ts';
import { seriesCurves } from '../src/web/series-plot.ts';
import { fitPixelDetailed } from '../src/cpu/fit.ts';
import { makeTimeAxis, decimalYearToYmd } from '../src/core/time.ts';
import { DEFAULT_FIT_OPTIONS } from '../src/core/fit-types.ts';

describe('web format helpers', () => {
  it('formats values with a true minus and no data', () => {
    expect(formatValue(-23.456)).toBe('−23.46');
    expect(formatValue(-0.001)).toBe('0.00');
    expect(formatValue(Number.NaN)).toBe('no data');
    expect(formatPercent(1, 4)).toBe('25.0 %');
    expect(isoDate('20150312')).toBe('2015-03-12');
  });
  it('turns a day of year into a calendar day', () => {
    expect(dayOfYearToMonthDay(1)).toBe('1 Jan');
    expect(dayOfYearToMonthDay(186.4)).toBe('5 Jul');
    expect(dayOfYearToMonthDay(365.9)).toBe('31 Dec');
    expect(dayOfYearToMonthDay(366.2)).toBe('31 Dec');
  });
});

describe('pixel plot curves', () => {
  it('marks as many extrema as the seasonality test counted, on an annual signal', () => {
    // 12-day sampling over 6 years; 20 mm peak to trough, −8 mm/yr trend.
    const dates: string[] = [];
    for (let t = 2016.0; t < 2022.0; t += 12 / 365.25) dates.push(decimalYearToYmd(t));
    const unique = [...new Set(dates)];
    const axis = makeTimeAxis(unique);
    const series = Array.from(axis.tYears, (t) => -8 * (t - 2016) + 10 * Math.sin(2 * Math.PI * t));
    const context = { tCentredYears: axis.tCentredYears, tMidYears: axis.tMidYears, scaleToMm: 1, options: DEFAULT_FIT_OPTIONS };
    const fit = fitPixelDetailed(series, context);
    expect(fit.seasonal).toBe(true);
    const curves = seriesCurves({ requestId: 1, row: 0, col: 0, tYears: Array.from(axis.tYears), valuesMm: series, tMidYears: axis.tMidYears, fit });
    expect(curves.maxima.length + curves.minima.length).toBe(fit.extremaCount);
    expect(curves.eq1.length).toBeGreaterThan(2000);
    // The Eq. 1 curve goes through the noise-free data.
    const [t0, v0] = curves.eq1[0];
    expect(v0).toBeCloseTo(-8 * (t0 - 2016) + 10 * Math.sin(2 * Math.PI * t0), 3);
  });
});
