// Seeded fuzzing of every reader through the CLI (issue 11): MintPy HDF5 (h5wasm; geocoded, and
// in radar coordinates with its geometryRadar.h5), MintPy's ifgramStack.h5 (invert, issue 21),
// LiCSBAS cum.h5 (issue 14), GeoTIFF
// (geotiff.js: a stack folder and a single-raster mask), CSV (coupling's --temperature) and
// GeoJSON (hazards). Each case mutates a valid file (truncation at a random offset, flipped bytes
// in headers and attributes, size attributes that lie, wrong data types, absurd dimensions) and
// runs the command in-process through the CLI's main() with its output captured. Every case must
// end in exit 0 (a mutation the format tolerates) or exit 1 with one line naming the file, no
// stack trace, and nothing in --out; exit 2 (our bug) or no answer within the per-case limit
// fails. Mutations that break the file for sure must be refused (exit 1).
//
// One table: each reader is one entry in READERS. The Shapefile and GeoPackage bases are made
// by GDAL's ogr2ogr from the hazards fixture (skipped loudly without gdal-bin, like every GDAL
// check; CI requires it).
// Replay: the seed is in the describe name; PERMASAR_FUZZ_SEED=<seed> reruns the same cases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readFile, rm, writeFile, copyFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCommand } from './support/run-command.ts';
import { generateStack, makeRandom } from '../data/synthetic.ts';
import { writeMintpyRasters, writeMintpyTimeseries } from '../src/io/mintpy-h5-write-node.ts';
import { writeLicsbasCum } from '../src/io/licsbas-h5-write-node.ts';
import { losUnitVector } from '../src/core/decomposition.ts';
import { radarCodedGrid } from '../src/core/grid.ts';
import { writeGeoTiffFile } from '../src/io/geotiff-write-node.ts';
import type { RasterGrid } from '../src/core/grid.ts';
import { execFileSync } from 'node:child_process';
import { GDAL_AVAILABLE } from './support/gdal.ts';
import { readFitFolder } from '../src/io/fit-folder-node.ts';
import { readRawIfgramStack, writeRawIfgramStack, writeSyntheticIfgramStack, type RawIfgramStack } from '../data/ifgram-stack.ts';

const seed = Number(process.env.PERMASAR_FUZZ_SEED ?? ((Date.now() ^ (Math.random() * 2 ** 31)) >>> 0));
// A case that gives no answer within its limit counts as a hang. The limit is a hang detector, not
// a timing assertion: at least 20 s, and 15 × the time the unmutated file took in this run, so a
// machine loaded by other work (CI's two cores running two test files) does not turn slowness
// into a failure.
const MIN_CASE_LIMIT_MS = 20_000;
let caseLimitMs = MIN_CASE_LIMIT_MS;
const grid: RasterGrid = { width: 12, height: 8, geoTransform: [92.9, 0.001, 0, 34.86, 0, -0.001], epsg: 4326 };
let dir = '';

type Random = () => number;
const int = (random: Random, n: number) => Math.floor(random() * n);

/**
 * The first HDF5 global heap collection ("GCOL", where variable-length attribute strings live)
 * with its free-space object (index 0) made 1 KiB shorter than it is: HDF5's parser then meets a
 * zero-filled object header of size 0 inside the collection and never moves past it.
 */
function shortenGlobalHeapFreeSpace(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const at = Buffer.from(out).indexOf('GCOL');
  if (at < 0) throw new Error('fuzz: no global heap in the MintPy file');
  const end = at + Number(view.getBigUint64(at + 8, true));
  for (let p = at + 16; p + 16 <= end;) {
    const index = view.getUint16(p, true);
    const size = Number(view.getBigUint64(p + 8, true));
    if (index === 0) {
      if (size <= 2048) throw new Error(`fuzz: the global heap's free space is only ${size} bytes`);
      view.setBigUint64(p + 8, BigInt(size - 1024), true);
      return out;
    }
    p += 16 + Math.ceil(size / 8) * 8;
  }
  throw new Error('fuzz: no free space in the global heap');
}

/** A mutation of one file's bytes. mustFail: the result cannot be a valid file. */
interface Mutation { name: string; mustFail: boolean; apply(bytes: Uint8Array, random: Random): Uint8Array }

const truncate: Mutation = {
  name: 'truncated', mustFail: true,
  apply: (b, r) => b.slice(0, int(r, b.length)),
};
/**
 * Truncation of a dBase file into its records: the last byte is dBase's end-of-file marker
 * (0x1A), which readers (shapelib, GDAL, ours) do not require, so cutting only that byte leaves
 * a valid file (seed 1700263180, case #3, cut at length − 1, was accepted, rightly).
 */
const truncateDbf: Mutation = {
  name: 'truncated into the records', mustFail: true,
  apply: (b, r) => {
    if (b[b.length - 1] !== 0x1a) throw new Error('fuzz: the base .dbf does not end with the 0x1A end-of-file marker');
    return b.slice(0, int(r, b.length - 1));
  },
};
const flipIn = (name: string, span: (b: Uint8Array) => [number, number]): Mutation => ({
  name, mustFail: false,
  apply: (b, r) => {
    const out = b.slice();
    const [from, to] = span(b);
    const flips = 1 + int(r, 4);
    for (let i = 0; i < flips; i++) out[from + int(r, Math.max(1, to - from))] ^= 1 << int(r, 8);
    return out;
  },
});
const flipHeader = flipIn('flipped header bytes', (b) => [0, Math.min(b.length, 512)]);
const flipAnywhere = flipIn('flipped bytes', (b) => [0, b.length]);

