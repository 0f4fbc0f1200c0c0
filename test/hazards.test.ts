// Hazard counts (the study's Fig. 10b) on a hand-checkable layout: features at planted geodesic
// distances either side of each buffer threshold (data/fixtures/hazards/make-fixture.ts), a
// polygon crossing a buffer edge, a line inside a polygon, a line vertex near a polygon edge.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countHazards, EdgeIndex, pointInPolygon, type HazardFeature, type HazardLine } from '../src/core/hazards.ts';
import { lonLatToEcef, pointToEdgeDistanceM } from '../src/core/geodesy.ts';
import { parseFeaturesGeoJson, parseLinesGeoJson } from '../src/io/geojson.ts';
import { featureCollectionText, makeHazardsFixture } from '../data/fixtures/hazards/make-fixture.ts';
import { isInputError } from '../src/core/errors.ts';
import geodesicPackage from 'geographiclib-geodesic';
import { makeRandom as rng } from '../data/synthetic.ts';

const WGS84 = (geodesicPackage as unknown as { Geodesic: { WGS84: { Inverse(lat1: number, lon1: number, lat2: number, lon2: number): { s12: number } } } }).Geodesic.WGS84;

const FIXTURE = 'data/fixtures/hazards';
const linesText = readFileSync(`${FIXTURE}/corridor.geojson`, 'utf8');
const featuresText = readFileSync(`${FIXTURE}/thermokarst.geojson`, 'utf8');
const expected = JSON.parse(readFileSync(`${FIXTURE}/expected.json`, 'utf8')) as {
  buffers_m: number[];
  counts: Record<string, Record<string, number[]>>;
};

describe('hazards fixture', () => {
  it('the files on disk are what the generator (GeographicLib) produces', () => {
    const made = makeHazardsFixture();
    expect(linesText).toBe(featureCollectionText(made.lines));
    expect(featuresText).toBe(featureCollectionText(made.features));
    expect(JSON.parse(readFileSync(`${FIXTURE}/expected.json`, 'utf8'))).toEqual(made.expected);
  });
});

describe('countHazards', () => {
  const lines = parseLinesGeoJson(linesText, 'corridor.geojson', 'class');
  const features = parseFeaturesGeoJson(featuresText, 'thermokarst.geojson', 'type');
  const result = countHazards(lines.items, features.items, { buffersM: [2000, 500, 1500, 1000], nearestSearchM: 50_000 });

  it('counts each type within each buffer of each class as worked by hand', () => {
    expect(result.buffersM).toEqual([500, 1000, 1500, 2000]);
    expect(result.lineClasses).toEqual(['railway', 'highway']);
    expect(result.featureTypes).toEqual(['thaw slump', 'thaw lake']);
    for (const [c, lineClass] of result.lineClasses.entries()) {
      for (const [t, featureType] of result.featureTypes.entries()) {
        const counts = result.buffersM.map((_, b) => result.counts[b][c][t]);
        expect(counts, `${lineClass} / ${featureType}`).toEqual(expected.counts[lineClass][featureType]);
      }
    }
    // Any class: S1..S3, S5 slumps within 2 km of some line; every lake is.
    expect(result.countsAnyClass.map((row) => row[0])).toEqual([1, 3, 4, 4]);
    expect(result.countsAnyClass.map((row) => row[1])).toEqual([2, 4, 4, 5]);
    expect(result.featureTotals).toEqual([5, 5]);
  });

  it('finds each planted distance and line (points to 1 cm; polygon boundaries to 5 cm)', () => {
    features.raw.forEach((feature, i) => {
      const planted = feature.properties.planted_m as number;
      const plantedLine = feature.properties.planted_line as string;
      const p = result.proximity[i];
      // Polygon vertices sit on the meridian through their "near" point; meridians converge, so
      // they are up to ~2 cm closer than planted (make-fixture.ts). Points are exact.
      const tolerance = feature.geometry.type === 'Point' ? 0.01 : 0.05;
      expect(Math.abs(p.nearestM - planted), String(feature.id)).toBeLessThan(tolerance);
      expect(lines.items[p.nearestLine].id, String(feature.id)).toBe(plantedLine);
    });
  });

  it('S4, 2,001 m away, is outside every buffer: per-class distance unknown, nearest still found', () => {
    const s4 = features.raw.findIndex((f) => f.id === 'S4');
    // Per class, distances are exact up to the largest buffer and Infinity beyond it ...
    expect(result.proximity[s4].nearestByClassM[0]).toBe(Infinity);
    expect(result.proximity[s4].nearestByClassM[1]).toBe(Infinity);
    // ... while the nearest line overall is searched further (widening search).
    expect(result.proximity[s4].nearestM).toBeCloseTo(2001, 2);
    expect(lines.items[result.proximity[s4].nearestLine].id).toBe('R1');
  });

  it('reports no distance (not a wrong one) beyond the nearest-line search', () => {
    const far: HazardFeature = { id: 'far', featureType: 'thaw lake', points: Float64Array.of(93.5, 35.1) }; // ~137 km east
    const r = countHazards(lines.items, [far], { buffersM: [500, 2000], nearestSearchM: 50_000 });
    expect(r.proximity[0].nearestM).toBe(Infinity);
    expect(r.proximity[0].nearestLine).toBe(-1);
    expect(r.counts.flat(2).every((n) => n === 0)).toBe(true);
    const wide = countHazards(lines.items, [far], { buffersM: [500, 2000], nearestSearchM: 200_000 });
    expect(wide.proximity[0].nearestM).toBeGreaterThan(120_000);
    expect(wide.proximity[0].nearestM).toBeLessThan(150_000);
  });
});

