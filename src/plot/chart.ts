// Shared chart furniture: layout of title, legend, plot area and axes; linear scales; the legend;
// and the axis frame with ticks, numbers, grid and titles. Every chart in charts.ts is "frame +
// data drawn clipped to the plot area + frame border on top".

import { capHeight, drawText, lineHeight, textWidth } from './font.ts';
import { createImage, drawLine, fillCircle, fillRect, GRID_GREY, INK, strokeRect, WHITE, type Image, type Rgba } from './image.ts';
import { formatTick, niceTicks } from './ticks.ts';

export const TEXT_SCALE = 2;
export const PAD = 16;
const TICK = 5;

export interface Box { x: number; y: number; width: number; height: number }

/** Chart image plus the plot area and scales, for the web app's hit-testing and for tests. */
export interface ChartImage extends Image {
  plot: Box;
  /** Data → pixel on the x axis (omitted where x is categorical or absent). */
  xToPx?: (v: number) => number;
  yToPx?: (v: number) => number;
  y2ToPx?: (v: number) => number;
}

export interface LinearScale { min: number; max: number; toPx: (v: number) => number }

/** Linear map from [min, max] to pixel positions [p0, p1] (p1 < p0 for a y axis). */
export function linearScale(min: number, max: number, p0: number, p1: number): LinearScale {
  const span = max - min || 1;
  return { min, max, toPx: (v) => p0 + ((v - min) / span) * (p1 - p0) };
}

// ---- Legend -----------------------------------------------------------------------------

export type LegendMark = 'box' | 'line' | 'dashed' | 'point' | 'line+point' | 'shade';

export interface LegendEntry { label: string; color: Rgba; mark: LegendMark }

const SWATCH_W = 26;
const ENTRY_GAP = 22;

function entryWidth(e: LegendEntry): number {
  return SWATCH_W + 6 + textWidth(e.label, TEXT_SCALE);
}

/** Splits entries into rows no wider than `maxWidth`. */
export function legendRows(entries: LegendEntry[], maxWidth: number): LegendEntry[][] {
  const rows: LegendEntry[][] = [];
  let row: LegendEntry[] = [];
  let w = 0;
  for (const e of entries) {
    const ew = entryWidth(e);
    if (row.length > 0 && w + ENTRY_GAP + ew > maxWidth) { rows.push(row); row = []; w = 0; }
    w += (row.length ? ENTRY_GAP : 0) + ew;
    row.push(e);
  }
  if (row.length) rows.push(row);
  return rows;
}

export function legendHeight(rows: LegendEntry[][]): number {
  return rows.length * lineHeight(TEXT_SCALE);
}

/** Draws legend rows left-aligned at (x, y). */
export function drawLegend(img: Image, x: number, y: number, rows: LegendEntry[][]): void {
  rows.forEach((row, r) => {
    let cx = x;
    const cy = y + r * lineHeight(TEXT_SCALE) + capHeight(TEXT_SCALE) / 2;
    for (const e of row) {
      drawLegendMark(img, cx, cy, e);
      drawText(img, e.label, cx + SWATCH_W + 6, cy, { scale: TEXT_SCALE, baseline: 'middle' });
      cx += entryWidth(e) + ENTRY_GAP;
    }
  });
}

function drawLegendMark(img: Image, x: number, cy: number, e: LegendEntry): void {
  const mid = x + SWATCH_W / 2;
  switch (e.mark) {
    case 'box':
      fillRect(img, x + 5, cy - 7, 16, 14, e.color);
      break;
    case 'shade':
      fillRect(img, x + 2, cy - 7, SWATCH_W - 4, 14, e.color);
      break;
    case 'line':
      drawLine(img, x, cy, x + SWATCH_W, cy, e.color, { width: 2 });
      break;
    case 'dashed':
      drawLine(img, x, cy, x + SWATCH_W - 3, cy, e.color, { width: 2, dash: [5, 4] });
      break;
    case 'point':
      fillCircle(img, mid, cy, 3.5, e.color);
      break;
    case 'line+point':
      drawLine(img, x, cy, x + SWATCH_W, cy, e.color, { width: 1.5 });
      fillCircle(img, mid, cy, 3.5, e.color);
      break;
  }
}

