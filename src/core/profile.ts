// What each segment of a route stands on (issue 23, `permasar profile`): which pixels belong to
// which segment, the statistics of every product over them, thermokarst features near each
// segment, and the flags by the study's thresholds. Pure: no I/O; the job (jobs/profile.ts)
// reads the rasters in row blocks and feeds the values in.
//
// A pixel belongs to the segment nearest its centre when that is within the half-width
// (geodesic on WGS 84, geodesy.ts). Segment edges sit in the spatial index of core/hazards.ts,
// so a pixel looks at the few edges around it; and only pixels inside the row intervals that
// the segments' boxes (grown by the half-width) cover are looked at, so a corridor mosaic of
// 10⁷ pixels costs the pixels near the line, not the mosaic.

import { EdgeIndex, edgeInsideFeature, featureToEdgeDistanceM, prepareFeature, type HazardFeature, type HazardLine } from './hazards.ts';
import { edgeBulgeBoundM, lonLatToEcef, metresToDegreeMargins, pointToEdgeDistanceM, surfaceDistanceEcefM } from './geodesy.ts';
import type { RasterGrid } from './grid.ts';
import type { Segment } from './routes.ts';

/**
 * How a product is summarised per segment:
 * - continuous: count, median, P5, P95 of the valid pixels;
 * - day-of-year: count, circular mean (days on the 365.25-day calendar circle, as every timing
 *   product: the mean of days 360 and 5 is day 0.5 + …, not 182) and mean resultant length;
 * - flag: count and the share of valid pixels that are 1 (e.g. the seasonal share);
 * - class: count and the share of each class (Table 1's direction classes).
 */
export type ProductKind = 'continuous' | 'day-of-year' | 'flag' | 'class';

/** The columns a product adds to segments.csv, in order. */
export function productColumns(name: string, kind: ProductKind, classNames?: Record<number, string>): string[] {
  switch (kind) {
    case 'continuous': return [`${name}_count`, `${name}_median`, `${name}_p5`, `${name}_p95`];
    case 'day-of-year': return [`${name}_count`, `${name}_circular_mean`, `${name}_resultant_length`];
    case 'flag': return [`${name}_count`, `${name}_share`];
    case 'class': return [`${name}_count`, ...Object.values(classNames ?? {}).map((c) => `${name}_share_${c}`)];
  }
}

/** Quantile p ∈ [0, 1] of ascending values by linear interpolation between order statistics (numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

const DAYS_PER_YEAR = 365.25;

/**
 * Statistics of one segment's valid values (finite ones; the caller passes them unsorted, they
 * are sorted in place). Values by column, as productColumns names them; null = no value.
 */
