// Boolean HDF5 datasets as h5py (and so MintPy) writes them, with h5wasm. Node-only.
//
// Why this exists: MintPy's `dropIfgram` (ifgramStack.h5) and `waterMask` (waterMask.h5) are numpy
// bool arrays, which h5py stores as an HDF5 enum {FALSE: 0, TRUE: 1} over int8 and reads back as
// dtype bool. MintPy indexes with them (`dates[f['dropIfgram'][:], :]`): an int8 array there
// would be integer fancy indexing (rows 0 and 1) — silently wrong. h5wasm 0.10 cannot create enum
// datatypes, so the dataset is created as a one-member compound of int8 (same 1-byte elements,
// the values already in place) whose member name is chosen so that its datatype message has
// exactly the size of the enum's; after the file is closed that message is rewritten as the
// enum, and the object header's checksum recomputed.
//
// HDF5 File Format Specification 3.0: IV.A.2.d "Datatype Message" (compound version 3: member
// name NUL-terminated without padding, member offset in the fewest bytes that hold the type's
// size; enumeration version 3: base type, then names NUL-terminated without padding, then the
// values), IV.A.1.b "Version 2 Data Object Header Prefix" (OHDR, chunk #0 size, messages:
// type u8, size u16, flags u8 [+ creation order u16], then a lookup3 checksum of the chunk).
// h5wasm creates files with libver bounds v108–v200, so object headers are version 2.

import { openSync, readSync, writeSync, closeSync, fstatSync } from 'node:fs';
import type { File as H5File } from 'h5wasm';

/**
 * The placeholder compound member's name: 11 characters, so the compound message body
 * (8 + 12 name bytes + 1 offset byte + 12 member type bytes = 33) equals the enum's
 * (8 + 12 base type + "FALSE\0TRUE\0" 11 + 2 values = 33).
 */
const PLACEHOLDER_MEMBER = 'pmsBoolEnum';

/** Creates `name` (1-D or 2-D bool) in `file`, as a placeholder until patchBoolDatasets runs. */
export function createBoolDatasetPlaceholder(file: H5File, name: string, values: ArrayLike<boolean | number>, shape: number[], chunks?: number[]): void {
  const bytes = Int8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
  if (bytes.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`createBoolDatasetPlaceholder: ${bytes.length} values for shape [${shape.join(', ')}]`);
  file.create_dataset({
    name,
    // h5wasm writes a compound from a Map of its members' columns.
    data: new Map([[PLACEHOLDER_MEMBER, bytes]]) as never,
    shape,
    ...(chunks ? { chunks } : {}),
  });
}

