// Routes from a lines layer, chainage, and the segments of `permasar profile` (issue 23).
//
// Real railway and highway layers come as hundreds of pieces in any order and direction: OSM
// ways split at every bridge, tunnel and speed change, national datasets split per map sheet.
// An engineer's question is "what is at km 812", so the pieces are chained back into routes
// with a chainage (distance along the line from one end), and the chainage is cut into
// segments of a fixed length.
//
// Chaining, per group (the features of one class, or of one --route-property value):
//   1. Piece ends at the same point are one node; an end that meets no other is joined to the
//      nearest other loose end within `joinM` (a hash grid of the ends, so thousands of pieces
//      cost ~ pieces, not pieces²), and the short link between them is part of the line. A
//      piece is an edge between its two end nodes, weighted by its geodesic length. Lines meet
//      at piece ends, as OSM and national datasets split them at junctions; a line ending on
//      the middle of another piece is not joined to it.
//   2. In each connected part of that graph the longest path is the trunk: at a junction the
//      longest way through is the route, which is what a railway's kilometre posts follow. On a
//      tree this is exact (the two-sweep farthest-node search); where pieces close a loop it is
//      a bounded exhaustive search from every leaf, seeded with the two-sweep path, so a yard
//      of parallel tracks cannot make it run away.
//   3. Trunks whose ends lie within `maxGapM` are chained across the gap, shortest gaps first
//      (each end used once, never closing a cycle): a missing bridge in the data stays a gap,
//      with no line drawn or sampled over it, and the chainage runs on across it by the
//      gap's geodesic length, as kilometre posts do.
//   4. What is left (pieces off the trunks) are branches: each connected part's longest path,
//      started at the node where it leaves an earlier route, is a route of its own, and so on
//      until every piece is on a route.
// Direction: chainage runs from the route's end nearest `start` (lon, lat) when given, else
// from its westmost end (then southmost). Branches run from their junction.
//
// Distances are geodesic on WGS 84 through core/geodesy.ts (ECEF chords lengthened to the arc,
// the model `hazards` uses; within millimetres of GeographicLib for edges of railway size).
// Pure: no I/O.

import { geodesicDistanceM, lonLatToEcef, metresToDegreeMargins, surfaceDistanceEcefM, WGS84_A_M, WGS84_E2 } from './geodesy.ts';

/** One LineString (or one part of a MultiLineString) of the input. */
export interface LinePiece {
  /** lon, lat interleaved, degrees; ≥ 2 positions. */
  lonLat: Float64Array;
  /** The route group: the --route-property value, else the class. */
  group: string;
  lineClass: string;
  /** Index of the input feature, for messages. */
  feature: number;
}

/** A continuous stretch of a route (between gaps). */
export interface RouteRun {
  /** lon, lat interleaved, in chainage order. */
  lonLat: Float64Array;
  /** Chainage of each vertex, m. */
  chainageM: Float64Array;
}

export interface Route {
  /** Unique name: the group, then group-2, group-3 … in order of length. */
  name: string;
  group: string;
  lineClass: string;
  /** The route a branch leaves from, null for a trunk. */
  branchOf: string | null;
  /** Stretches of line in chainage order; between two runs a gap. */
  runs: RouteRun[];
  /** Chainage at the far end, m (line plus gaps). */
  lengthM: number;
  /** Of which line (not gap), m. */
  lineLengthM: number;
  pieces: number;
}

export interface ChainOptions {
  /** Piece ends closer than this are joined (m). */
  joinM: number;
  /** Trunks whose ends are closer than this are chained across a gap (m); farther: separate routes. */
  maxGapM: number;
  /** Chainage starts at the end nearest this point (lon, lat), else at the westmost end. */
  start?: [number, number] | null;
  /** Step budget of the exhaustive longest-path search per connected part (default 200 000). */
  searchBudget?: number;
}

// ---------------------------------------------------------------------------------------------
// Small geodesy helpers

const DEG = Math.PI / 180;