// ---- Axes ---------------------------------------------------------------------------------

export interface AxisTicks { values: number[]; labels: string[] }

/** 1-2-5 ticks with labels for [min, max]. */
export function numericTicks(min: number, max: number, target = 6): AxisTicks {
  const t = niceTicks(min, max, target);
  return { values: t.values, labels: t.values.map((v) => formatTick(v, t)) };
}

export interface FrameSpec {
  width: number;
  height: number;
  title: string;
  legend?: LegendEntry[];
  xLabel?: string;
  yLabel?: string;
  y2Label?: string;
  /** Colour for the right axis title, tying it to its series. */
  y2Color?: Rgba;
  /** Tick labels decide the margins, so they are known before layout. */
  xTicks?: AxisTicks;
  yTicks?: AxisTicks;
  y2Ticks?: AxisTicks;
  /** Category names under the x axis (bar charts), instead of numeric xTicks. */
  categoryLabels?: string[];
  /** Extra room on the right of the plot (e.g. for a colour bar). */
  rightExtra?: number;
}

export interface Frame { img: Image; plot: Box }

/** Lays out and draws title and legend; returns the plot box. Axes are drawn by drawAxes. */
export function layoutFrame(spec: FrameSpec): Frame {
  const img = createImage(spec.width, spec.height, WHITE);
  const cap = capHeight(TEXT_SCALE);
  const widest = (t?: AxisTicks): number => Math.max(0, ...(t?.labels ?? []).map((l) => textWidth(l, TEXT_SCALE)));
  const left = PAD + (spec.yLabel ? cap + 12 : 0) + (spec.yTicks ? widest(spec.yTicks) + TICK + 6 : 0);
  const lastX = spec.xTicks?.labels[spec.xTicks.labels.length - 1];
  const rightForX = lastX ? textWidth(lastX, TEXT_SCALE) / 2 : 0;
  const rightAxis = spec.y2Ticks ? widest(spec.y2Ticks) + TICK + 6 + (spec.y2Label ? cap + 12 : 0) : 0;
  const right = PAD + Math.max(rightForX, rightAxis) + (spec.rightExtra ?? 0);

  drawText(img, spec.title, PAD, PAD, { scale: TEXT_SCALE, bold: true });
  let top = PAD + lineHeight(TEXT_SCALE) + 6;
  if (spec.legend && spec.legend.length > 0) {
    const rows = legendRows(spec.legend, spec.width - left - right);
    drawLegend(img, left, top, rows);
    top += legendHeight(rows) + 4;
  }
  top += 6;
  const bottom = PAD + (spec.xLabel ? lineHeight(TEXT_SCALE) + 6 : 0) + (spec.xTicks || spec.categoryLabels ? cap + TICK + 8 : 0);
  const plot = { x: Math.round(left), y: Math.round(top), width: Math.round(spec.width - left - right), height: Math.round(spec.height - top - bottom) };
  if (plot.width < 40 || plot.height < 40) throw new Error(`chart "${spec.title}" is too small (${spec.width}×${spec.height}) for its labels`);
  return { img, plot };
}

/** Light horizontal grid lines at y ticks (drawn before the data, so data stays on top). */
export function drawGrid(img: Image, plot: Box, yTicks: AxisTicks | undefined, yToPx: ((v: number) => number) | undefined, xTicks?: AxisTicks, xToPx?: (v: number) => number): void {
  if (yTicks && yToPx) {
    for (const v of yTicks.values) {
      const y = Math.round(yToPx(v));
      if (y > plot.y && y < plot.y + plot.height - 1) fillRect(img, plot.x + 1, y, plot.width - 2, 1, GRID_GREY);
    }
  }
  if (xTicks && xToPx) {
    for (const v of xTicks.values) {
      const x = Math.round(xToPx(v));
      if (x > plot.x && x < plot.x + plot.width - 1) fillRect(img, x, plot.y + 1, 1, plot.height - 2, GRID_GREY);
    }
  }
}

