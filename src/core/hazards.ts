// Thermokarst features near infrastructure: the study's Fig. 10b counts thaw slumps (TSs) and
// thaw lakes (TLs) within 500, 1,000, 1,500 and 2,000 m of the QTEC railway and national highway
// (§4.3: e.g. 2,812 TLs within 2,000 m of the highway vs 1,736 of the railway). This module does
// that count for any line classes and feature types, with distances on the WGS 84 ellipsoid
// (core/geodesy.ts), and finds every feature's nearest line.
//
// A feature is "within b metres of class c" when its smallest distance to any edge of any line
// of class c is ≤ b (inclusive). For a polygon that distance is 0 when a line crosses it or
// lies inside it, and otherwise the smallest distance between its boundary and the lines: for
// two edges that do not cross, the closest pair of points always includes an endpoint of one of
// them, so vertex-to-edge distances both ways give it. "Any part within the distance" counts.
//
// Speed: line edges go into a uniform lon/lat grid (cells about one largest-buffer wide), each
// edge in every cell its bounding box (grown by its geodesic bulge) touches. A feature looks only
// at the cells within the search radius of its own box, so 10⁵ features × 10⁴ edges costs
// ~ features × (edges per neighbourhood), not the product (bench/hazards-bench.ts).
//
// Pure: no I/O. Inputs are validated by io/geojson.ts; the checks that need geometry (antimeridian,
// edge length) are here as functions returning a problem text, so the CLI can name the file.

import {
  edgeBulgeBoundM,
  edgesCross,
  lonLatToEcef,
  metresToDegreeMargins,
  pointToEdgeDistanceM,
  surfaceDistanceEcefM,
} from './geodesy.ts';

/** An infrastructure line: one GeoJSON LineString/MultiLineString feature. */
export interface HazardLine {
  /** The feature's id (GeoJSON `id`, else properties.id, else its index in the file). */
  id: string | number;
  /** Value of the class property as it appears in the input, e.g. "railway". */
  lineClass: string;
  /** One path per LineString part: lon, lat interleaved (degrees), ≥ 2 positions. */
  parts: Float64Array[];
}

/** A thermokarst feature: one GeoJSON Point/MultiPoint/Polygon/MultiPolygon feature. */
export interface HazardFeature {
  id: string | number;
  /** Value of the type property as it appears in the input, e.g. "thaw lake". */
  featureType: string;
  /** Points: lon, lat interleaved. */
  points?: Float64Array;
  /** Polygons: each a list of rings (outer first, then holes), lon, lat interleaved, closed. */
  polygons?: Float64Array[][];
}

/** Longest edge accepted: beyond it the edge model departs from the geodesic by > 1 m (geodesy.ts). */
export const MAX_EDGE_LENGTH_M = 1_000_000;

/** Default search cap for a feature's nearest line when none is within the largest buffer. */
export const DEFAULT_NEAREST_SEARCH_M = 50_000;

/**
 * Problems that make a path unusable, as one line of text (null when fine): a jump of more than
 * 180° of longitude between consecutive vertices (the path crosses the antimeridian, which the
 * lon/lat index cannot represent: split it at ±180° first), or an edge over MAX_EDGE_LENGTH_M.
 */
export function pathProblem(lonLat: Float64Array, what: string): string | null {
  for (let i = 2; i < lonLat.length; i += 2) {
    const lon0 = lonLat[i - 2], lon1 = lonLat[i];
    if (Math.abs(lon1 - lon0) > 180) {
      return `${what} crosses the antimeridian (longitude jumps from ${lon0} to ${lon1}); lines across ±180° are not supported: split it there`;
    }
  }
  const ecef = new Float64Array(6);
  for (let i = 2; i < lonLat.length; i += 2) {
    lonLatToEcef(lonLat[i - 2], lonLat[i - 1], ecef, 0);
    lonLatToEcef(lonLat[i], lonLat[i + 1], ecef, 3);
    const lengthM = surfaceDistanceEcefM(ecef, 0, ecef, 3);
    if (lengthM > MAX_EDGE_LENGTH_M) {
      return `${what} has an edge of ${(lengthM / 1000).toFixed(0)} km (vertices ${i / 2 - 1}–${i / 2}); edges over ${MAX_EDGE_LENGTH_M / 1000} km are refused (distances would no longer be within 1 m): add vertices`;
    }
  }
  return null;
}