/** Geodetic lon/lat (degrees) of an ECEF point near the surface (Bowring's iteration, height dropped). */
export function ecefToLonLat(x: number, y: number, z: number): [number, number] {
  const p = Math.hypot(x, y);
  const lon = Math.atan2(y, x);
  let lat = Math.atan2(z, p * (1 - WGS84_E2));
  for (let i = 0; i < 4; i++) {
    const s = Math.sin(lat);
    const n = WGS84_A_M / Math.sqrt(1 - WGS84_E2 * s * s);
    lat = Math.atan2(z + WGS84_E2 * n * s, p);
  }
  return [lon / DEG, lat / DEG];
}

/**
 * The point at fraction t of the edge A→B (lon/lat degrees) on the edge model of geodesy.ts: the
 * chord's point at t, put on the ellipsoid along the normal. The chord fraction and the arc
 * fraction differ by O((L/R)²) of L: under a millimetre for kilometre edges.
 */
export function interpolateEdge(lonA: number, latA: number, lonB: number, latB: number, t: number): [number, number] {
  const e = new Float64Array(6);
  lonLatToEcef(lonA, latA, e, 0);
  lonLatToEcef(lonB, latB, e, 3);
  return ecefToLonLat(e[0] + t * (e[3] - e[0]), e[1] + t * (e[4] - e[1]), e[2] + t * (e[5] - e[2]));
}

/** Geodesic length of a lon/lat path, m (sum of its edges). */
export function pathLengthM(lonLat: Float64Array): number {
  const e = new Float64Array(6);
  let total = 0;
  lonLatToEcef(lonLat[0], lonLat[1], e, 0);
  for (let i = 2; i < lonLat.length; i += 2) {
    lonLatToEcef(lonLat[i], lonLat[i + 1], e, (i / 2) % 2 === 1 ? 3 : 0);
    total += surfaceDistanceEcefM(e, 0, e, 3);
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Graph of pieces

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) { this.parent = Int32Array.from({ length: n }, (_, i) => i); }
  find(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r];
    while (this.parent[i] !== r) { const next = this.parent[i]; this.parent[i] = r; i = next; }
    return r;
  }
  union(a: number, b: number): boolean {
    const ra = this.find(a), rb = this.find(b);
    if (ra === rb) return false;
    this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
    return true;
  }
}

/** Pairs of points (lon/lat interleaved) within `radiusM` of each other, by a hash grid. */
function pairsWithin(points: Float64Array, radiusM: number, visit: (i: number, j: number, dM: number) => void): void {
  const n = points.length / 2;
  if (n < 2) return;
  let maxAbsLat = 0;
  for (let i = 0; i < n; i++) maxAbsLat = Math.max(maxAbsLat, Math.abs(points[i * 2 + 1]));
  const { dLatDeg, dLonDeg } = metresToDegreeMargins(Math.max(radiusM, 1e-3), maxAbsLat);
  const cellLon = Math.max(dLonDeg, 1e-9), cellLat = Math.max(dLatDeg, 1e-9);
  const cells = new Map<string, number[]>();
  const key = (cx: number, cy: number): string => `${cx},${cy}`;
  for (let i = 0; i < n; i++) {
    const k = key(Math.floor(points[i * 2] / cellLon), Math.floor(points[i * 2 + 1] / cellLat));
    let list = cells.get(k);
    if (!list) cells.set(k, (list = []));
    list.push(i);
  }
  for (let i = 0; i < n; i++) {
    const cx = Math.floor(points[i * 2] / cellLon), cy = Math.floor(points[i * 2 + 1] / cellLat);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const j of cells.get(key(cx + dx, cy + dy)) ?? []) {
          if (j <= i) continue;
          const d = geodesicDistanceM(points[i * 2], points[i * 2 + 1], points[j * 2], points[j * 2 + 1]);
          if (d <= radiusM) visit(i, j, d);
        }
      }
    }
  }
}

interface Edge { piece: number; a: number; b: number; lengthM: number }
/** One step of a path: the edge and whether it is walked from b to a. */
interface Step { edge: number; reversed: boolean }

/** Piece ends closer than this are the same point (float noise of a reprojection). */
const COINCIDENT_M = 0.01;

class PieceGraph {
  readonly edges: Edge[];
  /** node → [edge, other node] pairs. */
  readonly adjacency: [number, number][][];
  readonly nodeLonLat: Float64Array;

