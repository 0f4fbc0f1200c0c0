// The along-the-line chart of `permasar profile` (issue 23): chainage on x, one panel per product
// (median as a step line, P5–P95 as a band, the flag's threshold dashed, flagged spans shaded),
// a strip with one row per flag rule, and named stations as dashed verticals through every
// panel. Panels share one x axis, so the margins are fixed rather than fitted to each panel's
// labels (layoutFrame would misalign them). Platform-free.
import { drawAxes, drawGrid, linearScale, numericTicks, PAD, TEXT_SCALE, type AxisTicks } from './chart.ts';
import { drawText, lineHeight, textWidth } from './font.ts';
import { createImage, drawLine, fillRect, hexColor, INK, strokeRect, withAlpha, withClip, WHITE, type Image, type Rgba } from './image.ts';

export interface ProfilePanel {
  title: string;
  unit: string;
  /** Per segment: chainage range (km) and statistics (NaN = none). */
  kmFrom: ArrayLike<number>;
  kmTo: ArrayLike<number>;
  median: ArrayLike<number>;
  p5: ArrayLike<number>;
  p95: ArrayLike<number>;
  /** The flag threshold on this quantity, drawn dashed. */
  threshold?: number;
  /** Per segment: flagged by this panel's rule (shaded). */
  flagged?: ArrayLike<number | null>;
}

export interface FlagRow {
  label: string;
  kmFrom: ArrayLike<number>;
  kmTo: ArrayLike<number>;
  flagged: ArrayLike<number | null>;
}

export interface ProfileChartOptions {
  title: string;
  lengthKm: number;
  panels: ProfilePanel[];
  flagRows: FlagRow[];
  stations: { name: string; km: number }[];
  width?: number;
}

const LEFT = 150;
const RIGHT = 40;
const PANEL_HEIGHT = 190;
const PANEL_GAP = 44;
const FLAG_ROW_HEIGHT = 22;
const MEDIAN: Rgba = hexColor('#1f4e9c');
const BAND: Rgba = withAlpha(hexColor('#1f4e9c'), 0.22);
const SHADE: Rgba = [214, 39, 40, 46];
const FLAG_ON: Rgba = hexColor('#d62728');
const FLAG_NO_DATA: Rgba = [235, 235, 235, 255];
const STATION: Rgba = [90, 90, 90, 255];

