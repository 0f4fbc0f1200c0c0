// Routes of `permasar profile` (core/routes.ts): pieces in any order and direction chain back into
// the line, with a chainage that GeographicLib (Karney's geodesics, an independent
// implementation) confirms; the direction rule; joins, gaps, branches; a line that doubles back;
// and the nearest-segment search against brute force. Fresh seeds, printed for replay.
import { describe, expect, it } from 'vitest';
import geodesicPackage from 'geographiclib-geodesic';
import { chainageOfPoint, chainRoutes, segmentRoutes, type LinePiece } from '../src/core/routes.ts';
import { SegmentIndex } from '../src/core/profile.ts';
import { lonLatToEcef, pointToEdgeDistanceM } from '../src/core/geodesy.ts';
import { makeRandom } from '../data/synthetic.ts';

interface Geodesic {
  Inverse(lat1: number, lon1: number, lat2: number, lon2: number): { s12: number };
  Direct(lat1: number, lon1: number, azi1: number, s12: number): { lat2: number; lon2: number };
}
const WGS84 = (geodesicPackage as unknown as { Geodesic: { WGS84: Geodesic } }).Geodesic.WGS84;

function seeded(label: string): () => number {
  const seed = Math.floor(Math.random() * 2 ** 31);
  console.log(`${label}: seed ${seed}`);
  return makeRandom(seed);
}

/** A wandering line of `n` vertices, edges of 200 m – 3 km, from (lon, lat) heading roughly `azimuth`. */
function wanderingLine(random: () => number, lon: number, lat: number, azimuth: number, n: number): number[][] {
  const points = [[lon, lat]];
  let az = azimuth;
  for (let i = 1; i < n; i++) {
    az += (random() - 0.5) * 30;
    const [plon, plat] = points[i - 1];
    const q = WGS84.Direct(plat, plon, az, 200 + random() * 2800);
    points.push([q.lon2, q.lat2]);
  }
  return points;
}

function lengthByGeographicLib(points: number[][]): number {
  let s = 0;
  for (let i = 1; i < points.length; i++) s += WGS84.Inverse(points[i - 1][1], points[i - 1][0], points[i][1], points[i][0]).s12;
  return s;
}

/** Cut a line into pieces at random vertices, shuffle them and reverse about half. */
function shuffledPieces(random: () => number, points: number[][], group = 'railway', mustCut: number[] = []): LinePiece[] {
  const cuts = [0];
  for (let i = 1; i < points.length - 1; i++) if (random() < 0.3 || mustCut.includes(i)) cuts.push(i);
  cuts.push(points.length - 1);
  const pieces: LinePiece[] = [];
  for (let k = 1; k < cuts.length; k++) {
    let part = points.slice(cuts[k - 1], cuts[k] + 1);
    if (random() < 0.5) part = [...part].reverse();
    pieces.push({ lonLat: Float64Array.from(part.flat()), group, lineClass: group, feature: k });
  }
  for (let i = pieces.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pieces[i], pieces[j]] = [pieces[j], pieces[i]];
  }
  return pieces;
}

const options = { joinM: 50, maxGapM: 20_000 };