// Classic little-endian TIFF: patch one IFD entry of the first image (tags in TIFF 6.0 §2).
// `tag` may list alternatives (strip or tile layout: our products are tiled COGs, other
// writers' files are often stripped); the first one present is patched.
function patchTiffTag(bytes: Uint8Array, tags: number | number[], value: number, type?: number): Uint8Array {
  const wanted = Array.isArray(tags) ? tags : [tags];
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  if (view.getUint16(0, true) !== 0x4949 || view.getUint16(2, true) !== 42) throw new Error('fuzz: base GeoTIFF is not classic little-endian TIFF');
  const ifd = view.getUint32(4, true);
  const count = view.getUint16(ifd, true);
  const present = new Set(Array.from({ length: count }, (_, i) => view.getUint16(ifd + 2 + 12 * i, true)));
  const tag = wanted.find((t) => present.has(t));
  for (let i = 0; i < count && tag !== undefined; i++) {
    const at = ifd + 2 + 12 * i;
    if (view.getUint16(at, true) !== tag) continue;
    const t = type ?? view.getUint16(at + 2, true);
    view.setUint16(at + 2, t, true);
    view.setUint32(at + 4, 1, true);
    if (t === 3) { view.setUint16(at + 8, value, true); view.setUint16(at + 10, 0, true); } else view.setUint32(at + 8, value >>> 0, true);
    return out;
  }
  throw new Error(`fuzz: none of tags ${wanted.join(', ')} in the base GeoTIFF`);
}
const tiffTag = (name: string, tag: number | number[], value: number, type?: number, mustFail = true): Mutation => ({
  name, mustFail, apply: (b) => patchTiffTag(b, tag, value, type),
});
const TIFF_MUTATIONS: Mutation[] = [
  truncate, truncate, flipHeader, flipHeader, flipAnywhere,
  tiffTag('10⁹ columns (ImageWidth)', 256, 1_000_000_000, 4),
  tiffTag('10⁹ rows (ImageLength)', 257, 1_000_000_000, 4),
  tiffTag('strip/tile byte count that lies (4 GB)', [279, 325], 0xffff_fff0, 4),
  tiffTag('strip/tile offset past the end', [273, 324], 0x7fff_fff0, 4),
  tiffTag('10⁹-pixel tiles claimed (TileWidth)', 322, 1_000_000_000, 4),
  tiffTag('64-bit samples claimed (BitsPerSample)', 258, 64, 3),
  tiffTag('1-bit samples claimed (BitsPerSample)', 258, 1, 3),
  tiffTag('complex int samples (SampleFormat 5)', 339, 5, 3),
  tiffTag('unknown compression 60000', 259, 60000, 3),
  tiffTag('1000 samples per pixel', 277, 1000, 3),
];

// Text mutations (CSV, GeoJSON).
const text = (name: string, mustFail: boolean, f: (s: string, r: Random) => string): Mutation => ({
  name, mustFail,
  apply: (b, r) => new TextEncoder().encode(f(new TextDecoder().decode(b), r)),
});
const TEXT_MUTATIONS: Mutation[] = [
  truncate, flipAnywhere, flipAnywhere, flipHeader,
  text('NUL bytes inserted', false, (s, r) => { const at = int(r, s.length); return s.slice(0, at) + '\0\0\0' + s.slice(at); }),
  text('binary garbage', true, (_s, r) => String.fromCharCode(...Array.from({ length: 2000 }, () => int(r, 256)))),
  text('empty', true, () => ''),
  text('a number replaced by text', false, (s, r) => { const m = [...s.matchAll(/\d+\.\d+/g)]; if (!m.length) return s; const hit = m[int(r, m.length)]; return s.slice(0, hit.index) + 'NaNx' + s.slice(hit.index! + hit[0].length); }),
  text('unbalanced quote', false, (s, r) => { const at = int(r, s.length); return s.slice(0, at) + '"' + s.slice(at); }),
  text('a line of 100 000 fields', false, (s) => s + '\n' + ','.repeat(100_000) + '\n'),
  text('100 000 nested arrays', true, () => '['.repeat(100_000) + ']'.repeat(100_000)),
  text('UTF-8 BOM and CRLF', false, (s) => '\uFEFF' + s.replace(/\n/g, '\r\n')),
  text('a line break inside a quoted field', false, (s, r) => { const lines = s.split('\n'); const i = 1 + int(r, Math.max(1, lines.length - 2)); lines[i] = `"${lines[i].slice(0, 4)}\n${lines[i].slice(4)}"`; return lines.join('\n'); }),
];

interface CaseInput {
  /** The mutated file (named in the expected error). */
  file: string;
  out: string;
}

interface ReaderEntry {
  name: string;
  /** Writes the valid base file (once) and returns its path. */
  makeBase(): Promise<string>;
  mutations: Mutation[];
  /** Extra structural cases: valid files written a wrong way (lying attributes, wrong dtypes). */
  structural?: { name: string; mustFail: boolean; write(file: string): Promise<void> }[];
  /** The base is made with GDAL (ogr2ogr): skipped where gdal-bin is missing. */
  needsGdal?: boolean;
  /** Where the mutated file goes (a stack folder holds it among valid ones). */
  place(mutated: Uint8Array, caseDir: string): Promise<string>;
  args(c: CaseInput): string[];
  cases: number;
}

