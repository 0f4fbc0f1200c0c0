// Geocoding products fitted in radar coordinates onto a north-up EPSG:4326 grid, the way MintPy's
// geocode.py does it for a lookup table in radar coordinates (objects/resample.py,
// prepare_geometry_definition_radar + run_pyresample): the latitude and longitude of every radar
// pixel centre (geometryRadar.h5) give the output grid, and each output pixel takes the value of
// the nearest radar pixel (pyresample's resample_nearest). Pure functions on typed arrays.
//
// The output grid (resample.py): lat/lon extent from the valid lookup values; pixel size from
// "approach 1, same pixel area before/after resampling": the radar pixel is a rotated rectangle,
// the geo pixel has the aspect of its bounding box, scaled to the same area. MintPy takes the
// radar pixel's sizes and the heading from metadata; here both come from the lookup itself (the
// mean column step c and row step r of neighbouring pixel centres, as east/north metres), which
// also covers a skewed grid: bounding box |c_e| + |r_e| by |c_n| + |r_n|, area |c × r|. A given
// step (--lalo-step) wins. Edges: N = lat_max + |Δlat|/2, W = lon_min − Δlon/2 (pixel outer
// boundary), length = rint((S − N)/Δlat), width = rint((E − W)/Δlon).
//
// The footprint: MintPy's radius of influence is 3 output pixels, which paints values up to three
// pixels beyond the swath. Here an output pixel takes its nearest radar pixel only when it is
// within that radar pixel's half diagonal (max(|c + r|, |c − r|)/2 from its own neighbours, 5 %
// margin): any point inside the parallelogram of four neighbouring centres, or in the half-pixel
// border around the outer ones, is that close to one of them, so there are no holes inside the
// footprint, and everything farther is NaN ("a pixel without data is NaN").
// Distances are on a local equirectangular plane (Δlon scaled by the cosine of the mean latitude
// of the two points), exact to well under a millimetre over a pixel.
import { InputError } from './errors.ts';
import type { RasterGrid } from './grid.ts';

/** MintPy's EARTH_RADIUS (constants.py), the arithmetic mean radius, m. */
export const EARTH_RADIUS_M = 6371.0088e3;
const METRES_PER_DEGREE = (EARTH_RADIUS_M * Math.PI) / 180;
const FOOTPRINT_MARGIN = 1.05;
/** An output grid with more pixels than this many times the radar grid is a broken lookup. */
const MAX_OUTPUT_PER_RADAR_PIXEL = 64;

export interface RadarLookup {
  width: number;
  height: number;
  /** Latitude of each radar pixel centre, degrees; NaN or 0 (with longitude 0) = no data. */
  latitudeDeg: Float32Array;
  longitudeDeg: Float32Array;
}

export interface GeocodeGrid {
  grid: RasterGrid;
  latStepDeg: number;
  lonStepDeg: number;
  stepFrom: 'lalo-step' | 'mean radar pixel spacing (same pixel area)';
  /** Mean east/north metres between neighbouring radar pixel centres along a row (column step) and down a column (row step). */
  columnStepM: [number, number];
  rowStepM: [number, number];
  validLookupPixels: number;
}

function isValidLookup(lat: number, lon: number): boolean {
  // MintPy (find_valid_lat_lon) ignores zero values; NaN and out-of-range are no data too.
  return Number.isFinite(lat) && Number.isFinite(lon) && !(lat === 0 && lon === 0) && Math.abs(lat) <= 90 && Math.abs(lon) <= 360;
}

/** East/north metres from (lat1, lon1) to (lat2, lon2) on the local plane. */
function localOffsetM(lat1: number, lon1: number, lat2: number, lon2: number): [number, number] {
  const cosLat = Math.cos(((lat1 + lat2) / 2) * (Math.PI / 180));
  return [(lon2 - lon1) * cosLat * METRES_PER_DEGREE, (lat2 - lat1) * METRES_PER_DEGREE];
}