/**
 * Lines closer to ±180° than the search radius would need the index to wrap around; refused with
 * the same message family as pathProblem. Returns a problem text or null.
 */
export function antimeridianMarginProblem(lines: HazardLine[], radiusM: number): string | null {
  for (const line of lines) {
    for (const part of line.parts) {
      for (let i = 0; i < part.length; i += 2) {
        const { dLonDeg } = metresToDegreeMargins(radiusM, part[i + 1]);
        if (Math.abs(part[i]) + dLonDeg > 180) {
          return `line ${JSON.stringify(line.id)} comes within ${radiusM} m of the antimeridian (lon ${part[i]}); buffers across ±180° are not supported`;
        }
      }
    }
  }
  return null;
}

/** Line edges in ECEF with their boxes, bucketed in a lon/lat grid. */
export class EdgeIndex {
  /** ECEF of each edge's endpoints: 6 numbers per edge (A then B). */
  readonly edgeEcef: Float64Array;
  /** Index into `lines` of the line each edge belongs to. */
  readonly edgeLine: Int32Array;
  /** Class index (into `lineClasses`) of each edge. */
  readonly edgeClass: Int32Array;
  /** Lon/lat box of each edge grown by its bulge bound: lonMin, latMin, lonMax, latMax. */
  readonly edgeBox: Float64Array;
  /**
   * Bounding sphere of each edge in ECEF: chord midpoint (3 numbers) and radius (half the chord
   * plus the edge's sagitta), for the cheap lower bound that lets most candidates be skipped.
   */
  readonly edgeSphere: Float64Array;
  /** Distinct line classes in order of first appearance. */
  readonly lineClasses: string[];
  readonly edgeCount: number;
  readonly cellSizeDeg: number;
  /** Cell key → edge ids (CSR: cellStart[k]..cellStart[k+1] in cellEdges for the k-th key). */
  private readonly cellSlot = new Map<number, number>();
  private readonly cellStart: Int32Array;
  private readonly cellEdges: Int32Array;
  /** Per-query stamp so an edge in several cells is examined once. */
  private readonly seenStamp: Int32Array;
  private stamp = 0;