export function segmentStatistics(values: Float32Array | Float64Array, kind: ProductKind, classNames?: Record<number, string>): (number | null)[] {
  const n = values.length;
  const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
  switch (kind) {
    case 'continuous': {
      values.sort();
      return [n, orNull(quantileSorted(values, 0.5)), orNull(quantileSorted(values, 0.05)), orNull(quantileSorted(values, 0.95))];
    }
    case 'day-of-year': {
      // Day d sits at angle 2π(d − 1)/365.25 (the decimal-year convention of core/time.ts).
      let c = 0, s = 0;
      for (let i = 0; i < n; i++) {
        const a = (2 * Math.PI * (values[i] - 1)) / DAYS_PER_YEAR;
        c += Math.cos(a);
        s += Math.sin(a);
      }
      if (n === 0) return [0, null, null];
      const resultant = Math.hypot(c, s) / n;
      let mean = 1 + (Math.atan2(s, c) * DAYS_PER_YEAR) / (2 * Math.PI);
      if (mean < 1) mean += DAYS_PER_YEAR;
      return [n, resultant > 1e-12 ? mean : null, resultant];
    }
    case 'flag': {
      let ones = 0;
      for (let i = 0; i < n; i++) if (values[i] === 1) ones++;
      return [n, n > 0 ? ones / n : null];
    }
    case 'class': {
      const codes = Object.keys(classNames ?? {}).map(Number);
      const counts = new Map<number, number>();
      for (let i = 0; i < n; i++) counts.set(values[i], (counts.get(values[i]) ?? 0) + 1);
      return [n, ...codes.map((code) => (n > 0 ? (counts.get(code) ?? 0) / n : null))];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pixels to segments

/** Segments as the lines of a hazards EdgeIndex, so `edgeLine` of an edge is its segment. */
function segmentLines(segments: Segment[]): HazardLine[] {
  return segments.map((s, i) => ({ id: i, lineClass: 'segment', parts: s.parts }));
}

/** The nearest segment of a point within a radius: the spatial index of core/hazards.ts over segment edges. */
export class SegmentIndex {
  readonly index: EdgeIndex;
  private readonly candidates = [new Int32Array(256)];
  private readonly point = new Float64Array(3);

  constructor(readonly segments: Segment[], readonly radiusM: number) {
    this.index = new EdgeIndex(segmentLines(segments), radiusM);
  }

  /** Index of the nearest segment within radiusM of (lon, lat), −1 when none; distance in `out[0]`. */
  nearest(lon: number, lat: number, out?: Float64Array): number {
    const n = this.index.candidates(lon, lat, lon, lat, this.radiusM, this.candidates);
    if (n === 0) return -1;
    lonLatToEcef(lon, lat, this.point, 0);
    const ids = this.candidates[0];
    const e = this.index.edgeEcef;
    const sphere = this.index.edgeSphere;
    const p = this.point;
    let best = -1;
    let bestM = this.radiusM;
    for (let k = 0; k < n; k++) {
      const edge = ids[k];
      // Sphere bound first: most candidates are farther than the best so far.
      const s4 = edge * 4;
      const dx = p[0] - sphere[s4], dy = p[1] - sphere[s4 + 1], dz = p[2] - sphere[s4 + 2];
      if (Math.sqrt(dx * dx + dy * dy + dz * dz) - sphere[s4 + 3] > bestM) continue;
      const d = pointToEdgeDistanceM(p, 0, e, edge * 6, e, edge * 6 + 3);
      const segment = this.index.edgeLine[edge];
      // Ties (a pixel exactly between two segments) go to the lower chainage: deterministic.
      if (d < bestM || (d === bestM && best >= 0 && segment < best) || (d === bestM && best < 0)) {
        bestM = d;
        best = segment;
      }
    }
    if (out) out[0] = bestM;
    return best;
  }
}

/**
 * Per row of `grid`, the column intervals [c0, c1] (inclusive, merged) whose pixels may lie within
 * `radiusM` of a segment: each segment edge, cut into steps of ≤ 1 km, is placed on the grid by
 * `toGrid` (lon/lat → the grid's map coordinates) and its box grown by the radius and the edge's
 * bulge. `metresPerUnit` converts metres to the grid's map units (undefined: degrees). A superset:
 * the exact test is SegmentIndex.nearest.
 */
export function candidateRows(segments: Segment[], grid: RasterGrid, toGrid: (lon: number, lat: number) => [number, number], radiusM: number, geographic: boolean): Map<number, Int32Array> {
  const gt = grid.geoTransform;
  if (gt[2] !== 0 || gt[4] !== 0) throw new Error('candidateRows: rotated grids are not supported');
  const rowsOf = new Map<number, number[]>();
  const add = (x0: number, y0: number, x1: number, y1: number): void => {
    const colA = (x0 - gt[0]) / gt[1], colB = (x1 - gt[0]) / gt[1];
    const rowA = (y0 - gt[3]) / gt[5], rowB = (y1 - gt[3]) / gt[5];
    const c0 = Math.max(0, Math.floor(Math.min(colA, colB) - 0.5));
    const c1 = Math.min(grid.width - 1, Math.ceil(Math.max(colA, colB) - 0.5));
    const r0 = Math.max(0, Math.floor(Math.min(rowA, rowB) - 0.5));
    const r1 = Math.min(grid.height - 1, Math.ceil(Math.max(rowA, rowB) - 0.5));
    if (c0 > c1 || r0 > r1) return;
    for (let r = r0; r <= r1; r++) {
      let list = rowsOf.get(r);
      if (!list) rowsOf.set(r, (list = []));
      list.push(c0, c1);
    }
  };
  const ecef = new Float64Array(6);
  for (const segment of segments) {
    for (const part of segment.parts) {
      for (let i = 2; i < part.length; i += 2) {
        const lonA = part[i - 2], latA = part[i - 1], lonB = part[i], latB = part[i + 1];
        lonLatToEcef(lonA, latA, ecef, 0);
        lonLatToEcef(lonB, latB, ecef, 3);
        const lengthM = surfaceDistanceEcefM(ecef, 0, ecef, 3);
        const steps = Math.max(1, Math.ceil(lengthM / 1000));
        const maxAbsLat = Math.max(Math.abs(latA), Math.abs(latB));
        // A step's straight line in lon/lat departs from the geodesic by at most the bulge of
        // the whole edge; the margin covers both.
        const marginM = radiusM + edgeBulgeBoundM(lengthM, maxAbsLat);
        for (let s = 0; s < steps; s++) {
          const la = lonA + ((lonB - lonA) * s) / steps, pa = latA + ((latB - latA) * s) / steps;
          const lb = lonA + ((lonB - lonA) * (s + 1)) / steps, pb = latA + ((latB - latA) * (s + 1)) / steps;
          if (geographic) {
            const { dLatDeg, dLonDeg } = metresToDegreeMargins(marginM, Math.max(Math.abs(pa), Math.abs(pb)));
            const [xa, ya] = toGrid(Math.min(la, lb) - dLonDeg, Math.min(pa, pb) - dLatDeg);
            const [xb, yb] = toGrid(Math.max(la, lb) + dLonDeg, Math.max(pa, pb) + dLatDeg);
            add(xa, ya, xb, yb);
          } else {
            // Projected map units are metres up to the projection's scale factor: UTM and
            // Gauss–Krüger stay within 1.001 in their zones; 1.25 leaves room for more, plus a pixel.
            const [xa, ya] = toGrid(la, pa);
            const [xb, yb] = toGrid(lb, pb);
            const m = marginM * 1.25 + Math.max(Math.abs(gt[1]), Math.abs(gt[5]));
            add(Math.min(xa, xb) - m, Math.min(ya, yb) - m, Math.max(xa, xb) + m, Math.max(ya, yb) + m);
          }
        }
      }
    }
  }
  const merged = new Map<number, Int32Array>();
  for (const [row, list] of rowsOf) {
    const pairs: [number, number][] = [];
    for (let i = 0; i < list.length; i += 2) pairs.push([list[i], list[i + 1]]);
    pairs.sort((a, b) => a[0] - b[0]);
    const out: number[] = [];
    for (const [a, b] of pairs) {
      if (out.length && a <= out[out.length - 1] + 1) out[out.length - 1] = Math.max(out[out.length - 1], b);
      else out.push(a, b);
    }
    merged.set(row, Int32Array.from(out));
  }
  return merged;
}

/** Which pixels of a grid belong to which segment: pixel indices ascending, and their segments. */
export interface PixelAssignment {
  pixel: Float64Array;
  segment: Int32Array;
  /** Pixels per segment (all, valid or not). */
  perSegment: Int32Array;
}

/**
 * The assignment of every pixel of `grid` within the half-width of a segment. `toLonLat` maps
 * the grid's map coordinates to WGS 84 lon/lat, `toGrid` the reverse.
 */
export function assignPixels(
  index: SegmentIndex, grid: RasterGrid,
  toGrid: (lon: number, lat: number) => [number, number], toLonLat: (x: number, y: number) => [number, number], geographic: boolean,
): PixelAssignment {
  const rows = candidateRows(index.segments, grid, toGrid, index.radiusM, geographic);
  const gt = grid.geoTransform;
  const pixels: number[] = [];
  const segs: number[] = [];
  const perSegment = new Int32Array(index.segments.length);
  for (const row of [...rows.keys()].sort((a, b) => a - b)) {
    const intervals = rows.get(row)!;
    const y = gt[3] + (row + 0.5) * gt[5];
    for (let k = 0; k < intervals.length; k += 2) {
      for (let col = intervals[k]; col <= intervals[k + 1]; col++) {
        const [lon, lat] = toLonLat(gt[0] + (col + 0.5) * gt[1], y);
        const s = index.nearest(lon, lat);
        if (s < 0) continue;
        pixels.push(row * grid.width + col);
        segs.push(s);
        perSegment[s]++;
      }
    }
  }
  return { pixel: Float64Array.from(pixels), segment: Int32Array.from(segs), perSegment };
}

/**
 * Values of one product gathered per segment (CSR): `values[start[s] .. start[s] + filled[s])`
 * are the valid values of segment s. Fed row block by row block.
 */
export class SegmentValues {
  readonly start: Int32Array;
  readonly filled: Int32Array;
  readonly values: Float32Array;
  private cursor = 0;

  constructor(readonly assignment: PixelAssignment, readonly width: number, private readonly valid: (v: number) => boolean = Number.isFinite) {
    const n = assignment.perSegment.length;
    this.start = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) this.start[s + 1] = this.start[s] + assignment.perSegment[s];
    this.filled = new Int32Array(n);
    this.values = new Float32Array(assignment.pixel.length);
  }

  /** Rows [row0, row0 + nRows) of the product; blocks must come in increasing row order. */
  addRows(row0: number, nRows: number, data: Float32Array): void {
    const a = this.assignment;
    const first = row0 * this.width;
    const end = (row0 + nRows) * this.width;
    while (this.cursor < a.pixel.length && a.pixel[this.cursor] < first) this.cursor++;
    for (; this.cursor < a.pixel.length && a.pixel[this.cursor] < end; this.cursor++) {
      const v = data[a.pixel[this.cursor] - first];
      if (!this.valid(v)) continue;
      const s = a.segment[this.cursor];
      this.values[this.start[s] + this.filled[s]++] = v;
    }
  }

  /** The row ranges holding assigned pixels, as [row0, row1] pairs merged within `gapRows`. */
  static rowSpans(assignment: PixelAssignment, width: number, gapRows: number): [number, number][] {
    const spans: [number, number][] = [];
    for (let i = 0; i < assignment.pixel.length; i++) {
      const row = Math.floor(assignment.pixel[i] / width);
      const last = spans[spans.length - 1];
      if (last && row <= last[1] + gapRows) last[1] = Math.max(last[1], row);
      else spans.push([row, row]);
    }
    return spans;
  }

  of(segment: number): Float32Array {
    return this.values.subarray(this.start[segment], this.start[segment] + this.filled[segment]);
  }
}

// ---------------------------------------------------------------------------------------------
// Features near segments

export interface SegmentFeatureCounts {
  featureTypes: string[];
  buffersM: number[];
  /** counts[segment][type][buffer]. */
  counts: Int32Array[][];
  /** Nearest feature of any type per segment, m (Infinity when none within the largest distance searched). */
  nearestM: Float64Array;
  /** Whether any feature lies within `flagM` of each segment. */
  within: Uint8Array;
}

/**
 * For every segment, the features of each type within each buffer (a feature counts when any
 * part of it is within the distance, the rule of `hazards`), the nearest feature, and whether one
 * lies within flagM.
 */
export function countFeaturesBySegment(segments: Segment[], features: HazardFeature[], buffersM: number[], flagM: number): SegmentFeatureCounts {
  const searchM = Math.max(flagM, ...buffersM);
  const index = new EdgeIndex(segmentLines(segments), searchM);
  const edgeFirst = new Float64Array(index.edgeCount * 2);
  {
    let e = 0;
    for (const s of segments) for (const part of s.parts) for (let i = 2; i < part.length; i += 2, e++) { edgeFirst[e * 2] = part[i - 2]; edgeFirst[e * 2 + 1] = part[i - 1]; }
  }
  const typeOrder = new Map<string, number>();
  for (const f of features) if (!typeOrder.has(f.featureType)) typeOrder.set(f.featureType, typeOrder.size);
  const featureTypes = [...typeOrder.keys()];
  const counts = segments.map(() => featureTypes.map(() => new Int32Array(buffersM.length)));
  const nearestM = new Float64Array(segments.length).fill(Infinity);
  const within = new Uint8Array(segments.length);
  const candidates = [new Int32Array(256)];
  const perSegment = new Map<number, number>();
  for (const feature of features) {
    const prepared = prepareFeature(feature);
    const n = index.candidates(prepared.box[0], prepared.box[1], prepared.box[2], prepared.box[3], searchM, candidates);
    perSegment.clear();
    const fs = prepared.sphere;
    for (let k = 0; k < n; k++) {
      const edge = candidates[0][k];
      const segment = index.edgeLine[edge];
      const es = index.edgeSphere;
      const e4 = edge * 4;
      const bound = Math.sqrt((fs[0] - es[e4]) ** 2 + (fs[1] - es[e4 + 1]) ** 2 + (fs[2] - es[e4 + 2]) ** 2) - fs[3] - es[e4 + 3];
      const sofar = perSegment.get(segment) ?? Infinity;
      if (bound > searchM || bound >= sofar) continue;
      let d = featureToEdgeDistanceM(prepared, index, edge, bound);
      if (d > 0 && edgeInsideFeature(prepared, edgeFirst[edge * 2], edgeFirst[edge * 2 + 1])) d = 0;
      if (d < sofar) perSegment.set(segment, d);
    }
    const t = typeOrder.get(feature.featureType)!;
    for (const [segment, d] of perSegment) {
      if (d > searchM) continue;
      if (d < nearestM[segment]) nearestM[segment] = d;
      if (d <= flagM) within[segment] = 1;
      for (let b = 0; b < buffersM.length; b++) if (d <= buffersM[b]) counts[segment][t][b]++;
    }
  }
  return { featureTypes, buffersM, counts, nearestM, within };
}

// ---------------------------------------------------------------------------------------------
// Flags

export interface FlagThresholds {
  /** flag_subsidence: median rate ≤ this (mm/yr, negative = away from the satellite / down). */
  subsidenceMmPerYear: number;
  /** flag_amplitude: median seasonal amplitude ≥ this (mm, peak to trough). */
  amplitudeMm: number;
  /** flag_alt: median ALT ≥ this (m). */
  altM: number;
  /** flag_thermokarst: a feature within this distance (m). */
  thermokarstM: number;
}

/** The study's thresholds (DESIGN.md "Along the line"; README "permasar profile"). */
export const STUDY_FLAG_THRESHOLDS: FlagThresholds = { subsidenceMmPerYear: -20, amplitudeMm: 55, altM: 1, thermokarstM: 2000 };

/** 1 when `median` passes the rule, 0 when not, null without a median. */
export function flagOf(median: number | null, rule: 'at-most' | 'at-least', threshold: number): 0 | 1 | null {
  if (median === null || !Number.isFinite(median)) return null;
  return (rule === 'at-most' ? median <= threshold : median >= threshold) ? 1 : 0;
}

/**
 * The first name of `preference` that is among the products, for a flag's source ("the vertical
 * rate, else the up rate, else the LOS rate").
 */
export function pickSource(preference: readonly string[], available: readonly string[]): string | null {
  return preference.find((name) => available.includes(name)) ?? null;
}