/** Mean column and row steps of the lookup (east, north metres), from valid neighbour pairs. */
function meanSteps(lookup: RadarLookup): { column: [number, number]; row: [number, number] } {
  const { width, height, latitudeDeg: lat, longitudeDeg: lon } = lookup;
  let ce = 0, cn = 0, nc = 0, re = 0, rn = 0, nr = 0;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const p = r * width + c;
      if (!isValidLookup(lat[p], lon[p])) continue;
      if (c + 1 < width && isValidLookup(lat[p + 1], lon[p + 1])) {
        const [e, n] = localOffsetM(lat[p], lon[p], lat[p + 1], lon[p + 1]);
        ce += e; cn += n; nc++;
      }
      if (r + 1 < height && isValidLookup(lat[p + width], lon[p + width])) {
        const [e, n] = localOffsetM(lat[p], lon[p], lat[p + width], lon[p + width]);
        re += e; rn += n; nr++;
      }
    }
  }
  return { column: nc ? [ce / nc, cn / nc] : [NaN, NaN], row: nr ? [re / nr, rn / nr] : [NaN, NaN] };
}

/**
 * The output grid of geocode.py for this lookup. `laloStepDeg` = [Δlat, Δlon] (signs are
 * normalised: Δlat < 0, Δlon > 0), else approach 1 from the mean radar pixel spacing.
 * `file` names the lookup in errors.
 */
export function geocodeGridOf(lookup: RadarLookup, file: string, laloStepDeg?: [number, number] | null): GeocodeGrid {
  const { latitudeDeg: lat, longitudeDeg: lon } = lookup;
  let latMin = Infinity, latMax = -Infinity, lonMin = Infinity, lonMax = -Infinity, valid = 0;
  for (let p = 0; p < lat.length; p++) {
    if (!isValidLookup(lat[p], lon[p])) continue;
    valid++;
    if (lat[p] < latMin) latMin = lat[p];
    if (lat[p] > latMax) latMax = lat[p];
    if (lon[p] < lonMin) lonMin = lon[p];
    if (lon[p] > lonMax) lonMax = lon[p];
  }
  if (valid < 4) throw new InputError(file, `${valid} pixels with a valid latitude/longitude: nothing to geocode onto`);
  const steps = meanSteps(lookup);
  const [ce, cn] = steps.column;
  const [re, rn] = steps.row;
  let latStep: number, lonStep: number;
  if (laloStepDeg) {
    latStep = -Math.abs(laloStepDeg[0]);
    lonStep = Math.abs(laloStepDeg[1]);
  } else {
    const xExtent = Math.abs(ce) + Math.abs(re);
    const yExtent = Math.abs(cn) + Math.abs(rn);
    const area = Math.abs(ce * rn - cn * re);
    if (!(area > 0) || !(xExtent > 0) || !(yExtent > 0)) {
      throw new InputError(file, 'latitude/longitude do not span an area (neighbouring pixels on one line): not a lookup table');
    }
    const scale = Math.sqrt(area / (xExtent * yExtent));
    const latCentre = (latMin + latMax) / 2;
    lonStep = (xExtent * scale) / (METRES_PER_DEGREE * Math.cos(latCentre * (Math.PI / 180)));
    latStep = -(yExtent * scale) / METRES_PER_DEGREE;
  }
  if (!(Number.isFinite(latStep) && Number.isFinite(lonStep) && latStep < 0 && lonStep > 0)) {
    throw new InputError(file, `no usable pixel size from the lookup (Δlat ${latStep}, Δlon ${lonStep})`);
  }
  const north = latMax - latStep / 2;
  const south = latMin + latStep / 2;
  const west = lonMin - lonStep / 2;
  const east = lonMax + lonStep / 2;
  const height = Math.max(1, Math.round((south - north) / latStep));
  const width = Math.max(1, Math.round((east - west) / lonStep));
  if (width * height > MAX_OUTPUT_PER_RADAR_PIXEL * lookup.width * lookup.height + 1e6) {
    throw new InputError(file, `the geocoded grid would be ${width}×${height} pixels for a ${lookup.width}×${lookup.height} radar grid: latitude/longitude or --lalo-step are wrong`);
  }
  return {
    grid: { width, height, geoTransform: [west, lonStep, 0, north, 0, latStep], epsg: 4326 },
    latStepDeg: latStep,
    lonStepDeg: lonStep,
    stepFrom: laloStepDeg ? 'lalo-step' : 'mean radar pixel spacing (same pixel area)',
    columnStepM: steps.column,
    rowStepM: steps.row,
    validLookupPixels: valid,
  };
}

