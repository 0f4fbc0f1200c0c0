// The charts the products need: grouped bars (hazard counts per buffer), pie (motion-direction
// class shares), histogram, 2-D density scatter with an overlaid fit (ALT vs seasonal amplitude
// envelope), and a time series on a decimal-year axis with a second y axis, reference line and
// shaded intervals (displacement vs ground temperature, thaw windows).

import {
  drawAxes, drawGrid, layoutFrame, linearScale, numericTicks, PAD, TEXT_SCALE,
  type AxisTicks, type ChartImage, type LegendEntry, type LegendMark,
} from './chart.ts';
import { colorbarWidth, drawColorbar } from './colorbar.ts';
import { categoricalColor, colorAt, colormapByName, type Colormap, type ColormapName } from './colormap.ts';
import { drawText, lineHeight, textWidth } from './font.ts';
import {
  blendPixel, drawLine, drawPolyline, fillCircle, fillRect, hexColor, INK, withAlpha, withClip, WHITE,
  type Image, type Rgba,
} from './image.ts';
import { dateTicks, formatCount, formatFixed, formatSignificant, niceRange } from './ticks.ts';

/** A colour given as Rgba or "#rrggbb". */
export type ColorLike = Rgba | string;

function toRgba(c: ColorLike | undefined, fallbackIndex: number): Rgba {
  if (c === undefined) return categoricalColor(fallbackIndex);
  return typeof c === 'string' ? hexColor(c) : c;
}

function finiteExtent(arrays: ArrayLike<number>[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
  }
  return hi >= lo ? [lo, hi] : null;
}

/** Data extent widened by `fraction` each side so markers do not sit on the frame. */
function paddedRange(extent: [number, number] | null, fraction = 0.05): [number, number] {
  if (!extent) return [0, 1];
  const [lo, hi] = extent;
  if (hi === lo) { const p = lo === 0 ? 1 : Math.abs(lo) * 0.1; return [lo - p, hi + p]; }
  const p = (hi - lo) * fraction;
  return [lo - p, hi + p];
}

/** Black or white text, whichever reads better on `bg` (by relative luminance). */
function textOn(bg: Rgba): Rgba {
  const lum = 0.2126 * bg[0] + 0.7152 * bg[1] + 0.0722 * bg[2];
  return lum > 150 ? INK : WHITE;
}

// ---- Grouped bar chart ----------------------------------------------------------------------

export interface BarSeries { label: string; values: number[]; color?: ColorLike }

export interface BarChartOptions {
  title: string;
  /** One group of bars per category, e.g. buffer distances "500 m", "1000 m". */
  categories: string[];
  /** One bar per series in every group, e.g. "thaw slumps", "thaw lakes". */
  series: BarSeries[];
  xLabel?: string;
  yLabel?: string;
  /** Print each bar's value above it (default true). */
  valueLabels?: boolean;
  valueFormat?: (v: number) => string;
  width?: number;
  height?: number;
}

