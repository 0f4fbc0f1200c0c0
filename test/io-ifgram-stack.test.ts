// MintPy's ifgramStack.h5 in and the inversion's outputs out (src/io/ifgram-stack.ts,
// src/io/mintpy-inversion-write-node.ts), on stacks from data/ifgram-stack.ts; and MintPy itself
// as the oracle (Debian's python3-mintpy, test/support/mintpy.ts): it reads our stacks and our
// outputs, its ifgram_inversion writes the attributes ours must equal, and its weight tables are
// the ones core/inversion.ts must reproduce (../shared/INVERSION.md §2.5, §2.8, §8).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { readRawIfgramStack, writeRawIfgramStack, writeSyntheticIfgramStack, h5pyGuessChunk, studyNetwork, type RawDataset, type RawIfgramStack, type SyntheticIfgramStack } from '../data/ifgram-stack.ts';
import { openIfgramStackNode } from '../src/io/ifgram-stack-node.ts';
import { keptIfgrams, mintpyStackMetadata, timeseriesPerpendicularBaselineM, type IfgramDatasetName } from '../src/io/ifgram-stack.ts';
import { inversionOutputAttributes, networkInversionAttributes, openInversionWriters, pythonFloatText, type NetworkInversionSettings } from '../src/io/mintpy-inversion-write-node.ts';
import { openStack } from '../src/io/stack-node.ts';
import { withH5Node } from '../src/io/h5-node.ts';
import { readH5Dataset2dFromFile } from '../src/io/mintpy-h5.ts';
import { isInputError } from '../src/core/errors.ts';
import { coherenceWeightSqrt, phaseVarianceTable, type IfgramPair } from '../src/core/inversion.ts';
import { makeRandom } from '../data/synthetic.ts';
import { MINTPY_AVAILABLE, runPython, runPythonJson } from './support/mintpy.ts';

let dir = '';
/** 'mintpy' chunks (h5py's chunks=True), water mask, truth.h5, radar coordinates, ALOOKS/RLOOKS. */
let stack: SyntheticIfgramStack;
/** Odd chunks [5, 4, 7], geocoded, NCORRLOOKS, 2 neighbours. */
let odd: SyntheticIfgramStack;
let stackRaw: RawIfgramStack;
let oddRaw: RawIfgramStack;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'permasar-ifgram-'));
  stack = await writeSyntheticIfgramStack(path.join(dir, 'a', 'inputs', 'ifgramStack.h5'), { seed: 11, length: 36, width: 28, nDates: 18, waterMask: true, truthFile: true, dropFraction: 0.15 });
  odd = await writeSyntheticIfgramStack(path.join(dir, 'b', 'inputs', 'ifgramStack.h5'), {
    seed: 12, length: 21, width: 17, nDates: 14, network: { neighbours: 2 }, chunks: [5, 4, 7], geocoded: true, looks: { NCORRLOOKS: 12 }, dropFraction: 0.2,
  });
  stackRaw = await readRawIfgramStack(stack.path);
  oddRaw = await readRawIfgramStack(odd.path);
});

afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

const data3d = (raw: RawIfgramStack, name: string) => {
  const d = raw.datasets[name];
  if (!d || !('data' in d)) throw new Error(`no numeric ${name}`);
  return { values: Float32Array.from(d.data as ArrayLike<number>), shape: d.shape };
};

/** The block [indices][row0, row0+nRows)[all columns] of a full (M, L, W) array. */
function expectedBlock(raw: RawIfgramStack, name: string, indices: readonly number[], row0: number, nRows: number): Float32Array {
  const { values, shape } = data3d(raw, name);
  const [, length, width] = shape;
  const out = new Float32Array(indices.length * nRows * width);
  indices.forEach((i, k) => out.set(values.subarray((i * length + row0) * width, (i * length + row0 + nRows) * width), k * nRows * width));
  return out;
}