let stackFile = '';
let fitDir = '';
/** A pixel the base fit has a rate for (the random stack plants NaN and sparse pixels). */
let couplingPixel = { row: 0, col: 0 };
let stackDates: string[] = [];
let stackValuesM: Float32Array = new Float32Array(0);

/** The ERA5 fuzz entry's stack, and structural variants of its ERA5.h5 rewritten with h5wasm. */
let eraStack = '';
interface EraParts { datasetName: string; attributes: Record<string, string>; dates: string[]; values: Float32Array; length: number; width: number; dropFirstDate: boolean }
const eraVariant = (change: (e: EraParts) => void) => async (file: string) => {
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  const base = new h5wasm.File(path.join(path.dirname(eraStack), 'ERA5.h5'), 'r');
  const ts = base.get('timeseries') as import('h5wasm').Dataset;
  const [n, length, width] = ts.shape!;
  const parts: EraParts = {
    datasetName: 'timeseries',
    attributes: Object.fromEntries(Object.entries(base.attrs).map(([k, a]) => [k, String(a.value)])),
    dates: (base.get('date') as import('h5wasm').Dataset).value as string[],
    values: Float32Array.from(ts.value as Float32Array),
    length, width, dropFirstDate: false,
  };
  base.close();
  change(parts);
  const first = parts.dropFirstDate ? 1 : 0;
  const plane = length * width;
  const out = new h5wasm.File(file, 'w');
  for (const [k, v] of Object.entries(parts.attributes)) out.create_attribute(k, v);
  out.create_dataset({ name: 'date', data: parts.dates.slice(first), shape: [n - first], dtype: 'S8' });
  const rows = Math.min(length, parts.length);
  const data = new Float32Array((n - first) * rows * width);
  for (let k = first; k < n; k++) data.set(parts.values.subarray(k * plane, k * plane + rows * width), (k - first) * rows * width);
  out.create_dataset({ name: parts.datasetName, data, shape: [n - first, rows, width], dtype: '<f' });
  out.close();
};

async function writeStackTiffs(folder: string): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const n = grid.width * grid.height;
  const files: string[] = [];
  for (let d = 0; d < stackDates.length; d++) {
    const file = path.join(folder, `disp_${stackDates[d]}.tif`);
    await writeGeoTiffFile(file, grid, stackValuesM.subarray(d * n, (d + 1) * n).map((v) => v * 1000), { sampleType: 'float32', bandUnit: 'mm' });
    files.push(file);
  }
  return files;
}

/** The ifgramStack fuzz base as raw datasets (read once by its makeBase), for structural variants. */
let ifgramRaw: RawIfgramStack | null = null;
const ifgramVariant = (change: (raw: RawIfgramStack) => void) => async (file: string) => {
  const raw = structuredClone(ifgramRaw!);
  change(raw);
  await writeRawIfgramStack(file, raw);
};