  constructor(readonly lines: HazardLine[], typicalRadiusM: number) {
    const classOrder = new Map<string, number>();
    let edgeCount = 0;
    for (const line of lines) {
      if (!classOrder.has(line.lineClass)) classOrder.set(line.lineClass, classOrder.size);
      for (const part of line.parts) edgeCount += Math.max(0, part.length / 2 - 1);
    }
    this.lineClasses = [...classOrder.keys()];
    this.edgeCount = edgeCount;
    this.edgeEcef = new Float64Array(edgeCount * 6);
    this.edgeLine = new Int32Array(edgeCount);
    this.edgeClass = new Int32Array(edgeCount);
    this.edgeBox = new Float64Array(edgeCount * 4);
    this.edgeSphere = new Float64Array(edgeCount * 4);
    this.seenStamp = new Int32Array(edgeCount);

    let e = 0;
    const spans: number[] = [];
    lines.forEach((line, lineIndex) => {
      const classIndex = classOrder.get(line.lineClass)!;
      for (const part of line.parts) {
        for (let i = 2; i < part.length; i += 2, e++) {
          const lonA = part[i - 2], latA = part[i - 1], lonB = part[i], latB = part[i + 1];
          lonLatToEcef(lonA, latA, this.edgeEcef, e * 6);
          lonLatToEcef(lonB, latB, this.edgeEcef, e * 6 + 3);
          this.edgeLine[e] = lineIndex;
          this.edgeClass[e] = classIndex;
          const q = this.edgeEcef;
          const chordM = norm3(q[e * 6 + 3] - q[e * 6], q[e * 6 + 4] - q[e * 6 + 1], q[e * 6 + 5] - q[e * 6 + 2]);
          for (let k = 0; k < 3; k++) this.edgeSphere[e * 4 + k] = (q[e * 6 + k] + q[e * 6 + 3 + k]) / 2;
          // The edge rises above its chord by at most the sagitta L²/8R (R ≥ 6.3e6 m); 1 m spare.
          this.edgeSphere[e * 4 + 3] = chordM / 2 + (chordM * chordM) / (8 * 6.3e6) + 1;
          const maxAbsLat = Math.max(Math.abs(latA), Math.abs(latB));
          const bulgeM = edgeBulgeBoundM(surfaceDistanceEcefM(this.edgeEcef, e * 6, this.edgeEcef, e * 6 + 3), maxAbsLat);
          const { dLatDeg, dLonDeg } = metresToDegreeMargins(bulgeM, maxAbsLat);
          this.edgeBox[e * 4] = Math.min(lonA, lonB) - dLonDeg;
          this.edgeBox[e * 4 + 1] = Math.max(-90, Math.min(latA, latB) - dLatDeg);
          this.edgeBox[e * 4 + 2] = Math.max(lonA, lonB) + dLonDeg;
          this.edgeBox[e * 4 + 3] = Math.min(90, Math.max(latA, latB) + dLatDeg);
          spans.push(Math.max(this.edgeBox[e * 4 + 2] - this.edgeBox[e * 4], this.edgeBox[e * 4 + 3] - this.edgeBox[e * 4 + 1]));
        }
      }
    });

    // Cell about one search radius wide (a query then touches ~3 × 3 cells), but not much
    // smaller than a typical edge (else long edges are copied into many cells).
    spans.sort((x, y) => x - y);
    const medianSpanDeg = spans.length ? spans[spans.length >> 1] : 0;
    const radiusDeg = metresToDegreeMargins(typicalRadiusM, 0).dLatDeg;
    this.cellSizeDeg = Math.min(10, Math.max(1e-4, radiusDeg, medianSpanDeg));

    // Two passes: count per cell, then fill (CSR), so memory is one Int32 per (edge, cell).
    const counts: number[] = [];
    const visitCells = (edge: number, visit: (slot: number) => void): void => {
      const [x0, y0, x1, y1] = this.cellRange(this.edgeBox[edge * 4], this.edgeBox[edge * 4 + 1], this.edgeBox[edge * 4 + 2], this.edgeBox[edge * 4 + 3]);
      for (let ix = x0; ix <= x1; ix++) {
        for (let iy = y0; iy <= y1; iy++) {
          const key = ix * 4_194_304 + iy;
          let slot = this.cellSlot.get(key);
          if (slot === undefined) {
            slot = counts.length;
            this.cellSlot.set(key, slot);
            counts.push(0);
          }
          visit(slot);
        }
      }
    };
    for (let edge = 0; edge < edgeCount; edge++) visitCells(edge, (slot) => { counts[slot]++; });
    this.cellStart = new Int32Array(counts.length + 1);
    for (let k = 0; k < counts.length; k++) this.cellStart[k + 1] = this.cellStart[k] + counts[k];
    this.cellEdges = new Int32Array(this.cellStart[counts.length]);
    const fill = Int32Array.from(this.cellStart.subarray(0, counts.length));
    for (let edge = 0; edge < edgeCount; edge++) visitCells(edge, (slot) => { this.cellEdges[fill[slot]++] = edge; });
  }

  private cellRange(lonMin: number, latMin: number, lonMax: number, latMax: number): [number, number, number, number] {
    const s = this.cellSizeDeg;
    return [
      Math.floor((Math.max(-180, lonMin) + 180) / s),
      Math.floor((Math.max(-90, latMin) + 90) / s),
      Math.floor((Math.min(180, lonMax) + 180) / s),
      Math.floor((Math.min(90, latMax) + 90) / s),
    ];
  }