/** Half the longer diagonal of each radar pixel, from its own neighbours' centres, m (NaN: no lookup). */
function footprintRadiiM(lookup: RadarLookup): Float32Array {
  const { width, height, latitudeDeg: lat, longitudeDeg: lon } = lookup;
  const radius = new Float32Array(width * height).fill(NaN);
  const ok = (p: number) => isValidLookup(lat[p], lon[p]);
  // Step to the neighbour (central difference where both exist, else one-sided).
  const step = (p: number, q0: number, q1: number, has0: boolean, has1: boolean): [number, number] | null => {
    const a = has0 && ok(q0) ? q0 : p;
    const b = has1 && ok(q1) ? q1 : p;
    if (a === b) return null;
    const [e, n] = localOffsetM(lat[a], lon[a], lat[b], lon[b]);
    const k = a !== p && b !== p ? 2 : 1;
    return [e / k, n / k];
  };
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const p = r * width + c;
      if (!ok(p)) continue;
      const cs = step(p, p - 1, p + 1, c > 0, c + 1 < width);
      const rs = step(p, p - width, p + width, r > 0, r + 1 < height);
      if (!cs || !rs) continue; // an isolated pixel (no neighbours) has no size: not geocoded
      const d1 = Math.hypot(cs[0] + rs[0], cs[1] + rs[1]);
      const d2 = Math.hypot(cs[0] - rs[0], cs[1] - rs[1]);
      radius[p] = (Math.max(d1, d2) / 2) * FOOTPRINT_MARGIN;
    }
  }
  return radius;
}

/**
 * For every pixel of the output grid, the index (row · width + col) of the nearest radar pixel
 * whose footprint covers it, or −1. Nearest by distance between centres; ties → lower index.
 */
