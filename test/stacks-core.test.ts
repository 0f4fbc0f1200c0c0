// Pure parts of issue 14: LOS unit vector ↔ MintPy angles, date selection, and the geocoding
// grid of a lookup table (core/decomposition.ts, core/date-selection.ts, core/geocode.ts).
import { describe, expect, it } from 'vitest';
import { losUnitVector, losUnitVectorToAngles } from '../src/core/decomposition.ts';
import { normaliseDateText, selectDates } from '../src/core/date-selection.ts';
import { applyNearest, geocodeGridOf, nearestRadarPixels, radarPixelAt } from '../src/core/geocode.ts';
import { makeRandom } from '../data/synthetic.ts';

const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;

describe(`LOS unit vector → MintPy angles (seed ${seed})`, () => {
  it('inverts (G1) for any incidence and azimuth, ascending and descending', () => {
    const random = makeRandom(seed);
    for (let i = 0; i < 1000; i++) {
      const inc = 1 + 88 * random();
      const az = -179 + 358 * random();
      const v = losUnitVector(inc, az);
      const a = losUnitVectorToAngles(v.east, v.north, v.up);
      expect(a.incidenceDeg).toBeCloseTo(inc, 9);
      expect(a.azimuthDeg).toBeCloseTo(az, 9);
    }
  });
  it('is NaN for LiCSBAS no-data (zeros) and for a vector below the horizon', () => {
    expect(losUnitVectorToAngles(0, 0, 0).incidenceDeg).toBeNaN();
    expect(losUnitVectorToAngles(0.6, 0.1, -0.8).azimuthDeg).toBeNaN();
    expect(losUnitVectorToAngles(NaN, 0.1, 0.8).incidenceDeg).toBeNaN();
  });
});

describe('date selection', () => {
  const dates = ['20190101', '20190113', '20190125', '20190206', '20190218'];
  it('keeps the inclusive range minus the excluded dates and names excluded dates not in the stack', () => {
    const s = selectDates(dates, { startDate: '20190113', endDate: '20190206', excludeDates: ['20190125', '20180101'] });
    expect(s.dates).toEqual(['20190113', '20190206']);
    expect(s.indices).toEqual([1, 3]);
    expect(s.excludedNotInStack).toEqual(['20180101']);
    expect(s.dropped).toEqual(['20190101', '20190125', '20190218']);
  });
  it('reads YYYYMMDD and YYYY-MM-DD, refuses what is not a calendar date', () => {
    expect(normaliseDateText('2019-02-06')).toBe('20190206');
    expect(normaliseDateText(' 20190206 ')).toBe('20190206');
    expect(normaliseDateText('2019-02-30')).toBeNull();
    expect(normaliseDateText('190206')).toBeNull();
  });
});

describe('geocoding grid of a lookup table', () => {
  // A north-up lookup: pixel centres on a regular lat/lon lattice.
  const width = 10, height = 8;
  const latitudeDeg = new Float32Array(width * height), longitudeDeg = new Float32Array(width * height);
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) { latitudeDeg[r * width + c] = 35 - 0.001 * r; longitudeDeg[r * width + c] = 92 + 0.001 * c; }
  const lookup = { width, height, latitudeDeg, longitudeDeg };

  it('on an unrotated lattice gives back the lattice (same step, edges half a pixel out) and copies every pixel', () => {
    const geo = geocodeGridOf(lookup, 'lut');
    expect(geo.grid.width).toBe(width);
    expect(geo.grid.height).toBe(height);
    expect(geo.lonStepDeg).toBeCloseTo(0.001, 6);
    expect(geo.latStepDeg).toBeCloseTo(-0.001, 6);
    expect(geo.grid.geoTransform[0]).toBeCloseTo(92 - geo.lonStepDeg / 2, 7);
    const values = Float32Array.from({ length: width * height }, (_, i) => i);
    expect(Array.from(applyNearest(nearestRadarPixels(lookup, geo), values))).toEqual(Array.from(values));
  });
  it('finds the radar pixel of a point, null outside the footprint', () => {
    expect(radarPixelAt(lookup, 35 - 0.003, 92.004)).toMatchObject({ row: 3, col: 4 });
    expect(radarPixelAt(lookup, 35.01, 92.004)).toBeNull();
  });
  it('refuses a lookup without valid coordinates, in one line naming it', () => {
    expect(() => geocodeGridOf({ width: 2, height: 2, latitudeDeg: new Float32Array(4), longitudeDeg: new Float32Array(4) }, 'geometryRadar.h5')).toThrow(/geometryRadar\.h5.*nothing to geocode/);
  });
});
