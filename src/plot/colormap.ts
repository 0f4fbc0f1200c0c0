// Colour maps for the products: sequential for magnitudes (amplitude, ALT), diverging centred on
// zero for signed rates, cyclic for day-of-year timing (1 January and 31 December must look
// alike), and a categorical palette for class maps and chart series.
//
// Each continuous map is a 256-entry lookup table interpolated linearly (in sRGB) from published
// stops; with ≥ 9 stops the difference from the full tables is below what a quicklook can show.

import { hexColor, type Rgba } from './image.ts';

export type ColormapKind = 'sequential' | 'diverging' | 'cyclic' | 'categorical';

export interface Colormap {
  name: string;
  kind: ColormapKind;
  /** 256 × RGB for continuous maps; palette entries × RGB for categorical ones. */
  lut: Uint8Array;
}

export type ColormapName = 'viridis' | 'rdbu' | 'twilight' | 'categorical';

function fromStops(name: string, kind: ColormapKind, stops: string[]): Colormap {
  const rgb = stops.map(hexColor);
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const pos = (i / 255) * (rgb.length - 1);
    const k = Math.min(rgb.length - 2, Math.floor(pos));
    const f = pos - k;
    for (let ch = 0; ch < 3; ch++) lut[i * 3 + ch] = Math.round(rgb[k][ch] * (1 - f) + rgb[k + 1][ch] * f);
  }
  return { name, kind, lut };
}

/** matplotlib's viridis (van der Walt & Smith), 11 stops: perceptually uniform, colour-blind safe. */
export const VIRIDIS = fromStops('viridis', 'sequential', [
  '#440154', '#482576', '#414487', '#35608d', '#2a788e', '#21908c',
  '#22a884', '#43bf71', '#7ad151', '#bbdf27', '#fde725',
]);

/**
 * ColorBrewer RdBu, ordered blue (low) → white (0) → red (high). For LOS rates positive is
 * toward the satellite (uplift on a vertical-motion pixel), so red = uplift, blue = subsidence;
 * use `reversed(RDBU)` for the opposite convention.
 */
export const RDBU = fromStops('rdbu', 'diverging', [
  '#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7',
  '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f',
]);

/**
 * A cyclic map in the manner of matplotlib's "twilight": light at both ends, blue through dark
 * purple to red in between, so the wrap from day 366 to day 1 is seamless and the two halves of
 * the year stay distinguishable (unlike an HSV wheel, whose brightness jumps around).
 */
export const TWILIGHT = fromStops('twilight', 'cyclic', [
  '#e2d9e2', '#a6b8d1', '#6a8cc4', '#5a5aaf', '#4a2d7a', '#2f1436',
  '#5b1a4a', '#8e3a52', '#b4645f', '#cc9a8c', '#e2d9e2',
]);

/** Tableau 10 (matplotlib tab10): distinct hues for series and classes. */
export const CATEGORICAL: Colormap = (() => {
  const hex = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  const lut = new Uint8Array(hex.length * 3);
  hex.forEach((h, i) => lut.set(hexColor(h).slice(0, 3), i * 3));
  return { name: 'categorical', kind: 'categorical', lut };
})();

const BY_NAME: Record<ColormapName, Colormap> = { viridis: VIRIDIS, rdbu: RDBU, twilight: TWILIGHT, categorical: CATEGORICAL };

export function colormapByName(name: ColormapName): Colormap {
  return BY_NAME[name];
}

/** Same map run the other way (e.g. red for subsidence). */
export function reversed(cm: Colormap): Colormap {
  const n = cm.lut.length / 3;
  const lut = new Uint8Array(cm.lut.length);
  for (let i = 0; i < n; i++) lut.set(cm.lut.subarray((n - 1 - i) * 3, (n - i) * 3), i * 3);
  return { name: `${cm.name}_r`, kind: cm.kind, lut };
}

/** Colour of palette entry `index` (wraps around), for chart series. */
export function categoricalColor(index: number, cm: Colormap = CATEGORICAL): Rgba {
  const n = cm.lut.length / 3;
  const i = (((Math.floor(index) % n) + n) % n) * 3;
  return [cm.lut[i], cm.lut[i + 1], cm.lut[i + 2], 255];
}

/**
 * Colour of `fraction` in 0..1 along a continuous map; values outside are clamped, except on a
 * cyclic map, where they wrap. NaN gives `nanColor`.
 */
export function colorAt(cm: Colormap, fraction: number, nanColor: Rgba = NAN_GREY): Rgba {
  if (!Number.isFinite(fraction)) return nanColor;
  if (cm.kind === 'categorical') return categoricalColor(Math.round(fraction * (cm.lut.length / 3 - 1)), cm);
  let f = fraction;
  if (cm.kind === 'cyclic') f = f - Math.floor(f);
  f = f < 0 ? 0 : f > 1 ? 1 : f;
  const i = Math.round(f * 255) * 3;
  return [cm.lut[i], cm.lut[i + 1], cm.lut[i + 2], 255];
}

/** No-data pixels: light grey reads as "nothing here" on both white paper and a dark map. */
export const NAN_GREY: Rgba = [217, 217, 217, 255];

/** Maps `value` in [min, max] to a colour. */
export function colorForValue(cm: Colormap, value: number, min: number, max: number, nanColor: Rgba = NAN_GREY): Rgba {
  if (!Number.isFinite(value)) return nanColor;
  return colorAt(cm, max > min ? (value - min) / (max - min) : 0.5, nanColor);
}
