// Distances on the WGS 84 ellipsoid for the hazard counts (DESIGN.md §1 "Hazards"; the study's
// Fig. 10b counts thaw slumps and thaw lakes within 500–2,000 m of the QTEC railway and highway,
// a corridor about 1,000 km long from Golmud to Lhasa).
//
// Why not one map projection: over 1,000 km and several UTM zones a single planar projection
// distorts distances by up to ~1e-3 (1–2 m at 2 km) and more far from its central meridian, so
// buffer counts would depend on where the projection was centred. Instead every distance is
// computed in 3-D Earth-centred (ECEF) coordinates, where nothing is distorted, and converted to
// a geodesic length on the ellipsoid:
//
//   point–point   the chord c = |P − Q| between two surface points, lengthened to the arc:
//                 s = c (1 + c² / (24 R²)) + O(c⁵/R⁴). R is the mean radius; the curvature
//                 that really applies varies with latitude and azimuth by < 0.7 %, which moves
//                 s by < 0.7 % of the c³/24R² correction: < 0.1 mm at 20 km, < 1 cm at 100 km.
//   point–edge    an edge between two vertices is the curve obtained by projecting the straight
//                 chord A→B onto the ellipsoid along the surface normal ("normal-projected
//                 chord"). Measured against GeographicLib (test/hazards-geodesy.test.ts) this
//                 curve is within a few mm of the true geodesic A→B for edges up to 200 km and
//                 within 1 m up to 1,000 km, so an edge is a geodesic for every practical
//                 purpose. The closest point is found by dropping P onto the chord (a closed-form
//                 start, exact on a sphere up to along-track terms of order (L/R)²) and then
//                 Newton steps on the projected curve until the step is below 0.1 mm.
//
// Note on RFC 7946: GeoJSON formally draws an edge as a straight line in lon/lat degrees. For
// digitised roads (vertices every 10–1000 m) that line and the geodesic differ by millimetres;
// we take the geodesic, which is what "distance on the ellipsoid" means in the issue.
//
// The functions here are pure and allocation-free in their inner loops: the hazard index calls
// them 10⁶–10⁷ times.

/** WGS 84 semi-major axis, m. */
export const WGS84_A_M = 6378137;
/** WGS 84 flattening. */
export const WGS84_F = 1 / 298.257223563;
/** WGS 84 semi-minor axis, m. */
export const WGS84_B_M = WGS84_A_M * (1 - WGS84_F);
/** First eccentricity squared. */
export const WGS84_E2 = WGS84_F * (2 - WGS84_F);
/** IUGG mean radius R1 = (2a + b)/3, m: the radius of the chord-to-arc correction. */
export const WGS84_MEAN_RADIUS_M = (2 * WGS84_A_M + WGS84_B_M) / 3;
/** Smallest meridional radius of curvature (at the equator), m: bounds metres → degrees of latitude. */
export const WGS84_MIN_MERIDIAN_RADIUS_M = WGS84_A_M * (1 - WGS84_E2);

const DEG = Math.PI / 180;
const INV_A2 = 1 / (WGS84_A_M * WGS84_A_M);
const INV_B2 = 1 / (WGS84_B_M * WGS84_B_M);
const CHORD_TO_ARC = 1 / (24 * WGS84_MEAN_RADIUS_M * WGS84_MEAN_RADIUS_M);

/** ECEF (x, y, z), m, of a point on the ellipsoid (height 0); writes into out[offset..offset+2]. */
export function lonLatToEcef(lonDeg: number, latDeg: number, out: Float64Array, offset = 0): void {
  const lat = latDeg * DEG;
  const lon = lonDeg * DEG;
  const sinLat = Math.sin(lat);
  const cosLat = Math.cos(lat);
  const primeVerticalRadiusM = WGS84_A_M / Math.sqrt(1 - WGS84_E2 * sinLat * sinLat);
  out[offset] = primeVerticalRadiusM * cosLat * Math.cos(lon);
  out[offset + 1] = primeVerticalRadiusM * cosLat * Math.sin(lon);
  out[offset + 2] = primeVerticalRadiusM * (1 - WGS84_E2) * sinLat;
}

/** Geodesic length of a surface chord of length c (m); see the header for the error bound. */
export function chordToArcM(chordM: number): number {
  return chordM * (1 + chordM * chordM * CHORD_TO_ARC);
}

/** Geodesic distance (m) between two surface points given in ECEF (same error as chordToArcM). */
export function surfaceDistanceEcefM(p: ArrayLike<number>, pOffset: number, q: ArrayLike<number>, qOffset: number): number {
  const dx = p[pOffset] - q[qOffset];
  const dy = p[pOffset + 1] - q[qOffset + 1];
  const dz = p[pOffset + 2] - q[qOffset + 2];
  return chordToArcM(Math.sqrt(dx * dx + dy * dy + dz * dz));
}