  constructor(readonly pieces: LinePiece[], joinM: number) {
    const ends = new Float64Array(pieces.length * 4);
    pieces.forEach((p, i) => {
      const n = p.lonLat.length;
      ends.set([p.lonLat[0], p.lonLat[1], p.lonLat[n - 2], p.lonLat[n - 1]], i * 4);
    });
    // Ends at the same place (to 1 cm: reprojection leaves float noise) are one node. Then
    // each end that meets no other is joined to the nearest other such end within joinM,
    // shortest first, once: a chain by nearest neighbours rather than a transitive cluster,
    // which would fold a piece shorter than joinM (a 30 m bridge) into a single node.
    const uf = new UnionFind(pieces.length * 2);
    pairsWithin(ends, COINCIDENT_M, (i, j) => { uf.union(i, j); });
    const clusterSize = new Map<number, number>();
    for (let i = 0; i < pieces.length * 2; i++) clusterSize.set(uf.find(i), (clusterSize.get(uf.find(i)) ?? 0) + 1);
    const free = [...Array(pieces.length * 2).keys()].filter((i) => clusterSize.get(uf.find(i)) === 1);
    const freeEnds = new Float64Array(free.length * 2);
    free.forEach((end, k) => { freeEnds[k * 2] = ends[end * 2]; freeEnds[k * 2 + 1] = ends[end * 2 + 1]; });
    const joins: [number, number, number][] = [];
    pairsWithin(freeEnds, joinM, (a, b, d) => { if (free[a] >> 1 !== free[b] >> 1) joins.push([d, free[a], free[b]]); });
    joins.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
    const joined = new Uint8Array(pieces.length * 2);
    for (const [, i, j] of joins) {
      if (joined[i] || joined[j]) continue;
      joined[i] = joined[j] = 1;
      uf.union(i, j);
    }
    const nodeOf = new Map<number, number>();
    const nodeLonLat: number[] = [];
    const node = (end: number): number => {
      const root = uf.find(end);
      let id = nodeOf.get(root);
      if (id === undefined) {
        id = nodeOf.size;
        nodeOf.set(root, id);
        nodeLonLat.push(ends[root * 2], ends[root * 2 + 1]);
      }
      return id;
    };
    this.edges = pieces.map((p, i) => ({ piece: i, a: node(i * 2), b: node(i * 2 + 1), lengthM: pathLengthM(p.lonLat) }));
    this.nodeLonLat = Float64Array.from(nodeLonLat);
    this.adjacency = Array.from({ length: nodeOf.size }, () => []);
    for (const [e, edge] of this.edges.entries()) {
      this.adjacency[edge.a].push([e, edge.b]);
      if (edge.b !== edge.a) this.adjacency[edge.b].push([e, edge.a]);
    }
  }

  /** Connected parts of the graph restricted to `alive` edges: lists of edge ids. */
  components(alive: Uint8Array): number[][] {
    const uf = new UnionFind(this.adjacency.length);
    this.edges.forEach((e, i) => { if (alive[i]) uf.union(e.a, e.b); });
    const byRoot = new Map<number, number[]>();
    this.edges.forEach((e, i) => {
      if (!alive[i]) return;
      const r = uf.find(e.a);
      let list = byRoot.get(r);
      if (!list) byRoot.set(r, (list = []));
      list.push(i);
    });
    return [...byRoot.values()];
  }

  private other(e: number, from: number): number {
    const edge = this.edges[e];
    return edge.a === from ? edge.b : edge.a;
  }

  private stepFrom(e: number, from: number): Step {
    return { edge: e, reversed: this.edges[e].a !== from };
  }

