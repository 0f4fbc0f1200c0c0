// The EPSG database for the browser: crs.ts cannot require epsg-index's per-code files there,
// so the page and the fit worker install the whole table (epsg-index/all.json, a lazily
// loaded chunk) once, before reading a GeoTIFF's CRS or writing one.
import { useEpsgDatabase, type EpsgRecord } from '../io/crs.ts';

let installing: Promise<void> | null = null;

export function installEpsgDatabase(): Promise<void> {
  installing ??= import('epsg-index/all.json').then((m) => {
    useEpsgDatabase((m as unknown as { default: Record<string, EpsgRecord> }).default);
  });
  return installing;
}
