// Checks an HDF5 file's signature and superblock before the HDF5 library sees it.
//
// Why: h5wasm (HDF5 compiled to wasm) does not throw on a file it cannot open. It prints a
// many-line "HDF5-DIAG" trace to stderr and hands back a file id of −1, and later calls fail
// with messages such as "name not defined!". A truncated download, the commonest bad input,
// is caught here from the superblock's end-of-file address, so the user gets one line.
//
// Superblock layout: HDF5 File Format Specification, §II.A "Disk Format: Level 0A".

import { InputError } from '../core/errors.ts';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // "\x89HDF\r\n\x1a\n"

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ReadBytes = (offset: number, length: number) => Promise<Uint8Array>;

function hasSignature(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

function readAddress(view: DataView, at: number, size: number): number | null {
  let value = 0;
  let allOnes = true;
  for (let i = size - 1; i >= 0; i--) {
    const b = view.getUint8(at + i);
    if (b !== 0xff) allOnes = false;
    value = value * 256 + b;
  }
  return allOnes ? null : value; // all ones = "undefined address"
}

/**
 * Throws InputError unless the file starts (or, after a user block, continues at 512, 1024,
 * 2048 … bytes) with the HDF5 signature and is at least as long as its superblock says.
 */
export async function checkHdf5Header(file: string, byteLength: number, readBytes: ReadBytes): Promise<void> {
  if (byteLength < 8) throw new InputError(file, `not an HDF5 file (${byteLength} bytes)`);
  let superblockAt = -1;
  for (let offset = 0; offset + 8 <= byteLength; offset = offset === 0 ? 512 : offset * 2) {
    if (hasSignature(await readBytes(offset, 8))) { superblockAt = offset; break; }
  }
  if (superblockAt < 0) throw new InputError(file, 'not an HDF5 file (no HDF5 signature)');

  const block = await readBytes(superblockAt, 64);
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  if (block.length < 16) throw new InputError(file, 'truncated HDF5 file (superblock cut off)');
  const version = block[8];
  let sizeOfOffsets: number;
  let addressesAt: number;
  if (version === 0 || version === 1) {
    sizeOfOffsets = block[13];
    addressesAt = version === 0 ? 24 : 28;
  } else if (version === 2 || version === 3) {
    sizeOfOffsets = block[9];
    addressesAt = 12;
  } else {
    return; // a future superblock version: let the library judge it
  }
  if (![2, 4, 8].includes(sizeOfOffsets)) throw new InputError(file, 'corrupt HDF5 superblock');
  // Base address, then (v0/1: free-space address | v2/3: superblock-extension address), then EOF.
  const eofAt = addressesAt + 2 * sizeOfOffsets;
  if (eofAt + sizeOfOffsets > block.length) throw new InputError(file, 'truncated HDF5 file (superblock cut off)');
  const base = readAddress(view, addressesAt, sizeOfOffsets) ?? 0;
  const eof = readAddress(view, eofAt, sizeOfOffsets);
  if (eof !== null && base + eof > byteLength) {
    throw new InputError(file, `truncated HDF5 file: ${byteLength} bytes of ${base + eof}`);
  }
}

