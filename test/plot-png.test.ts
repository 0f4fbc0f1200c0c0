import { describe, expect, it } from 'vitest';
import { unzlibSync } from 'fflate';
import { createImage, fillRect, getPixel, type Rgba } from '../src/plot/image.ts';
import { crc32, decodePng, encodePng, PNG_SIGNATURE } from '../src/plot/png.ts';

describe('encodePng', () => {
  it('writes signature, IHDR, IDAT, IEND with valid CRCs and round-trips the pixels', () => {
    const img = createImage(37, 23, [255, 255, 255, 255]);
    fillRect(img, 5, 4, 10, 6, [200, 30, 40, 255]);
    fillRect(img, 20, 10, 7, 7, [10, 120, 250, 128]); // translucent over white
    img.data[(22 * 37 + 36) * 4 + 3] = 0; // one fully transparent corner pixel
    const png = encodePng(img);

    expect(Array.from(png.subarray(0, 8))).toEqual(Array.from(PNG_SIGNATURE));
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    // Walk the chunks by hand (independently of decodePng) and check every CRC.
    const types: string[] = [];
    let off = 8;
    while (off < png.length) {
      const len = view.getUint32(off);
      types.push(String.fromCharCode(...png.subarray(off + 4, off + 8)));
      expect(view.getUint32(off + 8 + len)).toBe(crc32(png, off + 4, off + 8 + len));
      off += 12 + len;
    }
    expect(off).toBe(png.length);
    expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(view.getUint32(16)).toBe(37); // IHDR width
    expect(view.getUint32(20)).toBe(23); // IHDR height
    expect([png[24], png[25]]).toEqual([8, 6]); // 8-bit RGBA

    // IDAT inflates to height × (1 filter byte + 4·width), filters are None or Sub only.
    const idatLen = view.getUint32(33);
    const raw = unzlibSync(png.subarray(41, 41 + idatLen));
    expect(raw.length).toBe(23 * (1 + 37 * 4));
    for (let y = 0; y < 23; y++) expect([0, 1]).toContain(raw[y * (1 + 37 * 4)]);

    const decoded = decodePng(png);
    expect(decoded.width).toBe(37);
    expect(decoded.height).toBe(23);
    expect(Array.from(decoded.data)).toEqual(Array.from(img.data));
    expect(getPixel(decoded, 6, 5)).toEqual([200, 30, 40, 255] as Rgba);
  });

  it('matches the standard CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('decodePng rejects a corrupted chunk', () => {
    const png = encodePng(createImage(4, 4));
    png[45] ^= 0xff; // a byte inside IDAT
    expect(() => decodePng(png)).toThrow(/CRC/);
  });
});