function finiteRange(...lists: ArrayLike<number>[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const list of lists) for (let i = 0; i < list.length; i++) if (Number.isFinite(list[i])) { lo = Math.min(lo, list[i]); hi = Math.max(hi, list[i]); }
  if (!Number.isFinite(lo)) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

/** The chart and where its plots lie, so a click can be turned back into a chainage. */
export interface ProfileChartImage extends Image {
  plotX: number;
  plotWidth: number;
  /** Top and bottom of the panels and the flag strip, px. */
  plotTop: number;
  plotBottom: number;
  lengthKm: number;
}

export function profileChart(opts: ProfileChartOptions): ProfileChartImage {
  const width = opts.width ?? 1400;
  const titleH = PAD + lineHeight(TEXT_SCALE) + 10;
  const stationH = opts.stations.length ? lineHeight(TEXT_SCALE) + 8 : 0;
  const flagsH = opts.flagRows.length ? opts.flagRows.length * FLAG_ROW_HEIGHT + PANEL_GAP : 0;
  const axisH = lineHeight(TEXT_SCALE) * 2 + 30;
  // Without a flag strip the axis sits just under the last panel (see axisY below).
  const height = titleH + stationH + opts.panels.length * (PANEL_HEIGHT + PANEL_GAP) + flagsH + axisH - (opts.flagRows.length ? 0 : PANEL_GAP - 8);
  const img = createImage(width, height, WHITE);
  drawText(img, opts.title, PAD, PAD, { scale: TEXT_SCALE, bold: true });
  const plotX = LEFT;
  const plotW = width - LEFT - RIGHT;
  const x = linearScale(0, Math.max(opts.lengthKm, 1e-6), plotX, plotX + plotW);
  const xTicks = numericTicks(0, opts.lengthKm, Math.max(4, Math.round(plotW / 110)));
  let top = titleH + stationH;
  const firstTop = top;

  for (const panel of opts.panels) {
    const plot = { x: plotX, y: top + lineHeight(TEXT_SCALE) + 4, width: plotW, height: PANEL_HEIGHT - lineHeight(TEXT_SCALE) - 4 };
    drawText(img, `${panel.title} (${panel.unit})`, plotX, top, { scale: TEXT_SCALE, bold: true });
    const extra = panel.threshold !== undefined ? [[panel.threshold]] : [];
    const [yMin, yMax] = finiteRange(panel.p5, panel.p95, panel.median, ...extra);
    const y = linearScale(yMin, yMax, plot.y + plot.height, plot.y);
    const yTicks: AxisTicks = numericTicks(yMin, yMax, 4);
    const clip = { x0: plot.x, y0: plot.y, x1: plot.x + plot.width, y1: plot.y + plot.height };
    withClip(img, clip, () => {
      for (let i = 0; i < panel.kmFrom.length; i++) {
        const x0 = x.toPx(panel.kmFrom[i]), x1 = x.toPx(panel.kmTo[i]);
        if (panel.flagged?.[i] === 1) fillRect(img, x0, plot.y, Math.max(1, x1 - x0), plot.height, SHADE);
      }
    });
    drawGrid(img, plot, yTicks, y.toPx, xTicks, x.toPx);
    withClip(img, clip, () => {
      let previous: [number, number] | null = null;
      for (let i = 0; i < panel.kmFrom.length; i++) {
        const x0 = x.toPx(panel.kmFrom[i]), x1 = x.toPx(panel.kmTo[i]);
        if (Number.isFinite(panel.p5[i]) && Number.isFinite(panel.p95[i])) {
          const ya = y.toPx(panel.p95[i]), yb = y.toPx(panel.p5[i]);
          fillRect(img, x0, ya, Math.max(1, x1 - x0), Math.max(1, yb - ya), BAND);
        }
        const m = panel.median[i];
        if (!Number.isFinite(m)) { previous = null; continue; }
        const ym = y.toPx(m);
        // A step line: flat over the segment, joined to the next where they touch.
        if (previous && Math.abs(previous[0] - x0) < 1.5) drawLine(img, x0, previous[1], x0, ym, MEDIAN, { width: 1.5 });
        drawLine(img, x0, ym, x1, ym, MEDIAN, { width: 2 });
        previous = [x1, ym];
      }
      if (panel.threshold !== undefined) {
        const yt = y.toPx(panel.threshold);
        drawLine(img, plot.x, yt, plot.x + plot.width, yt, FLAG_ON, { width: 1.5, dash: [8, 5] });
      }
    });
    drawAxes(img, plot, { yTicks, yToPx: y.toPx });
    top += PANEL_HEIGHT + PANEL_GAP;
  }

  if (opts.flagRows.length) {
    drawText(img, 'flags (red: flagged, grey: no data)', plotX, top, { scale: TEXT_SCALE, bold: true });
    const rowsTop = top + lineHeight(TEXT_SCALE) + 4;
    opts.flagRows.forEach((row, r) => {
      const y0 = rowsTop + r * FLAG_ROW_HEIGHT;
      drawText(img, row.label, plotX - 8, y0 + FLAG_ROW_HEIGHT / 2, { scale: TEXT_SCALE, align: 'right', baseline: 'middle' });
      for (let i = 0; i < row.kmFrom.length; i++) {
        const x0 = x.toPx(row.kmFrom[i]), x1 = x.toPx(row.kmTo[i]);
        const f = row.flagged[i];
        if (f === 1) fillRect(img, x0, y0 + 3, Math.max(1, x1 - x0), FLAG_ROW_HEIGHT - 6, FLAG_ON);
        else if (f === null) fillRect(img, x0, y0 + 3, Math.max(1, x1 - x0), FLAG_ROW_HEIGHT - 6, FLAG_NO_DATA);
      }
      strokeRect(img, plotX, y0 + 2, plotW, FLAG_ROW_HEIGHT - 4, INK);
    });
    top = rowsTop + opts.flagRows.length * FLAG_ROW_HEIGHT + 8;
  }

  // The shared x axis under the last panel or strip.
  const axisY = top - (opts.flagRows.length ? 0 : PANEL_GAP - 8);
  for (let i = 0; i < xTicks.values.length; i++) {
    const px = Math.round(x.toPx(xTicks.values[i]));
    fillRect(img, px, axisY, 1, 6, INK);
    drawText(img, xTicks.labels[i], px, axisY + 10, { scale: TEXT_SCALE, align: 'center' });
  }
  fillRect(img, plotX, axisY, plotW, 1, INK);
  drawText(img, 'chainage (km)', plotX + plotW / 2, axisY + 12 + lineHeight(TEXT_SCALE), { scale: TEXT_SCALE, align: 'center' });

  // Stations through everything, names above the first panel (staggered when they crowd).
  let lastRight = -Infinity;
  for (const s of [...opts.stations].sort((a, b) => a.km - b.km)) {
    const px = Math.round(x.toPx(s.km));
    if (px < plotX || px > plotX + plotW) continue;
    for (let yy = firstTop; yy < axisY; yy += 8) fillRect(img, px, yy, 1, 4, STATION);
    // A name that would overprint its neighbour is left off the chart (summary.json has them all).
    const w = textWidth(s.name, TEXT_SCALE);
    if (px - w / 2 > lastRight + 6) {
      drawText(img, s.name, px, titleH - 2, { scale: TEXT_SCALE, align: 'center', color: STATION });
      lastRight = px + w / 2;
    }
  }
  return { ...img, plotX, plotWidth: plotW, plotTop: firstTop, plotBottom: axisY, lengthKm: opts.lengthKm };
}