  /** Farthest node from `source` over alive edges by shortest-path distance, and the path to it. */
  private farthest(source: number, alive: Uint8Array): { node: number; steps: Step[]; lengthM: number } {
    // Dijkstra with a simple binary heap; on a tree it is the plain tree distance.
    const dist = new Map<number, number>([[source, 0]]);
    const via = new Map<number, Step>();
    const heap: [number, number][] = [[0, source]];
    const push = (item: [number, number]): void => {
      heap.push(item);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heap[p][0] <= heap[i][0]) break;
        [heap[p], heap[i]] = [heap[i], heap[p]];
        i = p;
      }
    };
    const pop = (): [number, number] => {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1, r = l + 1;
          let m = i;
          if (l < heap.length && heap[l][0] < heap[m][0]) m = l;
          if (r < heap.length && heap[r][0] < heap[m][0]) m = r;
          if (m === i) break;
          [heap[m], heap[i]] = [heap[i], heap[m]];
          i = m;
        }
      }
      return top;
    };
    let best = source;
    while (heap.length) {
      const [d, u] = pop();
      if (d > dist.get(u)!) continue;
      if (d > dist.get(best)! || (d === dist.get(best)! && u < best)) best = u;
      for (const [e, v] of this.adjacency[u]) {
        if (!alive[e] || v === u) continue;
        const nd = d + this.edges[e].lengthM;
        if (nd < (dist.get(v) ?? Infinity)) {
          dist.set(v, nd);
          via.set(v, this.stepFrom(e, u));
          push([nd, v]);
        }
      }
    }
    const steps: Step[] = [];
    for (let v = best; v !== source;) {
      const s = via.get(v)!;
      steps.push(s);
      v = this.other(s.edge, v);
    }
    steps.reverse();
    return { node: best, steps, lengthM: dist.get(best)! };
  }

  /**
   * The longest simple path over the alive edges of one connected part: from `source` when given
   * (branches start at their junction), else between any two nodes. Exact on trees; with loops,
   * the best of the two-sweep path and a depth-first search bounded by `budget` steps.
   */
  longestPath(component: number[], alive: Uint8Array, source: number | null, budget: number): { start: number; steps: Step[]; lengthM: number } {
    const startNode = source ?? this.edges[component[0]].a;
    const first = this.farthest(startNode, alive);
    let best = source !== null ? { start: source, steps: first.steps, lengthM: first.lengthM } : (() => {
      const second = this.farthest(first.node, alive);
      return { start: first.node, steps: second.steps, lengthM: second.lengthM };
    })();
    const nodes = new Set<number>();
    for (const e of component) { nodes.add(this.edges[e].a); nodes.add(this.edges[e].b); }
    const isTree = nodes.size === component.length + 1;
    if (!isTree) {
      // Leaves are where a longest path ends when there are any; otherwise every node.
      const starts = source !== null ? [source] : [...nodes].filter((n) => this.adjacency[n].filter(([e]) => alive[e]).length === 1);
      const candidates = starts.length > 0 ? starts : [...nodes];
      let steps = 0;
      const onPath = new Set<number>();
      const path: Step[] = [];
      const usedEdges = new Set<number>();
      const dfs = (u: number, lengthM: number, origin: number): void => {
        if (++steps > budget) return;
        if (lengthM > best.lengthM) best = { start: origin, steps: [...path], lengthM };
        for (const [e, v] of this.adjacency[u]) {
          if (!alive[e] || usedEdges.has(e) || onPath.has(v)) continue;
          onPath.add(v);
          usedEdges.add(e);
          path.push(this.stepFrom(e, u));
          dfs(v, lengthM + this.edges[e].lengthM, origin);
          path.pop();
          usedEdges.delete(e);
          onPath.delete(v);
        }
      };
      for (const s of candidates) {
        if (steps > budget) break;
        onPath.add(s);
        dfs(s, 0, s);
        onPath.delete(s);
      }
    }
    if (best.steps.length === 0) {
      // A part that is one closed ring (a loop line): the ring itself, from its node.
      const loop = component.find((e) => this.edges[e].a === this.edges[e].b);
      if (loop !== undefined) best = { start: this.edges[loop].a, steps: [{ edge: loop, reversed: false }], lengthM: this.edges[loop].lengthM };
    }
    return best;
  }

  endNodes(start: number, steps: Step[]): [number, number] {
    let node = start;
    for (const s of steps) node = s.reversed ? this.edges[s.edge].a : this.edges[s.edge].b;
    return [start, node];
  }
}

/** A path through the graph, possibly several trunks with gaps between them. */
interface Chain { trunks: { start: number; steps: Step[] }[] }

