import { describe, expect, it } from 'vitest';
import { hexColor, getPixel, type Image } from '../src/plot/image.ts';
import { NAN_GREY, RDBU, VIRIDIS, colorAt } from '../src/plot/colormap.ts';
import { decodePng, encodePng } from '../src/plot/png.ts';
import { renderRasterQuicklook, robustRange } from '../src/plot/raster.ts';

/** Image pixel at the centre of raster cell (col, row). */
function cellPixel(q: ReturnType<typeof renderRasterQuicklook>, col: number, row: number) {
  const s = q.map.scale;
  return [Math.floor(q.map.x + (col + 0.5) * s), Math.floor(q.map.y + (row + 0.5) * s)] as const;
}

function darkPixels(img: Image, x0: number, y0: number, w: number, h: number): number {
  let n = 0;
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) {
    // Ink is a dark neutral grey; dark colormap colours (viridis purple) are not grey.
    const [r, g, b] = getPixel(img, x, y);
    if (r < 110 && Math.abs(r - g) < 12 && Math.abs(g - b) < 12) n++;
  }
  return n;
}

describe('renderRasterQuicklook', () => {
  const width = 20;
  const height = 10;
  const ramp = new Float32Array(width * height).map((_, i) => (i % width) / (width - 1));
  ramp[2 * width + 3] = NaN;

  it('enlarges a small raster by a whole factor and colours cells from the map', () => {
    const q = renderRasterQuicklook({ data: ramp, width, height, title: 'Amplitude', unitLabel: 'mm', colormap: 'viridis', range: [0, 1] });
    expect(q.map.scale).toBe(20); // 20 px wide → at least 400 px
    expect(q.map.width).toBe(400);
    expect(q.range).toEqual([0, 1]);
    // Survive the PNG round trip, then read pixels.
    const img = decodePng(encodePng(q));
    expect(getPixel(img, ...cellPixel(q, 3, 2))).toEqual(NAN_GREY);
    expect(getPixel(img, ...cellPixel(q, 0, 0))).toEqual(hexColor('#440154'));
    expect(getPixel(img, ...cellPixel(q, width - 1, 5))).toEqual(hexColor('#fde725'));
    expect(getPixel(img, ...cellPixel(q, 0, 0))).toEqual(colorAt(VIRIDIS, 0));
  });

  it('draws the title above the map and the unit label beside the colour bar', () => {
    const q = renderRasterQuicklook({ data: ramp, width, height, title: 'Amplitude', unitLabel: 'mm', colormap: 'viridis', range: [0, 1] });
    expect(darkPixels(q, q.map.x, 0, 200, q.map.y - 4)).toBeGreaterThan(50); // title ink
    const right = q.map.x + q.map.width + 20;
    expect(darkPixels(q, right, q.map.y, q.width - right, q.map.height)).toBeGreaterThan(100); // ticks, numbers, unit
    expect(darkPixels(q, q.map.x + 2, q.map.y + 2, q.map.width - 4, q.map.height - 4)).toBe(0); // nothing drawn over the map
  });

  it('centres a diverging map on zero by default (white at 0)', () => {
    const data = new Float32Array(100).map((_, i) => -3 + (13 * i) / 99);
    const [lo, hi] = robustRange(data, true);
    expect(lo).toBeCloseTo(-hi, 9);
    const q = renderRasterQuicklook({ data, width: 10, height: 10, title: 'Rate', unitLabel: 'mm/yr', colormap: 'rdbu' });
    expect(q.range[0]).toBeCloseTo(-q.range[1], 6);
    const mid = colorAt(RDBU, 0.5);
    hexColor('#f7f7f7').forEach((c, i) => expect(Math.abs(mid[i] - c)).toBeLessThanOrEqual(2));
  });

  it('uses the 2nd–98th percentile as the default range', () => {
    const data = new Float32Array(1001).map((_, i) => i / 10); // 0..100
    const [lo, hi] = robustRange(data);
    expect(lo).toBeCloseTo(2, 6);
    expect(hi).toBeCloseTo(98, 6);
  });

  it('paints class maps with the category colours', () => {
    const classes = new Float32Array(width * height).map((_, i) => 1 + ((i % width) >= 10 ? 1 : 0) + (Math.floor(i / width) >= 5 ? 1 : 0));
    const categories = [
      { value: 1, label: 'vertical', color: '#1f77b4' },
      { value: 2, label: 'east–west', color: '#ff7f0e' },
      { value: 3, label: 'undetermined', color: '#999999' },
    ];
    const q = renderRasterQuicklook({ data: classes, width, height, title: 'Direction', unitLabel: 'Class', colormap: 'categorical', categories });
    expect(getPixel(q, ...cellPixel(q, 2, 2))).toEqual(hexColor('#1f77b4'));
    expect(getPixel(q, ...cellPixel(q, 15, 2))).toEqual(hexColor('#ff7f0e'));
    expect(getPixel(q, ...cellPixel(q, 15, 8))).toEqual(hexColor('#999999'));
  });

  it('downsamples a big raster to maxSize on the long side', () => {
    const big = new Float32Array(3000 * 2000).fill(1);
    const q = renderRasterQuicklook({ data: big, width: 3000, height: 2000, title: 'Big', unitLabel: 'm', colormap: 'viridis', maxSize: 600 });
    expect(q.map.width).toBe(600);
    expect(q.map.height).toBe(400);
  });

  it('rejects data whose length does not match the size', () => {
    expect(() => renderRasterQuicklook({ data: new Float32Array(5), width: 2, height: 2, title: '', unitLabel: '', colormap: 'viridis' })).toThrow(/expected 2×2/);
  });
});