export function barChart(opts: BarChartOptions): ChartImage {
  const width = opts.width ?? 900;
  const height = opts.height ?? 540;
  const nCat = opts.categories.length;
  const nSer = opts.series.length;
  for (const s of opts.series) {
    if (s.values.length !== nCat) throw new Error(`bar series "${s.label}" has ${s.values.length} values for ${nCat} categories`);
  }
  const extent = finiteExtent(opts.series.map((s) => s.values)) ?? [0, 1];
  // Bars grow from zero; head-room of ~10 % keeps value labels inside the frame.
  const lo = Math.min(0, extent[0]);
  const hi = Math.max(0, extent[1]);
  const pad = (hi - lo || 1) * 0.1;
  const [yMin, yMax] = niceRange(lo < 0 ? lo - pad : 0, hi > 0 ? hi + pad : 0, 6);
  const yTicks = numericTicks(yMin, yMax);
  const colors = opts.series.map((s, i) => toRgba(s.color, i));
  const legend: LegendEntry[] = nSer > 1 ? opts.series.map((s, i) => ({ label: s.label, color: colors[i], mark: 'box' })) : [];
  const { img, plot } = layoutFrame({
    width, height, title: opts.title, legend, xLabel: opts.xLabel, yLabel: opts.yLabel, yTicks,
    categoryLabels: opts.categories,
  });
  const y = linearScale(yMin, yMax, plot.y + plot.height, plot.y);
  drawGrid(img, plot, yTicks, y.toPx);
  const groupW = plot.width / Math.max(1, nCat);
  const barW = (groupW * 0.78) / Math.max(1, nSer);
  const format = opts.valueFormat ?? ((v: number) => (Number.isInteger(v) ? formatCount(v) : formatSignificant(v, 3)));
  const zeroPx = y.toPx(0);
  const labels: { x: number; label: string }[] = [];
  for (let c = 0; c < nCat; c++) {
    const groupX = plot.x + c * groupW + groupW * 0.11;
    labels.push({ x: plot.x + (c + 0.5) * groupW, label: opts.categories[c] });
    for (let s = 0; s < nSer; s++) {
      const v = opts.series[s].values[c];
      if (!Number.isFinite(v)) continue;
      const x0 = groupX + s * barW;
      const top = Math.min(zeroPx, y.toPx(v));
      const h = Math.abs(y.toPx(v) - zeroPx);
      // 1-px white gap between neighbouring bars keeps same-coloured groups readable.
      fillRect(img, x0 + 1, top, barW - 1, h, colors[s]);
      if (opts.valueLabels ?? true) {
        const text = format(v);
        const scale = textWidth(text, TEXT_SCALE) <= barW + 6 ? TEXT_SCALE : 1;
        if (textWidth(text, scale) <= barW + 10) {
          const ty = v >= 0 ? top - 4 : top + h + 4;
          drawText(img, text, x0 + barW / 2 + 0.5, ty, { scale, align: 'center', baseline: v >= 0 ? 'bottom' : 'top' });
        }
      }
    }
  }
  fillRect(img, plot.x, Math.round(zeroPx), plot.width, 1, INK);
  drawAxes(img, plot, { yTicks, yToPx: y.toPx, xLabel: opts.xLabel, yLabel: opts.yLabel, xCategoryLabels: labels });
  return { ...img, plot, yToPx: y.toPx };
}

// ---- Pie chart --------------------------------------------------------------------------------

export interface PieSlice { label: string; value: number; color?: ColorLike }

export interface PieChartOptions {
  title: string;
  slices: PieSlice[];
  /** Append the raw value to each legend line, e.g. "vertical  61.2 %  (12,345 px)". */
  countUnit?: string;
  width?: number;
  height?: number;
}

