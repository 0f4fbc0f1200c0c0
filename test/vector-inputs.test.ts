// Shapefile and GeoPackage layers for `permasar hazards` (issue 10): the hand-checkable hazards
// fixture is split into slumps (points) and lakes (polygons), converted by GDAL's ogr2ogr into
// projected Shapefiles (UTM 46N, and 3-degree Gauss-Krüger CM 93E for an ESRI .prj that is not
// UTM) and into one GeoPackage with several layers in several CRSs, and every run must give the
// same hazards.csv as the GeoJSON. Then the bad inputs of the issue, each one line naming the
// file, exit 1, no --out. ogr2ogr comes from gdal-bin (in CI with PERMASAR_REQUIRE_GDAL=1).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from './support/run-command.ts';
import { GDAL_AVAILABLE } from './support/gdal.ts';

const FIXTURE = 'data/fixtures/hazards';
const dir = mkdtempSync(join(tmpdir(), 'permasar-vectors-'));
const at = (name: string): string => join(dir, name);

const ogr2ogr = (...args: string[]): void => { execFileSync('ogr2ogr', args, { stdio: ['ignore', 'ignore', 'pipe'] }); };

interface Collection { type: string; features: { id?: string; properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } | null }[] }
const thermokarst = JSON.parse(readFileSync(`${FIXTURE}/thermokarst.geojson`, 'utf8')) as Collection;

