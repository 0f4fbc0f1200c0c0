// The clicked pixel's time series on a canvas: the observations, the linear trend (step 1),
// the three-sinusoid fit of the seasonality test with the extrema it counts (step 2), and the
// Eq. 1 curve (step 3) for seasonal pixels. Drawn with the browser's 2-D canvas so text is
// crisp at any zoom; all model curves are evaluated from the float64 fit of that pixel
// (fitPixelDetailed), i.e. exactly the model behind the products.
import { dailyGridPointCount, HARMONIC_COUNT } from '../core/seasonality.ts';
import { DAYS_PER_DECIMAL_YEAR } from '../core/time.ts';
import type { PixelSeries } from './protocol.ts';
import { dayOfYearToMonthDay, formatValue } from './format.ts';

const TWO_PI = 2 * Math.PI;

export const SERIES_COLORS = {
  observation: '#1f2933',
  trend: '#2166ac',
  harmonics: '#8e6bbf',
  eq1: '#d6604d',
  maximum: '#b2182b',
  minimum: '#2166ac',
};

/** Points of a curve and the extrema of the seasonality test, in (decimal year, mm). */
export interface SeriesCurves {
  trend: [number, number][];
  harmonics: [number, number][];
  eq1: [number, number][];
  maxima: [number, number][];
  minima: [number, number][];
}

/** Model curves of one pixel on the daily grid over its observed span (pure; unit-tested). */
export function seriesCurves(s: PixelSeries): SeriesCurves {
  const { fit, tMidYears } = s;
  const out: SeriesCurves = { trend: [], harmonics: [], eq1: [], maxima: [], minima: [] };
  if (!fit.trend || !Number.isFinite(fit.spanYears)) return out;
  const nDays = dailyGridPointCount(fit.spanYears);
  const trend = (tc: number): number => fit.trend!.rateMmPerYear * tc + fit.trend!.offsetMm;
  const harmonic = (tc: number): number => {
    const h = fit.harmonics!;
    let f = 0;
    for (let k = 0; k < HARMONIC_COUNT; k++) f += h.sin[k] * Math.sin(TWO_PI * (k + 1) * tc) + h.cos[k] * Math.cos(TWO_PI * (k + 1) * tc);
    return f;
  };
  let previous = NaN;
  let previousSign = 0;
  let previousTc = NaN;
  for (let day = 0; day < nDays; day++) {
    const tc = fit.tFirstCentredYears + day / DAYS_PER_DECIMAL_YEAR;
    const t = tc + tMidYears;
    out.trend.push([t, trend(tc)]);
    if (fit.eq1) {
      const e = fit.eq1;
      out.eq1.push([t, e.rateMmPerYear * tc + e.offsetMm + e.sinMm * Math.sin(TWO_PI * tc) + e.cosMm * Math.cos(TWO_PI * tc)]);
    }
    if (fit.harmonics) {
      // The test's curve is the detrended fit; drawn on top of the trend so it sits on the data.
      const f = harmonic(tc);
      out.harmonics.push([t, trend(tc) + fit.harmonics.offsetMm + f]);
      // Same rule as core/seasonality.ts countDailyExtrema: a strict change of sign of the
      // first difference, a flat step keeping the previous sign.
      if (day > 0) {
        const d = f - previous;
        const sign = d > 0 ? 1 : d < 0 ? -1 : 0;
        if (sign !== 0) {
          if (previousSign !== 0 && sign !== previousSign) {
            const point: [number, number] = [previousTc + tMidYears, trend(previousTc) + fit.harmonics.offsetMm + previous];
            (previousSign > 0 ? out.maxima : out.minima).push(point);
          }
          previousSign = sign;
        }
      }
      previous = f;
      previousTc = tc;
    }
  }
  return out;
}

function niceStep(range: number, target: number): number {
  const rough = range / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(rough));
  const norm = rough / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

export interface SeriesPlotInfo {
  /** Valid observations drawn. */
  points: number;
  curves: SeriesCurves;
}