/** Shares of a whole, clockwise from 12 o'clock, with percentages on the slices and in the legend. */
export function pieChart(opts: PieChartOptions): ChartImage {
  const width = opts.width ?? 820;
  const height = opts.height ?? 480;
  const total = opts.slices.reduce((sum, s) => sum + (s.value > 0 ? s.value : 0), 0);
  const colors = opts.slices.map((s, i) => toRgba(s.color, i));
  const img = createChartCanvas(width, height, opts.title);
  const top = PAD + lineHeight(TEXT_SCALE) + 16;
  const fractions = opts.slices.map((s) => (total > 0 && s.value > 0 ? s.value / total : 0));
  // Legend columns: swatch, label, right-aligned percentage, optional count.
  const labelW = Math.max(0, ...opts.slices.map((s) => textWidth(s.label, TEXT_SCALE)));
  const pctW = textWidth('100.0%', TEXT_SCALE);
  const countText = (s: PieSlice): string => `(${formatCount(s.value)}${opts.countUnit ? ` ${opts.countUnit}` : ''})`;
  const countW = opts.countUnit !== undefined ? 12 + Math.max(0, ...opts.slices.map((s) => textWidth(countText(s), TEXT_SCALE))) : 0;
  const legendW = 24 + labelW + 16 + pctW + countW;
  const radius = Math.max(20, Math.min((height - top - PAD) / 2, (width - legendW - 2 * PAD - 44) / 2));
  const cx = PAD + radius + 8;
  const cy = top + radius;
  const starts: number[] = [];
  let acc = 0;
  for (const f of fractions) { starts.push(acc); acc += f; }

  if (total > 0) {
    // 4×4 supersampling per pixel: smooth rim and slice edges with no polygon rasteriser.
    const n = 4;
    for (let py = Math.floor(cy - radius - 1); py <= Math.ceil(cy + radius + 1); py++) {
      for (let px = Math.floor(cx - radius - 1); px <= Math.ceil(cx + radius + 1); px++) {
        const hits = new Float64Array(opts.slices.length);
        for (let sy = 0; sy < n; sy++) for (let sx = 0; sx < n; sx++) {
          const dx = px + (sx + 0.5) / n - cx;
          const dy = py + (sy + 0.5) / n - cy;
          if (dx * dx + dy * dy > radius * radius) continue;
          // Clockwise angle from 12 o'clock, as a fraction of the full turn.
          let turn = Math.atan2(dx, -dy) / (2 * Math.PI);
          if (turn < 0) turn += 1;
          let k = fractions.length - 1;
          while (k > 0 && (starts[k] > turn || fractions[k] === 0)) k--;
          hits[k]++;
        }
        hits.forEach((h, k) => { if (h > 0) blendPixel(img, px, py, colors[k], h / (n * n)); });
      }
    }
    // White separators between slices (only when there is more than one non-empty slice).
    if (fractions.filter((f) => f > 0).length > 1) {
      fractions.forEach((f, k) => {
        if (f <= 0) return;
        const a = starts[k] * 2 * Math.PI;
        drawLine(img, cx, cy, cx + Math.sin(a) * radius, cy - Math.cos(a) * radius, WHITE, { width: 2 });
      });
    }
    fractions.forEach((f, k) => {
      if (f < 0.04) return; // too thin to hold a label; the legend has it
      const a = (starts[k] + f / 2) * 2 * Math.PI;
      const r = f > 0.999 ? 0 : radius * 0.62;
      drawText(img, `${formatFixed(f * 100, 1)}%`, cx + Math.sin(a) * r, cy - Math.cos(a) * r, {
        scale: TEXT_SCALE, align: 'center', baseline: 'middle', color: textOn(colors[k]), bold: true,
      });
    });
  } else {
    drawText(img, 'no data', cx, cy, { scale: TEXT_SCALE, align: 'center', baseline: 'middle' });
  }

  // Legend: swatch, label, percentage, and optionally the count.
  const lx = cx + radius + 36;
  const rowH = lineHeight(TEXT_SCALE) + 8;
  const ly0 = cy - (opts.slices.length * rowH) / 2;
  opts.slices.forEach((s, k) => {
    const y = ly0 + k * rowH;
    fillRect(img, lx, y, 16, 16, colors[k]);
    const mid = y + 8;
    drawText(img, s.label, lx + 24, mid, { scale: TEXT_SCALE, baseline: 'middle' });
    const pct = `${formatFixed(fractions[k] * 100, 1)}%`;
    const px = lx + 24 + labelW + 16 + pctW;
    drawText(img, pct, px, mid, { scale: TEXT_SCALE, baseline: 'middle', align: 'right' });
    if (opts.countUnit !== undefined) {
      drawText(img, countText(s), px + 12, mid, { scale: TEXT_SCALE, baseline: 'middle', color: [90, 90, 90, 255] });
    }
  });
  const plot = { x: Math.round(cx - radius), y: Math.round(cy - radius), width: Math.round(2 * radius), height: Math.round(2 * radius) };
  return { ...img, plot };
}