  /**
   * Ids of the edges whose boxes come within radiusM of the lon/lat box given (a superset of the
   * edges within radiusM of anything inside the box). Written into `out`; returns the count.
   */
  candidates(lonMin: number, latMin: number, lonMax: number, latMax: number, radiusM: number, out: Int32Array[]): number {
    const maxAbsLat = Math.max(Math.abs(latMin), Math.abs(latMax));
    const { dLatDeg, dLonDeg } = metresToDegreeMargins(radiusM, maxAbsLat);
    const qLonMin = lonMin - dLonDeg, qLonMax = lonMax + dLonDeg;
    const qLatMin = latMin - dLatDeg, qLatMax = latMax + dLatDeg;
    const [x0, y0, x1, y1] = this.cellRange(qLonMin, qLatMin, qLonMax, qLatMax);
    this.stamp++;
    if (this.stamp === 0x7fffffff) { this.seenStamp.fill(0); this.stamp = 1; }
    let n = 0;
    let buffer = out[0];
    for (let ix = x0; ix <= x1; ix++) {
      for (let iy = y0; iy <= y1; iy++) {
        const slot = this.cellSlot.get(ix * 4_194_304 + iy);
        if (slot === undefined) continue;
        for (let j = this.cellStart[slot]; j < this.cellStart[slot + 1]; j++) {
          const edge = this.cellEdges[j];
          if (this.seenStamp[edge] === this.stamp) continue;
          this.seenStamp[edge] = this.stamp;
          const b = edge * 4;
          if (this.edgeBox[b] > qLonMax || this.edgeBox[b + 2] < qLonMin || this.edgeBox[b + 1] > qLatMax || this.edgeBox[b + 3] < qLatMin) continue;
          if (n === buffer.length) {
            const grown = new Int32Array(buffer.length * 2);
            grown.set(buffer);
            buffer = out[0] = grown;
          }
          buffer[n++] = edge;
        }
      }
    }
    return n;
  }
}

/** |(x, y, z)|; Math.hypot is several times slower in V8 and this sits in the innermost loops. */
function norm3(x: number, y: number, z: number): number {
  return Math.sqrt(x * x + y * y + z * z);
}

/** A feature prepared for distance queries: ECEF vertices and lon/lat box. */
export interface PreparedFeature {
  /** ECEF of point features or of every polygon vertex (3 per vertex). */
  vertexEcef: Float64Array;
  /** For polygons: ring boundaries into the vertex list (start vertex of each ring, then the end). */
  ringStarts: Int32Array | null;
  /** For polygons: lon/lat per polygon → rings, for the point-in-polygon test. */
  polygons: Float64Array[][] | null;
  box: [number, number, number, number];
  /** Bounding sphere in ECEF: centre (3) and radius, m. */
  sphere: Float64Array;
}

/** Centre (mean vertex) and radius (farthest vertex, + 1 m + edge sagitta) of a vertex set. */
function boundingSphere(vertexEcef: Float64Array, longestEdgeM: number): Float64Array {
  const n = vertexEcef.length / 3;
  const sphere = new Float64Array(4);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) sphere[k] += vertexEcef[i * 3 + k] / n;
  let r = 0;
  for (let i = 0; i < n; i++) {
    r = Math.max(r, norm3(vertexEcef[i * 3] - sphere[0], vertexEcef[i * 3 + 1] - sphere[1], vertexEcef[i * 3 + 2] - sphere[2]));
  }
  sphere[3] = r + (longestEdgeM * longestEdgeM) / (8 * 6.3e6) + 1;
  return sphere;
}