describe('chaining pieces into routes', () => {
  it('shuffled and reversed pieces chain into one route of the GeographicLib length, vertex for vertex', () => {
    const random = seeded('shuffled pieces');
    const points = wanderingLine(random, 94.9, 36.4, 200, 150);
    const pieces = shuffledPieces(random, points);
    expect(pieces.length).toBeGreaterThan(20);
    const routes = chainRoutes(pieces, options);
    expect(routes).toHaveLength(1);
    const route = routes[0];
    expect(route.runs).toHaveLength(1);
    const expected = lengthByGeographicLib(points);
    // Per edge the chord-to-arc length is within µm of the geodesic; summed over 150 edges, mm.
    expect(Math.abs(route.lengthM - expected)).toBeLessThan(0.01);
    // No --start: chainage from the westmost end.
    const west = points[0][0] < points[points.length - 1][0] ? points : [...points].reverse();
    expect(Array.from(route.runs[0].lonLat)).toEqual(west.flat());
    // The chainage at each vertex is the GeographicLib length up to it.
    const k = 1 + Math.floor(random() * (points.length - 2));
    expect(Math.abs(route.runs[0].chainageM[k] - lengthByGeographicLib(west.slice(0, k + 1)))).toBeLessThan(0.01);
  });

  it('pieces shorter than --join-m (a short bridge) chain like any other', () => {
    const random = seeded('short pieces');
    const points = wanderingLine(random, 92, 35, 30, 20);
    // Vertices 20 m apart around vertex 10: pieces of 20 m once cut there.
    const q = WGS84.Direct(points[10][1], points[10][0], 30, 20);
    const r = WGS84.Direct(q.lat2, q.lon2, 30, 20);
    const line = [...points.slice(0, 11), [q.lon2, q.lat2], [r.lon2, r.lat2], ...points.slice(11)];
    const routes = chainRoutes(shuffledPieces(random, line, 'railway', [10, 11, 12]), options);
    expect(routes).toHaveLength(1);
    expect(Math.abs(routes[0].lengthM - lengthByGeographicLib(line))).toBeLessThan(0.01);
  });

  it('chainage runs from the end nearest --start', () => {
    const random = seeded('start');
    const points = wanderingLine(random, 91.1, 29.65, 20, 40);
    const far = points[points.length - 1];
    const routes = chainRoutes(shuffledPieces(random, points), { ...options, start: [far[0] + 0.01, far[1] - 0.01] });
    expect(routes).toHaveLength(1);
    expect([routes[0].runs[0].lonLat[0], routes[0].runs[0].lonLat[1]]).toEqual(far);
    const near = points[0];
    const other = chainRoutes(shuffledPieces(random, points), { ...options, start: [near[0], near[1]] });
    expect([other[0].runs[0].lonLat[0], other[0].runs[0].lonLat[1]]).toEqual(near);
    expect(Math.abs(other[0].lengthM - routes[0].lengthM)).toBeLessThan(1e-6);
  });

  it('joins ends within --join-m (the short link counts), keeps a longer break as a gap the chainage runs across', () => {
    const random = seeded('gaps');
    const points = wanderingLine(random, 92, 35, 0, 30);
    const a = points.slice(0, 15);
    // 30 m off: joined (≤ 50 m); the link is part of the line.
    const shifted = (p: number[], m: number) => { const q = WGS84.Direct(p[1], p[0], 90, m); return [q.lon2, q.lat2]; };
    const b = [shifted(points[14], 30), ...points.slice(15, 22)];
    // 400 m off: a gap.
    const c = [shifted(points[21], 400), ...points.slice(22)];
    const pieces = [c, a.slice().reverse(), b].map((p, i): LinePiece => ({ lonLat: Float64Array.from(p.flat()), group: 'highway', lineClass: 'highway', feature: i }));
    const [route, ...rest] = chainRoutes(pieces, options);
    expect(rest).toHaveLength(0);
    expect(route.runs).toHaveLength(2);
    const lineM = lengthByGeographicLib([...a, ...b]) + lengthByGeographicLib(c);
    const gapM = WGS84.Inverse(b[b.length - 1][1], b[b.length - 1][0], c[0][1], c[0][0]).s12;
    expect(Math.abs(route.lineLengthM - lineM)).toBeLessThan(0.01);
    expect(Math.abs(route.lengthM - (lineM + gapM))).toBeLessThan(0.01);
    // Segments never draw the gap: the one across it has two parts and less line than its span.
    const segments = segmentRoutes([route], 1000);
    const across = segments.filter((s) => s.parts.length === 2);
    expect(across.length).toBeLessThanOrEqual(1);
    for (const s of segments) expect(s.lineLengthM).toBeLessThanOrEqual(s.toM - s.fromM + 1e-6);
    const lineInSegments = segments.reduce((sum, s) => sum + s.lineLengthM, 0);
    expect(Math.abs(lineInSegments - route.lineLengthM)).toBeLessThan(1e-6);
    // With a smaller --max-gap-m the far piece is a route of its own.
    expect(chainRoutes(pieces, { ...options, maxGapM: 100 })).toHaveLength(2);
  });

  it('at a junction the longest path is the route, the branch a route of its own from the junction', () => {
    const random = seeded('branches');
    const main = wanderingLine(random, 92, 35, 90, 25);
    const j = 10 + Math.floor(random() * 5);
    const spur = wanderingLine(random, main[j][0], main[j][1], 0, 6);
    const spurM = lengthByGeographicLib(spur);
    const headM = lengthByGeographicLib(main.slice(0, j + 1));
    const tailM = lengthByGeographicLib(main.slice(j));
    // Lines meet at piece ends (OSM and national datasets split ways at junctions).
    const pieces = shuffledPieces(random, main, 'railway', [j]).concat(shuffledPieces(random, spur));
    const routes = chainRoutes(pieces, options);
    // The longest path: the main line's two ends unless the spur beats its shorter side.
    const expectedTrunkM = headM + tailM - Math.min(headM, tailM) + Math.max(Math.min(headM, tailM), spurM);
    expect(routes).toHaveLength(2);
    expect(routes[0].name).toBe('railway');
    expect(routes[1].name).toBe('railway-2');
    expect(routes[1].branchOf).toBe('railway');
    expect(Math.abs(routes[0].lengthM - expectedTrunkM)).toBeLessThan(0.01);
    expect(Math.abs(routes[0].lengthM + routes[1].lengthM - (headM + tailM + spurM))).toBeLessThan(0.02);
    // The branch starts at the junction.
    expect([routes[1].runs[0].lonLat[0], routes[1].runs[0].lonLat[1]]).toEqual(main[j]);
  });

  it('a line that doubles back on itself stays one route; each pixel goes to its nearest segment (brute force)', () => {
    const random = seeded('doubles back');
    // North 12 km, a tight turn, then back south ~450 m to the east.
    const out: number[][] = [];
    for (let i = 0; i <= 24; i++) { const q = WGS84.Direct(35, 92, 0, i * 500); out.push([q.lon2, q.lat2]); }
    const turn = WGS84.Direct(out[24][1], out[24][0], 90, 450);
    const back: number[][] = [[turn.lon2, turn.lat2]];
    for (let i = 1; i <= 24; i++) { const q = WGS84.Direct(turn.lat2, turn.lon2, 180, i * 500); back.push([q.lon2, q.lat2]); }
    const points = [...out, ...back];
    const routes = chainRoutes(shuffledPieces(random, points), options);
    expect(routes).toHaveLength(1);
    expect(Math.abs(routes[0].lengthM - lengthByGeographicLib(points))).toBeLessThan(0.01);
    const segments = segmentRoutes(routes, 1000);
    expect(segments).toHaveLength(Math.ceil(routes[0].lengthM / 1000));
    const index = new SegmentIndex(segments, 500);
    const p = new Float64Array(3);
    const e = new Float64Array(6);
    for (let k = 0; k < 400; k++) {
      const lon = 91.995 + random() * 0.02;
      const lat = 34.995 + random() * 0.12;
      lonLatToEcef(lon, lat, p, 0);
      const distanceTo = (si: number): number => {
        let m = Infinity;
        for (const part of segments[si].parts) for (let i = 2; i < part.length; i += 2) {
          lonLatToEcef(part[i - 2], part[i - 1], e, 0);
          lonLatToEcef(part[i], part[i + 1], e, 3);
          m = Math.min(m, pointToEdgeDistanceM(p, 0, e, 0, e, 3));
        }
        return m;
      };
      const all = segments.map((_, si) => distanceTo(si));
      const bestM = Math.min(...all);
      const got = index.nearest(lon, lat);
      if (bestM > 500) {
        expect(got).toBe(-1);
      } else {
        // The nearest, or one at the same distance (a pixel equidistant from two segments).
        expect(got).toBeGreaterThanOrEqual(0);
        expect(all[got] - bestM).toBeLessThan(1e-6);
      }
    }
    // A point between the legs near the far end is on the return leg's chainage when nearer it.
    const between = WGS84.Direct(out[20][1], out[20][0], 90, 300);
    const c = chainageOfPoint(routes[0], between.lon2, between.lat2);
    expect(c.chainageM).toBeGreaterThan(routes[0].lengthM / 2);
    expect(Math.abs(c.distanceM - 150)).toBeLessThan(1);
  });

  it('the result does not depend on the order or direction of the pieces', () => {
    const random = seeded('order');
    const points = wanderingLine(random, 92, 35, 45, 60);
    const spur = wanderingLine(random, points[30][0], points[30][1], 135, 8);
    const a = chainRoutes(shuffledPieces(random, points, 'railway', [30]).concat(shuffledPieces(random, spur)), options);
    const b = chainRoutes(shuffledPieces(random, points, 'railway', [30]).concat(shuffledPieces(random, spur)), options);
    expect(a).toHaveLength(2);
    expect(a.map((r) => [r.name, r.lengthM.toFixed(6), r.runs.length])).toEqual(b.map((r) => [r.name, r.lengthM.toFixed(6), r.runs.length]));
  });
});