const READERS: ReaderEntry[] = [
  {
    name: 'MintPy HDF5 stack (fit STACK)',
    makeBase: async () => stackFile,
    mutations: [truncate, truncate, truncate, flipHeader, flipHeader, flipIn('flipped bytes in the first 4 KiB (object headers, attributes)', (b) => [0, Math.min(b.length, 4096)]), flipAnywhere],
    structural: [
      { name: 'WIDTH attribute that lies (10⁹)', mustFail: true, write: (f) => writeMintpyTimeseries(f, { grid, dates: stackDates, values: stackValuesM, unit: 'm', attributes: { WIDTH: '1000000000' } }) },
      { name: 'LENGTH attribute that lies', mustFail: true, write: (f) => writeMintpyTimeseries(f, { grid, dates: stackDates, values: stackValuesM, unit: 'm', attributes: { LENGTH: '7' } }) },
      { name: 'X_STEP of 0', mustFail: true, write: (f) => writeMintpyTimeseries(f, { grid, dates: stackDates, values: stackValuesM, unit: 'm', attributes: { X_STEP: '0' } }) },
      { name: 'X_FIRST not a number', mustFail: true, write: (f) => writeMintpyTimeseries(f, { grid, dates: stackDates, values: stackValuesM, unit: 'm', attributes: { X_FIRST: 'abc' } }) },
      { name: 'dates that are not dates', mustFail: true, write: (f) => writeMintpyTimeseries(f, { grid, dates: stackDates.map((d, i) => (i === 3 ? '2019ABCD' : d)), values: stackValuesM, unit: 'm' }) },
      { name: 'unknown UNIT', mustFail: true, write: (f) => writeMintpyTimeseries(f, { grid, dates: stackDates, values: stackValuesM, unit: 'furlongs' }) },
      { name: 'Y_STEP of 0', mustFail: true, write: (f) => writeMintpyTimeseries(f, { grid, dates: stackDates, values: stackValuesM, unit: 'm', attributes: { Y_STEP: '0' } }) },
      { name: 'timeseries chunked oddly', mustFail: false, write: (f) => writeMintpyTimeseries(f, { grid, dates: stackDates, values: stackValuesM, unit: 'm', chunks: [3, 5, 7] }) },
      // HDF5 itself loops forever on this (seed 1344754300, radar stack, case #3): refused in time.
      { name: 'attribute heap whose free space ends short (HDF5 loops on it)', mustFail: true, write: async (f) => {
        await writeMintpyTimeseries(f, { grid, dates: stackDates, values: stackValuesM, unit: 'm' });
        await writeFile(f, shortenGlobalHeapFreeSpace(new Uint8Array(await readFile(f))));
      } },
    ],
    place: async (bytes, caseDir) => { const f = path.join(caseDir, 'timeseries.h5'); await writeFile(f, bytes); return f; },
    args: (c) => ['fit', c.file, '--out', c.out, '--device', 'cpu', '--quiet'],
    cases: 40,
  },
  {
    name: 'LiCSBAS cum.h5 (fit STACK)',
    makeBase: async () => { const f = path.join(dir, 'cum.h5'); await writeLicsbasCum(f, licsbasInput()); return f; },
    mutations: [truncate, truncate, truncate, flipHeader, flipHeader, flipIn('flipped bytes in the first 4 KiB (object headers, attributes)', (b) => [0, Math.min(b.length, 4096)]), flipAnywhere],
    structural: [
      { name: 'no imdates', mustFail: true, write: (f) => writeLicsbasCum(f, licsbasInput({ omit: ['imdates'] })) },
      { name: 'imdates one short', mustFail: true, write: (f) => writeLicsbasCum(f, licsbasInput({ omit: ['imdates'], extra: { imdates: { data: Int32Array.from(stackDates.slice(1), Number), dtype: '<i' } } })) },
      { name: 'imdates that are not dates', mustFail: true, write: (f) => writeLicsbasCum(f, licsbasInput({ omit: ['imdates'], extra: { imdates: { data: Int32Array.from(stackDates, (d, i) => (i === 2 ? 20191340 : Number(d))), dtype: '<i' } } })) },
      { name: 'post_lat positive', mustFail: true, write: (f) => writeLicsbasCum(f, licsbasInput({ omit: ['post_lat'], extra: { post_lat: { data: 0.001, dtype: '<d' } } })) },
      { name: 'corner_lon NaN', mustFail: true, write: (f) => writeLicsbasCum(f, licsbasInput({ omit: ['corner_lon'], extra: { corner_lon: { data: NaN, dtype: '<d' } } })) },
      { name: 'no corner_lat (radar coordinates)', mustFail: true, write: (f) => writeLicsbasCum(f, licsbasInput({ omit: ['corner_lat'] })) },
      { name: 'cum 2-D', mustFail: true, write: (f) => writeLicsbasCum(f, licsbasInput({ omit: ['cum'], extra: { cum: { data: new Float32Array(grid.width * grid.height), shape: [grid.height, grid.width], dtype: '<f' } } })) },
      { name: 'U.geo of another shape', mustFail: true, write: (f) => writeLicsbasCum(f, licsbasInput({ omit: ['U.geo'], extra: { 'U.geo': { data: new Float32Array(grid.width * (grid.height - 1)).fill(0.8), shape: [grid.height - 1, grid.width], dtype: '<f' } } })) },
      { name: 'without E/N/U and refarea (older LiCSBAS)', mustFail: false, write: (f) => writeLicsbasCum(f, licsbasInput({ omit: ['E.geo', 'N.geo', 'U.geo', 'refarea'] })) },
    ],
    place: async (bytes, caseDir) => { const f = path.join(caseDir, 'cum.h5'); await writeFile(f, bytes); return f; },
    args: (c) => ['fit', c.file, '--out', c.out, '--device', 'cpu', '--quiet'],
    cases: 30,
  },
  {
    name: 'MintPy HDF5 stack in radar coordinates (fit STACK --geometry geometryRadar.h5)',
    makeBase: async () => { const f = path.join(dir, 'radar-timeseries.h5'); await writeMintpyTimeseries(f, { grid: radarGrid, dates: stackDates, values: stackValuesM, unit: 'm' }); return f; },
    mutations: [truncate, truncate, flipHeader, flipIn('flipped bytes in the first 4 KiB (object headers, attributes)', (b) => [0, Math.min(b.length, 4096)]), flipAnywhere],
    structural: [
      { name: 'LENGTH attribute that lies', mustFail: true, write: (f) => writeMintpyTimeseries(f, { grid: radarGrid, dates: stackDates, values: stackValuesM, unit: 'm', attributes: { LENGTH: '7' } }) },
      { name: 'half the geocoding attributes', mustFail: true, write: (f) => writeMintpyTimeseries(f, { grid: radarGrid, dates: stackDates, values: stackValuesM, unit: 'm', attributes: { X_FIRST: '92.9' } }) },
    ],
    place: async (bytes, caseDir) => { const f = path.join(caseDir, 'radar-timeseries.h5'); await writeFile(f, bytes); return f; },
    args: (c) => ['fit', c.file, '--geometry', radarGeometryFile, '--out', c.out, '--device', 'cpu', '--quiet'],
    cases: 20,
  },
  {
    name: 'MintPy geometryRadar.h5 (fit RADAR_STACK --geometry)',
    makeBase: async () => radarGeometryFile,
    mutations: [truncate, truncate, flipHeader, flipIn('flipped bytes in the first 4 KiB (object headers, attributes)', (b) => [0, Math.min(b.length, 4096)]), flipAnywhere],
    structural: [
      { name: 'latitude of another shape than the stack', mustFail: true, write: (f) => writeRadarGeometry(f, radarCodedGrid(grid.width - 1, grid.height)) },
      { name: 'latitude all zero (no lookup)', mustFail: true, write: (f) => writeRadarGeometry(f, radarGrid, 0) },
    ],
    place: async (bytes, caseDir) => { const f = path.join(caseDir, 'geometryRadar.h5'); await writeFile(f, bytes); return f; },
    args: (c) => ['fit', radarStackFile(), '--geometry', c.file, '--out', c.out, '--device', 'cpu', '--quiet'],
    cases: 20,
  },
  {
    name: 'MintPy ifgramStack.h5 (invert STACK)',
    makeBase: async () => {
      const f = path.join(dir, 'ifgramStack.h5');
      await writeSyntheticIfgramStack(f, { seed, length: grid.height, width: grid.width, nDates: 10, network: { neighbours: 3 } });
      ifgramRaw = await readRawIfgramStack(f);
      return f;
    },
    mutations: [truncate, truncate, truncate, flipHeader, flipHeader, flipIn('flipped bytes in the first 4 KiB (object headers, attributes)', (b) => [0, Math.min(b.length, 4096)]), flipAnywhere],
    structural: [
      { name: 'no unwrapPhase', mustFail: true, write: ifgramVariant((r) => { delete r.datasets.unwrapPhase; }) },
      { name: 'a date that is not a date', mustFail: true, write: ifgramVariant((r) => { const d = r.datasets.date as { text: string[] }; d.text[3] = '2019ABCD'; }) },
      { name: 'dates with a time of day', mustFail: true, write: ifgramVariant((r) => { const d = r.datasets.date as { text: string[]; dtype?: string }; d.text = d.text.map((t) => `${t}T0600`); d.dtype = 'S13'; }) },
      { name: 'dropIfgram one short', mustFail: true, write: ifgramVariant((r) => { const d = r.datasets.dropIfgram as { bool: boolean[]; shape: number[] }; d.bool = d.bool.slice(1); d.shape = [d.shape[0] - 1]; }) },
      { name: 'every interferogram dropped', mustFail: true, write: ifgramVariant((r) => { const d = r.datasets.dropIfgram as { bool: boolean[] }; d.bool = d.bool.map(() => false); }) },
      { name: 'coherence of another shape', mustFail: true, write: ifgramVariant((r) => { const d = r.datasets.coherence as { data: Float32Array; shape: number[] }; d.shape = [d.shape[0], d.shape[1], d.shape[2] - 1]; d.data = d.data.subarray(0, d.shape[0] * d.shape[1] * d.shape[2]); delete (d as { chunks?: unknown }).chunks; delete (d as { maxshape?: unknown }).maxshape; }) },
      { name: 'connectComponent as float', mustFail: true, write: ifgramVariant((r) => { const d = r.datasets.connectComponent as { data: ArrayLike<number>; dtype: string }; d.data = Float32Array.from(d.data); d.dtype = '<f'; }) },
      { name: 'LENGTH attribute that lies', mustFail: true, write: ifgramVariant((r) => { r.attributes.LENGTH = '7'; }) },
      { name: 'REF_Y outside the stack', mustFail: true, write: ifgramVariant((r) => { r.attributes.REF_Y = '1000000'; }) },
      { name: 'WAVELENGTH not a number', mustFail: true, write: ifgramVariant((r) => { r.attributes.WAVELENGTH = 'C-band'; }) },
      { name: 'without dropIfgram and bperp (all kept)', mustFail: false, write: ifgramVariant((r) => { delete r.datasets.dropIfgram; delete r.datasets.bperp; }) },
      { name: 'unwrapPhase chunked oddly', mustFail: false, write: ifgramVariant((r) => { (r.datasets.unwrapPhase as { chunks?: number[] }).chunks = [3, 5, 7]; }) },
    ],
    place: async (bytes, caseDir) => { const f = path.join(caseDir, 'ifgramStack.h5'); await writeFile(f, bytes); return f; },
    args: (c) => ['invert', c.file, '--out', c.out, '--device', 'cpu', '--quiet'],
    cases: 30,
  },
  {
    name: 'MintPy ERA5.h5 delay stack (invert STACK --troposphere)',
    makeBase: async () => {
      const f = path.join(dir, 'era', 'ifgramStack.h5');
      const made = await writeSyntheticIfgramStack(f, { seed: seed ^ 0x5e7a, length: grid.height, width: grid.width, nDates: 10, network: { neighbours: 3 }, troposphere: {} });
      eraStack = f;
      return made.troposphere!.era5Path!;
    },
    mutations: [truncate, truncate, flipHeader, flipIn('flipped bytes in the first 4 KiB (object headers, attributes)', (b) => [0, Math.min(b.length, 4096)]), flipAnywhere],
    structural: [
      { name: 'no timeseries dataset', mustFail: true, write: eraVariant((e) => { e.datasetName = 'delay'; }) },
      { name: 'unknown UNIT', mustFail: true, write: eraVariant((e) => { e.attributes.UNIT = 'furlongs'; }) },
      { name: 'UNIT mm (scaled)', mustFail: false, write: eraVariant((e) => { e.attributes.UNIT = 'mm'; e.values = e.values.map((v) => v * 1000); }) },
      { name: 'one row short (another grid)', mustFail: true, write: eraVariant((e) => { e.length -= 1; }) },
      { name: 'without the reference date', mustFail: true, write: eraVariant((e) => { e.dropFirstDate = true; }) },
      { name: 'dates that are not dates', mustFail: true, write: eraVariant((e) => { e.dates[2] = '2019ABCD'; }) },
    ],
    place: async (bytes, caseDir) => { const f = path.join(caseDir, 'ERA5.h5'); await writeFile(f, bytes); return f; },
    args: (c) => ['invert', eraStack, '--troposphere', c.file, '--out', c.out, '--device', 'cpu', '--quiet'],
    cases: 16,
  },
  {
    name: 'GeoTIFF stack folder (fit FOLDER)',
    makeBase: async () => (await writeStackTiffs(path.join(dir, 'base-tif')))[0],
    mutations: TIFF_MUTATIONS,
    place: async (bytes, caseDir) => {
      const folder = path.join(caseDir, 'stack');
      await mkdir(folder);
      const base = path.join(dir, 'base-tif');
      const names = (await readdir(base)).sort();
      const victim = names[Math.floor(names.length / 2)];
      for (const name of names) if (name !== victim) await copyFile(path.join(base, name), path.join(folder, name));
      await writeFile(path.join(folder, victim), bytes);
      return path.join(folder, victim);
    },
    args: (c) => ['fit', path.dirname(c.file), '--out', c.out, '--device', 'cpu', '--quiet'],
    cases: 36,
  },
  {
    name: 'GeoTIFF raster (fit --mask)',
    makeBase: async () => {
      const f = path.join(dir, 'coherence.tif');
      const random = makeRandom(seed ^ 0x3a5c);
      await writeGeoTiffFile(f, grid, new Float32Array(grid.width * grid.height).map(() => 0.3 + 0.7 * random()), { sampleType: 'float32' });
      return f;
    },
    mutations: TIFF_MUTATIONS,
    place: async (bytes, caseDir) => { const f = path.join(caseDir, 'coherence.tif'); await writeFile(f, bytes); return f; },
    args: (c) => ['fit', stackFile, '--mask', c.file, '--out', c.out, '--device', 'cpu', '--quiet'],
    cases: 30,
  },
  {
    name: 'CSV (coupling --temperature)',
    makeBase: async () => {
      const f = path.join(dir, 'temperature.csv');
      const lines = ['date,value'];
      for (let year = 2014; year <= 2022; year++) {
        for (let month = 1; month <= 12; month++) lines.push(`${year}-${String(month).padStart(2, '0')}-15,${(270 - 10 * Math.cos((2 * Math.PI * (month - 1)) / 12)).toFixed(3)}`);
      }
      await writeFile(f, lines.join('\n') + '\n');
      return f;
    },
    // A CSV cut after a complete row (or mid-number, leaving a shorter number) is a valid, shorter
    // series: truncation may be accepted here, as long as it answers cleanly.
    mutations: TEXT_MUTATIONS.map((m) => (m === truncate ? { ...truncate, mustFail: false } : m)),
    place: async (bytes, caseDir) => { const f = path.join(caseDir, 'temperature.csv'); await writeFile(f, bytes); return f; },
    args: (c) => ['coupling', fitDir, '--stack', stackFile, '--row', String(couplingPixel.row), '--col', String(couplingPixel.col), '--temperature', c.file, '--out', c.out, '--quiet'],
    cases: 30,
  },
  {
    name: 'GeoJSON (hazards --features)',
    makeBase: async () => {
      const f = path.join(dir, 'thermokarst.geojson');
      await copyFile('data/fixtures/hazards/thermokarst.geojson', f);
      return f;
    },
    mutations: [
      ...TEXT_MUTATIONS,
      text('a coordinate of 1e308', false, (s) => s.replace(/\d+\.\d+/, '1e308')),
      text('a geometry type that does not exist', false, (s) => s.replace('"Polygon"', '"Hexagon"')),
      text('coordinates as a string', false, (s) => s.replace(/"coordinates"\s*:\s*\[/, '"coordinates":"[').replace(/\]\s*\}/, ']"}')),
    ],
    place: async (bytes, caseDir) => { const f = path.join(caseDir, 'thermokarst.geojson'); await writeFile(f, bytes); return f; },
    args: (c) => ['hazards', '--lines', 'data/fixtures/hazards/corridor.geojson', '--features', c.file, '--out', c.out, '--quiet'],
    cases: 30,
  },
  {
    name: 'Shapefile .shp (hazards --features)',
    needsGdal: true,
    makeBase: async () => (await shapefileBase()) + '.shp',
    mutations: [truncate, flipHeader, flipHeader, flipAnywhere],
    place: (bytes, caseDir) => placeShapefile(bytes, caseDir, '.shp'),
    args: (c) => ['hazards', '--lines', 'data/fixtures/hazards/corridor.geojson', '--features', c.file, '--out', c.out, '--quiet'],
    cases: 16,
  },
  {
    name: 'Shapefile .dbf (hazards --features)',
    needsGdal: true,
    makeBase: async () => (await shapefileBase()) + '.dbf',
    mutations: [truncateDbf, flipHeader, flipAnywhere],
    // The case names the .shp on the command line; the mutated .dbf sits beside it.
    place: async (bytes, caseDir) => (await placeShapefile(bytes, caseDir, '.dbf')).replace(/\.dbf$/, '.shp'),
    args: (c) => ['hazards', '--lines', 'data/fixtures/hazards/corridor.geojson', '--features', c.file, '--out', c.out, '--quiet'],
    cases: 12,
  },
  {
    name: 'GeoPackage (hazards --features)',
    needsGdal: true,
    makeBase: async () => {
      const f = path.join(dir, 'thermokarst.gpkg');
      if (!existsSync(f)) execFileSync('ogr2ogr', ['-f', 'GPKG', '-t_srs', 'EPSG:32646', '-nln', 'thermokarst', f, 'data/fixtures/hazards/thermokarst.geojson'], { stdio: 'ignore' });
      return f;
    },
    // SQLite keeps free pages and slack at the end of a file: a cut there may leave a readable
    // database, so truncation need not fail, only answer cleanly.
    mutations: [{ ...truncate, mustFail: false }, flipHeader, flipAnywhere, flipAnywhere],
    place: async (bytes, caseDir) => { const f = path.join(caseDir, 'thermokarst.gpkg'); await writeFile(f, bytes); return f; },
    args: (c) => ['hazards', '--lines', 'data/fixtures/hazards/corridor.geojson', '--features', c.file, '--out', c.out, '--quiet'],
    cases: 16,
  },
];