export function prepareFeature(feature: HazardFeature): PreparedFeature {
  let lonMin = Infinity, latMin = Infinity, lonMax = -Infinity, latMax = -Infinity;
  const grow = (lon: number, lat: number): void => {
    if (lon < lonMin) lonMin = lon;
    if (lon > lonMax) lonMax = lon;
    if (lat < latMin) latMin = lat;
    if (lat > latMax) latMax = lat;
  };
  if (feature.polygons) {
    let vertexCount = 0;
    let ringCount = 0;
    for (const polygon of feature.polygons) for (const ring of polygon) { vertexCount += ring.length / 2; ringCount++; }
    const vertexEcef = new Float64Array(vertexCount * 3);
    const ringStarts = new Int32Array(ringCount + 1);
    let v = 0;
    let r = 0;
    for (const polygon of feature.polygons) {
      for (const ring of polygon) {
        ringStarts[r++] = v;
        for (let i = 0; i < ring.length; i += 2, v++) {
          lonLatToEcef(ring[i], ring[i + 1], vertexEcef, v * 3);
          grow(ring[i], ring[i + 1]);
        }
      }
    }
    ringStarts[r] = v;
    // A polygon's edges bulge like line edges; grow its box so candidate search stays complete.
    const maxAbsLat = Math.max(Math.abs(latMin), Math.abs(latMax));
    let longestEdgeM = 0;
    for (let ring = 0; ring < ringCount; ring++) {
      for (let i = ringStarts[ring] + 1; i < ringStarts[ring + 1]; i++) {
        longestEdgeM = Math.max(longestEdgeM, surfaceDistanceEcefM(vertexEcef, (i - 1) * 3, vertexEcef, i * 3));
      }
    }
    const { dLatDeg, dLonDeg } = metresToDegreeMargins(edgeBulgeBoundM(longestEdgeM, maxAbsLat), maxAbsLat);
    return {
      vertexEcef,
      ringStarts,
      polygons: feature.polygons,
      box: [lonMin - dLonDeg, latMin - dLatDeg, lonMax + dLonDeg, latMax + dLatDeg],
      sphere: boundingSphere(vertexEcef, longestEdgeM),
    };
  }
  const points = feature.points!;
  const vertexEcef = new Float64Array((points.length / 2) * 3);
  for (let i = 0; i < points.length; i += 2) {
    lonLatToEcef(points[i], points[i + 1], vertexEcef, (i / 2) * 3);
    grow(points[i], points[i + 1]);
  }
  return { vertexEcef, ringStarts: null, polygons: null, box: [lonMin, latMin, lonMax, latMax], sphere: boundingSphere(vertexEcef, 0) };
}

/**
 * Even–odd point-in-polygon over all rings of one polygon (holes subtract), in lon/lat. Used only
 * to tell "a line lies inside a polygon" apart from "outside"; lon/lat edges instead of geodesic
 * ones shift the boundary by millimetres for lake-sized polygons, and a point that close to the
 * boundary is already at distance ≈ 0 from it.
 */
