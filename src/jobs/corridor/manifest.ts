// The corridor manifest (issue 12): one JSON file naming every frame of both orbit directions and
// the options of each stage. Paths are relative to the manifest's folder. Fixed names:
// `ascending`, `descending` (lists of frames), a frame's `name`, `stack` (a MintPy timeseries.h5
// or folder of GeoTIFFs) or `ifgrams` (a MintPy ifgramStack.h5, inverted first: issue 22) —
// exactly one of the two —, `geometry`, `mask`, and for an `ifgrams` frame `troposphere`
// (ERA5.h5), `waterMask` (waterMask.h5) and `bands` (integer ≥ 1, default 1: row bands of its
// inversion, each a work unit of its own, units.ts); option blocks `invert`, `fit`, `mosaic`,
// `compare`, `vertical`, `alt`, `hazards` use the option names of the commands (`permasar fit
// --help`: "mask-min"; the camelCase spelling "maskMin" is the same key, as "water-mask" is
// "waterMask" in a frame), and `reference` holds `lalo` [lat, lon]. Anything else — an unknown
// key, a missing file, two frames with one name — is one line naming the manifest and the key,
// before anything runs. Node-only (checks files exist).
import path from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { InputError, isInputError } from '../../core/errors.ts';
import { manifestKeys } from '../support/option-table.ts';
import { FIT_OPTIONS } from '../fit-options.ts';
import { MOSAIC_OPTIONS } from '../mosaic-options.ts';
import { COMPARE_OPTIONS } from '../compare-options.ts';
import { VERTICAL_OPTIONS } from '../vertical-options.ts';
import { ALT_OPTIONS } from '../alt-options.ts';
import { HAZARDS_OPTIONS } from '../hazards-options.ts';
import { INVERT_OPTIONS } from '../invert-options.ts';

export type Direction = 'ascending' | 'descending';

export interface ManifestFrame {
  name: string;
  direction: Direction;
  /** Absolute paths. The frame's series (timeseries.h5, GeoTIFF folder), or null when `ifgrams` gives it. */
  stack: string | null;
  /** ifgramStack.h5 to invert (issue 22), or null when `stack` gives the series. */
  ifgrams: string | null;
  geometry: string | null;
  mask: string | null;
  /** ERA5.h5 and waterMask.h5 of an `ifgrams` frame (invert's --troposphere, --water-mask). */
  troposphere: string | null;
  waterMask: string | null;
  /** Row bands of the frame's inversion (1: one unit inverts and fits; an `ifgrams` frame only). */
  bands: number;
}

/** The file a frame starts from: its series or its interferograms. */
export function frameInput(frame: ManifestFrame): string {
  return (frame.stack ?? frame.ifgrams)!;
}

/** Option values as given (numbers, strings, booleans, lists), keyed by the command's option name. */
export type OptionBlock = Record<string, string | number | boolean | (string | number)[]>;

export interface CorridorManifest {
  /** Absolute path of the manifest. */
  file: string;
  dir: string;
  ascending: ManifestFrame[];
  descending: ManifestFrame[];
  /** Option blocks, keys in the commands' kebab-case spelling; file paths made absolute. */
  /** Options of the inversion of `ifgrams` frames (unused when every frame gives a `stack`). */
  invert: OptionBlock;
  fit: OptionBlock;
  mosaic: OptionBlock;
  compare: OptionBlock | null;
  vertical: OptionBlock | null;
  alt: OptionBlock | null;
  hazards: OptionBlock | null;
  reference: { lalo: [number, number] } | null;
}

/**
 * Keys each block takes: read from the option table of the job of the same name, less the
 * options the corridor sets or wires itself (out, overwrite, device, quiet, fit's per-frame
 * mask and geometry, compare's folders, alt's amplitude: `manifest: false` in the tables), and
 * which of them hold paths (made absolute against the manifest's folder).
 */
export const BLOCK_KEYS: Record<'invert' | 'fit' | 'mosaic' | 'compare' | 'vertical' | 'alt' | 'hazards', { command: string | null } & ReturnType<typeof manifestKeys>> = {
  invert: { command: 'invert', ...manifestKeys(INVERT_OPTIONS) },
  fit: { command: 'fit', ...manifestKeys(FIT_OPTIONS) },
  mosaic: { command: null, ...manifestKeys(MOSAIC_OPTIONS) },
  compare: { command: 'compare', ...manifestKeys(COMPARE_OPTIONS) },
  vertical: { command: 'vertical', ...manifestKeys(VERTICAL_OPTIONS) },
  alt: { command: 'alt', ...manifestKeys(ALT_OPTIONS) },
  hazards: { command: 'hazards', ...manifestKeys(HAZARDS_OPTIONS) },
};

