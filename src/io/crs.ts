// Coordinate reference systems by EPSG code, from a complete, maintained EPSG database (the npm
// package `epsg-index`: every EPSG CRS with its kind, name, WKT, proj4 string and unit), not a
// hand-kept list. One place answers "is EPSG:N geographic or projected, in which linear unit,
// and how does proj4 reproject it" for the GeoTIFF reader and writer, resampling between
// grids, vector layers and site placement.
//
// Where the database comes from:
// - Node: one small JSON file per code (`epsg-index/s/N.json`), required on demand (a few
//   hundred microseconds; the 8 MB all-codes file is never parsed).
// - Browser: nothing can be required synchronously, so the app installs the whole table
//   once (`useEpsgDatabase(await import('epsg-index/all.json'))`) before it needs a CRS.
import proj4 from 'proj4';

/** One record of epsg-index (its JSON fields). */
export interface EpsgRecord {
  code: string;
  /** e.g. CRS-GEOGCRS, CRS-PROJCRS, CRS-GEOG3DCRS, CRS-GCENCRS, CRS-VERTCRS, CRS-COMPOUNDCRS. */
  kind: string;
  name: string;
  wkt: string | null;
  proj4: string | null;
  unit: string | null;
}

export type EpsgLookup = (code: number) => EpsgRecord | undefined;

/** What permasar needs of a horizontal CRS. */
export interface CrsInfo {
  epsg: number;
  name: string;
  /** Geographic: coordinates are longitude/latitude in degrees. Projected: easting/northing. */
  geographic: boolean;
  /** Linear unit of a projected CRS's axes, metres per unit (1 for metre, 0.3048 for foot). */
  metresPerUnit: number | null;
  proj4: string;
  wkt: string | null;
}

let lookup: EpsgLookup | null = null;
const cache = new Map<number, CrsInfo | null>();

/** Installs the EPSG table (the browser's path; Node finds epsg-index by itself). */
export function useEpsgDatabase(table: Record<string, EpsgRecord> | EpsgLookup): void {
  lookup = typeof table === 'function' ? table : (code) => table[String(code)];
  cache.clear();
}

function nodeLookup(): EpsgLookup | null {
  // process.getBuiltinModule (Node ≥ 20.16) reaches `module` without a static import, so this
  // file stays loadable in a browser bundle.
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('module') as { createRequire(url: string): (id: string) => unknown } | undefined;
  if (!mod) return null;
  const require = mod.createRequire(import.meta.url);
  return (code) => {
    try {
      return require(`epsg-index/s/${code}.json`) as EpsgRecord;
    } catch {
      return undefined;
    }
  };
}

function epsgRecord(code: number): EpsgRecord | undefined {
  if (!Number.isInteger(code) || code <= 0 || code > 10_000_000) return undefined;
  lookup ??= nodeLookup();
  if (!lookup) throw new Error('no EPSG database installed (call useEpsgDatabase first)');
  return lookup(code);
}

const METRES_PER_UNIT: Record<string, number> = {
  metre: 1,
  meter: 1,
  m: 1,
  kilometre: 1000,
  km: 1000,
  foot: 0.3048,
  ft: 0.3048,
  'us survey foot': 1200 / 3937,
  'us-ft': 1200 / 3937,
};

function metresPerUnit(record: EpsgRecord): number | null {
  const fromProj = /\+units=([\w-]+)/.exec(record.proj4 ?? '')?.[1];
  if (fromProj && METRES_PER_UNIT[fromProj] !== undefined) return METRES_PER_UNIT[fromProj];
  const toMeter = /\+to_meter=([\d.eE+-]+)/.exec(record.proj4 ?? '')?.[1];
  if (toMeter) return Number(toMeter);
  const name = (record.unit ?? '').toLowerCase();
  return METRES_PER_UNIT[name] ?? null;
}

/**
 * The horizontal CRS of an EPSG code, or null when the database does not have it or it is not
 * a 2-D geographic or projected CRS (geocentric, vertical, compound, engineering …).
 */
export function crsOfEpsg(code: number): CrsInfo | null {
  if (cache.has(code)) return cache.get(code)!;
  const record = epsgRecord(code);
  let info: CrsInfo | null = null;
  if (record && record.proj4 && (record.kind === 'CRS-GEOGCRS' || record.kind === 'CRS-PROJCRS')) {
    const geographic = record.kind === 'CRS-GEOGCRS';
    info = {
      epsg: code,
      name: record.name,
      geographic,
      metresPerUnit: geographic ? null : metresPerUnit(record),
      proj4: record.proj4,
      wkt: record.wkt,
    };
  }
  cache.set(code, info);
  return info;
}

/** Why a code is not usable, for one-line errors. */
export function describeUnusableEpsg(code: number): string {
  const record = epsgRecord(code);
  if (!record) return `EPSG:${code} is not in the EPSG database`;
  if (!record.proj4) return `EPSG:${code} (${record.name}) has no proj4 definition`;
  return `EPSG:${code} (${record.name}) is a ${record.kind.replace(/^CRS-/, '').toLowerCase()} CRS, not a 2-D geographic or projected one`;
}

/** Geographic (degrees) or not; unknown codes count as projected. */
export function isGeographicEpsg(code: number): boolean {
  return crsOfEpsg(code)?.geographic ?? false;
}

/** A proj4 converter between two EPSG codes (or proj4/WKT strings); throws Error with proj4's first line. */
export function proj4Converter(from: number | string, to: number | string): proj4.Converter {
  const def = (c: number | string): string => {
    if (typeof c === 'string') return c;
    const info = crsOfEpsg(c);
    if (!info) throw new Error(describeUnusableEpsg(c));
    return info.proj4;
  };
  return proj4(def(from), def(to));
}