export function pointInPolygon(lon: number, lat: number, rings: Float64Array[]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 2; i < ring.length; j = i, i += 2) {
      const xi = ring[i], yi = ring[i + 1], xj = ring[j], yj = ring[j + 1];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/**
 * Smallest distance (m) from a prepared feature to one line edge. `sphereBound` is the
 * sphere–sphere lower bound of that distance (> 0: the two cannot touch, so no crossing test).
 * Sub-computations that cannot beat the best so far, by their own sphere bound, are skipped.
 */
export function featureToEdgeDistanceM(feature: PreparedFeature, index: EdgeIndex, edge: number, sphereBound: number): number {
  const e = index.edgeEcef;
  const a = edge * 6;
  const b = edge * 6 + 3;
  const v = feature.vertexEcef;
  const es = index.edgeSphere;
  const e4 = edge * 4;
  let best = Infinity;
  // Every vertex (point, or polygon vertex) to the edge.
  for (let i = 0; i < v.length; i += 3) {
    if (best < Infinity && norm3(v[i] - es[e4], v[i + 1] - es[e4 + 1], v[i + 2] - es[e4 + 2]) - es[e4 + 3] >= best) continue;
    const d = pointToEdgeDistanceM(v, i, e, a, e, b);
    if (d < best) best = d;
  }
  if (!feature.ringStarts) return best;
  const rings = feature.ringStarts;
  const fs = feature.sphere;
  // The line edge's endpoints to every polygon edge, and crossings (only possible when the
  // bounding spheres overlap).
  const aBound = norm3(e[a] - fs[0], e[a + 1] - fs[1], e[a + 2] - fs[2]) - fs[3];
  const bBound = norm3(e[b] - fs[0], e[b + 1] - fs[1], e[b + 2] - fs[2]) - fs[3];
  const mayCross = sphereBound <= 0;
  for (let r = 0; r + 1 < rings.length; r++) {
    for (let i = rings[r] + 1; i < rings[r + 1]; i++) {
      const p = (i - 1) * 3;
      const q = i * 3;
      if (mayCross && edgesCross(e, a, e, b, v, p, v, q)) return 0;
      if (aBound < best) {
        const dA = pointToEdgeDistanceM(e, a, v, p, v, q);
        if (dA < best) best = dA;
      }
      if (bBound < best) {
        const dB = pointToEdgeDistanceM(e, b, v, p, v, q);
        if (dB < best) best = dB;
      }
    }
  }
  return best;
}

/** Whether an edge lies inside one of the feature's polygons (tested at its first endpoint). */
export function edgeInsideFeature(feature: PreparedFeature, lon: number, lat: number): boolean {
  if (!feature.polygons) return false;
  for (const polygon of feature.polygons) if (pointInPolygon(lon, lat, polygon)) return true;
  return false;
}

/** Per-feature result: nearest distances. */
export interface FeatureProximity {
  /** Smallest distance to each line class (index as in lineClasses), m; Infinity when none is within the largest buffer. */
  nearestByClassM: Float64Array;
  /** Smallest distance to any line, m, searched out to max(largest buffer, nearestSearchM); Infinity when none is within. */
  nearestM: number;
  /** Index into lines of the nearest line, −1 when none. */
  nearestLine: number;
}

export interface HazardCountOptions {
  /** Buffer distances, m, ascending. */
  buffersM: number[];
  /** How far to look for a feature's nearest line when none is within the largest buffer. */
  nearestSearchM: number;
}

export interface HazardCounts {
  buffersM: number[];
  lineClasses: string[];
  /** Distinct feature types in order of first appearance. */
  featureTypes: string[];
  /** counts[buffer][class][type]: features of that type within that buffer of that class. */
  counts: number[][][];
  /** countsAnyClass[buffer][type]: within that buffer of any line (the study's "within 2 km of infrastructure"). */
  countsAnyClass: number[][];
  /** Features of each type in the layer. */
  featureTotals: number[];
  proximity: FeatureProximity[];
  /** Edges examined in all (for the benchmark's record). */
  distanceEvaluations: number;
}

/**
 * Counts features of each type within each buffer of each line class, and every feature's
 * nearest line (searching out to max(largest buffer, nearestSearchM)).
 */
export function countHazards(lines: HazardLine[], features: HazardFeature[], options: HazardCountOptions): HazardCounts {
  const buffersM = [...options.buffersM].sort((x, y) => x - y);
  const maxBufferM = buffersM[buffersM.length - 1];
  const searchCapM = Math.max(maxBufferM, options.nearestSearchM);
  const index = new EdgeIndex(lines, maxBufferM);
  const classCount = index.lineClasses.length;

  // First lon/lat vertex of every edge, for the inside-polygon test.
  const edgeFirstVertex = new Float64Array(index.edgeCount * 2);
  {
    let e = 0;
    for (const line of lines) for (const part of line.parts) for (let i = 2; i < part.length; i += 2, e++) {
      edgeFirstVertex[e * 2] = part[i - 2];
      edgeFirstVertex[e * 2 + 1] = part[i - 1];
    }
  }

  const typeOrder = new Map<string, number>();
  for (const f of features) if (!typeOrder.has(f.featureType)) typeOrder.set(f.featureType, typeOrder.size);
  const featureTypes = [...typeOrder.keys()];
  const counts = buffersM.map(() => index.lineClasses.map(() => new Array<number>(featureTypes.length).fill(0)));
  const countsAnyClass = buffersM.map(() => new Array<number>(featureTypes.length).fill(0));
  const featureTotals = new Array<number>(featureTypes.length).fill(0);
  const candidateBuffer = [new Int32Array(1024)];
  let lowerBounds = new Float64Array(1024);
  const firstOfClass = new Int32Array(classCount);
  let distanceEvaluations = 0;

  const proximity: FeatureProximity[] = features.map((feature) => {
    const prepared = prepareFeature(feature);
    const nearestByClassM = new Float64Array(classCount).fill(Infinity);
    let nearestM = Infinity;
    let nearestLine = -1;
    // Widen the search only for features with no line within the largest buffer; those
    // within it are settled by the first pass (every edge within radius was a candidate).
    let searchedRadiusM = maxBufferM;
    for (let radiusM = maxBufferM; ; radiusM = Math.min(searchCapM, radiusM * 4)) {
      searchedRadiusM = radiusM;
      const n = index.candidates(prepared.box[0], prepared.box[1], prepared.box[2], prepared.box[3], radiusM, candidateBuffer);
      const ids = candidateBuffer[0];
      // Lower bound of each candidate's distance from the two bounding spheres (the chord between
      // the closest points is ≤ the geodesic, and ≥ centre distance − radii). The candidate with
      // the smallest bound of each class is measured first, so that afterwards most of the rest
      // can be skipped on their bound alone (a full sort costs more than it saves).
      if (lowerBounds.length < n) lowerBounds = new Float64Array(n * 2);
      const fs = prepared.sphere;
      const es = index.edgeSphere;
      firstOfClass.fill(-1);
      for (let k = 0; k < n; k++) {
        const edge = ids[k];
        const e4 = edge * 4;
        const bound = norm3(fs[0] - es[e4], fs[1] - es[e4 + 1], fs[2] - es[e4 + 2]) - fs[3] - es[e4 + 3];
        lowerBounds[k] = bound;
        const c = index.edgeClass[edge];
        if (firstOfClass[c] < 0 || bound < lowerBounds[firstOfClass[c]]) firstOfClass[c] = k;
      }
      const measure = (k: number): void => {
        const edge = ids[k];
        const c = index.edgeClass[edge];
        const bound = lowerBounds[k];
        // Cannot improve this class's minimum, nor (beyond the buffers) the overall nearest.
        if (bound >= nearestByClassM[c] || (bound > maxBufferM && bound >= nearestM)) return;
        distanceEvaluations++;
        let d = featureToEdgeDistanceM(prepared, index, edge, bound);
        if (d > 0 && edgeInsideFeature(prepared, edgeFirstVertex[edge * 2], edgeFirstVertex[edge * 2 + 1])) d = 0;
        if (d < nearestByClassM[c]) nearestByClassM[c] = d;
        if (d < nearestM || (d === nearestM && index.edgeLine[edge] < nearestLine)) {
          nearestM = d;
          nearestLine = index.edgeLine[edge];
        }
      };
      for (let c = 0; c < classCount; c++) if (firstOfClass[c] >= 0) measure(firstOfClass[c]);
      for (let k = 0; k < n; k++) measure(k);
      if (nearestM <= radiusM || radiusM >= searchCapM) break;
    }
    // Every edge within the searched radius was a candidate, so the nearest line up to it is
    // exact; a larger value came from an edge whose box merely touched the search box, and a
    // closer one may lie beyond: report it as unknown (Infinity), never as a wrong distance.
    // Per class, the search is complete only up to the largest buffer (the widening stops at
    // the first line of any class), so per-class distances beyond it are unknown too.
    if (nearestM > searchedRadiusM) { nearestM = Infinity; nearestLine = -1; }
    for (let c = 0; c < classCount; c++) if (nearestByClassM[c] > maxBufferM) nearestByClassM[c] = Infinity;

    const t = typeOrder.get(feature.featureType)!;
    featureTotals[t]++;
    for (let bi = 0; bi < buffersM.length; bi++) {
      for (let c = 0; c < classCount; c++) if (nearestByClassM[c] <= buffersM[bi]) counts[bi][c][t]++;
      if (nearestM <= buffersM[bi]) countsAnyClass[bi][t]++;
    }
    return { nearestByClassM, nearestM, nearestLine };
  });

  return { buffersM, lineClasses: index.lineClasses, featureTypes, counts, countsAnyClass, featureTotals, proximity, distanceEvaluations };
}