const radarGrid = radarCodedGrid(grid.width, grid.height);
let radarGeometryFile = '';
const radarStackFile = () => path.join(dir, 'radar-timeseries.h5');

/** The fuzz stack as LiCSBAS writes it (mm, first epoch as stored), with an ascending LOS vector. */
function licsbasInput(over: Partial<Parameters<typeof writeLicsbasCum>[1]> = {}): Parameters<typeof writeLicsbasCum>[1] {
  const n = grid.width * grid.height;
  const v = losUnitVector(38, 102);
  return {
    grid, dates: stackDates, valuesMm: stackValuesM.map((x) => x * 1000),
    los: { east: new Float32Array(n).fill(v.east), north: new Float32Array(n).fill(v.north), up: new Float32Array(n).fill(v.up) },
    ...over,
  };
}

/** geometryRadar.h5 of a frame rotated by a −12° heading (row 0 north), lat/lon per pixel. */
async function writeRadarGeometry(file: string, g: RasterGrid, latScale = 1): Promise<void> {
  const n = g.width * g.height;
  const latitude = new Float32Array(n), longitude = new Float32Array(n);
  const h = (-12 * Math.PI) / 180;
  for (let r = 0; r < g.height; r++) {
    for (let c = 0; c < g.width; c++) {
      const e = c * 30 * Math.cos(h) + (g.height - r) * 45 * Math.sin(h);
      const nn = -c * 30 * Math.sin(h) + (g.height - r) * 45 * Math.cos(h);
      latitude[r * g.width + c] = latScale * (34.8 + nn / 111_195);
      longitude[r * g.width + c] = latScale * (92.9 + e / (111_195 * Math.cos((34.8 * Math.PI) / 180)));
    }
  }
  await writeMintpyRasters(file, g, { latitude, longitude, incidenceAngle: new Float32Array(n).fill(38), azimuthAngle: new Float32Array(n).fill(102) }, 'geometry');
}