export interface AxesSpec {
  xTicks?: AxisTicks;
  xToPx?: (v: number) => number;
  yTicks?: AxisTicks;
  yToPx?: (v: number) => number;
  y2Ticks?: AxisTicks;
  y2ToPx?: (v: number) => number;
  xLabel?: string;
  yLabel?: string;
  y2Label?: string;
  y2Color?: Rgba;
  /** Categorical x labels centred at given pixel positions (bar charts). */
  xCategoryLabels?: { x: number; label: string }[];
}

/** Border, tick marks, tick numbers and axis titles (drawn after the data). */
export function drawAxes(img: Image, plot: Box, spec: AxesSpec): void {
  const cap = capHeight(TEXT_SCALE);
  const bottom = plot.y + plot.height;
  const rightX = plot.x + plot.width;
  strokeRect(img, plot.x, plot.y, plot.width, plot.height, INK);
  const labelY = bottom + TICK + 4;
  if (spec.xTicks && spec.xToPx) {
    spec.xTicks.values.forEach((v, i) => {
      const x = Math.round(spec.xToPx!(v));
      if (x < plot.x - 0.5 || x > rightX + 0.5) return;
      fillRect(img, Math.min(x, rightX - 1), bottom, 1, TICK, INK);
      drawText(img, spec.xTicks!.labels[i], x, labelY, { scale: TEXT_SCALE, align: 'center' });
    });
  }
  for (const c of spec.xCategoryLabels ?? []) drawText(img, c.label, c.x, labelY, { scale: TEXT_SCALE, align: 'center' });
  let yLabelLeft = plot.x;
  if (spec.yTicks && spec.yToPx) {
    spec.yTicks.values.forEach((v, i) => {
      const y = Math.round(spec.yToPx!(v));
      if (y < plot.y - 0.5 || y > bottom + 0.5) return;
      fillRect(img, plot.x - TICK, Math.min(y, bottom - 1), TICK, 1, INK);
      const label = spec.yTicks!.labels[i];
      drawText(img, label, plot.x - TICK - 4, y, { scale: TEXT_SCALE, align: 'right', baseline: 'middle' });
      yLabelLeft = Math.min(yLabelLeft, plot.x - TICK - 4 - textWidth(label, TEXT_SCALE));
    });
  }
  let y2LabelRight = rightX;
  if (spec.y2Ticks && spec.y2ToPx) {
    spec.y2Ticks.values.forEach((v, i) => {
      const y = Math.round(spec.y2ToPx!(v));
      if (y < plot.y - 0.5 || y > bottom + 0.5) return;
      fillRect(img, rightX, Math.min(y, bottom - 1), TICK, 1, INK);
      const label = spec.y2Ticks!.labels[i];
      drawText(img, label, rightX + TICK + 4, y, { scale: TEXT_SCALE, baseline: 'middle' });
      y2LabelRight = Math.max(y2LabelRight, rightX + TICK + 4 + textWidth(label, TEXT_SCALE));
    });
  }
  if (spec.xLabel) {
    const hasTickRow = Boolean(spec.xTicks || spec.xCategoryLabels);
    drawText(img, spec.xLabel, plot.x + plot.width / 2, bottom + (hasTickRow ? TICK + cap + 14 : 8), { scale: TEXT_SCALE, align: 'center' });
  }
  // Rotated titles read bottom-to-top; "bottom" of the glyphs faces the plot.
  if (spec.yLabel) drawText(img, spec.yLabel, yLabelLeft - 10 - cap, plot.y + plot.height / 2, { scale: TEXT_SCALE, rotate: 90, align: 'center' });
  if (spec.y2Label) drawText(img, spec.y2Label, y2LabelRight + 10, plot.y + plot.height / 2, { scale: TEXT_SCALE, rotate: 90, align: 'center', color: spec.y2Color });
}