function createChartCanvas(width: number, height: number, title: string): Image {
  const { img } = layoutFrame({ width, height, title });
  return img;
}

// ---- Histogram --------------------------------------------------------------------------------

export interface ReferenceLine {
  value: number;
  label?: string;
  color?: ColorLike;
  /** For time series: which y axis the value is on (default 'left'). */
  axis?: 'left' | 'right';
}

export interface HistogramOptions {
  title: string;
  values: ArrayLike<number>;
  /** Number of bins (default: Freedman–Diaconis, clamped to 10..80). */
  bins?: number;
  /** Binned range (default: 0.5th–99.5th percentile, so a few outliers do not squash the rest). */
  range?: [number, number];
  xLabel?: string;
  yLabel?: string;
  color?: ColorLike;
  /** Vertical markers, e.g. the median or zero. */
  referenceLines?: ReferenceLine[];
  width?: number;
  height?: number;
}

export interface HistogramImage extends ChartImage {
  counts: Uint32Array;
  binEdges: Float64Array;
}

export function histogram(opts: HistogramOptions): HistogramImage {
  const width = opts.width ?? 900;
  const height = opts.height ?? 520;
  const finite = Float64Array.from(Array.from(opts.values as ArrayLike<number>).filter(Number.isFinite)).sort();
  const q = (p: number): number => (finite.length ? finite[Math.min(finite.length - 1, Math.max(0, Math.round(p * (finite.length - 1))))] : 0);
  let [lo, hi] = opts.range ?? [q(0.005), q(0.995)];
  if (!(hi > lo)) { const p = lo === 0 ? 1 : Math.abs(lo) * 0.1; lo -= p; hi += p; }
  let bins = opts.bins;
  if (!bins) {
    const iqr = q(0.75) - q(0.25);
    const h = 2 * iqr / Math.cbrt(Math.max(1, finite.length));
    bins = h > 0 ? Math.round((hi - lo) / h) : 30;
    bins = Math.min(80, Math.max(10, bins));
  }
  const counts = new Uint32Array(bins);
  const edges = new Float64Array(bins + 1).map((_, i) => lo + ((hi - lo) * i) / bins!);
  for (const v of finite) {
    if (v < lo || v > hi) continue;
    counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]++;
  }
  const maxCount = Math.max(1, ...counts);
  const [, yMax] = niceRange(0, maxCount * 1.05, 6);
  const yTicks = numericTicks(0, yMax);
  const xTicks = numericTicks(lo, hi, 7);
  const color = toRgba(opts.color, 0);
  const refs = (opts.referenceLines ?? []).map((r) => ({ ...r, rgba: toRgba(r.color ?? REFERENCE_GREY, 0) }));
  const legend: LegendEntry[] = refs.filter((r) => r.label).map((r) => ({ label: r.label!, color: r.rgba, mark: 'dashed' }));
  const { img, plot } = layoutFrame({ width, height, title: opts.title, legend, xLabel: opts.xLabel, yLabel: opts.yLabel ?? 'Count', xTicks, yTicks });
  const x = linearScale(lo, hi, plot.x, plot.x + plot.width);
  const y = linearScale(0, yMax, plot.y + plot.height, plot.y);
  drawGrid(img, plot, yTicks, y.toPx);
  withClip(img, { x0: plot.x, y0: plot.y, x1: plot.x + plot.width, y1: plot.y + plot.height }, () => {
    for (let b = 0; b < bins!; b++) {
      if (counts[b] === 0) continue;
      const x0 = Math.round(x.toPx(edges[b]));
      const x1 = Math.round(x.toPx(edges[b + 1]));
      const top = Math.round(y.toPx(counts[b]));
      fillRect(img, x0, top, x1 - x0, plot.y + plot.height - top, color);
      // Thin lighter edge between bins so adjacent bars of equal height stay countable.
      if (x1 - x0 >= 4) fillRect(img, x1 - 1, top, 1, plot.y + plot.height - top, withAlpha(WHITE, 0.6));
    }
    for (const r of refs) drawLine(img, x.toPx(r.value), plot.y, x.toPx(r.value), plot.y + plot.height, r.rgba, { width: 2, dash: [8, 5] });
  });
  drawAxes(img, plot, { xTicks, xToPx: x.toPx, yTicks, yToPx: y.toPx, xLabel: opts.xLabel, yLabel: opts.yLabel ?? 'Count' });
  return { ...img, plot, xToPx: x.toPx, yToPx: y.toPx, counts, binEdges: edges };
}