function reverseTrunk(graph: PieceGraph, t: { start: number; steps: Step[] }): { start: number; steps: Step[] } {
  const [, end] = graph.endNodes(t.start, t.steps);
  return { start: end, steps: [...t.steps].reverse().map((s) => ({ edge: s.edge, reversed: !s.reversed })) };
}

/** Vertices of a chain in order: one run per trunk; consecutive pieces share or join their ends. */
function chainRuns(graph: PieceGraph, chain: Chain): RouteRun[] {
  const runs: RouteRun[] = [];
  const ecef = new Float64Array(6);
  let chainage = 0;
  let previousEnd: [number, number] | null = null;
  for (const trunk of chain.trunks) {
    const lonLat: number[] = [];
    for (const step of trunk.steps) {
      const src = graph.pieces[graph.edges[step.edge].piece].lonLat;
      const n = src.length / 2;
      for (let k = 0; k < n; k++) {
        const i = step.reversed ? n - 1 - k : k;
        const lon = src[i * 2], lat = src[i * 2 + 1];
        const m = lonLat.length;
        // Joined ends at the same position are one vertex; ends merely near each other keep
        // the short connecting edge, which counts in the chainage like any edge.
        if (m >= 2 && lonLat[m - 2] === lon && lonLat[m - 1] === lat) continue;
        lonLat.push(lon, lat);
      }
    }
    if (lonLat.length < 4) lonLat.push(lonLat[0], lonLat[1]);
    const run = { lonLat: Float64Array.from(lonLat), chainageM: new Float64Array(lonLat.length / 2) };
    if (previousEnd) chainage += geodesicDistanceM(previousEnd[0], previousEnd[1], run.lonLat[0], run.lonLat[1]);
    run.chainageM[0] = chainage;
    lonLatToEcef(run.lonLat[0], run.lonLat[1], ecef, 0);
    for (let v = 1; v < run.chainageM.length; v++) {
      lonLatToEcef(run.lonLat[v * 2], run.lonLat[v * 2 + 1], ecef, (v % 2) * 3);
      chainage += surfaceDistanceEcefM(ecef, 0, ecef, 3);
      run.chainageM[v] = chainage;
    }
    previousEnd = [run.lonLat[run.lonLat.length - 2], run.lonLat[run.lonLat.length - 1]];
    runs.push(run);
  }
  return runs;
}

function reverseChain(graph: PieceGraph, chain: Chain): Chain {
  return { trunks: [...chain.trunks].reverse().map((t) => reverseTrunk(graph, t)) };
}

/** Whether chainage should start at the chain's far end instead: --start nearer it, else it is west (then south). */
function shouldReverse(graph: PieceGraph, chain: Chain, start: [number, number] | null | undefined): boolean {
  const first = chain.trunks[0];
  const last = chain.trunks[chain.trunks.length - 1];
  const a = first.start;
  const [, b] = graph.endNodes(last.start, last.steps);
  const p = graph.nodeLonLat;
  if (start) {
    const da = geodesicDistanceM(start[0], start[1], p[a * 2], p[a * 2 + 1]);
    const db = geodesicDistanceM(start[0], start[1], p[b * 2], p[b * 2 + 1]);
    return db < da;
  }
  if (p[b * 2] !== p[a * 2]) return p[b * 2] < p[a * 2];
  return p[b * 2 + 1] < p[a * 2 + 1];
}

/**
 * Routes of a set of pieces (see the header). Deterministic for a given set, whatever the order
 * and direction of the pieces: ties are broken by positions, never by input order alone.
 */
