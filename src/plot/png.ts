// PNG encoder for RGBA images (8 bits per channel, colour type 6), written out by hand so it runs
// unchanged in Node and in the browser; fflate supplies the zlib stream for IDAT.
//
// Each row gets the filter (None or Sub) with the smaller sum of absolute signed bytes, the
// heuristic the PNG spec suggests; charts are mostly flat colour, where Sub turns runs into zeros.

import { unzlibSync, zlibSync } from 'fflate';
import type { Image } from './image.ts';

export const PNG_SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as PNG uses) of `bytes`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(payload, 8);
  // The CRC covers the type and the data, not the length.
  view.setUint32(8 + payload.length, crc32(out, 4, 8 + payload.length));
  return out;
}

function filterRows(img: Image): Uint8Array {
  const stride = img.width * 4;
  const out = new Uint8Array((stride + 1) * img.height);
  const src = img.data;
  const sub = new Uint8Array(stride);
  for (let y = 0; y < img.height; y++) {
    const row = y * stride;
    let costNone = 0;
    let costSub = 0;
    for (let i = 0; i < stride; i++) {
      const raw = src[row + i];
      const s = (raw - (i >= 4 ? src[row + i - 4] : 0)) & 0xff;
      sub[i] = s;
      costNone += raw < 128 ? raw : 256 - raw;
      costSub += s < 128 ? s : 256 - s;
    }
    const o = y * (stride + 1);
    if (costSub < costNone) {
      out[o] = 1;
      out.set(sub, o + 1);
    } else {
      out[o] = 0;
      out.set(src.subarray(row, row + stride), o + 1);
    }
  }
  return out;
}

/** Encodes `img` as a PNG file (RGBA, 8-bit, non-interlaced). */
export function encodePng(img: Image, compressionLevel: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 6): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, img.width);
  v.setUint32(4, img.height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: truecolour with alpha
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0 (adaptive, per-row filter byte)
  ihdr[12] = 0; // no interlace
  const idat = zlibSync(filterRows(img), { level: compressionLevel });
  const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

export interface DecodedPng {
  width: number;
  height: number;
  data: Uint8ClampedArray;
  /** Chunk types in file order, e.g. ["IHDR", "IDAT", "IEND"]. */
  chunkTypes: string[];
}

/**
 * Decodes a non-interlaced 8-bit RGBA PNG (what encodePng writes), verifying the signature and
 * every chunk CRC. For tests and for end-to-end checks of written quicklooks; not a general reader.
 */
export function decodePng(bytes: Uint8Array): DecodedPng {
  for (let i = 0; i < 8; i++) if (bytes[i] !== PNG_SIGNATURE[i]) throw new Error('not a PNG: bad signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunkTypes: string[] = [];
  const idat: Uint8Array[] = [];
  let width = 0;
  let height = 0;
  let off = 8;
  while (off < bytes.length) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    const crc = view.getUint32(off + 8 + len);
    if (crc !== crc32(bytes, off + 4, off + 8 + len)) throw new Error(`PNG chunk ${type}: CRC mismatch`);
    const payload = bytes.subarray(off + 8, off + 8 + len);
    chunkTypes.push(type);
    if (type === 'IHDR') {
      width = view.getUint32(off + 8);
      height = view.getUint32(off + 12);
      if (payload[8] !== 8 || payload[9] !== 6 || payload[12] !== 0) throw new Error('PNG: only 8-bit RGBA, non-interlaced is supported');
    } else if (type === 'IDAT') idat.push(payload);
    off += 12 + len;
  }
  const joined = new Uint8Array(idat.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of idat) { joined.set(p, o); o += p.length; }
  const raw = unzlibSync(joined);
  const stride = width * 4;
  if (raw.length !== (stride + 1) * height) throw new Error('PNG: IDAT size does not match IHDR');
  const data = new Uint8ClampedArray(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= 4 ? data[row + i - 4] : 0;
      const b = y > 0 ? data[row - stride + i] : 0;
      const c = i >= 4 && y > 0 ? data[row - stride + i - 4] : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a); const pb = Math.abs(p - b); const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`PNG: unknown filter ${filter}`);
      data[row + i] = (line[i] + predictor) & 0xff;
    }
  }
  return { width, height, data, chunkTypes };
}
