// CRS in our GeoTIFFs: GeoKeys from the EPSG database (crs.ts), so GDAL reads the same EPSG
// code back, silently, for geographic and projected CRSs alike — including EPSG:4540, a
// projected CRS whose code lies in the range the old writer took for geographic.

import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import type { RasterGrid } from '../src/core/grid.ts';
import { writeGeoTiffFile, createGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import { readRaster } from '../src/io/raster-node.ts';
import { crsOfEpsg } from '../src/io/crs.ts';
import { GDAL_AVAILABLE } from './support/gdal.ts';
import { writeMintpyRasters } from '../src/io/mintpy-h5-write-node.ts';
import { withH5Node } from '../src/io/h5-node.ts';
import { rootAttributes } from '../src/io/mintpy-h5.ts';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'permasar-crs-')); });

const CASES: { epsg: number; geoTransform: RasterGrid['geoTransform']; geographic: boolean }[] = [
  { epsg: 4326, geoTransform: [92.9, 0.00108, 0, 34.86, 0, -0.00108], geographic: true },
  { epsg: 4490, geoTransform: [92.9, 0.00108, 0, 34.86, 0, -0.00108], geographic: true },
  { epsg: 4540, geoTransform: [500010, 30, 0, 3860000, 0, -30], geographic: false },
  { epsg: 32646, geoTransform: [400000, 30, 0, 3900000, 0, -30], geographic: false },
  { epsg: 3857, geoTransform: [10342000, 100, 0, 4144000, 0, -100], geographic: false },
];

describe('CRS written as GDAL writes it', () => {
  for (const c of CASES) {
    it(`EPSG:${c.epsg} (${c.geographic ? 'geographic' : 'projected'}): GDAL reads it back without a warning`, async () => {
      const grid: RasterGrid = { width: 40, height: 30, geoTransform: c.geoTransform, epsg: c.epsg };
      const path = join(dir, `crs-${c.epsg}.tif`);
      await writeGeoTiffFile(path, grid, new Float32Array(40 * 30).map((_, i) => i), { sampleType: 'float32' });

      // The GeoKeys themselves: model type and the key that carries the code, with units.
      const tiff = await fromFile(path);
      const keys = (await tiff.getImage()).getGeoKeys()!;
      tiff.close();
      expect(keys.GTModelTypeGeoKey).toBe(c.geographic ? 2 : 1);
      if (c.geographic) {
        expect(keys.GeographicTypeGeoKey).toBe(c.epsg);
        expect(keys.GeogAngularUnitsGeoKey).toBe(9102);
        expect(keys.ProjectedCSTypeGeoKey).toBeUndefined();
      } else {
        expect(keys.ProjectedCSTypeGeoKey).toBe(c.epsg);
        expect(keys.ProjLinearUnitsGeoKey).toBe(9001);
        expect(keys.GeographicTypeGeoKey).toBeUndefined();
      }
      expect((await readRaster(path)).grid).toEqual(grid);

      if (!GDAL_AVAILABLE) return;
      const run = spawnSync('gdalinfo', ['-json', path], { encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stderr.trim()).toBe(''); // no "definition … not the same as … EPSG registry"
      const info = JSON.parse(run.stdout);
      expect(info.geoTransform).toEqual(c.geoTransform);
      expect(info.coordinateSystem.wkt).toMatch(new RegExp(`^${c.geographic ? 'GEOGCRS' : 'PROJCRS'}\\[`));
      expect(info.coordinateSystem.wkt).toMatch(new RegExp(`ID\\["EPSG",${c.epsg}\\]\\]$`));
      const srs = execFileSync('gdalsrsinfo', ['-o', 'epsg', path], { encoding: 'utf8' });
      expect(srs.trim()).toBe(`EPSG:${c.epsg}`);
    });
  }

  it('refuses an EPSG code the database lacks or that is not a 2-D horizontal CRS, before any file exists', async () => {
    for (const [epsg, why] of [[99999, /EPSG:99999 is not in the EPSG database/], [4978, /EPSG:4978 .*not a 2-D geographic or projected one/], [5773, /EPSG:5773 .*vert.*not a 2-D geographic or projected one/]] as const) {
      const path = join(dir, `bad-${epsg}.tif`);
      const grid: RasterGrid = { width: 4, height: 3, geoTransform: [0, 1, 0, 0, 0, -1], epsg };
      await expect(writeGeoTiffFile(path, grid, new Float32Array(12), { sampleType: 'float32' })).rejects.toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write the CRS: ${why.source}`));
      await expect(createGeoTiffFile(path, grid, { sampleType: 'float32' })).rejects.toThrow(why);
      expect(existsSync(path)).toBe(false);
    }
  });

  it('the reader refuses a user-defined CRS in one line naming the file', async () => {
    if (!GDAL_AVAILABLE) return;
    const path = join(dir, 'userdefined.tif');
    execFileSync('gdal_create', ['-q', '-of', 'GTiff', '-outsize', '4', '4', '-bands', '1', '-ot', 'Float32',
      '-a_srs', '+proj=tmerc +lon_0=93.3 +k=1 +x_0=500000 +datum=WGS84 +units=m', '-a_ullr', '500000', '4000000', '500040', '3999960', path]);
    await expect(readRaster(path)).rejects.toThrow(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: user-defined CRS .*without an EPSG code`));
  });

  it('MintPy X_UNIT/Y_UNIT from the EPSG database: meters for 4540, degrees for 4490', async () => {
    for (const [epsg, unit] of [[4540, 'meters'], [4490, 'degrees'], [32646, 'meters']] as const) {
      expect(crsOfEpsg(epsg)!.geographic).toBe(unit === 'degrees');
      const path = join(dir, `mintpy-${epsg}.h5`);
      await writeMintpyRasters(path, { width: 3, height: 2, geoTransform: [0, 1, 0, 0, 0, -1], epsg }, { x: new Float32Array(6) }, 'mask');
      const attrs = await withH5Node(path, (h5) => rootAttributes(h5, path));
      expect(attrs.X_UNIT).toBe(unit);
      expect(attrs.Y_UNIT).toBe(unit);
      expect(attrs.EPSG).toBe(String(epsg));
    }
  });
});