export function chainRoutes(pieces: LinePiece[], options: ChainOptions): Route[] {
  const groups = new Map<string, LinePiece[]>();
  for (const p of pieces) {
    let list = groups.get(p.group);
    if (!list) groups.set(p.group, (list = []));
    list.push(p);
  }
  const routes: Route[] = [];
  const budget = options.searchBudget ?? 200_000;
  for (const [group, list] of groups) {
    // Input order must not matter: sort pieces by their lower end, so every tie below breaks
    // the same way for any shuffle or reversal of the pieces.
    const canonical = list.map((p) => {
      const n = p.lonLat.length;
      const forward = p.lonLat[0] < p.lonLat[n - 2] || (p.lonLat[0] === p.lonLat[n - 2] && p.lonLat[1] <= p.lonLat[n - 1]);
      if (forward) return p;
      const rev = new Float64Array(n);
      for (let i = 0; i < n; i += 2) { rev[i] = p.lonLat[n - 2 - i]; rev[i + 1] = p.lonLat[n - 1 - i]; }
      return { ...p, lonLat: rev };
    }).sort((x, y) => x.lonLat[0] - y.lonLat[0] || x.lonLat[1] - y.lonLat[1] || x.lonLat[2] - y.lonLat[2] || x.lonLat[3] - y.lonLat[3] || x.lonLat.length - y.lonLat.length);
    const graph = new PieceGraph(canonical, options.joinM);
    const alive = new Uint8Array(graph.edges.length).fill(1);

    // 2. Trunks of every connected part.
    const trunks = graph.components(alive).map((component) => {
      const t = graph.longestPath(component, alive, null, budget);
      for (const s of t.steps) alive[s.edge] = 0;
      return t;
    });
    // 3. Chain trunks across gaps, shortest first.
    const trunkEnds = new Float64Array(trunks.length * 4);
    trunks.forEach((t, i) => {
      const [a, b] = graph.endNodes(t.start, t.steps);
      trunkEnds.set([graph.nodeLonLat[a * 2], graph.nodeLonLat[a * 2 + 1], graph.nodeLonLat[b * 2], graph.nodeLonLat[b * 2 + 1]], i * 4);
    });
    const gaps: [number, number, number][] = [];
    pairsWithin(trunkEnds, options.maxGapM, (i, j, d) => { if (i >> 1 !== j >> 1) gaps.push([d, i, j]); });
    gaps.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
    const linkOf = new Int32Array(trunks.length * 2).fill(-1);
    const joined = new UnionFind(trunks.length);
    for (const [, i, j] of gaps) {
      if (linkOf[i] >= 0 || linkOf[j] >= 0) continue;
      if (!joined.union(i >> 1, j >> 1)) continue;
      linkOf[i] = j;
      linkOf[j] = i;
    }
    const chains: Chain[] = [];
    const placed = new Uint8Array(trunks.length);
    for (let t = 0; t < trunks.length; t++) {
      if (placed[t]) continue;
      // Walk to one free end of this chain, then along it.
      let end = t * 2;
      const seen = new Set<number>();
      while (linkOf[end] >= 0 && !seen.has(end >> 1)) {
        seen.add(end >> 1);
        end = linkOf[end] ^ 1; // across the gap, to the other end of that trunk
      }
      const chain: Chain = { trunks: [] };
      let at = end;
      for (;;) {
        const k = at >> 1;
        placed[k] = 1;
        chain.trunks.push((at & 1) === 0 ? trunks[k] : reverseTrunk(graph, trunks[k]));
        const out = at ^ 1;
        if (linkOf[out] < 0) break;
        at = linkOf[out];
      }
      chains.push(shouldReverse(graph, chain, options.start) ? reverseChain(graph, chain) : chain);
    }
    // 4. Branches, from where they leave the routes already placed.
    const onRoute = new Map<number, number>(); // node → index into groupRoutes
    const groupRoutes: { chain: Chain; branchOf: number | null }[] = [];
    const mark = (chain: Chain, index: number): void => {
      for (const t of chain.trunks) {
        let node = t.start;
        if (!onRoute.has(node)) onRoute.set(node, index);
        for (const s of t.steps) {
          node = s.reversed ? graph.edges[s.edge].a : graph.edges[s.edge].b;
          if (!onRoute.has(node)) onRoute.set(node, index);
        }
      }
    };
    chains.sort((x, y) => chainLength(graph, y) - chainLength(graph, x));
    for (const chain of chains) { groupRoutes.push({ chain, branchOf: null }); mark(chain, groupRoutes.length - 1); }
    for (;;) {
      const components = graph.components(alive);
      if (components.length === 0) break;
      for (const component of components) {
        let junction: number | null = null;
        for (const e of component) {
          for (const node of [graph.edges[e].a, graph.edges[e].b]) {
            if (onRoute.has(node) && (junction === null || node < junction)) junction = node;
          }
        }
        const t = graph.longestPath(component, alive, junction, budget);
        for (const s of t.steps) alive[s.edge] = 0;
        let chain: Chain = { trunks: [t] };
        if (junction === null && shouldReverse(graph, chain, options.start)) chain = reverseChain(graph, chain);
        groupRoutes.push({ chain, branchOf: junction !== null ? onRoute.get(junction)! : null });
        mark(chain, groupRoutes.length - 1);
      }
    }
    // Names: by length within trunks, then branches, so the longest route carries the group's name.
    const named = groupRoutes.map((r, i) => ({ ...r, index: i, runs: chainRuns(graph, r.chain) }));
    const names = new Array<string>(named.length);
    named.forEach((r, i) => { names[i] = i === 0 ? group : `${group}-${i + 1}`; });
    for (const r of named) {
      const last = r.runs[r.runs.length - 1];
      const lengthM = last.chainageM[last.chainageM.length - 1];
      const lineLengthM = r.runs.reduce((s, run) => s + run.chainageM[run.chainageM.length - 1] - run.chainageM[0], 0);
      routes.push({
        name: names[r.index], group, lineClass: graph.pieces[graph.edges[r.chain.trunks[0].steps[0].edge].piece].lineClass,
        branchOf: r.branchOf !== null ? names[r.branchOf] : null,
        runs: r.runs, lengthM, lineLengthM,
        pieces: r.chain.trunks.reduce((s, t) => s + t.steps.length, 0),
      });
    }
  }
  return routes;
}