describe('polygons', () => {
  const square = (lon0: number, lat0: number, half: number): Float64Array =>
    Float64Array.of(lon0 - half, lat0 - half, lon0 + half, lat0 - half, lon0 + half, lat0 + half, lon0 - half, lat0 + half, lon0 - half, lat0 - half);
  const railway: HazardLine = { id: 'R', lineClass: 'railway', parts: [Float64Array.of(92.0, 35.0, 92.0, 35.02)] };

  it('a line inside a hole of a lake is not inside the lake', () => {
    // Outer ring ±0.05°, hole ±0.02° around the railway: distance is to the hole's edge, ~0.02° of longitude.
    const lake: HazardFeature = { id: 'ring', featureType: 'thaw lake', polygons: [[square(92.0, 35.01, 0.05), square(92.0, 35.01, 0.02)]] };
    const r = countHazards([railway], [lake], { buffersM: [500, 2000], nearestSearchM: 10_000 });
    // Nearest part of the hole: its southern edge, 0.01° of latitude south of the line's first
    // vertex (that edge bows ~0.2 m poleward between its corners).
    const meridianArcM = WGS84.Inverse(35, 92, 34.99, 92).s12;
    expect(Math.abs(r.proximity[0].nearestM - (meridianArcM - 0.18))).toBeLessThan(0.05);
    expect(r.counts[0][0][0]).toBe(0);
    expect(r.counts[1][0][0]).toBe(1);
    // Without the hole the line is inside: distance 0.
    const solid: HazardFeature = { id: 'solid', featureType: 'thaw lake', polygons: [[square(92.0, 35.01, 0.05)]] };
    expect(countHazards([railway], [solid], { buffersM: [500], nearestSearchM: 10_000 }).proximity[0].nearestM).toBe(0);
  });

  it('pointInPolygon: even–odd over rings', () => {
    const rings = [square(0, 0, 1), square(0, 0, 0.5)];
    expect(pointInPolygon(0.75, 0, rings)).toBe(true);
    expect(pointInPolygon(0.25, 0, rings)).toBe(false);
    expect(pointInPolygon(1.5, 0, rings)).toBe(false);
  });
});

describe('spatial index', () => {
  it('gives the same per-class nearest distances as brute force over every edge', () => {
    const random = rng(3);
    const lines: HazardLine[] = [];
    for (let l = 0; l < 12; l++) {
      const n = 3 + Math.floor(random() * 30);
      const path = new Float64Array(n * 2);
      let lon = 91 + random() * 2, lat = 34 + random() * 2;
      for (let i = 0; i < n; i++) {
        // Mixed edge lengths: 50 m to ~15 km, so edges span many cells or few.
        const step = random() < 0.2 ? 0.15 : 0.005;
        lon += (random() - 0.5) * step; lat += (random() - 0.5) * step;
        path[i * 2] = lon; path[i * 2 + 1] = lat;
      }
      lines.push({ id: l, lineClass: l % 3 === 0 ? 'railway' : 'highway', parts: [path] });
    }
    const features: HazardFeature[] = [];
    // Features scattered around random line vertices (up to ~3 km off), so many fall inside the
    // buffers and many outside.
    for (let f = 0; f < 400; f++) {
      const path = lines[Math.floor(random() * lines.length)].parts[0];
      const v = Math.floor(random() * (path.length / 2));
      features.push({ id: f, featureType: 'thaw slump', points: Float64Array.of(path[v * 2] + (random() - 0.5) * 0.06, path[v * 2 + 1] + (random() - 0.5) * 0.06) });
    }
    const searchM = 20_000;
    const r = countHazards(lines, features, { buffersM: [500, 1000, 2000], nearestSearchM: searchM });

    const index = new EdgeIndex(lines, 2000);
    const p = new Float64Array(3);
    let checked = 0;
    features.forEach((feature, i) => {
      lonLatToEcef(feature.points![0], feature.points![1], p);
      const brute = [Infinity, Infinity];
      for (let e = 0; e < index.edgeCount; e++) {
        const d = pointToEdgeDistanceM(p, 0, index.edgeEcef, e * 6, index.edgeEcef, e * 6 + 3);
        const c = index.edgeClass[e];
        if (d < brute[c]) brute[c] = d;
      }
      for (let c = 0; c < 2; c++) {
        const got = r.proximity[i].nearestByClassM[c];
        if (brute[c] <= 2000) {
          expect(got).toBe(brute[c]); // within the largest buffer: always exact
          checked++;
        } else if (Number.isFinite(got)) {
          expect(got).toBe(brute[c]); // a reported distance is never wrong
        } else {
          expect(brute[c]).toBeGreaterThan(2000);
        }
      }
    });
    expect(checked).toBeGreaterThan(200);
  });
});