/** Geodesic distance (m) between two lon/lat points (degrees). Convenience for tests and summaries. */
export function geodesicDistanceM(lon1Deg: number, lat1Deg: number, lon2Deg: number, lat2Deg: number): number {
  const buffer = new Float64Array(6);
  lonLatToEcef(lon1Deg, lat1Deg, buffer, 0);
  lonLatToEcef(lon2Deg, lat2Deg, buffer, 3);
  return surfaceDistanceEcefM(buffer, 0, buffer, 3);
}

/** Scratch for pointToEdgeDistanceM: the current surface point and the surface normal there. */
const scratchSurface = new Float64Array(3);

/**
 * Moves the ECEF point (x, y, z), which lies within a few km of the ellipsoid, onto the surface
 * along the surface normal; result in scratchSurface. Two steps of "scale radially onto the
 * surface, then remove the height along the normal there": the radial and normal directions
 * differ by < 0.2°, so each step shrinks the lateral error by a factor of ~1e-5; two steps are
 * exact to well below a millimetre for heights up to the ~20 km sagitta of a 1,000 km chord.
 */
function projectOntoEllipsoidAlongNormal(x: number, y: number, z: number): void {
  let px = x, py = y, pz = z;
  for (let step = 0; step < 2; step++) {
    const k = 1 / Math.sqrt((px * px + py * py) * INV_A2 + pz * pz * INV_B2);
    const sx = px * k, sy = py * k, sz = pz * k;
    let nx = sx * INV_A2, ny = sy * INV_A2, nz = sz * INV_B2;
    const nNorm = 1 / Math.sqrt(nx * nx + ny * ny + nz * nz);
    nx *= nNorm; ny *= nNorm; nz *= nNorm;
    // Height of the original point above the surface point, along that normal.
    const h = (x - sx) * nx + (y - sy) * ny + (z - sz) * nz;
    px = x - h * nx; py = y - h * ny; pz = z - h * nz;
  }
  const k = 1 / Math.sqrt((px * px + py * py) * INV_A2 + pz * pz * INV_B2);
  scratchSurface[0] = px * k;
  scratchSurface[1] = py * k;
  scratchSurface[2] = pz * k;
}

/** Newton steps on the edge parameter stop once a step moves the foot point by less than this. */
const FOOT_POINT_TOLERANCE_M = 1e-4;
const MAX_NEWTON_STEPS = 4;

/**
 * Geodesic distance (m) from surface point P to the edge A→B (all ECEF, read at the given offsets
 * of their arrays), with the edge model of the header. Endpoints included (the parameter is
 * clamped to [0, 1]).
 */
export function pointToEdgeDistanceM(
  p: ArrayLike<number>, pOffset: number,
  a: ArrayLike<number>, aOffset: number,
  b: ArrayLike<number>, bOffset: number,
): number {
  const px = p[pOffset], py = p[pOffset + 1], pz = p[pOffset + 2];
  const ax = a[aOffset], ay = a[aOffset + 1], az = a[aOffset + 2];
  const dx = b[bOffset] - ax, dy = b[bOffset + 1] - ay, dz = b[bOffset + 2] - az;
  const lengthSquared = dx * dx + dy * dy + dz * dz;
  if (lengthSquared === 0) return surfaceDistanceEcefM(p, pOffset, a, aOffset);

  // Start: foot of the perpendicular from P on the straight chord.
  let u = ((px - ax) * dx + (py - ay) * dy + (pz - az) * dz) / lengthSquared;
  u = u < 0 ? 0 : u > 1 ? 1 : u;
  projectOntoEllipsoidAlongNormal(ax + u * dx, ay + u * dy, az + u * dz);
  let sx = scratchSurface[0], sy = scratchSurface[1], sz = scratchSurface[2];

  // The chord is ~L²/8R below the surface, so its foot point is off by O(L²/R²) of the length;
  // Newton on |P − S(u)|² along the projected curve removes that. dS/du is the chord direction
  // with its component along the local normal removed (the curve is the chord lifted along
  // normals), which is accurate to O(h/R) and is all a Newton step needs.
  const chordLengthM = Math.sqrt(lengthSquared);
  for (let step = 0; step < MAX_NEWTON_STEPS && chordLengthM > 1; step++) {
    let nx = sx * INV_A2, ny = sy * INV_A2, nz = sz * INV_B2;
    const nNorm = 1 / Math.sqrt(nx * nx + ny * ny + nz * nz);
    nx *= nNorm; ny *= nNorm; nz *= nNorm;
    const along = dx * nx + dy * ny + dz * nz;
    const tx = dx - along * nx, ty = dy - along * ny, tz = dz - along * nz;
    const tt = tx * tx + ty * ty + tz * tz;
    const du = ((px - sx) * tx + (py - sy) * ty + (pz - sz) * tz) / tt;
    const uNext = Math.min(1, Math.max(0, u + du));
    if (Math.abs(uNext - u) * chordLengthM < FOOT_POINT_TOLERANCE_M) break;
    u = uNext;
    projectOntoEllipsoidAlongNormal(ax + u * dx, ay + u * dy, az + u * dz);
    sx = scratchSurface[0]; sy = scratchSurface[1]; sz = scratchSurface[2];
  }
  const ex = px - sx, ey = py - sy, ez = pz - sz;
  return chordToArcM(Math.sqrt(ex * ex + ey * ey + ez * ez));
}