/** Draws the plot into `canvas` at its CSS size × devicePixelRatio. */
export function drawSeriesPlot(canvas: HTMLCanvasElement, s: PixelSeries, title: string): SeriesPlotInfo {
  const cssW = canvas.clientWidth || 720;
  const cssH = canvas.clientHeight || 340;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  const g = canvas.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, cssW, cssH);
  g.fillStyle = '#fff';
  g.fillRect(0, 0, cssW, cssH);

  const obs: [number, number][] = [];
  s.tYears.forEach((t, i) => { if (Number.isFinite(s.valuesMm[i])) obs.push([t, s.valuesMm[i]]); });
  const curves = seriesCurves(s);
  const font = '13px system-ui, -apple-system, "Segoe UI", sans-serif';

  g.fillStyle = '#1f2933';
  g.font = `600 14px system-ui, -apple-system, "Segoe UI", sans-serif`;
  g.fillText(title, 12, 20);
  if (obs.length === 0) {
    g.font = font;
    g.fillStyle = '#6b7280';
    g.fillText('No valid observation at this pixel (masked or all NaN).', 12, 48);
    return { points: 0, curves };
  }

  const allY = [...obs.map((p) => p[1]), ...curves.eq1.map((p) => p[1]), ...curves.harmonics.map((p) => p[1])];
  let yMin = Math.min(...allY);
  let yMax = Math.max(...allY);
  if (!(yMax > yMin)) { yMin -= 1; yMax += 1; }
  const yPad = 0.06 * (yMax - yMin);
  yMin -= yPad; yMax += yPad;
  const tMin = s.tYears[0];
  const tMax = s.tYears[s.tYears.length - 1];
  const plot = { x: 70, y: 60, w: cssW - 70 - 16, h: cssH - 60 - 40 };
  const X = (t: number): number => plot.x + ((t - tMin) / (tMax - tMin || 1)) * plot.w;
  const Y = (v: number): number => plot.y + (1 - (v - yMin) / (yMax - yMin)) * plot.h;

  // Grid and axes.
  g.font = font;
  g.strokeStyle = '#e5e7eb';
  g.lineWidth = 1;
  g.fillStyle = '#374151';
  const yStep = niceStep(yMax - yMin, 6);
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (let v = Math.ceil(yMin / yStep) * yStep; v <= yMax; v += yStep) {
    const y = Math.round(Y(v)) + 0.5;
    g.beginPath(); g.moveTo(plot.x, y); g.lineTo(plot.x + plot.w, y); g.stroke();
    g.fillText(formatValue(v, yStep < 1 ? 1 : 0), plot.x - 6, y);
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  for (let year = Math.ceil(tMin); year <= tMax; year++) {
    const x = Math.round(X(year)) + 0.5;
    g.beginPath(); g.moveTo(x, plot.y); g.lineTo(x, plot.y + plot.h); g.stroke();
    g.fillText(String(year), x, plot.y + plot.h + 6);
  }
  g.strokeStyle = '#374151';
  g.strokeRect(plot.x + 0.5, plot.y + 0.5, plot.w, plot.h);
  g.save();
  g.translate(18, plot.y + plot.h / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillText('LOS displacement (mm)', 0, 0);
  g.restore();

  g.save();
  g.beginPath();
  g.rect(plot.x, plot.y, plot.w, plot.h);
  g.clip();
  const line = (pts: [number, number][], color: string, width: number, dash: number[] = []): void => {
    if (pts.length < 2) return;
    g.strokeStyle = color;
    g.lineWidth = width;
    g.setLineDash(dash);
    g.beginPath();
    pts.forEach(([t, v], i) => (i ? g.lineTo(X(t), Y(v)) : g.moveTo(X(t), Y(v))));
    g.stroke();
    g.setLineDash([]);
  };
  line(curves.harmonics, SERIES_COLORS.harmonics, 1.25);
  line(curves.trend, SERIES_COLORS.trend, 1.75, [7, 4]);
  line(curves.eq1, SERIES_COLORS.eq1, 2.25);
  g.fillStyle = SERIES_COLORS.observation;
  for (const [t, v] of obs) { g.beginPath(); g.arc(X(t), Y(v), 2.4, 0, TWO_PI); g.fill(); }
  const triangle = (t: number, v: number, up: boolean, color: string): void => {
    const x = X(t), y = Y(v), r = 5;
    g.fillStyle = color;
    g.beginPath();
    if (up) { g.moveTo(x, y - r - 3); g.lineTo(x - r, y - 3 + r * 0.2); g.lineTo(x + r, y - 3 + r * 0.2); }
    else { g.moveTo(x, y + r + 3); g.lineTo(x - r, y + 3 - r * 0.2); g.lineTo(x + r, y + 3 - r * 0.2); }
    g.closePath();
    g.fill();
  };
  for (const [t, v] of curves.maxima) triangle(t, v, true, SERIES_COLORS.maximum);
  for (const [t, v] of curves.minima) triangle(t, v, false, SERIES_COLORS.minimum);
  g.restore();

  // Legend, one row above the plot.
  const f = s.fit;
  const entries: { label: string; color: string; kind: 'dot' | 'line' | 'dash' | 'tri' }[] = [
    { label: `observations (${obs.length})`, color: SERIES_COLORS.observation, kind: 'dot' },
    { label: `trend ${formatValue(f.trend?.rateMmPerYear ?? NaN)} mm/yr`, color: SERIES_COLORS.trend, kind: 'dash' },
    { label: `3-sinusoid fit: ${Number.isFinite(f.extremaCount) ? f.extremaCount : '–'} extrema (expected ${f.expectedExtrema})`, color: SERIES_COLORS.harmonics, kind: 'tri' },
  ];
  if (f.eq1) entries.push({ label: `Eq. 1: 2|A| = ${formatValue(f.eq1.amplitudeMm, 1)} mm, peak ${dayOfYearToMonthDay(f.eq1.peakDayOfYear)}`, color: SERIES_COLORS.eq1, kind: 'line' });
  g.font = '12px system-ui, -apple-system, "Segoe UI", sans-serif';
  g.textAlign = 'left';
  g.textBaseline = 'middle';
  let lx = 12;
  let ly = 40;
  for (const e of entries) {
    const w = 22 + g.measureText(e.label).width + 18;
    if (lx + w > cssW - 8) { lx = 12; ly += 16; }
    g.strokeStyle = e.color;
    g.fillStyle = e.color;
    if (e.kind === 'dot') { g.beginPath(); g.arc(lx + 8, ly, 3, 0, TWO_PI); g.fill(); }
    else if (e.kind === 'tri') { g.beginPath(); g.moveTo(lx + 8, ly - 5); g.lineTo(lx + 3, ly + 3); g.lineTo(lx + 13, ly + 3); g.closePath(); g.fillStyle = SERIES_COLORS.maximum; g.fill(); g.lineWidth = 1.25; g.beginPath(); g.moveTo(lx, ly + 5); g.lineTo(lx + 16, ly + 5); g.stroke(); }
    else { g.lineWidth = 2; g.setLineDash(e.kind === 'dash' ? [5, 3] : []); g.beginPath(); g.moveTo(lx, ly); g.lineTo(lx + 16, ly); g.stroke(); g.setLineDash([]); }
    g.fillStyle = '#374151';
    g.fillText(e.label, lx + 22, ly);
    lx += w;
  }
  return { points: obs.length, curves };
}