describe('GeoJSON errors are one line naming the file', () => {
  const expectInputError = (fn: () => unknown, file: string, pattern: RegExp): void => {
    try {
      fn();
    } catch (e) {
      expect(isInputError(e)).toBe(true);
      const message = (e as Error).message;
      expect(message.startsWith(`${file}: `)).toBe(true);
      expect(message).not.toContain('\n');
      expect(message).toMatch(pattern);
      return;
    }
    throw new Error('expected an InputError');
  };
  const line = (coordinates: number[][], properties: object = { class: 'railway' }): string =>
    JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties, geometry: { type: 'LineString', coordinates } }] });

  it('bad JSON', () => expectInputError(() => parseLinesGeoJson('{"type": "FeatureCollection", ', 'a.geojson', 'class'), 'a.geojson', /not valid JSON/));
  it('not a FeatureCollection', () => expectInputError(() => parseLinesGeoJson('{"type": "LineString", "coordinates": []}', 'a.geojson', 'class'), 'a.geojson', /FeatureCollection/));
  it('empty layer', () => expectInputError(() => parseFeaturesGeoJson('{"type": "FeatureCollection", "features": []}', 'b.geojson', 'type'), 'b.geojson', /empty/));
  it('missing class property names the option', () =>
    expectInputError(() => parseLinesGeoJson(line([[92, 35], [92, 35.1]], { kind: 'railway' }), 'c.geojson', 'class'), 'c.geojson', /feature 0 has no "class" property \(--class-property.*kind/));
  it('missing type property', () =>
    expectInputError(() => parseFeaturesGeoJson(JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', id: 7, properties: {}, geometry: { type: 'Point', coordinates: [92, 35] } }] }), 'd.geojson', 'type'), 'd.geojson', /id 7.*"type" property.*--type-property/));
  it('antimeridian crossing is refused clearly', () =>
    expectInputError(() => parseLinesGeoJson(line([[179.9, 65], [-179.9, 65.1]]), 'e.geojson', 'class'), 'e.geojson', /antimeridian/));
  it('projected coordinates', () =>
    expectInputError(() => parseLinesGeoJson(line([[512345.6, 3987654.3], [512400, 3987700]]), 'f.geojson', 'class'), 'f.geojson', /not longitude\/latitude degrees/));
  it('a polygon in the lines layer', () =>
    expectInputError(() => parseLinesGeoJson(JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { class: 'x' }, geometry: { type: 'Polygon', coordinates: [] } }] }), 'g.geojson', 'class'), 'g.geojson', /Polygon; the lines layer takes LineString/));
  it('an unclosed ring', () =>
    expectInputError(() => parseFeaturesGeoJson(JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { type: 'thaw lake' }, geometry: { type: 'Polygon', coordinates: [[[92, 35], [92.1, 35], [92.1, 35.1], [92, 35.1]]] } }] }), 'h.geojson', 'type'), 'h.geojson', /not closed/));
  it('a line with one position', () => expectInputError(() => parseLinesGeoJson(line([[92, 35]]), 'i.geojson', 'class'), 'i.geojson', /at least 2 positions/));
  it('a non-WGS 84 crs member', () =>
    expectInputError(() => parseLinesGeoJson(JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32646' } }, features: [] }), 'j.geojson', 'class'), 'j.geojson', /not WGS 84/));
  it('an edge longer than 1,000 km', () => expectInputError(() => parseLinesGeoJson(line([[80, 30], [95, 36]]), 'k.geojson', 'class'), 'k.geojson', /1000 km/));
});