/**
 * Whether edges A→B and C→D cross. Each edge lies (to within centimetres, see the header) in the
 * plane through the Earth's centre and its endpoints, so two edges cross when C and D are on
 * opposite sides of plane OAB and A and B on opposite sides of plane OCD, and the edges are on
 * the same side of the Earth. Touching counts as crossing. Near-misses that this test gets wrong
 * are within centimetres of an endpoint, where the endpoint distances already give ~0.
 */
export function edgesCross(
  a: ArrayLike<number>, aOffset: number,
  b: ArrayLike<number>, bOffset: number,
  c: ArrayLike<number>, cOffset: number,
  d: ArrayLike<number>, dOffset: number,
): boolean {
  const ax = a[aOffset], ay = a[aOffset + 1], az = a[aOffset + 2];
  const bx = b[bOffset], by = b[bOffset + 1], bz = b[bOffset + 2];
  const cx = c[cOffset], cy = c[cOffset + 1], cz = c[cOffset + 2];
  const dx = d[dOffset], dy = d[dOffset + 1], dz = d[dOffset + 2];
  // Normal of plane OAB = A × B.
  const n1x = ay * bz - az * by, n1y = az * bx - ax * bz, n1z = ax * by - ay * bx;
  const sideC = n1x * cx + n1y * cy + n1z * cz;
  const sideD = n1x * dx + n1y * dy + n1z * dz;
  if ((sideC > 0 && sideD > 0) || (sideC < 0 && sideD < 0)) return false;
  const n2x = cy * dz - cz * dy, n2y = cz * dx - cx * dz, n2z = cx * dy - cy * dx;
  const sideA = n2x * ax + n2y * ay + n2z * az;
  const sideB = n2x * bx + n2y * by + n2z * bz;
  if ((sideA > 0 && sideB > 0) || (sideA < 0 && sideB < 0)) return false;
  // Both planes cut along one line through O, which meets the surface twice (antipodes): the
  // edges cross only if they are near each other.
  return (ax + bx) * (cx + dx) + (ay + by) * (cy + dy) + (az + bz) * (cz + dz) > 0;
}

/**
 * Degrees of latitude and longitude that certainly cover `distanceM` metres around latitudes up
 * to |maxAbsLatDeg| (used to expand bounding boxes for the spatial index). Conservative: the
 * smallest radii of curvature are used, plus 0.1 %.
 */
export function metresToDegreeMargins(distanceM: number, maxAbsLatDeg: number): { dLatDeg: number; dLonDeg: number } {
  const dLatDeg = (distanceM / WGS84_MIN_MERIDIAN_RADIUS_M / DEG) * 1.001;
  const lat = Math.min(90, Math.abs(maxAbsLatDeg) + dLatDeg);
  const cosLat = Math.cos(lat * DEG);
  // Parallel radius N cos φ ≥ a cos φ; near a pole every longitude is within reach.
  const dLonDeg = cosLat < 1e-9 ? 360 : Math.min(360, (distanceM / (WGS84_A_M * cosLat) / DEG) * 1.001);
  return { dLatDeg, dLonDeg };
}

/**
 * How far (m, an upper bound) the edge between two vertices can bulge out of the lon/lat box of
 * its endpoints: a geodesic between points at one latitude bows poleward by about
 * L² tan φ / (8 R); doubled for margin, plus 1 m.
 */
export function edgeBulgeBoundM(edgeLengthM: number, maxAbsLatDeg: number): number {
  const tanLat = Math.tan(Math.min(89.9, Math.abs(maxAbsLatDeg)) * DEG);
  return (edgeLengthM * edgeLengthM * tanLat) / (4 * WGS84_MIN_MERIDIAN_RADIUS_M) + 1;
}
