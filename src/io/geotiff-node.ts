// Opening GeoTIFFs in Node with geotiff.js's file source (reads only the bytes asked for).
// Node-only.

import { fromFile, type GeoTIFF } from 'geotiff';
import { InputError } from '../core/errors.ts';
import { fileSizeOrThrow } from './files-node.ts';

export async function openGeoTiffNode(path: string): Promise<{ tiff: GeoTIFF; byteLength: number }> {
  const byteLength = await fileSizeOrThrow(path);
  if (byteLength < 8) throw new InputError(path, `not a TIFF file (${byteLength} bytes)`);
  try {
    return { tiff: await fromFile(path), byteLength };
  } catch (e) {
    throw new InputError(path, `not a readable TIFF (corrupt or truncated): ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
}
