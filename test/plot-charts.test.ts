import { describe, expect, it } from 'vitest';
import { barChart, histogram, pieChart, scatterDensity, timeSeriesPlot } from '../src/plot/charts.ts';
import { colorAt, VIRIDIS } from '../src/plot/colormap.ts';
import { getPixel, hexColor, type Image, type Rgba } from '../src/plot/image.ts';
import { decodePng, encodePng } from '../src/plot/png.ts';

const same = (a: Rgba, b: Rgba): boolean => a.every((v, i) => Math.abs(v - b[i]) <= 1);

function countInColumn(img: Image, x: number, color: Rgba): number {
  let n = 0;
  for (let y = 0; y < img.height; y++) if (same(getPixel(img, x, y), color)) n++;
  return n;
}

function inkIn(img: Image, x0: number, y0: number, w: number, h: number, isInk: (c: Rgba) => boolean): number {
  let n = 0;
  for (let y = Math.max(0, y0); y < Math.min(img.height, y0 + h); y++) for (let x = Math.max(0, x0); x < Math.min(img.width, x0 + w); x++) if (isInk(getPixel(img, x, y))) n++;
  return n;
}
const isDarkGrey = (c: Rgba): boolean => c[0] < 110 && Math.abs(c[0] - c[1]) < 12 && Math.abs(c[1] - c[2]) < 12;

describe('barChart', () => {
  it('draws bars with heights proportional to their values, value labels and category labels', () => {
    const blue = hexColor('#1f77b4');
    const chart = barChart({ title: 'Counts', categories: ['500 m', '1000 m', '2000 m'], series: [{ label: 'slumps', values: [10, 20, 40], color: blue }], yLabel: 'Count' });
    const img = decodePng(encodePng(chart));
    const groupW = chart.plot.width / 3;
    const heights = [0, 1, 2].map((c) => countInColumn(img, Math.round(chart.plot.x + (c + 0.5) * groupW), blue));
    expect(heights[0]).toBeGreaterThan(10);
    // Heights ∝ values: each equals value × (pixels per unit) of a zero-based axis, within the
    // rounding of whole-pixel edges and the 1-px zero line drawn over the bar foot.
    const pxPerUnit = chart.yToPx!(0) - chart.yToPx!(1);
    [10, 20, 40].forEach((v, c) => expect(Math.abs(heights[c] - v * pxPerUnit)).toBeLessThanOrEqual(2));
    expect(heights[2] / heights[0]).toBeGreaterThan(3.9);
    expect(heights[2] / heights[0]).toBeLessThan(4.15);
    // Value label just above the tallest bar, category labels under the axis.
    const topOfBar = Math.round(chart.yToPx!(40));
    const cx = Math.round(chart.plot.x + 2.5 * groupW);
    expect(inkIn(img, cx - 20, topOfBar - 22, 40, 20, isDarkGrey)).toBeGreaterThan(20);
    expect(inkIn(img, cx - 40, chart.plot.y + chart.plot.height + 4, 80, 20, isDarkGrey)).toBeGreaterThan(20);
  });

  it('rejects a series whose length does not match the categories', () => {
    expect(() => barChart({ title: '', categories: ['a', 'b'], series: [{ label: 's', values: [1] }] })).toThrow(/1 values for 2 categories/);
  });
});

describe('pieChart', () => {
  it('fills slices clockwise from 12 o\'clock in their colours', () => {
    const a = hexColor('#1f77b4');
    const b = hexColor('#ff7f0e');
    const chart = pieChart({ title: 'Shares', slices: [{ label: 'vertical', value: 3, color: a }, { label: 'east–west', value: 1, color: b }] });
    const cx = chart.plot.x + chart.plot.width / 2;
    const cy = chart.plot.y + chart.plot.height / 2;
    const r = chart.plot.width / 2;
    // 75 % slice covers 12 → 9 o'clock clockwise; the 25 % slice the upper-left quadrant.
    expect(getPixel(chart, Math.round(cx + r * 0.8), Math.round(cy))).toEqual(a); // 3 o'clock
    expect(getPixel(chart, Math.round(cx), Math.round(cy + r * 0.8))).toEqual(a); // 6 o'clock
    expect(getPixel(chart, Math.round(cx - r * 0.5), Math.round(cy - r * 0.5))).toEqual(b); // 10:30
    expect(getPixel(chart, Math.round(cx + r + 10), Math.round(cy - r - 5))).toEqual([255, 255, 255, 255]);
  });
});