const TOP_KEYS = ['ascending', 'descending', 'invert', 'fit', 'mosaic', 'compare', 'vertical', 'alt', 'hazards', 'reference'];
/** A frame's keys (kebab-case here; camelCase in the manifest is the same key). */
const FRAME_KEYS = ['name', 'stack', 'ifgrams', 'geometry', 'mask', 'troposphere', 'water-mask', 'bands'];
/** Keys only an `ifgrams` frame takes (they belong to its inversion). */
const IFGRAM_FRAME_KEYS = ['troposphere', 'water-mask', 'bands'];
/** The spelling of a frame key in messages: the manifest's own spelling of it. */
const FRAME_KEY_LABEL: Record<string, string> = { 'water-mask': 'waterMask' };

/** "maskMin" → "mask-min"; kebab-case stays. */
export function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Reads and checks a manifest; InputError(manifest, `"key": problem`) on the first fault. */
export async function readCorridorManifest(file: string): Promise<CorridorManifest> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    throw new InputError(file, `cannot read the manifest (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, `not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const fail = (key: string, problem: string): never => { throw new InputError(file, `"${key}": ${problem}`); };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('(top level)', 'must be a JSON object with "ascending" and/or "descending"');
  const top = json as Record<string, unknown>;
  for (const k of Object.keys(top)) if (!TOP_KEYS.includes(k)) fail(k, `unknown key (known: ${TOP_KEYS.join(', ')})`);
  const dir = path.dirname(abs);
  const resolvePath = (v: string) => path.resolve(dir, v);

  const names = new Map<string, string>();
  const frames = async (direction: Direction): Promise<ManifestFrame[]> => {
    const list = top[direction];
    if (list === undefined) return [];
    if (!Array.isArray(list)) return fail(direction, 'must be a list of frames');
    const out: ManifestFrame[] = [];
    for (let i = 0; i < list.length; i++) {
      const at = `${direction}[${i}]`;
      const entry = list[i] as Record<string, unknown>;
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(at, 'must be an object with "name" and "stack" (or "ifgrams")');
      // Keys as kebab-case ("waterMask" → "water-mask"), each given once.
      const given: Record<string, { raw: string; value: unknown }> = {};
      for (const [raw, value] of Object.entries(entry)) {
        const key = kebabCase(raw);
        if (!FRAME_KEYS.includes(key)) fail(`${at}.${raw}`, `unknown key (a frame has: ${FRAME_KEYS.map((k) => FRAME_KEY_LABEL[k] ?? k).join(', ')})`);
        if (key in given) fail(`${at}.${raw}`, `given twice (as "${given[key].raw}" and "${raw}")`);
        given[key] = { raw, value };
      }
      const name = given.name?.value;
      if (typeof name !== 'string' || name === '') fail(`${at}.name`, 'required, a non-empty string');
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name as string)) fail(`${at}.name`, `"${String(name)}" is not usable as a folder name (letters, digits, . _ -)`);
      if (names.has(name as string)) fail(`${at}.name`, `"${String(name)}" is also the name of ${names.get(name as string)}; frame names must be unique`);
      names.set(name as string, at);
      if (given.stack && given.ifgrams) fail(`${at}.ifgrams`, 'give "stack" (a series: timeseries.h5 or a folder of GeoTIFFs) or "ifgrams" (an ifgramStack.h5 to invert), not both');
      if (!given.stack && !given.ifgrams) fail(`${at}.stack`, 'required: "stack" (the frame\'s MintPy timeseries.h5 or folder of GeoTIFFs) or "ifgrams" (its ifgramStack.h5)');
      if (given.stack) {
        for (const key of IFGRAM_FRAME_KEYS) if (given[key]) fail(`${at}.${given[key].raw}`, 'only for a frame given as "ifgrams" (it belongs to the inversion)');
      }
      const filePath = async (key: string): Promise<string | null> => {
        const g = given[key];
        if (g === undefined) return null;
        const v = g.value;
        if (typeof v !== 'string' || v === '') return fail(`${at}.${g.raw}`, 'must be a path (relative to the manifest\'s folder)');
        const p = resolvePath(v);
        const ok = key === 'stack' ? await exists(p) : await isFile(p);
        if (!ok) fail(`${at}.${g.raw}`, `${p} not found`);
        return p;
      };
      let bands = 1;
      if (given.bands) {
        const b = given.bands.value;
        if (typeof b !== 'number' || !Number.isInteger(b) || b < 1) fail(`${at}.${given.bands.raw}`, `must be a whole number ≥ 1 (row bands of the frame's inversion); got ${JSON.stringify(b)}`);
        bands = b as number;
      }
      out.push({
        name: name as string,
        direction,
        stack: await filePath('stack'),
        ifgrams: await filePath('ifgrams'),
        geometry: await filePath('geometry'),
        mask: await filePath('mask'),
        troposphere: await filePath('troposphere'),
        waterMask: await filePath('water-mask'),
        bands,
      });
    }
    return out;
  };
  const ascending = await frames('ascending');
  const descending = await frames('descending');
  if (ascending.length + descending.length === 0) fail('ascending', 'no frames in "ascending" nor "descending"');

  const block = async (name: keyof typeof BLOCK_KEYS): Promise<OptionBlock | null> => {
    const v = top[name];
    if (v === undefined) return null;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(name, 'must be an object of options');
    const spec = BLOCK_KEYS[name];
    const out: OptionBlock = {};
    for (const [rawKey, value] of Object.entries(v as Record<string, unknown>)) {
      const key = kebabCase(rawKey);
      const at = `${name}.${rawKey}`;
      if (!spec.keys.includes(key)) fail(at, `unknown option (${name} takes: ${spec.keys.join(', ') || 'none'}${spec.command ? `, as permasar ${spec.command} --help names them` : ''})`);
      if (key in out) fail(at, `given twice (as "${key}" and its camelCase spelling)`);
      if (spec.fileLists.includes(key)) {
        const list = Array.isArray(value) ? value : [value];
        const paths: string[] = [];
        for (let i = 0; i < list.length; i++) {
          if (typeof list[i] !== 'string') fail(`${at}[${i}]`, 'must be a path');
          const p = resolvePath(list[i] as string);
          if (!(await isFile(p))) fail(`${at}[${i}]`, `${p} not found`);
          paths.push(p);
        }
        out[key] = paths;
      } else if (spec.fileOrNumber.includes(key) && (typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))))) {
        out[key] = Number(value);
      } else if (spec.files.includes(key) || spec.fileOrNumber.includes(key)) {
        if (typeof value !== 'string') fail(at, 'must be a path');
        const p = resolvePath(value as string);
        if (!(await isFile(p))) fail(at, `${p} not found`);
        out[key] = p;
      } else if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
        if (typeof value === 'number' && !Number.isFinite(value)) fail(at, 'must be a finite number');
        out[key] = value;
      } else if (Array.isArray(value) && value.every((x) => typeof x === 'number')) {
        out[key] = value as number[];
      } else {
        fail(at, 'must be a number, a string, or a list of numbers');
      }
    }
    return out;
  };
  let reference: CorridorManifest['reference'] = null;
  if (top.reference !== undefined) {
    const r = top.reference as Record<string, unknown>;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) fail('reference', 'must be an object: {"lalo": [lat, lon]}');
    for (const k of Object.keys(r)) if (k !== 'lalo') fail(`reference.${k}`, 'unknown key (reference takes: lalo)');
    const lalo = r.lalo;
    if (!Array.isArray(lalo) || lalo.length !== 2 || !lalo.every((x) => typeof x === 'number' && Number.isFinite(x))) fail('reference.lalo', 'must be [lat, lon] in degrees');
    const [lat, lon] = lalo as number[];
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) fail('reference.lalo', `[${lat}, ${lon}] is not a latitude and longitude in degrees`);
    reference = { lalo: [lat, lon] };
  }
  const alt = await block('alt');
  if (alt && alt.moisture === undefined) fail('alt.moisture', 'required when "alt" is given (the October soil moisture raster)');
  const hazards = await block('hazards');
  if (hazards && (hazards.lines === undefined || hazards.features === undefined)) fail(hazards.lines === undefined ? 'hazards.lines' : 'hazards.features', 'required when "hazards" is given');
  return {
    file: abs,
    dir,
    ascending,
    descending,
    invert: (await block('invert')) ?? {},
    fit: (await block('fit')) ?? {},
    mosaic: (await block('mosaic')) ?? {},
    compare: await block('compare'),
    vertical: await block('vertical'),
    alt,
    hazards,
    reference,
  };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Every frame in unit order: ascending then descending, each in manifest order. */
export function manifestFrames(m: CorridorManifest): ManifestFrame[] {
  return [...m.ascending, ...m.descending];
}

/** Runs a converter; its option errors ("--option: problem") become "manifest: "block.option": problem". */
export function optionsOfBlock<T>(manifest: CorridorManifest, block: string, convert: () => T): T {
  try {
    return convert();
  } catch (e) {
    if (isInputError(e) && e.about === 'option') throw new InputError(manifest.file, `"${block}.${e.option}": ${e.problem}`);
    throw e;
  }
}