/** Jenkins' lookup3 hashlittle(key, length, 0): HDF5's H5_checksum_lookup3 for metadata. */
export function hdf5MetadataChecksum(bytes: Uint8Array): number {
  const rot = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  let length = bytes.length;
  let a = (0xdeadbeef + length) >>> 0;
  let b = a;
  let c = a;
  let k = 0;
  const word = (at: number) => (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
  while (length > 12) {
    a = (a + word(k)) >>> 0;
    b = (b + word(k + 4)) >>> 0;
    c = (c + word(k + 8)) >>> 0;
    a = (a - c) >>> 0; a ^= rot(c, 4); a >>>= 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b ^= rot(a, 6); b >>>= 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c ^= rot(b, 8); c >>>= 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a ^= rot(c, 16); a >>>= 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b ^= rot(a, 19); b >>>= 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c ^= rot(b, 4); c >>>= 0; b = (b + a) >>> 0;
    length -= 12;
    k += 12;
  }
  if (length === 0) return c;
  // The tail: bytes k … k+length−1 added little-endian into a, b, c (the switch fall-through).
  const tail = [0, 0, 0];
  for (let i = 0; i < length; i++) tail[i >> 2] = (tail[i >> 2] + bytes[k + i] * 2 ** (8 * (i & 3))) >>> 0;
  a = (a + tail[0]) >>> 0;
  b = (b + tail[1]) >>> 0;
  c = (c + tail[2]) >>> 0;
  c ^= b; c = (c - rot(b, 14)) >>> 0;
  a ^= c; a = (a - rot(c, 11)) >>> 0;
  b ^= a; b = (b - rot(a, 25)) >>> 0;
  c ^= b; c = (c - rot(b, 16)) >>> 0;
  a ^= c; a = (a - rot(c, 4)) >>> 0;
  b ^= a; b = (b - rot(a, 14)) >>> 0;
  c ^= b; c = (c - rot(b, 24)) >>> 0;
  return c >>> 0;
}

/** The enum datatype message body h5py writes for numpy bool, in version 3 layout (33 bytes). */
function boolEnumMessageBody(): Uint8Array {
  return Uint8Array.from([
    0x38, 0x02, 0x00, 0x00, // version 3, class 8 (enumeration); 2 members
    0x01, 0x00, 0x00, 0x00, // element size 1
    0x10, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, // base: int8, signed, precision 8
    ...new TextEncoder().encode('FALSE\0TRUE\0'),
    0x00, 0x01, // FALSE = 0, TRUE = 1
  ]);
}

/**
 * Rewrites the `expected` placeholders made by createBoolDatasetPlaceholder in the closed file
 * `path` into h5py's bool enum. Throws (our bug, not the user's) when the layout is not the one
 * expected. The file is scanned from its start in 16 MiB pieces until all are found: create the
 * bool datasets before the large ones, so their object headers sit in the first piece.
 */
export function patchBoolDatasets(path: string, expected = 1): number {
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const needle = new TextEncoder().encode(PLACEHOLDER_MEMBER + '\0');
    const piece = 16 << 20;
    const buffer = new Uint8Array(piece + 4096);
    let patched = 0;
    for (let offset = 0; offset < size && patched < expected; offset += piece) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
      const view = buffer.subarray(0, n);
      for (let at = indexOf(view, needle, 0); at >= 0 && at < piece; at = indexOf(view, needle, at + 1)) {
        patchOne(fd, offset + at);
        patched++;
      }
    }
    if (patched !== expected) throw new Error(`patchBoolDatasets: ${patched} placeholders in ${path}, expected ${expected}`);
    return patched;
  } finally {
    closeSync(fd);
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = haystack.indexOf(needle[0], from); i >= 0 && i + needle.length <= haystack.length; i = haystack.indexOf(needle[0], i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function readAt(fd: number, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const n = readSync(fd, out, 0, length, offset);
  return out.subarray(0, n);
}

/** `nameAt`: file offset of the placeholder member name inside a compound datatype message. */
function patchOne(fd: number, nameAt: number): void {
  const bodyAt = nameAt - 8;
  // Find the object header (OHDR, version 2) whose chunk #0 holds this message: search back.
  const back = Math.min(bodyAt, 64 * 1024);
  const before = readAt(fd, bodyAt - back, back);
  const signature = new TextEncoder().encode('OHDR');
  let headerAt = -1;
  for (let i = before.length - 4; i >= 0; i--) {
    if (before[i] === signature[0] && before[i + 1] === signature[1] && before[i + 2] === signature[2] && before[i + 3] === signature[3]) { headerAt = bodyAt - back + i; break; }
  }
  if (headerAt < 0) throw new Error('patchBoolDatasets: no version-2 object header before the placeholder');
  const prefix = readAt(fd, headerAt, 32);
  const flags = prefix[5];
  if (prefix[4] !== 2) throw new Error(`patchBoolDatasets: object header version ${prefix[4]}, expected 2`);
  let p = 6;
  if (flags & 0x20) p += 16; // access/modification/change/birth times
  if (flags & 0x10) p += 4; // attribute storage phase change values
  const sizeBytes = 1 << (flags & 0x03);
  let chunkSize = 0;
  for (let i = sizeBytes - 1; i >= 0; i--) chunkSize = chunkSize * 256 + prefix[p + i];
  p += sizeBytes;
  const messagesAt = headerAt + p;
  const chunk = readAt(fd, headerAt, p + chunkSize + 4);
  if (chunk.length !== p + chunkSize + 4) throw new Error('patchBoolDatasets: object header runs past the end of the file');
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const stored = view.getUint32(p + chunkSize, true);
  if (hdf5MetadataChecksum(chunk.subarray(0, p + chunkSize)) !== stored) throw new Error('patchBoolDatasets: object header checksum does not verify before patching');
  // Walk the messages to the datatype message (type 3) whose body is at bodyAt.
  const creationOrder = (flags & 0x04) !== 0;
  let q = p;
  let found = false;
  while (q + 4 <= p + chunkSize) {
    const type = chunk[q];
    const size = chunk[q + 1] | (chunk[q + 2] << 8);
    const body = q + 4 + (creationOrder ? 2 : 0);
    if (headerAt + body === bodyAt) {
      if (type !== 3) throw new Error(`patchBoolDatasets: placeholder in message type ${type}, not a datatype`);
      const enumBody = boolEnumMessageBody();
      if (size !== enumBody.length || chunk[body] !== 0x36 || view.getUint32(body + 4, true) !== 1) {
        throw new Error(`patchBoolDatasets: placeholder datatype message of ${size} bytes (class byte 0x${chunk[body].toString(16)}), expected a 33-byte compound of size 1`);
      }
      chunk.set(enumBody, body);
      found = true;
      break;
    }
    q = body + size;
  }
  if (!found) throw new Error(`patchBoolDatasets: placeholder is not a message of the object header at ${messagesAt - p}`);
  view.setUint32(p + chunkSize, hdf5MetadataChecksum(chunk.subarray(0, p + chunkSize)), true);
  writeSync(fd, chunk, 0, chunk.length, headerAt);
}