// ---- 2-D density scatter ---------------------------------------------------------------------

export interface OverlayLine {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: ColorLike;
  dashed?: boolean;
}

export interface ScatterDensityOptions {
  title: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  xLabel?: string;
  yLabel?: string;
  xRange?: [number, number];
  yRange?: [number, number];
  /** Side of a density cell in pixels (default 4). */
  cellSize?: number;
  colormap?: ColormapName | Colormap;
  /** Lines drawn over the density, e.g. a lower-bound envelope fit. */
  overlays?: OverlayLine[];
  width?: number;
  height?: number;
}

/**
 * Too many points to draw one by one legibly, so they are binned into cells of a few pixels and
 * the count per cell is coloured on a log scale (counts span orders of magnitude); empty cells
 * stay white.
 */
export function scatterDensity(opts: ScatterDensityOptions): ChartImage {
  const width = opts.width ?? 900;
  const height = opts.height ?? 620;
  if (opts.x.length !== opts.y.length) throw new Error(`scatterDensity: x has ${opts.x.length} values, y has ${opts.y.length}`);
  const cm = typeof opts.colormap === 'object' ? opts.colormap : colormapByName(opts.colormap ?? 'viridis');
  const [xMin, xMax] = opts.xRange ?? paddedRange(finiteExtent([opts.x]), 0.02);
  const [yMin, yMax] = opts.yRange ?? paddedRange(finiteExtent([opts.y]), 0.02);
  const xTicks = numericTicks(xMin, xMax, 7);
  const yTicks = numericTicks(yMin, yMax, 6);
  const overlays = (opts.overlays ?? []).map((o, i) => ({ ...o, rgba: toRgba(o.color, i + 3) }));
  const legend: LegendEntry[] = overlays.map((o) => ({ label: o.label, color: o.rgba, mark: o.dashed ? 'dashed' : 'line' }));
  // Colour bar limits need the counts, which need the plot size; a provisional bar width is
  // enough (labels are 1, 10, 100 …), then the counts are binned in the final plot box.
  const barGuess = colorbarWidth({ colormap: cm, min: 0, max: 6, log10: true, label: 'points per cell' }) + 24;
  const { img, plot } = layoutFrame({ width, height, title: opts.title, legend, xLabel: opts.xLabel, yLabel: opts.yLabel, xTicks, yTicks, rightExtra: barGuess });
  const x = linearScale(xMin, xMax, plot.x, plot.x + plot.width);
  const y = linearScale(yMin, yMax, plot.y + plot.height, plot.y);
  const cell = Math.max(1, Math.round(opts.cellSize ?? 4));
  const cols = Math.ceil(plot.width / cell);
  const rows = Math.ceil(plot.height / cell);
  const counts = new Uint32Array(cols * rows);
  for (let i = 0; i < opts.x.length; i++) {
    const px = x.toPx(opts.x[i]) - plot.x;
    const py = y.toPx(opts.y[i]) - plot.y;
    if (!(px >= 0 && px < plot.width && py >= 0 && py < plot.height)) continue; // also drops NaN
    counts[Math.floor(py / cell) * cols + Math.floor(px / cell)]++;
  }
  const maxCount = Math.max(1, ...counts);
  const logMax = Math.max(1, Math.log10(maxCount));
  drawGrid(img, plot, yTicks, y.toPx, xTicks, x.toPx);
  withClip(img, { x0: plot.x, y0: plot.y, x1: plot.x + plot.width, y1: plot.y + plot.height }, () => {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
      const n = counts[r * cols + c];
      if (n === 0) continue;
      fillRect(img, plot.x + c * cell, plot.y + r * cell, cell, cell, colorAt(cm, Math.log10(n) / logMax));
    }
    for (const o of overlays) {
      const xs = Array.from(o.x as ArrayLike<number>, (v) => x.toPx(v));
      const ys = Array.from(o.y as ArrayLike<number>, (v) => y.toPx(v));
      // A white halo under the line keeps it visible over any colour of the density.
      drawPolyline(img, xs, ys, withAlpha(WHITE, 0.85), { width: 5 });
      drawPolyline(img, xs, ys, o.rgba, { width: 2.5, dash: o.dashed ? [10, 6] : undefined });
    }
  });
  drawAxes(img, plot, { xTicks, xToPx: x.toPx, yTicks, yToPx: y.toPx, xLabel: opts.xLabel, yLabel: opts.yLabel });
  drawColorbar(img, plot.x + plot.width + 24, plot.y, plot.height, { colormap: cm, min: 0, max: logMax, log10: true, label: 'points per cell' });
  return { ...img, plot, xToPx: x.toPx, yToPx: y.toPx };
}