function chainLength(graph: PieceGraph, chain: Chain): number {
  return chain.trunks.reduce((s, t) => s + t.steps.reduce((u, step) => u + graph.edges[step.edge].lengthM, 0), 0);
}

// ---------------------------------------------------------------------------------------------
// Segments

export interface Segment {
  /** Index into the route list. */
  route: number;
  /** 0-based index along the route. */
  index: number;
  fromM: number;
  toM: number;
  /** Line within the segment (less than toM − fromM where a gap falls inside), m. */
  lineLengthM: number;
  /** The line pieces inside [fromM, toM]: lon, lat interleaved; one part unless a gap falls inside. */
  parts: Float64Array[];
  /** Chainage of every vertex of every part, m. */
  partChainageM: Float64Array[];
  /** The point halfway along the segment's line. */
  centreLonLat: [number, number];
}

/** The piece of a run between chainages a < b (null when they do not overlap it). */
function clipRun(run: RouteRun, a: number, b: number): { lonLat: Float64Array; chainageM: Float64Array } | null {
  const c = run.chainageM;
  const n = c.length;
  if (b <= c[0] || a >= c[n - 1]) return null;
  const lonLat: number[] = [];
  const chain: number[] = [];
  const at = (m: number): void => {
    // The vertex, or the point on the edge, at chainage m.
    let i = 1;
    let lo = 1, hi = n - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (c[mid] < m) lo = mid + 1; else hi = mid; }
    i = lo;
    const t = c[i] > c[i - 1] ? (m - c[i - 1]) / (c[i] - c[i - 1]) : 0;
    const p = t <= 0 ? [run.lonLat[(i - 1) * 2], run.lonLat[(i - 1) * 2 + 1]] : t >= 1 ? [run.lonLat[i * 2], run.lonLat[i * 2 + 1]]
      : interpolateEdge(run.lonLat[(i - 1) * 2], run.lonLat[(i - 1) * 2 + 1], run.lonLat[i * 2], run.lonLat[i * 2 + 1], t);
    lonLat.push(p[0], p[1]);
    chain.push(m);
  };
  const from = Math.max(a, c[0]);
  const to = Math.min(b, c[n - 1]);
  at(from);
  for (let i = 0; i < n; i++) {
    if (c[i] > from && c[i] < to) { lonLat.push(run.lonLat[i * 2], run.lonLat[i * 2 + 1]); chain.push(c[i]); }
  }
  at(to);
  return { lonLat: Float64Array.from(lonLat), chainageM: Float64Array.from(chain) };
}