describe('histogram', () => {
  it('counts every in-range value once', () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => (i % 100) / 10);
    const h = histogram({ title: 'Rates', values: [...values, NaN], bins: 10, range: [0, 10], xLabel: 'mm/yr' });
    expect(h.counts.length).toBe(10);
    expect(h.counts.reduce((s, c) => s + c, 0)).toBe(1000);
    expect(Array.from(h.counts)).toEqual(new Array(10).fill(100));
  });
});

describe('scatterDensity', () => {
  it('colours the densest cell with the top of the colour map and leaves empty cells white', () => {
    const n = 5000;
    const x = new Float64Array(n).map((_, i) => (i < 4000 ? 5 : (i % 100) / 10));
    const y = new Float64Array(n).map((_, i) => (i < 4000 ? 5 : (i % 37) / 3.7));
    const chart = scatterDensity({ title: 'ALT vs amplitude', x, y, xRange: [0, 10], yRange: [0, 10], xLabel: 'mm', yLabel: 'm', overlays: [{ label: 'envelope', x: [0, 10], y: [0, 1] }] });
    const px = Math.floor(chart.xToPx!(5));
    const py = Math.floor(chart.yToPx!(5));
    expect(getPixel(chart, px, py)).toEqual(colorAt(VIRIDIS, 1));
    expect(getPixel(chart, Math.floor(chart.xToPx!(9.5)), Math.floor(chart.yToPx!(1.5)))).toEqual([255, 255, 255, 255]);
  });
});

describe('timeSeriesPlot', () => {
  const t = Array.from({ length: 100 }, (_, i) => 2016 + i * 0.03);
  const d = t.map((tt) => 10 * Math.sin(2 * Math.PI * tt));
  const temp = t.map((tt) => 268 + 10 * Math.sin(2 * Math.PI * (tt - 0.3)));
  const red = hexColor('#d62728');
  const chart = timeSeriesPlot({
    title: 'Pixel', yLabel: 'Displacement (mm)', y2Label: 'Temperature (K)',
    series: [{ label: 'LOS', t, values: d }, { label: 'T', t, values: temp, axis: 'right', style: 'line', color: red }],
    referenceLines: [{ value: 273.15, axis: 'right', label: '0 °C' }],
    shadedIntervals: [{ start: 2016.4, end: 2016.8, label: 'thaw window' }],
  });

  it('draws the reference line dashed at its right-axis value', () => {
    const y = Math.floor(chart.y2ToPx!(273.15));
    let grey = 0;
    let gaps = 0;
    for (let x = chart.plot.x + 2; x < chart.plot.x + chart.plot.width - 2; x++) {
      const c = getPixel(chart, x, y);
      if (isDarkGrey(c) || (c[0] < 140 && c[0] === c[1] && c[1] === c[2])) grey++;
      else gaps++;
    }
    expect(grey).toBeGreaterThan(100);
    expect(gaps).toBeGreaterThan(100);
  });

  it('shades the interval and labels the right axis in the series colour', () => {
    const xMid = Math.round(chart.xToPx!(2016.6));
    const c = getPixel(chart, xMid, chart.plot.y + 3);
    expect(c[0]).toBeGreaterThan(c[2] + 20); // warm tint over white
    const right = chart.plot.x + chart.plot.width;
    const reddish = (p: Rgba): boolean => p[0] > 150 && p[1] < 90 && p[2] < 90;
    expect(inkIn(chart, right + 40, chart.plot.y, chart.width - right - 40, chart.plot.height, reddish)).toBeGreaterThan(50);
    // y-axis title (rotated) left of the tick numbers.
    expect(inkIn(chart, 0, chart.plot.y, 40, chart.plot.height, isDarkGrey)).toBeGreaterThan(50);
  });

  it('uses whole years on a multi-year axis', () => {
    const years = [2017, 2018, 2019].map((yr) => Math.round(chart.xToPx!(yr)));
    const bottom = chart.plot.y + chart.plot.height;
    for (const x of years) expect(isDarkGrey(getPixel(chart, x, bottom + 2))).toBe(true); // tick mark
  });
});
