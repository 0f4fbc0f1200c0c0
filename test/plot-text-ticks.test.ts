import { describe, expect, it } from 'vitest';
import { drawText, hasGlyph, textWidth, capHeight } from '../src/plot/font.ts';
import { createImage, getPixel } from '../src/plot/image.ts';
import { dateTicks, formatTick, niceTicks, niceStep, formatSignificant } from '../src/plot/ticks.ts';

describe('bitmap font', () => {
  it('has a glyph for printable ASCII and the scientific symbols', () => {
    for (let c = 32; c <= 126; c++) expect(hasGlyph(String.fromCharCode(c))).toBe(true);
    for (const ch of '°±²³µ−×·') expect(hasGlyph(ch)).toBe(true);
  });

  it('puts ink inside the measured box, rotated text runs upwards', () => {
    const img = createImage(200, 200);
    drawText(img, 'mm/yr', 10, 10, { scale: 2 });
    const w = textWidth('mm/yr', 2);
    let inside = 0;
    let outside = 0;
    for (let y = 0; y < 200; y++) for (let x = 0; x < 200; x++) {
      if (getPixel(img, x, y)[0] === 255) continue;
      if (x >= 10 && x < 10 + w && y >= 10 && y < 10 + capHeight(2) + 4 * 2) inside++; else outside++;
    }
    expect(inside).toBeGreaterThan(40);
    expect(outside).toBe(0);

    const rot = createImage(60, 200);
    drawText(rot, 'Temperature', 20, 150, { scale: 2, rotate: 90 });
    let minY = 200; let maxY = 0;
    for (let y = 0; y < 200; y++) for (let x = 0; x < 60; x++) if (getPixel(rot, x, y)[0] !== 255) { minY = Math.min(minY, y); maxY = Math.max(maxY, y); }
    expect(maxY).toBeLessThan(150);
    expect(150 - minY).toBeGreaterThanOrEqual(textWidth('Temperature', 2) - 2);
  });
});

describe('ticks', () => {
  it('steps on 1-2-5', () => {
    expect(niceStep(0.13)).toBeCloseTo(0.2, 12);
    expect(niceStep(3)).toBe(5);
    expect(niceStep(7)).toBe(10);
    expect(niceTicks(0, 10, 5).values).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(-0.3, 0.7, 5).values).toEqual([-0.2, 0, 0.2, 0.4, 0.6]);
  });

  it('formats with a real minus and without -0', () => {
    const t = niceTicks(-1, 1, 4);
    expect(t.values.map((v) => formatTick(v, t))).toEqual(['−1.0', '−0.5', '0.0', '0.5', '1.0']);
    expect(formatSignificant(1234567)).toBe('1.23e6');
    expect(formatSignificant(-0.01234)).toBe('−0.0123');
  });

  it('labels decimal-year axes by year, or by month for short spans', () => {
    expect(dateTicks(2014.9, 2022.7).labels).toEqual(['2015', '2016', '2017', '2018', '2019', '2020', '2021', '2022']);
    const short = dateTicks(2019.95, 2021.05, 6);
    expect(short.labels[0]).toBe('Jan 2020');
    expect(short.labels).toContain('Jan 2021');
    expect(short.values[0]).toBeCloseTo(2020, 9);
  });
});