/** The hazards fixture's features as a projected (UTM 46N) Shapefile; returns the path without extension. */
async function shapefileBase(): Promise<string> {
  const base = path.join(dir, 'shp', 'thermokarst');
  if (!existsSync(base + '.shp')) {
    await mkdir(path.dirname(base), { recursive: true });
    execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-t_srs', 'EPSG:32646', '-nlt', 'POLYGON', '-where', "OGR_GEOMETRY='POLYGON'", base + '.shp', 'data/fixtures/hazards/thermokarst.geojson'], { stdio: 'ignore' });
  }
  return base;
}

/** Copies the valid Shapefile's parts into caseDir, with the part `ext` replaced by the mutated bytes. */
async function placeShapefile(bytes: Uint8Array, caseDir: string, ext: string): Promise<string> {
  const base = await shapefileBase();
  for (const part of ['.shp', '.shx', '.dbf', '.prj', '.cpg']) {
    if (part !== ext && existsSync(base + part)) await copyFile(base + part, path.join(caseDir, 'thermokarst' + part));
  }
  const f = path.join(caseDir, 'thermokarst' + ext);
  await writeFile(f, bytes);
  return f;
}

const runCli = (args: string[]) => runCommand(args, { timeoutMs: caseLimitMs });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'permasar-fuzz-'));
  const stack = generateStack({ seed, width: grid.width, height: grid.height, startYmd: '20190101', endYmd: '20201231', intervalDays: 24 });
  stackDates = stack.axis.dates;
  stackValuesM = stack.values.map((v) => v / 1000);
  stackFile = path.join(dir, 'timeseries.h5');
  await writeMintpyTimeseries(stackFile, { grid, dates: stackDates, values: stackValuesM, unit: 'm' });
  radarGeometryFile = path.join(dir, 'geometryRadar.h5');
  await writeRadarGeometry(radarGeometryFile, radarGrid);
  await writeMintpyTimeseries(radarStackFile(), { grid: radarGrid, dates: stackDates, values: stackValuesM, unit: 'm' });
  fitDir = path.join(dir, 'fit');
  const base = await runCli(['fit', stackFile, '--out', fitDir, '--device', 'cpu', '--quiet']);
  if (base.code !== 0) throw new Error(`fuzz: the base fit failed: ${base.stderr.join(' | ')}`);
  const rate = (await (await readFitFolder(fitDir)).readProduct('rate')).data;
  const fitted = rate.findIndex((v) => Number.isFinite(v));
  if (fitted < 0) throw new Error('fuzz: the base fit has no pixel with a rate');
  couplingPixel = { row: Math.floor(fitted / grid.width), col: fitted % grid.width };
});

afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

describe(`reader fuzzing (seed ${seed}; replay with PERMASAR_FUZZ_SEED=${seed})`, () => {
  READERS.forEach((reader, readerIndex) => {
    it.skipIf(reader.needsGdal === true && !GDAL_AVAILABLE)(reader.name, async () => {
      const random = makeRandom((seed + 7919 * (readerIndex + 1)) >>> 0);
      const baseFile = await reader.makeBase();
      const baseBytes = new Uint8Array(await readFile(baseFile));
      const problems: string[] = [];
      let refused = 0;
      let accepted = 0;

      const check = async (caseName: string, mustFail: boolean, file: string, out: string) => {
        const r = await runCli(reader.args({ file, out }));
        const label = `${reader.name} / ${caseName}`;
        const nonWarnings = r.stderr.filter((e) => !/^permasar \w+: WARNING: /.test(e));
        if (process.env.PERMASAR_FUZZ_VERBOSE) console.log(`${label}: exit ${r.code}: ${r.stderr.join(' | ').slice(0, 240)}`);
        if (r.code === 'timeout') { problems.push(`${label}: no answer within ${caseLimitMs / 1000} s`); return; }
        if (r.code === 0) {
          accepted++;
          if (mustFail) problems.push(`${label}: accepted (exit 0), should be refused`);
          else if (!existsSync(out)) problems.push(`${label}: exit 0 but no ${out}`);
          return;
        }
        refused++;
        if (r.code !== 1) problems.push(`${label}: exit ${r.code} (internal error): ${r.stderr.join(' | ').slice(0, 400)}`);
        else if (nonWarnings.length !== 1 || nonWarnings[0].includes('\n')) problems.push(`${label}: not one line: ${JSON.stringify(r.stderr).slice(0, 400)}`);
        else if (/\n\s+at |\bat .*\.(ts|js):\d+/.test(nonWarnings[0])) problems.push(`${label}: stack trace: ${nonWarnings[0].slice(0, 300)}`);
        // eslint-disable-next-line no-control-regex
        else if (/[\u0000-\u001f]/.test(nonWarnings[0]) || nonWarnings[0].length > 600) problems.push(`${label}: not a printable line of sane length: ${JSON.stringify(nonWarnings[0].slice(0, 300))}`);
        else if (!nonWarnings[0].includes(path.basename(file)) && !nonWarnings[0].includes(path.dirname(file))) problems.push(`${label}: does not name the file: ${nonWarnings[0].slice(0, 300)}`);
        if (existsSync(out)) problems.push(`${label}: exit ${r.code} but ${out} exists`);
        const parent = await readdir(path.dirname(out));
        if (parent.some((n) => n.includes('partial') || n.startsWith('.'))) problems.push(`${label}: staging left: ${parent.join(', ')}`);
      };

      // The unmutated file is read: the refusals below are the mutations' doing.
      {
        const caseDir = path.join(dir, `${readerIndex}-base`);
        await mkdir(caseDir);
        const file = await reader.place(baseBytes, caseDir);
        caseLimitMs = 10 * 60_000; // the calibration run itself only has to finish
        const started = performance.now();
        const r = await runCli(reader.args({ file, out: path.join(caseDir, 'out') }));
        caseLimitMs = Math.max(MIN_CASE_LIMIT_MS, 15 * (performance.now() - started));
        expect(r, `${reader.name}: the unmutated file`).toMatchObject({ code: 0, stderr: [] });
      }
      for (let i = 0; i < reader.cases; i++) {
        const mutation = reader.mutations[i % reader.mutations.length];
        const caseDir = path.join(dir, `${readerIndex}-${i}`);
        await mkdir(caseDir);
        const file = await reader.place(mutation.apply(baseBytes, random), caseDir);
        await check(`#${i} ${mutation.name}`, mutation.mustFail, file, path.join(caseDir, 'out'));
      }
      for (const [j, s] of (reader.structural ?? []).entries()) {
        const caseDir = path.join(dir, `${readerIndex}-s${j}`);
        await mkdir(caseDir);
        const file = path.join(caseDir, path.basename(baseFile));
        await s.write(file);
        await check(s.name, s.mustFail, file, path.join(caseDir, 'out'));
      }
      console.log(`fuzz ${reader.name}: ${refused} refused, ${accepted} accepted, ${problems.length} problems (seed ${seed})`);
      expect(problems).toEqual([]);
    }, 600_000); // many cases; each has its own hang limit above
  });
});