export function nearestRadarPixels(lookup: RadarLookup, geo: GeocodeGrid): Int32Array {
  const { latitudeDeg: lat, longitudeDeg: lon } = lookup;
  const radius = footprintRadiiM(lookup);
  let maxRadius = 0, maxAbsLat = 0;
  for (let p = 0; p < radius.length; p++) {
    if (!(radius[p] > 0)) continue;
    if (radius[p] > maxRadius) maxRadius = radius[p];
    if (Math.abs(lat[p]) > maxAbsLat) maxAbsLat = Math.abs(lat[p]);
  }
  const { grid } = geo;
  const out = new Int32Array(grid.width * grid.height).fill(-1);
  if (!(maxRadius > 0)) return out;
  // Buckets at least one radius wide in both directions, so the 3 × 3 around a point hold every
  // radar pixel within the largest radius; coarsened if the lookup's extent would make too many.
  const [west, , , north] = grid.geoTransform;
  let bucketLat = maxRadius / METRES_PER_DEGREE;
  let bucketLon = maxRadius / (METRES_PER_DEGREE * Math.max(0.01, Math.cos(Math.min(89.9, maxAbsLat + bucketLat) * (Math.PI / 180))));
  const spanLat = Math.abs(grid.geoTransform[5]) * grid.height + 2 * bucketLat;
  const spanLon = grid.geoTransform[1] * grid.width + 2 * bucketLon;
  const limit = Math.max(1024, 4 * radius.length);
  while (Math.ceil(spanLat / bucketLat) * Math.ceil(spanLon / bucketLon) > limit) { bucketLat *= 2; bucketLon *= 2; }
  const nbRows = Math.ceil(spanLat / bucketLat) + 1;
  const nbCols = Math.ceil(spanLon / bucketLon) + 1;
  const lat0 = north + bucketLat;
  const lon0 = west - bucketLon;
  const bucketOf = (la: number, lo: number) => {
    const br = Math.floor((lat0 - la) / bucketLat);
    const bc = Math.floor((lo - lon0) / bucketLon);
    return br < 0 || bc < 0 || br >= nbRows || bc >= nbCols ? -1 : br * nbCols + bc;
  };
  // Counting sort of the radar pixels into buckets (CSR arrays).
  const start = new Int32Array(nbRows * nbCols + 1);
  const key = new Int32Array(radius.length).fill(-1);
  for (let p = 0; p < radius.length; p++) {
    if (!(radius[p] > 0)) continue;
    key[p] = bucketOf(lat[p], lon[p]);
    if (key[p] >= 0) start[key[p] + 1]++;
  }
  for (let b = 0; b < nbRows * nbCols; b++) start[b + 1] += start[b];
  const fill = start.slice(0, nbRows * nbCols);
  const members = new Int32Array(start[nbRows * nbCols]);
  for (let p = 0; p < radius.length; p++) if (key[p] >= 0) members[fill[key[p]]++] = p;

  const [, dLon, , , , dLat] = grid.geoTransform;
  for (let row = 0; row < grid.height; row++) {
    const la = north + (row + 0.5) * dLat;
    for (let col = 0; col < grid.width; col++) {
      const lo = west + (col + 0.5) * dLon;
      const b = bucketOf(la, lo);
      if (b < 0) continue;
      const br = Math.floor(b / nbCols), bc = b % nbCols;
      let best = -1, bestD = Infinity;
      for (let i = Math.max(0, br - 1); i <= Math.min(nbRows - 1, br + 1); i++) {
        for (let j = Math.max(0, bc - 1); j <= Math.min(nbCols - 1, bc + 1); j++) {
          const cell = i * nbCols + j;
          for (let k = start[cell]; k < start[cell + 1]; k++) {
            const p = members[k];
            const [e, n] = localOffsetM(la, lo, lat[p], lon[p]);
            const d = Math.hypot(e, n);
            if (d < bestD || (d === bestD && p < best)) { bestD = d; best = p; }
          }
        }
      }
      if (best >= 0 && bestD <= radius[best]) out[row * grid.width + col] = best;
    }
  }
  return out;
}

/** Values of a radar-coded product on the output grid by the nearest-pixel map (NaN where −1). */
export function applyNearest(nearest: Int32Array, radarValues: ArrayLike<number>): Float32Array {
  const out = new Float32Array(nearest.length);
  for (let i = 0; i < nearest.length; i++) out[i] = nearest[i] >= 0 ? radarValues[nearest[i]] : Number.NaN;
  return out;
}

/** The radar pixel nearest to (lat, lon), within its footprint, or null (for --ref-lalo on a radar-coded stack). */
export function radarPixelAt(lookup: RadarLookup, latDeg: number, lonDeg: number): { row: number; col: number; distanceM: number } | null {
  const radius = footprintRadiiM(lookup);
  let best = -1, bestD = Infinity;
  for (let p = 0; p < radius.length; p++) {
    if (!(radius[p] > 0)) continue;
    const [e, n] = localOffsetM(latDeg, lonDeg, lookup.latitudeDeg[p], lookup.longitudeDeg[p]);
    const d = Math.hypot(e, n);
    if (d < bestD) { bestD = d; best = p; }
  }
  if (best < 0 || bestD > radius[best]) return null;
  return { row: Math.floor(best / lookup.width), col: best % lookup.width, distanceM: bestD };
}
