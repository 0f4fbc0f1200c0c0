// openStack for Node: a MintPy or LiCSBAS .h5 file or a folder of dated GeoTIFFs. Node-only.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import { InputError } from '../core/errors.ts';
import { statOrThrow } from './files-node.ts';
import { geotiffFolderStack, isTiffName, type TiffEntry } from './geotiff-stack.ts';
import { openH5Node } from './h5-node.ts';
import { mintpyStackFromH5 } from './mintpy-h5.ts';
import { isLicsbasH5, licsbasStackFromH5 } from './licsbas-h5.ts';
import type { StackSource } from './stack.ts';

export type { StackSource } from './stack.ts';

/**
 * Opens a displacement stack: a folder → dated GeoTIFFs; an HDF5 file → LiCSBAS cum.h5 (it has
 * `cum`) or MintPy timeseries.h5. A radar-coded MintPy stack only where the caller can geocode.
 */
export async function openStack(path: string, opts: { allowRadarCoded?: boolean } = {}): Promise<StackSource> {
  const s = await statOrThrow(path);
  if (s.isDirectory()) return openGeotiffFolderNode(path);
  if (/\.tiff?$/i.test(path)) {
    throw new InputError(path, 'a single GeoTIFF is not a stack: give the folder of dated GeoTIFFs');
  }
  const h5 = await openH5Node(path);
  return isLicsbasH5(h5) ? licsbasStackFromH5(h5, path) : mintpyStackFromH5(h5, path, { allowRadarCoded: opts.allowRadarCoded });
}

export async function openGeotiffFolderNode(folder: string): Promise<StackSource> {
  let names: string[];
  try {
    names = (await readdir(folder)).sort();
  } catch (e) {
    throw new InputError(folder, `cannot list folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const entries: TiffEntry[] = [];
  for (const name of names.filter(isTiffName)) {
    const path = join(folder, name);
    const st = await statOrThrow(path);
    if (!st.isFile()) continue;
    entries.push({ name, path, byteLength: st.size, open: () => fromFile(path) });
  }
  return geotiffFolderStack(folder, entries);
}