/** The point at chainage m of a set of parts (with their vertex chainages). */
function pointAt(parts: Float64Array[], chainages: Float64Array[], m: number): [number, number] {
  for (let p = 0; p < parts.length; p++) {
    const c = chainages[p];
    if (m > c[c.length - 1] && p < parts.length - 1) continue;
    for (let i = 1; i < c.length; i++) {
      if (m <= c[i] || i === c.length - 1) {
        const t = c[i] > c[i - 1] ? Math.min(1, Math.max(0, (m - c[i - 1]) / (c[i] - c[i - 1]))) : 0;
        return interpolateEdge(parts[p][(i - 1) * 2], parts[p][(i - 1) * 2 + 1], parts[p][i * 2], parts[p][i * 2 + 1], t);
      }
    }
  }
  return [parts[0][0], parts[0][1]];
}

/**
 * Segments of `segmentM` of chainage along every route; the last of a route may be shorter.
 * A segment that lies wholly inside a gap has no line and is left out.
 */
export function segmentRoutes(routes: Route[], segmentM: number): Segment[] {
  const segments: Segment[] = [];
  routes.forEach((route, r) => {
    const count = Math.max(1, Math.ceil(route.lengthM / segmentM - 1e-9));
    for (let k = 0; k < count; k++) {
      const fromM = k * segmentM;
      const toM = Math.min(route.lengthM, (k + 1) * segmentM);
      const parts: Float64Array[] = [];
      const partChainageM: Float64Array[] = [];
      for (const run of route.runs) {
        const clipped = clipRun(run, fromM, toM);
        if (clipped && clipped.lonLat.length >= 4) { parts.push(clipped.lonLat); partChainageM.push(clipped.chainageM); }
      }
      if (parts.length === 0) continue;
      const lineLengthM = partChainageM.reduce((s, c) => s + c[c.length - 1] - c[0], 0);
      // The centre: halfway along the line inside the segment (a gap is skipped).
      let remaining = lineLengthM / 2;
      let centreM = partChainageM[0][0];
      for (const c of partChainageM) {
        const len = c[c.length - 1] - c[0];
        if (remaining <= len) { centreM = c[0] + remaining; break; }
        remaining -= len;
        centreM = c[c.length - 1];
      }
      segments.push({ route: r, index: k, fromM, toM, lineLengthM, parts, partChainageM, centreLonLat: pointAt(parts, partChainageM, centreM) });
    }
  });
  return segments;
}

/**
 * Chainage (m) of the point of a route nearest to (lon, lat), and the distance to it: for
 * stations and for the web app's "click near the line". The foot on each edge is found on the
 * chord (the edge model of geodesy.ts), good to metres for kilometre edges.
 */
export function chainageOfPoint(route: Route, lon: number, lat: number): { chainageM: number; distanceM: number } {
  const p = new Float64Array(3);
  lonLatToEcef(lon, lat, p, 0);
  const e = new Float64Array(6);
  let best = { chainageM: 0, distanceM: Infinity };
  for (const run of route.runs) {
    lonLatToEcef(run.lonLat[0], run.lonLat[1], e, 0);
    for (let i = 1; i < run.chainageM.length; i++) {
      const o = (i % 2) * 3, q = 3 - o; // q: previous vertex, o: this one
      lonLatToEcef(run.lonLat[i * 2], run.lonLat[i * 2 + 1], e, o);
      const dx = e[o] - e[q], dy = e[o + 1] - e[q + 1], dz = e[o + 2] - e[q + 2];
      const l2 = dx * dx + dy * dy + dz * dz;
      let t = l2 > 0 ? ((p[0] - e[q]) * dx + (p[1] - e[q + 1]) * dy + (p[2] - e[q + 2]) * dz) / l2 : 0;
      t = Math.min(1, Math.max(0, t));
      const [fLon, fLat] = ecefToLonLat(e[q] + t * dx, e[q + 1] + t * dy, e[q + 2] + t * dz);
      const d = geodesicDistanceM(lon, lat, fLon, fLat);
      if (d < best.distanceM) best = { chainageM: run.chainageM[i - 1] + t * (run.chainageM[i] - run.chainageM[i - 1]), distanceM: d };
    }
  }
  return best;
}