beforeAll(() => {
  if (!GDAL_AVAILABLE) return;
  const split = (type: string): Collection => ({ type: 'FeatureCollection', features: thermokarst.features.filter((f) => f.properties.type === type) });
  writeFileSync(at('slumps.geojson'), JSON.stringify(split('thaw slump')));
  writeFileSync(at('lakes.geojson'), JSON.stringify(split('thaw lake')));
  // The lines carry an en dash in a name: ENCODING=UTF-8 writes a .cpg that must be honoured.
  ogr2ogr('-t_srs', 'EPSG:32646', '-lco', 'ENCODING=UTF-8', at('lines.shp'), `${FIXTURE}/corridor.geojson`);
  ogr2ogr('-t_srs', 'EPSG:32646', at('slumps.shp'), at('slumps.geojson'));
  ogr2ogr('-t_srs', 'EPSG:32646', at('lakes.shp'), at('lakes.geojson'));
  ogr2ogr('-t_srs', 'EPSG:4540', at('lakes_gk.shp'), at('lakes.geojson'));
  // One GeoPackage, three layers, three CRSs (4326, UTM 46N, CGCS2000 / 3-degree GK CM 93E).
  ogr2ogr('-f', 'GPKG', '-nln', 'corridor', at('hazards.gpkg'), `${FIXTURE}/corridor.geojson`);
  ogr2ogr('-update', '-t_srs', 'EPSG:32646', '-nln', 'slumps', at('hazards.gpkg'), at('slumps.geojson'));
  ogr2ogr('-update', '-t_srs', 'EPSG:4540', '-nln', 'lakes', at('hazards.gpkg'), at('lakes.geojson'));
  ogr2ogr('-f', 'GPKG', '-t_srs', 'EPSG:4540', at('lines-only.gpkg'), `${FIXTURE}/corridor.geojson`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** hazards.csv of a run that must succeed. */
async function hazardsCsv(name: string, lines: string, features: string[]): Promise<string> {
  const out = at(`out-${name}`);
  const r = await runCommand(['hazards', '--lines', lines, ...features.flatMap((f) => ['--features', f]), '--out', out, '--quiet']);
  expect(r.stderr).toEqual([]);
  expect(r.code).toBe(0);
  return readFileSync(join(out, 'hazards.csv'), 'utf8');
}

describe.skipIf(!GDAL_AVAILABLE)('hazards from Shapefiles and GeoPackages (ogr2ogr-made)', () => {
  it('projected Shapefiles, slumps and lakes in two files, give the GeoJSON counts', async () => {
    const reference = await hazardsCsv('geojson', `${FIXTURE}/corridor.geojson`, [`${FIXTURE}/thermokarst.geojson`]);
    expect(reference.trim().split('\n')).toHaveLength(1 + 2 * 2 * 4);
    expect(await hazardsCsv('geojson-split', `${FIXTURE}/corridor.geojson`, [at('slumps.geojson'), at('lakes.geojson')])).toBe(reference);
    expect(await hazardsCsv('shp-utm', at('lines.shp'), [at('slumps.shp'), at('lakes.shp')])).toBe(reference);
    expect(await hazardsCsv('shp-gk', at('lines.shp'), [at('slumps.shp'), at('lakes_gk.shp')])).toBe(reference);

    // GDAL (PROJ) projected the fixture, proj4 brought it back from the ESRI .prj: the same
    // positions to ~1 mm (1e-8°), for UTM and for Gauss-Krüger.
    for (const name of ['shp-utm', 'shp-gk']) {
      const near = JSON.parse(readFileSync(at(`out-${name}/near_features.geojson`), 'utf8')) as Collection;
      expect(near.features).toHaveLength(thermokarst.features.length);
      near.features.forEach((feature, i) => {
        const original = thermokarst.features.find((f) => f.id === feature.properties.id)!;
        expect(feature.geometry!.type).toBe(original.geometry!.type);
        const flat = (c: unknown): number[] => (Array.isArray(c) ? c.flatMap(flat) : [c as number]);
        const got = flat(feature.geometry!.coordinates);
        const want = flat(original.geometry!.coordinates);
        expect(got.length, `feature ${i}`).toBe(want.length);
        // Shapefile rings may start at another vertex or turn the other way: each position read
        // must lie within 1e-8° of one of the original's.
        for (let k = 0; k < got.length; k += 2) {
          let nearestDeg = Infinity;
          for (let m = 0; m < want.length; m += 2) nearestDeg = Math.min(nearestDeg, Math.hypot(got[k] - want[m], got[k + 1] - want[m + 1]));
          expect(nearestDeg, `feature ${String(feature.properties.id)} position ${k / 2}`).toBeLessThan(1e-8);
        }
      });
    }
    const json = JSON.parse(readFileSync(at('out-shp-utm/hazards.json'), 'utf8'));
    expect(json.inputs.features).toEqual([at('slumps.shp'), at('lakes.shp')]);
    // Line ids come from the dbf's "id" column (ogr2ogr's home for GeoJSON string ids).
    expect(readFileSync(at('out-shp-utm/near_features.geojson'), 'utf8')).toContain('"nearest_line_id":"R1"');
  });

  it('one GeoPackage, layers picked by FILE.gpkg:LAYER, in three CRSs, gives the GeoJSON counts', async () => {
    const reference = await hazardsCsv('geojson-2', `${FIXTURE}/corridor.geojson`, [`${FIXTURE}/thermokarst.geojson`]);
    const gpkg = at('hazards.gpkg');
    expect(await hazardsCsv('gpkg', `${gpkg}:corridor`, [`${gpkg}:slumps`, `${gpkg}:lakes`])).toBe(reference);
    // A GeoPackage with one feature layer needs no name; mixing formats is fine.
    expect(await hazardsCsv('gpkg-single', at('lines-only.gpkg'), [at('slumps.shp'), `${gpkg}:lakes`])).toBe(reference);
  });

  it('a GeoPackage CRS known only by its WKT definition goes through proj4', async () => {
    // The same file with the 4540 entry's organization blanked: no EPSG code to look up, only the
    // WKT GDAL wrote into gpkg_spatial_ref_sys.definition.
    const { default: initSqlJs } = await import('sql.js');
    const SQL = await initSqlJs();
    const db = new SQL.Database(new Uint8Array(readFileSync(at('hazards.gpkg'))));
    db.exec("UPDATE gpkg_spatial_ref_sys SET organization = 'NONE', organization_coordsys_id = 0 WHERE srs_id = 4540");
    writeFileSync(at('wkt-only.gpkg'), (db as unknown as { export(): Uint8Array }).export());
    db.close();
    const reference = await hazardsCsv('geojson-3', `${FIXTURE}/corridor.geojson`, [`${FIXTURE}/thermokarst.geojson`]);
    expect(await hazardsCsv('gpkg-wkt', `${FIXTURE}/corridor.geojson`, [`${at('wkt-only.gpkg')}:slumps`, `${at('wkt-only.gpkg')}:lakes`])).toBe(reference);
  });

  it('the railway name decodes through the .cpg (UTF-8)', async () => {
    const { readVectorLayer } = await import('../src/io/vector-node.ts');
    const layer = await readVectorLayer(at('lines.shp'));
    expect(layer.features.map((f) => f.properties.name)).toContain('Qinghai–Tibet railway (toy)');
  });

  it('a dBase record flagged deleted is no feature (as GDAL reads it)', async () => {
    for (const ext of ['shp', 'shx', 'prj']) copyFileSync(at(`slumps.${ext}`), at(`deleted.${ext}`));
    const dbf = new Uint8Array(readFileSync(at('slumps.dbf')));
    const view = new DataView(dbf.buffer);
    const second = view.getUint16(8, true) + view.getUint16(10, true);
    dbf[second] = 0x2a;
    writeFileSync(at('deleted.dbf'), dbf);
    const { readVectorLayer } = await import('../src/io/vector-node.ts');
    const ids = (await readVectorLayer(at('deleted.shp'))).features.map((f) => f.properties.id);
    const all = (await readVectorLayer(at('slumps.shp'))).features.map((f) => f.properties.id);
    expect(all).toEqual(['S1', 'S2', 'S3', 'S4', 'S5']);
    expect(ids).toEqual(['S1', 'S3', 'S4', 'S5']);
  });

  // Each bad input: one line naming the file and the problem, exit 1, no output folder.
  const bad: [string, () => string[], string, RegExp][] = [
    ['a .shp without .prj', () => {
      for (const ext of ['shp', 'shx', 'dbf']) copyFileSync(at(`slumps.${ext}`), at(`noprj.${ext}`));
      return ['--features', at('noprj.shp')];
    }, 'noprj.shp', /no \.prj: the layer's CRS is unknown/],
    ['a .shp without .dbf', () => {
      for (const ext of ['shp', 'shx', 'prj']) copyFileSync(at(`slumps.${ext}`), at(`nodbf.${ext}`));
      return ['--features', at('nodbf.shp')];
    }, 'nodbf.shp', /no \.dbf/],
    ['a truncated .shp', () => {
      for (const ext of ['shp', 'shx', 'dbf', 'prj']) copyFileSync(at(`lakes.${ext}`), at(`cut.${ext}`));
      truncateSync(at('cut.shp'), statSync(at('cut.shp')).size - 40);
      return ['--features', at('cut.shp')];
    }, 'cut.shp', /truncated/],
    ['a GeoPackage without the named layer', () => ['--features', `${at('hazards.gpkg')}:slump`], 'hazards.gpkg', /no feature layer "slump" \(layers: corridor, lakes, slumps\)/],
    ['a GeoPackage of several layers, none named', () => ['--features', at('hazards.gpkg')], 'hazards.gpkg', /3 feature layers .*hazards\.gpkg:LAYER/],
    ['a Shapefile feature with no geometry', () => {
      const withNull = { type: 'FeatureCollection', features: [...thermokarst.features.slice(0, 2), { type: 'Feature', properties: { id: 'S9', type: 'thaw slump' }, geometry: null }] };
      writeFileSync(at('null.geojson'), JSON.stringify(withNull));
      ogr2ogr('-t_srs', 'EPSG:32646', at('null.shp'), at('null.geojson'));
      return ['--features', at('null.shp')];
    }, 'null.shp', /feature 2 has no geometry/],
    ['a GeoPackage feature with no geometry', () => {
      ogr2ogr('-f', 'GPKG', at('null.gpkg'), at('null.geojson'));
      return ['--features', at('null.gpkg')];
    }, 'null.gpkg', /feature 2 \(fid 3\) has no geometry/],
    ['an absurdly large GeoPackage', () => { writeFileSync(at('huge.gpkg'), ''); truncateSync(at('huge.gpkg'), 1024 ** 3 + 1); return ['--features', at('huge.gpkg')]; }, 'huge.gpkg', /too large a vector layer/],
    ['an unknown format', () => { writeFileSync(at('features.kml'), '<kml/>'); return ['--features', at('features.kml')]; }, 'features.kml', /unknown vector format ".kml"/],
  ];
  for (const [label, setup, file, problem] of bad) {
    it(`${label}: one line naming the file, exit 1, nothing written`, async () => {
      const out = at(`bad-${label.replace(/\W+/g, '-')}`);
      const r = await runCommand(['hazards', '--lines', `${FIXTURE}/corridor.geojson`, ...setup(), '--out', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).not.toContain('\n');
      expect(r.stderr[0]).toContain(file);
      expect(r.stderr[0]).toMatch(problem);
      expect(existsSync(out)).toBe(false);
    });
  }
});