// ---- Time series -----------------------------------------------------------------------------

export interface TimeSeries {
  label: string;
  /** Decimal years (MintPy convention). */
  t: ArrayLike<number>;
  values: ArrayLike<number>;
  color?: ColorLike;
  /** Which y axis (default 'left'). */
  axis?: 'left' | 'right';
  /** Default 'points+line'. */
  style?: 'points' | 'line' | 'points+line';
  dashed?: boolean;
}

export interface ShadedInterval {
  /** Decimal years. */
  start: number;
  end: number;
  /** Intervals sharing a label get one legend entry (e.g. "thaw window"). */
  label?: string;
  color?: ColorLike;
}

export interface TimeSeriesOptions {
  title: string;
  series: TimeSeries[];
  yLabel: string;
  y2Label?: string;
  xLabel?: string;
  referenceLines?: ReferenceLine[];
  shadedIntervals?: ShadedInterval[];
  xRange?: [number, number];
  yRange?: [number, number];
  y2Range?: [number, number];
  width?: number;
  height?: number;
}

const SHADE_DEFAULT: Rgba = [255, 170, 60, 56];
/** Reference lines default to dark grey: they annotate the data and should not compete with it. */
const REFERENCE_GREY = '#555555';

export function timeSeriesPlot(opts: TimeSeriesOptions): ChartImage {
  const width = opts.width ?? 1000;
  const height = opts.height ?? 520;
  const series = opts.series.map((s, i) => ({ ...s, rgba: toRgba(s.color, i), axis: s.axis ?? 'left' }));
  const left = series.filter((s) => s.axis === 'left');
  const right = series.filter((s) => s.axis === 'right');
  const refs = (opts.referenceLines ?? []).map((r) => ({ ...r, axis: r.axis ?? 'left', rgba: toRgba(r.color ?? REFERENCE_GREY, 0) }));
  const hasRight = right.length > 0 || refs.some((r) => r.axis === 'right');

  const [tMin, tMax] = opts.xRange ?? paddedRange(finiteExtent(series.map((s) => s.t)), 0.02);
  const axisRange = (ss: typeof series, axis: 'left' | 'right'): [number, number] => {
    const ext = finiteExtent([...ss.map((s) => s.values), refs.filter((r) => r.axis === axis).map((r) => r.value)]);
    return paddedRange(ext, 0.06);
  };
  const [yMin, yMax] = opts.yRange ?? axisRange(left, 'left');
  const [y2Min, y2Max] = opts.y2Range ?? axisRange(right, 'right');
  const dt = dateTicks(tMin, tMax, Math.max(3, Math.round(width / 130)));
  const xTicks: AxisTicks = { values: dt.values, labels: dt.labels };
  const yTicks = numericTicks(yMin, yMax, 6);
  const y2Ticks = hasRight ? numericTicks(y2Min, y2Max, 6) : undefined;
  const y2Color = right[0]?.rgba;

  const legend: LegendEntry[] = series.map((s) => ({
    label: s.label + (hasRight && s.axis === 'right' ? ' (right axis)' : ''),
    color: s.rgba,
    mark: (s.dashed ? 'dashed' : s.style === 'points' ? 'point' : s.style === 'line' ? 'line' : 'line+point') as LegendMark,
  }));
  const shadeLabels = new Set<string>();
  for (const iv of opts.shadedIntervals ?? []) {
    if (iv.label && !shadeLabels.has(iv.label)) {
      shadeLabels.add(iv.label);
      legend.push({ label: iv.label, color: iv.color ? toRgba(iv.color, 0) : SHADE_DEFAULT, mark: 'shade' });
    }
  }
  for (const r of refs) if (r.label) legend.push({ label: r.label, color: r.rgba, mark: 'dashed' });

  const { img, plot } = layoutFrame({
    width, height, title: opts.title, legend, xLabel: opts.xLabel, yLabel: opts.yLabel,
    y2Label: hasRight ? opts.y2Label : undefined, xTicks, yTicks, y2Ticks,
  });
  const x = linearScale(tMin, tMax, plot.x, plot.x + plot.width);
  const y = linearScale(yMin, yMax, plot.y + plot.height, plot.y);
  const y2 = linearScale(y2Min, y2Max, plot.y + plot.height, plot.y);
  const clip = { x0: plot.x, y0: plot.y, x1: plot.x + plot.width, y1: plot.y + plot.height };

  withClip(img, clip, () => {
    for (const iv of opts.shadedIntervals ?? []) {
      const x0 = x.toPx(Math.max(iv.start, tMin));
      const x1 = x.toPx(Math.min(iv.end, tMax));
      if (x1 > x0) fillRect(img, x0, plot.y, x1 - x0, plot.height, iv.color ? toRgba(iv.color, 0) : SHADE_DEFAULT);
    }
  });
  drawGrid(img, plot, yTicks, y.toPx);
  withClip(img, clip, () => {
    for (const r of refs) {
      const py = (r.axis === 'right' ? y2 : y).toPx(r.value);
      drawLine(img, plot.x, py, plot.x + plot.width, py, r.rgba, { width: 1.5, dash: [8, 5] });
    }
    for (const s of series) {
      const scale = s.axis === 'right' ? y2 : y;
      const n = Math.min(s.t.length, s.values.length);
      const xs = new Float64Array(n);
      const ys = new Float64Array(n);
      for (let i = 0; i < n; i++) { xs[i] = x.toPx(s.t[i]); ys[i] = scale.toPx(s.values[i]); }
      const style = s.style ?? 'points+line';
      if (style !== 'points') drawPolyline(img, xs, ys, style === 'line' ? s.rgba : withAlpha(s.rgba, 0.7), { width: style === 'line' ? 2 : 1.2, dash: s.dashed ? [8, 5] : undefined });
      if (style !== 'line') for (let i = 0; i < n; i++) if (Number.isFinite(ys[i]) && Number.isFinite(xs[i])) fillCircle(img, xs[i], ys[i], 3, s.rgba);
    }
  });
  drawAxes(img, plot, {
    xTicks, xToPx: x.toPx, yTicks, yToPx: y.toPx, y2Ticks, y2ToPx: hasRight ? y2.toPx : undefined,
    xLabel: opts.xLabel, yLabel: opts.yLabel, y2Label: hasRight ? opts.y2Label : undefined, y2Color,
  });
  return { ...img, plot, xToPx: x.toPx, yToPx: y.toPx, y2ToPx: hasRight ? y2.toPx : undefined };
}