describe('ifgramStack.h5 reader', () => {
  it('reads what the generator planted', async () => {
    for (const [s, raw] of [[stack, stackRaw], [odd, oddRaw]] as const) {
      const reader = await openIfgramStackNode(s.path);
      try {
        const { info } = reader;
        const [m, length, width] = data3d(raw, 'unwrapPhase').shape;
        expect(info.file).toBe(s.path);
        expect([info.pairs.length, info.length, info.width]).toEqual([m, length, width]);
        expect(info.pairs).toEqual(s.pairs);
        expect(info.keep).toEqual(s.keep);
        expect(info.keep.some((k) => !k)).toBe(true);
        expect(info.bperp).toEqual(s.bperpIfgram);
        expect(info.ref).toEqual(s.ref);
        expect(info.attributes).toEqual(s.attributes);
        expect(info.wavelengthM).toBe(Number(s.attributes.WAVELENGTH));
        expect(info.hasCoherence && info.hasConnectComponent).toBe(true);
        expect([info.chunkIfgrams, info.chunkRows]).toEqual(s.chunks.slice(0, 2));
        expect(info.dateFormat).toBe('YYYYMMDD');
        expect([info.startDate, info.endDate]).toEqual([s.truth.dates[0], s.truth.dates[s.truth.dates.length - 1]]);
        expect(mintpyStackMetadata(info)).toEqual({ ...s.attributes, START_DATE: info.startDate, END_DATE: info.endDate });
        const kept = keptIfgrams(info);
        expect(kept.pairs).toEqual(s.pairs.filter((_, i) => s.keep[i]));
      } finally {
        reader.close();
      }
    }
    const a = await openIfgramStackNode(stack.path);
    const b = await openIfgramStackNode(odd.path);
    expect(a.info.grid.radarCoded).toBe(true);
    expect(a.info.looks).toEqual({ ALOOKS: 8, RLOOKS: 40 });
    expect(b.info.grid).toEqual({ width: 17, height: 21, geoTransform: [92.9, 0.000833333, 0, 34.86, 0, -0.000833333], epsg: 4326 });
    expect(b.info.looks).toEqual({ NCORRLOOKS: 12 });
    // h5py's chunks=True for this shape (checked against h5py itself in the MintPy block below).
    expect(a.info.chunkRows).toBe(h5pyGuessChunk([stack.pairs.length, 36, 28], 4)[1]);
    a.close();
    b.close();
  });

  it('reads row blocks of any interferograms, one hyperslab per run of consecutive indices', async () => {
    const slice = vi.spyOn(h5wasm.Dataset.prototype, 'slice');
    try {
      for (const [s, raw] of [[stack, stackRaw], [odd, oddRaw]] as const) {
        const reader = await openIfgramStackNode(s.path);
        const m = s.pairs.length;
        const { indices: kept } = keptIfgrams(reader.info);
        const sets: number[][] = [kept, Array.from({ length: m }, (_, i) => i), [7, 3, 2, 9, 10, 11], [m - 1], [4, 4, 5]];
        const chunkRows = reader.info.chunkRows;
        const blocks: [number, number][] = [[0, reader.info.length], [3, 5], [chunkRows, chunkRows], [reader.info.length - 1, 1]];
        for (const name of ['unwrapPhase', 'coherence', 'connectComponent'] as IfgramDatasetName[]) {
          for (const indices of sets) {
            for (const [row0, nRows] of blocks) {
              slice.mockClear();
              const got = reader.readRows(name, indices, row0, nRows);
              expect(got, `${name} ${indices.join(',')} rows ${row0}+${nRows}`).toEqual(expectedBlock(raw, name, indices, row0, nRows));
              const runs = indices.filter((v, k) => k === 0 || v !== indices[k - 1] + 1).length;
              expect(slice).toHaveBeenCalledTimes(runs);
            }
          }
          const [row, col] = [5, 6];
          expect(reader.readPixel(name, kept, row, col)).toEqual(expectedBlock(raw, name, kept, row, 1).filter((_, i) => i % reader.info.width === col));
        }
        expect(reader.readRows('unwrapPhase', [], 0, 2)).toEqual(new Float32Array(0));
        expect(() => reader.readRows('unwrapPhase', [m], 0, 1)).toThrow(/index/);
        expect(() => reader.readRows('unwrapPhase', [0], reader.info.length, 1)).toThrow(/outside/);
        reader.close();
        expect(() => reader.readRows('unwrapPhase', [0], 0, 1)).toThrow(/after close/);
      }
    } finally {
      slice.mockRestore();
    }
  });

  it('chunk-aligned blocks of whole chunks tile the stack exactly', async () => {
    const reader = await openIfgramStackNode(odd.path);
    const { chunkRows, length, width } = reader.info;
    expect(chunkRows).toBe(4);
    const all = Array.from({ length: odd.pairs.length }, (_, i) => i);
    const whole = expectedBlock(oddRaw, 'unwrapPhase', all, 0, length);
    for (let row0 = 0; row0 < length; row0 += chunkRows) {
      const n = Math.min(chunkRows, length - row0);
      const block = reader.readRows('unwrapPhase', all, row0, n);
      for (let i = 0; i < all.length; i++) expect(block.subarray(i * n * width, (i + 1) * n * width)).toEqual(whole.subarray((i * length + row0) * width, (i * length + row0 + n) * width));
    }
    reader.close();
  });

  it('holds the planted truth: referenced phase = −4π/λ·Δd + noise, patches where planted', async () => {
    const reader = await openIfgramStackNode(stack.path);
    const { info } = reader;
    const { length, width } = info;
    const truth = stack.truth;
    const nPixels = length * width;
    const all = Array.from({ length: info.pairs.length }, (_, i) => i);
    const unwrap = reader.readRows('unwrapPhase', all, 0, length);
    const coherence = reader.readRows('coherence', all, 0, length);
    const component = reader.readRows('connectComponent', all, 0, length);
    const ref = truth.ref;
    const refIndex = ref.y * width + ref.x;
    const dateIndex = new Map(truth.dates.map((d, k) => [d, k]));
    const radPerMetre = (-4 * Math.PI) / info.wavelengthM!;
    const ts = truth.timeseriesM!;
    // The truth is relative to the first date and to the reference pixel.
    for (let p = 0; p < nPixels; p++) expect(ts[p]).toBe(0);
    for (let k = 0; k < truth.dates.length; k++) expect(ts[k * nPixels + refIndex]).toBeCloseTo(0, 12);
    expect(truth.timeseriesRows(7, 9)).toEqual(ts.filter((_, i) => Math.floor((i % nPixels) / width) >= 7 && Math.floor((i % nPixels) / width) < 16));
    let checked = 0;
    let worst = 0;
    for (let i = 0; i < all.length; i++) {
      const [r, s] = [dateIndex.get(info.pairs[i].referenceDate)!, dateIndex.get(info.pairs[i].secondaryDate)!];
      const refPhase = unwrap[i * nPixels + refIndex];
      expect(coherence[i * nPixels + refIndex]).toBeCloseTo(0.95, 6);
      for (let p = 0; p < nPixels; p++) {
        const row = Math.floor(p / width), col = p % width;
        const at = i * nPixels + p;
        const inside = (b: { row0: number; row1: number; col0: number; col1: number }) => row >= b.row0 && row < b.row1 && col >= b.col0 && col < b.col1;
        if (truth.noDataPatches.some((n) => n.ifgram === i && inside(n.box))) {
          expect([unwrap[at], coherence[at], component[at]]).toEqual([0, 0, 0]);
          continue;
        }
        if (truth.notUnwrapped && truth.notUnwrapped.ifgrams.includes(i) && inside(truth.notUnwrapped.box)) { expect(component[at]).toBe(0); continue; }
        if (truth.water![p]) continue;
        const cycles = truth.unwrapErrorPatches.filter((u) => u.ifgram === i && inside(u.box)).reduce((sum, u) => sum + u.cycles, 0);
        expect(component[at]).toBe(cycles !== 0 || truth.unwrapErrorPatches.some((u) => u.ifgram === i && inside(u.box)) ? 2 : 1);
        const gamma = coherence[at];
        const sigma = Math.min(1.8, Math.sqrt((1 - gamma * gamma) / (2 * 165 * gamma * gamma)));
        const predicted = radPerMetre * (ts[s * nPixels + p] - ts[r * nPixels + p]) + 2 * Math.PI * cycles;
        const residual = (unwrap[at] - refPhase - predicted) / Math.max(sigma, 1e-3);
        worst = Math.max(worst, Math.abs(residual));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(nPixels * all.length * 0.5);
    expect(worst).toBeLessThan(6);
    reader.close();
    // truth.h5 is a MintPy timeseries.h5 permasar's own reader takes.
    const truthStack = await openStack(stack.truthPath!, { allowRadarCoded: true });
    expect(truthStack.dates).toEqual(truth.dates);
    expect(truthStack.unit).toBe('m');
    expect(await truthStack.readRows(0, length)).toEqual(ts);
    truthStack.close();
  });

  it('coherence gives split networks and redundancy skips at 0.7, partial networks at 0.4 (INVERSION.md §8)', async () => {
    const reader = await openIfgramStackNode(stack.path);
    const { info } = reader;
    const { indices, pairs } = keptIfgrams(info);
    const nPixels = info.length * info.width;
    const coherence = reader.readRows('coherence', indices, 0, info.length);
    const dates = [...new Set(pairs.flatMap((p) => [p.referenceDate, p.secondaryDate]))].sort();
    const dateIndex = new Map(dates.map((d, k) => [d, k]));
    const counts = (threshold: number) => {
      let partial = 0, split = 0, starved = 0;
      for (let p = 0; p < nPixels; p++) {
        if (stack.truth.water![p]) continue;
        const parent = dates.map((_, k) => k);
        const find = (k: number): number => (parent[k] === k ? k : (parent[k] = find(parent[k])));
        const observed = new Int32Array(dates.length);
        let used = 0;
        pairs.forEach((pair, i) => {
          if (!(coherence[i * nPixels + p] >= threshold)) return;
          used++;
          const [a, b] = [dateIndex.get(pair.referenceDate)!, dateIndex.get(pair.secondaryDate)!];
          observed[a]++; observed[b]++;
          parent[find(a)] = find(b);
        });
        if (used < pairs.length) partial++;
        if (observed.some((n, k) => k > 0 && n === 0)) starved++;
        else if (new Set(dates.map((_, k) => find(k))).size > 1) split++;
      }
      return { partial, split, starved };
    };
    const at04 = counts(0.4);
    const at07 = counts(0.7);
    expect(at04.partial).toBeGreaterThan(0.05 * nPixels);
    expect(at04.split + at04.starved).toBeLessThan(0.01 * nPixels);
    expect(at07.split).toBeGreaterThan(0.05 * nPixels);
    expect(at07.starved).toBeGreaterThan(0.1 * nPixels);
    expect(at07.starved + at07.split).toBeLessThan(0.8 * nPixels);
    reader.close();
  });

  it('generates the same stack from the same seed; the study network is 947 × 286', async () => {
    const again = await writeSyntheticIfgramStack(path.join(dir, 'again', 'ifgramStack.h5'), {
      seed: 12, length: 21, width: 17, nDates: 14, network: { neighbours: 2 }, chunks: [5, 4, 7], geocoded: true, looks: { NCORRLOOKS: 12 }, dropFraction: 0.2,
    });
    expect(await readRawIfgramStack(again.path)).toEqual(oddRaw);
    const study = studyNetwork();
    expect([study.pairs.length, study.dates.length]).toEqual([947, 286]);
    expect(new Set(study.pairs.map((p) => `${p.referenceDate}_${p.secondaryDate}`)).size).toBe(947);
  });

  it('accepts YYMMDD and variable-length dates, and a stack without dropIfgram, bperp, coherence or connectComponent', async () => {
    const yymmdd = path.join(dir, 'yymmdd.h5');
    const date = oddRaw.datasets.date as { text: string[]; shape: number[] };
    await writeRawIfgramStack(yymmdd, { ...oddRaw, datasets: { ...oddRaw.datasets, date: { text: date.text.map((d) => d.slice(2)), shape: date.shape, dtype: 'S6' } } });
    const a = await openIfgramStackNode(yymmdd);
    expect(a.info.dateFormat).toBe('YYMMDD');
    expect(a.info.pairs).toEqual(odd.pairs);
    a.close();
    const vlen = path.join(dir, 'vlen.h5');
    await writeRawIfgramStack(vlen, { ...oddRaw, datasets: { ...oddRaw.datasets, date: { text: date.text, shape: date.shape, dtype: 'vlen' } } });
    const b = await openIfgramStackNode(vlen);
    expect(b.info.pairs).toEqual(odd.pairs);
    b.close();
    const bare = path.join(dir, 'bare.h5');
    const { dropIfgram: _d, bperp: _b, coherence: _c, connectComponent: _cc, ...rest } = oddRaw.datasets;
    await writeRawIfgramStack(bare, { ...oddRaw, datasets: rest });
    const c = await openIfgramStackNode(bare);
    expect(c.info.keep.every((k) => k)).toBe(true);
    expect(c.info.bperp).toBeNull();
    expect([c.info.hasCoherence, c.info.hasConnectComponent]).toEqual([false, false]);
    const missing = (() => { try { c.readRows('coherence', [0], 0, 1); return null; } catch (e) { return e; } })();
    expect(isInputError(missing) && (missing as Error).message).toMatch(/bare\.h5: no dataset "coherence"/);
    c.close();
  });

  describe('refuses in one line naming the file', () => {
    const variant = (change: (raw: RawIfgramStack) => RawIfgramStack) => async (file: string) => writeRawIfgramStack(file, change(structuredClone(oddRaw)));
    const withDataset = (name: string, make: () => RawDataset | null) => variant((raw) => {
      const d = make();
      if (d === null) delete raw.datasets[name];
      else raw.datasets[name] = d;
      return raw;
    });
    const withAttributes = (attrs: Record<string, string | null>) => variant((raw) => {
      for (const [k, v] of Object.entries(attrs)) { if (v === null) delete raw.attributes[k]; else raw.attributes[k] = v; }
      return raw;
    });
    const dates = () => (oddRaw.datasets.date as { text: string[] }).text;
    const m = () => odd.pairs.length;
    const [L, W] = [21, 17];
    const cases: [string, (file: string) => Promise<void>, RegExp][] = [
      ['a text file', (f) => writeFile(f, 'not an HDF5 file at all\n'.repeat(20)), /not an HDF5 file|HDF5/],
      ['a truncated file', async (f) => writeFile(f, (await readFile(odd.path)).subarray(0, 9000)), /truncated|HDF5|cannot read/],
      ['no unwrapPhase', withDataset('unwrapPhase', () => null), /no dataset "unwrapPhase": not a MintPy ifgramStack\.h5/],
      ['unwrapPhase 2-D', withDataset('unwrapPhase', () => ({ data: new Float32Array(L * W), shape: [L, W], dtype: '<f' })), /"unwrapPhase" has shape \[21, 17\], not \[interferogram, row, col\]/],
      ['unwrapPhase int16', withDataset('unwrapPhase', () => ({ data: new Int16Array(m() * L * W), shape: [m(), L, W], dtype: '<h' })), /"unwrapPhase" is not floating point/],
      ['coherence of another shape', withDataset('coherence', () => ({ data: new Float32Array(m() * L * (W - 1)), shape: [m(), L, W - 1], dtype: '<f' })), /"coherence" has shape \[\d+, 21, 16\] but "unwrapPhase" has \[\d+, 21, 17\]/],
      ['connectComponent of another shape', withDataset('connectComponent', () => ({ data: new Int16Array((m() - 1) * L * W), shape: [m() - 1, L, W], dtype: '<h' })), /"connectComponent" has shape/],
      ['connectComponent float', withDataset('connectComponent', () => ({ data: new Float32Array(m() * L * W), shape: [m(), L, W], dtype: '<f' })), /"connectComponent" is not integer/],
      ['no date', withDataset('date', () => null), /no dataset "date"/],
      ['a date that is not a date', withDataset('date', () => ({ text: dates().map((d, i) => (i === 5 ? '2017ABCD' : d)), shape: [m(), 2] })), /"date": interferogram 3's secondary date is "2017ABCD", not a YYYYMMDD date/],
      ['a date not in the calendar', withDataset('date', () => ({ text: dates().map((d, i) => (i === 3 ? '20170231' : d)), shape: [m(), 2] })), /"20170231", not a YYYYMMDD date/],
      ['YYMMDD among YYYYMMDD', withDataset('date', () => ({ text: dates().map((d, i) => (i === 4 ? d.slice(2) : d)), shape: [m(), 2] })), /a YYMMDD date among YYYYMMDD ones/],
      ['dates with a time of day', withDataset('date', () => ({ text: dates().map((d) => `${d}T0600`), shape: [m(), 2], dtype: 'S13' })), /not YYYYMMDD \(nor YYMMDD or YYYY-MM-DD\)/],
      ['date 1-D', withDataset('date', () => ({ text: dates(), shape: [2 * m()] })), /"date" has shape \[\d+\], not \[\d+, 2\]/],
      ['date one pair short', withDataset('date', () => ({ text: dates().slice(2), shape: [m() - 1, 2] })), /"date" has \d+ pairs but "unwrapPhase" has \d+ interferograms/],
      ['date as numbers', withDataset('date', () => ({ data: Int32Array.from(dates(), Number), shape: [m(), 2], dtype: '<i' })), /"date" is not text/],
      ['dropIfgram one short', withDataset('dropIfgram', () => ({ bool: odd.keep.slice(1), shape: [m() - 1] })), /"dropIfgram" has \d+ values but "unwrapPhase" has \d+ interferograms/],
      ['dropIfgram as text', withDataset('dropIfgram', () => ({ text: odd.keep.map(String), shape: [m()], dtype: 'S5' })), /"dropIfgram" is not bool/],
      ['bperp one long', withDataset('bperp', () => ({ data: new Float32Array(m() + 1), shape: [m() + 1], dtype: '<f' })), /"bperp" has \d+ values/],
      ['LENGTH that lies', withAttributes({ LENGTH: '22' }), /attribute LENGTH=22 but the data are 21/],
      ['REF_Y outside the stack', withAttributes({ REF_Y: '21' }), /reference pixel REF_Y=21, REF_X=\d+ is outside the 21 × 17 stack/],
      ['REF_Y not an integer', withAttributes({ REF_Y: '3.5' }), /REF_Y=3\.5, REF_X=\d+ are not a row and a column/],
      ['REF_X without REF_Y', withAttributes({ REF_Y: null }), /REF_X without REF_Y/],
      ['WAVELENGTH not a number', withAttributes({ WAVELENGTH: 'C-band' }), /WAVELENGTH=C-band is not a radar wavelength in metres/],
      ['ALOOKS of 0', withAttributes({ NCORRLOOKS: null, ALOOKS: '0', RLOOKS: '40' }), /ALOOKS=0 is not a positive number of looks/],
      ['half the geocoding attributes', withAttributes({ X_FIRST: null }), /geocoding attributes .* are not a grid/],
    ];
    for (const [name, write, expected] of cases) {
      it(name, async () => {
        const file = path.join(dir, 'refuse', `${name.replace(/\W+/g, '-')}.h5`);
        await mkdir(path.dirname(file), { recursive: true });
        await write(file);
        const error = await openIfgramStackNode(file).then((r) => { r.close(); return null; }, (e: unknown) => e);
        expect(isInputError(error), String(error)).toBe(true);
        const message = (error as Error).message;
        expect(message.startsWith(`${file}: `), message).toBe(true);
        expect(message).not.toContain('\n');
        expect(message).toMatch(expected);
      });
    }

    it.skipIf(!MINTPY_AVAILABLE)('connectComponent compressed with LZF (as MintPy writes it) reads the same values (h5wasm-plugins\' LZF filter)', async () => {
      const file = path.join(dir, 'refuse', 'lzf.h5');
      await writeRawIfgramStack(file, oddRaw);
      await writeRawIfgramStack(path.join(dir, 'refuse', 'lzf-plain.h5'), oddRaw);
      runPython(`
import sys, h5py
with h5py.File(sys.argv[1], 'r+') as f:
    cc = f['connectComponent'][:]
    del f['connectComponent']
    f.create_dataset('connectComponent', data=cc, chunks=True, compression='lzf')
`, [file]);
      const reader = await openIfgramStackNode(file);
      expect(reader.info.filters.connectComponent).toEqual(['lzf']);
      expect(reader.readRows('unwrapPhase', [0, 1], 0, 2).length).toBe(2 * 2 * 17);
      const all = reader.info.pairs.map((_, i) => i);
      const lzf = reader.readRows('connectComponent', all, 0, reader.info.length);
      reader.close();
      const plain = await openIfgramStackNode(path.join(dir, 'refuse', 'lzf-plain.h5'));
      const want = plain.readRows('connectComponent', all, 0, plain.info.length);
      plain.close();
      expect(Array.from(lzf)).toEqual(Array.from(want));
    });
  });
});

describe('perpendicular baseline of the time series (MintPy get_perp_baseline_timeseries)', () => {
  it('is 0 at the first date and exact for a network of pure date differences', () => {
    const dates = ['20170101', '20170113', '20170125', '20170206', '20170218'];
    const b = [0, 35.5, -12.25, 80, 4];
    const pairs: IfgramPair[] = [];
    for (let i = 0; i < 5; i++) for (let j = i + 1; j < Math.min(5, i + 3); j++) pairs.push({ referenceDate: dates[i], secondaryDate: dates[j] });
    const bperp = pairs.map((p) => b[dates.indexOf(p.secondaryDate)] - b[dates.indexOf(p.referenceDate)]);
    expect(Array.from(timeseriesPerpendicularBaselineM(pairs, bperp))).toEqual(b.map((v) => Math.fround(v)));
  });
});

describe('inversion outputs (timeseries.h5, temporalCoherence.h5, numInvIfgram.h5)', () => {
  const settings: NetworkInversionSettings = { obsDatasetName: 'unwrapPhase', numIfgram: 45, weightFunc: 'var', maskDataset: null, maskThreshold: 0.4, minRedundancy: 1, minNormVelocity: true };

  it('writes Python str() of the settings', () => {
    expect(networkInversionAttributes(settings)).toEqual({
      'mintpy.networkInversion.obsDatasetName': 'unwrapPhase',
      'mintpy.networkInversion.numIfgram': '45',
      'mintpy.networkInversion.weightFunc': 'var',
      'mintpy.networkInversion.maskDataset': 'None',
      'mintpy.networkInversion.maskThreshold': '0.4',
      'mintpy.networkInversion.minRedundancy': '1.0',
      'mintpy.networkInversion.minNormVelocity': 'True',
    });
    const cases: [number, string][] = [[0.4, '0.4'], [1, '1.0'], [0.7, '0.7'], [1e-4, '0.0001'], [1e-5, '1e-05'], [2.5e-7, '2.5e-07'], [1e16, '1e+16'], [123456789012345, '123456789012345.0'], [0.1 + 0.2, '0.30000000000000004'], [-3, '-3.0'], [0, '0.0']];
    for (const [x, text] of cases) expect(pythonFloatText(x), String(x)).toBe(text);
  });

  it('streams row blocks in any order; permasar reads the files back', async () => {
    const out = path.join(dir, 'outputs');
    await mkdir(out, { recursive: true });
    const [length, width] = [23, 19];
    const dates = ['20170104', '20170116', '20170128', '20170209', '20170221'];
    const nPixels = length * width;
    const random = makeRandom(4);
    const ts = Float32Array.from({ length: dates.length * nPixels }, (_, i) => (i < nPixels ? 0 : (random() - 0.5) * 0.1));
    const tcoh = Float32Array.from({ length: nPixels }, () => random());
    const num = Float32Array.from({ length: nPixels }, () => Math.floor(random() * 45));
    const stackAttributes = { ...odd.attributes, LENGTH: String(length), WIDTH: String(width), NO_DATA_VALUE: '0' };
    const writers = await openInversionWriters(out, {
      stackAttributes, length, width, dates, bperp: Float32Array.from([0, 1, 2, 3, 4]),
      networkInversion: settings, allDates: ['20161223', ...dates], chunkRows: 6,
    });
    const blocks: [number, number][] = [[6, 6], [0, 6], [18, 5], [12, 6]];
    for (const [row0, n] of blocks) {
      const plane = n * width;
      const block = new Float32Array(dates.length * plane);
      for (let k = 0; k < dates.length; k++) block.set(ts.subarray(k * nPixels + row0 * width, k * nPixels + (row0 + n) * width), k * plane);
      await writers.writeRows(row0, n, block, tcoh.subarray(row0 * width, (row0 + n) * width), num.subarray(row0 * width, (row0 + n) * width));
    }
    await writers.close();
    const source = await openStack(writers.files.timeseries, { allowRadarCoded: true });
    expect(source.dates).toEqual(dates);
    expect(source.unit).toBe('m');
    expect(source.refDate).toBe(dates[0]);
    expect(source.grid).toEqual({ width, height: length, geoTransform: [92.9, 0.000833333, 0, 34.86, 0, -0.000833333], epsg: 4326 });
    expect(source.rowsPerChunk).toBe(6);
    expect(await source.readRows(0, length)).toEqual(ts);
    const expectedAttributes = inversionOutputAttributes({ stackAttributes, dates, networkInversion: settings, allDates: ['20161223', ...dates] });
    expect(source.attributes).toEqual(expectedAttributes.timeseries);
    source.close();
    expect(expectedAttributes.timeseries).toMatchObject({ FILE_TYPE: 'timeseries', UNIT: 'm', REF_DATE: '20170104', START_DATE: '20161223', END_DATE: '20170221', NO_DATA_VALUE: '0', 'mintpy.networkInversion.weightFunc': 'var' });
    expect(expectedAttributes.temporalCoherence).toMatchObject({ FILE_TYPE: 'temporalCoherence', UNIT: '1' });
    expect('REF_DATE' in expectedAttributes.temporalCoherence).toBe(false);
    expect(expectedAttributes.numInvIfgram).toMatchObject({ FILE_TYPE: 'mask', UNIT: '1' });
    expect('REF_DATE' in expectedAttributes.numInvIfgram || 'NO_DATA_VALUE' in expectedAttributes.numInvIfgram).toBe(false);
    for (const [file, name, values, attrs] of [[writers.files.temporalCoherence, 'temporalCoherence', tcoh, expectedAttributes.temporalCoherence], [writers.files.numInvIfgram, 'mask', num, expectedAttributes.numInvIfgram]] as const) {
      const raster = await withH5Node(file, (h5) => readH5Dataset2dFromFile(h5, file, name, undefined, { allowRadarCoded: true }));
      expect(raster.data).toEqual(values);
      expect(raster.metadata).toEqual(attrs);
    }
  });

  it('a reference pixel other than the stack\'s replaces REF_Y/REF_X and drops REF_LAT/REF_LON', () => {
    const attrs = inversionOutputAttributes({ stackAttributes: { REF_Y: '3', REF_X: '4', REF_LAT: '34.8', REF_LON: '92.9' }, dates: ['20170101'], networkInversion: settings, reference: { y: 5, x: 6 } });
    expect(attrs.timeseries).toMatchObject({ REF_Y: '5', REF_X: '6' });
    expect('REF_LAT' in attrs.timeseries).toBe(false);
    expect(inversionOutputAttributes({ stackAttributes: { REF_Y: '3', REF_X: '4', REF_LAT: '34.8' }, dates: ['20170101'], networkInversion: settings, reference: { y: 3, x: 4 } }).timeseries.REF_LAT).toBe('34.8');
  });

  it('close refuses rows never written; discard leaves nothing', async () => {
    const out = path.join(dir, 'outputs-partial');
    await mkdir(out, { recursive: true });
    const layout = { stackAttributes: {}, length: 4, width: 3, dates: ['20170101', '20170113'], bperp: new Float32Array(2), networkInversion: settings };
    const a = await openInversionWriters(out, layout);
    await a.writeRows(0, 2, new Float32Array(12), new Float32Array(6), new Float32Array(6));
    await expect(a.close()).rejects.toThrow(/row 2 of 4 was never written/);
    const b = await openInversionWriters(out, layout);
    await expect(b.writeRows(0, 2, new Float32Array(11), new Float32Array(6), new Float32Array(6))).rejects.toThrow(/values for 2 × 2 × 3/);
    await b.discard();
    expect(['timeseries.h5', 'temporalCoherence.h5', 'numInvIfgram.h5'].some((f) => existsSync(path.join(out, f)))).toBe(false);
  });
});

describe.skipIf(!MINTPY_AVAILABLE)('MintPy (Debian python3-mintpy) as the oracle', () => {
  it('reads our ifgramStack.h5 and waterMask.h5 as we do', async () => {
    const reader = await openIfgramStackNode(stack.path);
    const { info } = reader;
    const probe = [0, 3, info.pairs.length - 1];
    const result = runPythonJson(`
import sys, json, h5py, numpy as np
from mintpy.objects import ifgramStack
from mintpy.utils import readfile
path, wpath = sys.argv[1], sys.argv[2]
probe = json.loads(sys.argv[3])
obj = ifgramStack(path)
obj.open(print_msg=False)
with h5py.File(path, 'r') as f:
    dtypes = {k: str(f[k].dtype) for k in f.keys()}
    chunks = {k: list(f[k].chunks) if f[k].chunks else None for k in f.keys()}
    maxshape = {k: [m if m is not None else -1 for m in f[k].maxshape] for k in f.keys()}
out = {
    'dtypes': dtypes, 'chunks': chunks, 'maxshape': maxshape,
    'date12': obj.get_date12_list(dropIfgram=False),
    'kept12': obj.get_date12_list(dropIfgram=True),
    'drop': [bool(v) for v in obj.dropIfgram],
    'pbase': [float(v) for v in obj.pbaseIfgram],
    'meta': {k: str(v) for k, v in obj.metadata.items()},
    'size': [int(obj.numIfgram), int(obj.length), int(obj.width)],
    'dateList': obj.get_date_list(dropIfgram=True),
    'pbaseTs': [float(v) for v in obj.get_perp_baseline_timeseries(dropIfgram=True)],
    'refPhase': [float(v) for v in obj.get_reference_phase(dropIfgram=True)],
    'fileType': readfile.read_attribute(path)['FILE_TYPE'],
}
d12 = out['date12']
for name in ['unwrapPhase', 'coherence', 'connectComponent']:
    out[name] = [readfile.read(path, datasetName=f'{name}-{d12[i]}', box=(2, 3, 9, 7))[0].astype(np.float64).ravel().tolist() for i in probe]
water, watr = readfile.read(wpath)
out['water'] = {'dtype': str(water.dtype), 'values': water.astype(int).ravel().tolist(), 'FILE_TYPE': watr['FILE_TYPE']}
print(json.dumps(out))
`, [stack.path, stack.waterMaskPath!, JSON.stringify(probe)]);
    const m = info.pairs.length;
    expect(result.dtypes).toEqual({ bperp: 'float32', coherence: 'float32', connectComponent: 'int16', date: '|S8', dropIfgram: 'bool', unwrapPhase: 'float32' });
    expect(result.chunks.unwrapPhase).toEqual(stack.chunks); // h5py's own chunk guess: ours is the same
    expect(result.maxshape.unwrapPhase).toEqual([-1, 36, 28]);
    expect(result.date12).toEqual(info.pairs.map((p) => `${p.referenceDate}_${p.secondaryDate}`));
    expect(result.kept12).toEqual(keptIfgrams(info).pairs.map((p) => `${p.referenceDate}_${p.secondaryDate}`));
    expect(result.drop).toEqual(info.keep);
    expect(result.pbase).toEqual(Array.from(info.bperp!));
    expect(result.meta).toEqual(mintpyStackMetadata(info));
    expect(result.size).toEqual([m, 36, 28]);
    expect(result.fileType).toBe('ifgramStack');
    const kept = keptIfgrams(info);
    expect(result.dateList).toEqual([...new Set(kept.pairs.flatMap((p) => [p.referenceDate, p.secondaryDate]))].sort());
    expect(result.pbaseTs).toEqual(Array.from(timeseriesPerpendicularBaselineM(kept.pairs, kept.indices.map((i) => info.bperp![i]))));
    expect(result.refPhase).toEqual(Array.from(reader.readPixel('unwrapPhase', kept.indices, info.ref!.y, info.ref!.x)));
    for (const name of ['unwrapPhase', 'coherence', 'connectComponent'] as IfgramDatasetName[]) {
      probe.forEach((i, k) => {
        const block = reader.readRows(name, [i], 3, 4);
        const window = Array.from({ length: 4 }, (_, r) => Array.from(block.subarray(r * 28 + 2, r * 28 + 9))).flat();
        expect(result[name][k], `${name} ${i}`).toEqual(window);
      });
    }
    expect(result.water.dtype).toBe('bool');
    expect(result.water.FILE_TYPE).toBe('waterMask');
    expect(result.water.values).toEqual(Array.from(stack.truth.water!, (w) => 1 - w));
    reader.close();
  });

  it('h5pyGuessChunk is h5py\'s guess_chunk', () => {
    const shapes = [[300, 1000, 1000], [947, 1000, 1000], [45, 36, 28], [3, 5, 4], [947, 2800, 3300], [286, 1000, 1000]];
    const got = runPythonJson(`
import sys, json
from h5py._hl.filters import guess_chunk
print(json.dumps([[list(guess_chunk(tuple(s), None, t)) for t in (4, 2)] for s in json.loads(sys.argv[1])]))
`, [JSON.stringify(shapes)]);
    expect(got).toEqual(shapes.map((s) => [h5pyGuessChunk(s, 4), h5pyGuessChunk(s, 2)]));
  });

  it('timeseriesPerpendicularBaselineM equals MintPy\'s on connected, split and single-reference networks', () => {
    const d = (k: number) => `201701${String(k + 1).padStart(2, '0')}`;
    const random = makeRandom(9);
    const networks: [string, string][][] = [
      // connected, some pairs written later-first
      [[d(0), d(1)], [d(1), d(2)], [d(0), d(2)], [d(3), d(2)], [d(3), d(4)], [d(2), d(4)]],
      // split: {0,1,2} and {3,4,5} (rank-deficient A: minimum norm)
      [[d(0), d(1)], [d(1), d(2)], [d(0), d(2)], [d(3), d(4)], [d(4), d(5)], [d(3), d(5)]],
      // three parts, one a single pair
      [[d(0), d(1)], [d(2), d(3)], [d(4), d(5)], [d(4), d(6)], [d(5), d(6)]],
      // single reference, not the first date (MintPy's positional assignment)
      [[d(2), d(0)], [d(2), d(1)], [d(2), d(3)], [d(2), d(4)]],
    ];
    const bperps = networks.map((n) => n.map(() => Math.fround((random() - 0.5) * 300)));
    const mintpy = runPythonJson(`
import sys, json, numpy as np
from mintpy.objects import ifgramStack
out = []
for net, b in zip(json.loads(sys.argv[1]), json.loads(sys.argv[2])):
    A = ifgramStack.get_design_matrix4timeseries([f'{r}_{s}' for r, s in net])[0]
    p = np.zeros(A.shape[1] + 1, dtype=np.float32)
    p[1:] = np.linalg.lstsq(A, np.array(b, np.float32), rcond=None)[0]
    out.append([float(v) for v in p])
print(json.dumps(out))
`, [JSON.stringify(networks), JSON.stringify(bperps)]);
    networks.forEach((net, n) => {
      const ours = timeseriesPerpendicularBaselineM(net.map(([r, s]) => ({ referenceDate: r, secondaryDate: s })), bperps[n]);
      expect(ours.length).toBe(mintpy[n].length);
      // float64 solves by different routes (normal equations vs SVD), then float32: equal or 1 ulp.
      ours.forEach((v, j) => expect(Math.abs(v - mintpy[n][j]), `network ${n} date ${j}: ${v} vs ${mintpy[n][j]}`).toBeLessThanOrEqual(Math.max(1e-6, Math.abs(v) * 2.4e-7)));
    });
  });

  it('reads our outputs; they carry exactly the attributes MintPy\'s ifgram_inversion writes', async () => {
    // MintPy's own run on the odd stack: -w no with the connectComponent mask, and the defaults.
    const runDir = path.join(dir, 'b', 'run');
    await mkdir(runDir, { recursive: true });
    const mintpy = runPythonJson(`
import sys, json, h5py
from mintpy.cli import ifgram_inversion
stack = sys.argv[1]
out = {}
for tag, extra in [('md', ['-w', 'no', '--md', 'connectComponent']), ('default', ['-w', 'var'])]:
    files = [f'ts_{tag}.h5', f'tcoh_{tag}.h5', f'num_{tag}.h5']
    ifgram_inversion.main([stack, '-o', *files, *extra])
    res = {}
    for key, f in zip(['timeseries', 'temporalCoherence', 'numInvIfgram'], files):
        with h5py.File(f, 'r') as h:
            res[key] = {'attrs': {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in h.attrs.items()},
                        'datasets': {k: [str(h[k].dtype), list(h[k].shape)] for k in h.keys()}}
            if key == 'timeseries':
                res['date'] = [d.decode() for d in h['date'][:]]
                res['bperp'] = [float(v) for v in h['bperp'][:]]
    out[tag] = res
print(json.dumps(out))
`, [odd.path], { cwd: runDir, timeoutMs: 300_000 });
    const reader = await openIfgramStackNode(odd.path);
    const { info } = reader;
    reader.close();
    const kept = keptIfgrams(info);
    const dates = [...new Set(kept.pairs.flatMap((p) => [p.referenceDate, p.secondaryDate]))].sort();
    const bperp = timeseriesPerpendicularBaselineM(kept.pairs, kept.indices.map((i) => info.bperp![i]));
    const allDates = info.pairs.flatMap((p) => [p.referenceDate, p.secondaryDate]);
    for (const [tag, settings] of [
      ['md', { obsDatasetName: 'unwrapPhase', numIfgram: kept.indices.length, weightFunc: 'no', maskDataset: 'connectComponent', maskThreshold: 0.4, minRedundancy: 1, minNormVelocity: true }],
      ['default', { obsDatasetName: 'unwrapPhase', numIfgram: kept.indices.length, weightFunc: 'var', maskDataset: null, maskThreshold: 0.4, minRedundancy: 1, minNormVelocity: true }],
    ] as [string, NetworkInversionSettings][]) {
      const theirs = mintpy[tag];
      expect(theirs.date).toEqual(dates);
      expect(theirs.bperp).toEqual(Array.from(bperp));
      const out = path.join(dir, 'b', `ours-${tag}`);
      await mkdir(out, { recursive: true });
      const layout = { stackAttributes: info.attributes, length: info.length, width: info.width, dates, bperp, networkInversion: settings, allDates };
      const attrs = inversionOutputAttributes(layout);
      for (const key of ['timeseries', 'temporalCoherence', 'numInvIfgram'] as const) expect(attrs[key], `${tag} ${key}`).toEqual(theirs[key].attrs);
      // Our files, read by MintPy.
      const writers = await openInversionWriters(out, layout);
      const nPixels = info.length * info.width;
      const ts = Float32Array.from({ length: dates.length * nPixels }, (_, i) => Math.sin(i) * 0.01);
      const tcoh = Float32Array.from({ length: nPixels }, (_, i) => (i % 100) / 100);
      const num = Float32Array.from({ length: nPixels }, (_, i) => i % 7);
      await writers.writeRows(0, info.length, ts, tcoh, num);
      await writers.close();
      const read = runPythonJson(`
import sys, json, h5py, numpy as np
from mintpy.objects import timeseries
from mintpy.utils import readfile
ts_file, tcoh_file, num_file = sys.argv[1:4]
obj = timeseries(ts_file)
obj.open(print_msg=False)
data, atr = readfile.read(ts_file)
res = {'dateList': obj.dateList, 'pbase': [float(v) for v in obj.pbase], 'shape': list(data.shape), 'dtype': str(data.dtype),
       'sum': float(np.sum(data.astype(np.float64))), 'first': data[:, 3, 4].astype(np.float64).tolist(), 'atr': {k: str(v) for k, v in atr.items()}}
for key, f in [('tcoh', tcoh_file), ('num', num_file)]:
    d, a = readfile.read(f)
    res[key] = {'values': d.astype(np.float64).ravel().tolist(), 'atr': {k: str(v) for k, v in a.items()}}
with h5py.File(ts_file, 'r') as h:
    res['datasets'] = {k: [str(h[k].dtype), list(h[k].shape)] for k in h.keys()}
print(json.dumps(res))
`, [writers.files.timeseries, writers.files.temporalCoherence, writers.files.numInvIfgram]);
      expect(read.dateList).toEqual(dates);
      expect(read.pbase).toEqual(Array.from(bperp));
      expect([read.shape, read.dtype]).toEqual([[dates.length, info.length, info.width], 'float32']);
      expect(read.datasets).toEqual(theirs.timeseries.datasets);
      expect(read.first).toEqual(dates.map((_, k) => ts[k * nPixels + 3 * info.width + 4]));
      expect(read.sum).toBeCloseTo(Array.from(ts).reduce((a, b) => a + b, 0), 6);
      // readfile.read adds FILE_PATH and (when absent) NO_DATA_VALUE=none of its own.
      const own = (atr: Record<string, string>) => { const { FILE_PATH: _p, NO_DATA_VALUE: _n, ...rest } = atr; return rest; };
      expect(read.atr.FILE_PATH).toBe(writers.files.timeseries);
      expect(own(read.atr)).toEqual(attrs.timeseries);
      expect(read.tcoh.values).toEqual(Array.from(tcoh));
      expect(own(read.tcoh.atr)).toEqual(attrs.temporalCoherence);
      expect(read.num.values).toEqual(Array.from(num));
      expect(own(read.num.atr)).toEqual(attrs.numInvIfgram);
    }
  }, 300_000);

  it('phaseVarianceTable(L) is MintPy\'s phase_variance_ds table (L capped at 80)', () => {
    const looks = [5, 20, 80, 165];
    const mintpy = runPythonJson(`
import sys, json, numpy as np
from mintpy.simulation import decorrelation as decor
coh_lut = np.linspace(0.005, 1.0, 200) - 0.0025
print(json.dumps({str(L): [float(v) for v in decor.phase_variance_ds(int(min(L, 80)), coh_lut)[0]] for L in json.loads(sys.argv[1])}))
`, [JSON.stringify(looks)]);
    for (const L of looks) {
      const ours = phaseVarianceTable(L);
      const relative = Array.from(ours, (v, j) => Math.abs(v - mintpy[L][j]) / mintpy[L][j]);
      // γ ≤ 0.9 (bins 0–179): the integrand has no cancellation to speak of. Above, the variance
      // is a small difference of large terms, and ~1e-13 differences in the Γ ratios (ours by
      // Lanczos in logs, MintPy's math.gamma) grow to a few 1e-11 (γ = 0.9975, L = 80): far below
      // the float32 the weights are stored in (6e-8), which the next test checks bit for bit.
      expect(Math.max(...relative.slice(0, 180)), `L = ${L}, γ ≤ 0.9`).toBeLessThan(3e-12);
      expect(Math.max(...relative), `L = ${L}`).toBeLessThan(1e-10);
      expect(Array.from(ours, (v) => Math.fround(1 / v)), `L = ${L}: float32 weights`).toEqual(mintpy[L].map((v: number) => Math.fround(1 / v)));
    }
  });

  it('coherenceWeightSqrt is MintPy\'s float32 √weight (calc_weight_sqrt) for var, fim and coh', () => {
    const random = makeRandom(5);
    const coherence = Float32Array.from({ length: 4000 }, () => random());
    coherence.set([0, -0.1, 0.0499, 0.05, 0.0501, 0.9975, 0.998, 0.999, 1, 1.2, 0.0025, 0.0075, 0.5025, 0.9525], 0);
    for (let k = 0; k < 200; k++) coherence[100 + k] = Math.fround(0.0025 + 0.005 * k); // the bins' edges
    const cases: ['var' | 'fim' | 'coh', number][] = [['var', 165], ['var', 20], ['var', 5], ['fim', 165], ['fim', 20], ['coh', 165]];
    const mintpy = runPythonJson(`
import sys, json, numpy as np
from mintpy.simulation import decorrelation as decor
coh = np.array(json.load(open(sys.argv[1])), np.float32)
out = []
for f, L in json.loads(sys.argv[2]):
    w = decor.coherence2weight(coh.copy(), weight_func=f, L=L, epsilon=5e-2, print_msg=False)
    out.append([float(v) for v in np.sqrt(w)])
print(json.dumps(out))
`, [writeJson(path.join(dir, 'coherence.json'), Array.from(coherence)), JSON.stringify(cases)]);
    cases.forEach(([f, L], n) => {
      const table = f === 'var' ? phaseVarianceTable(L) : null;
      const ours = Array.from(coherence, (g) => coherenceWeightSqrt(g, f, L, table));
      expect(ours, `${f} L=${L}`).toEqual(mintpy[n]);
    });
  });

  // Two edge cases MintPy handles its own way: L = 1 (no ΣD term), and NaN coherence → float32 ε.
  it('phaseVarianceTable(1) (ALOOKS·RLOOKS/1.94 rounding to 1) equals MintPy\'s (no ΣD term at L = 1)', () => {
    const mintpy = runPythonJson(`
import json, numpy as np
from mintpy.simulation import decorrelation as decor
print(json.dumps([float(v) for v in decor.phase_variance_ds(1, np.linspace(0.005, 1.0, 200) - 0.0025)[0]]))
`);
    const ours = phaseVarianceTable(1);
    ours.forEach((v, j) => expect(Math.abs(v - mintpy[j]) / mintpy[j]).toBeLessThan(1e-10));
  });

  it('coherenceWeightSqrt(NaN, fim): NaN floored to float32 ε, as MintPy', () => {
    const mintpy = runPythonJson(`
import json, numpy as np
from mintpy.simulation import decorrelation as decor
w = decor.coherence2weight(np.array([np.nan], np.float32), weight_func='fim', L=20, epsilon=5e-2, print_msg=False)
print(json.dumps([float(v) for v in np.sqrt(w)]))
`);
    expect(coherenceWeightSqrt(Number.NaN, 'fim', 20, null)).toBe(mintpy[0]);
  });
});

function writeJson(file: string, value: unknown): string {
  writeFileSync(file, JSON.stringify(value));
  return file;
}
