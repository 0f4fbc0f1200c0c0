// core/corrections.ts alone: each function against a direct float64 reference written here, and
// against MintPy's own functions (objects/ramp.deramp with its sub-sampling above 10⁶ pixels;
// utils/network.threshold_coherence_based_mst) on fresh random inputs. Output buffers are
// poisoned first where a function writes into one.
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  RampNormalEquations,
  SpatialMeanCoherence,
  matchTroposphereDates,
  minimumSpanningTree,
  rampTermCount,
  selectByCoherence,
  subtractTroposphere,
  temporalCoherenceMask,
  type RampType,
} from '../src/core/corrections.ts';
import { makeRandom } from '../data/synthetic.ts';
import { MINTPY_AVAILABLE, runPythonJson } from './support/mintpy.ts';

const seed = Number(process.env.PERMASAR_SEED ?? ((Date.now() ^ (Math.random() * 2 ** 31)) >>> 0));
const random = makeRandom(seed);
const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-300)) * Math.cos(2 * Math.PI * random());

/** A date-major series with a ramp per date, noise, NaN and zero pixels; the reference pixel 0. */
function rampedSeries(nDates: number, length: number, width: number, type: RampType, ref: { row: number; col: number }) {
  const series = new Float32Array(nDates * length * width);
  for (let k = 1; k < nDates; k++) {
    // Ramps of ~2 cm across the frame whatever its size (orbit errors are centimetres): MintPy's
    // float32 pinv errs in proportion to them, more so for a quadratic in raw pixel indices.
    const span = 0.02;
    const a = (gauss() * span) / length, b = (gauss() * span) / width, c = gauss() * 1e-2;
    const d = (gauss() * span) / length ** 2, e = (gauss() * span) / width ** 2, f = (gauss() * span) / (length * width);
    for (let r = 0; r < length; r++) {
      for (let col = 0; col < width; col++) {
        let v = a * r + b * col + c + gauss() * 1e-3;
        if (type === 'quadratic') v += d * r * r + e * col * col + f * r * col;
        const u = random();
        series[(k * length + r) * width + col] = u < 0.02 ? Number.NaN : u < 0.03 ? 0 : v;
      }
    }
    for (let j = 0; j < nDates; j++) series[(j * length + ref.row) * width + ref.col] = 0;
  }
  return series;
}

function derampInTiles(series: Float32Array, nDates: number, length: number, width: number, type: RampType, mask: Uint8Array, ref: { row: number; col: number }, tileRows: number) {
  const eq = new RampNormalEquations(type, nDates, length, width);
  const plane = length * width;
  const rowsOf = (row0: number, nRows: number) => {
    const out = new Float32Array(nDates * nRows * width);
    for (let k = 0; k < nDates; k++) out.set(series.subarray(k * plane + row0 * width, k * plane + (row0 + nRows) * width), k * nRows * width);
    return out;
  };
  for (let r = 0; r < length; r += tileRows) {
    const n = Math.min(tileRows, length - r);
    eq.addRows(r, n, rowsOf(r, n), mask.subarray(r * width, (r + n) * width));
  }
  const solution = eq.solve();
  const out = new Float32Array(series.length).fill(-12345);
  for (let r = 0; r < length; r += tileRows) {
    const n = Math.min(tileRows, length - r);
    const rows = rowsOf(r, n);
    solution.subtractRows(r, n, rows, ref);
    for (let k = 0; k < nDates; k++) out.set(rows.subarray(k * n * width, (k + 1) * n * width), k * plane + r * width);
  }
  return { out, solution };
}

describe(`core/corrections (seed ${seed})`, () => {
  it('removes an exactly planted ramp, zero at the reference pixel, zeros and NaN kept', () => {
    for (const type of ['linear', 'quadratic'] as const) {
      const length = 30 + Math.floor(random() * 20), width = 25 + Math.floor(random() * 20), nDates = 4;
      const ref = { row: 3 + Math.floor(random() * 10), col: 2 + Math.floor(random() * 10) };
      const series = new Float32Array(nDates * length * width);
      const plane = (k: number, r: number, c: number) => (k === 0 ? 0 : 1e-4 * k * r - 2e-4 * c + 0.01 * k + (type === 'quadratic' ? 1e-6 * r * c - 3e-7 * c * c : 0));
      for (let k = 1; k < nDates; k++) for (let r = 0; r < length; r++) for (let c = 0; c < width; c++) series[(k * length + r) * width + c] = Math.fround(plane(k, r, c) - plane(k, ref.row, ref.col));
      series[(2 * length + 5) * width + 7] = Number.NaN;
      series[(1 * length + 6) * width + 8] = 0;
      for (let k = 0; k < nDates; k++) series[(k * length + ref.row) * width + ref.col] = 0;
      const mask = new Uint8Array(length * width).map(() => (random() < 0.8 ? 1 : 0));
      const { out, solution } = derampInTiles(series, nDates, length, width, type, mask, ref, 1 + Math.floor(random() * 9));
      expect(solution.coefficients[0]).toBeNull(); // the reference date: no pixel qualifies
      for (let i = 0; i < out.length; i++) {
        if (Number.isNaN(series[i])) expect(out[i]).toBeNaN();
        else if (series[i] === 0) expect(out[i]).toBe(0);
        else expect(Math.abs(out[i])).toBeLessThan(2e-8);
      }
    }
  });

  it('refuses nothing but reports a date whose pixels cannot determine the ramp', () => {
    const length = 20, width = 20;
    const series = rampedSeries(3, length, width, 'linear', { row: 1, col: 1 });
    const mask = new Uint8Array(length * width);
    for (let c = 0; c < width; c++) mask[5 * width + c] = 1; // one row: x only, y undetermined
    const eq = new RampNormalEquations('linear', 3, length, width);
    eq.addRows(0, length, series, mask);
    const solution = eq.solve();
    expect(solution.undetermined).toEqual([1, 2]);
    expect(rampTermCount('quadratic')).toBe(6);
  });

  it('gathers sums by bands that add to the whole', () => {
    const length = 40, width = 30, nDates = 3;
    const series = rampedSeries(nDates, length, width, 'quadratic', { row: 4, col: 4 });
    const mask = new Uint8Array(length * width).fill(1);
    const whole = new RampNormalEquations('quadratic', nDates, length, width);
    whole.addRows(0, length, series, mask);
    const a = new RampNormalEquations('quadratic', nDates, length, width);
    const b = new RampNormalEquations('quadratic', nDates, length, width);
    const rows = (r0: number, n: number) => {
      const out = new Float32Array(nDates * n * width);
      for (let k = 0; k < nDates; k++) out.set(series.subarray(k * length * width + r0 * width, k * length * width + (r0 + n) * width), k * n * width);
      return out;
    };
    a.addRows(0, 17, rows(0, 17), mask);
    b.addRows(17, 23, rows(17, 23), mask);
    const merged = RampNormalEquations.fromJSON(JSON.parse(JSON.stringify(a)));
    merged.addFrom(b);
    const x = whole.solve().coefficients[2]!, y = merged.solve().coefficients[2]!;
    for (let i = 0; i < x.length; i++) expect(y[i]).toBeCloseTo(x[i], 12);
  });

  it('subtracts the delay as diff.py does: re-referenced in space and time, zeros kept, missing dates untouched', () => {
    const nPixels = 50, dates = ['20200101', '20200113', '20200125', '20200206'];
    const delayDates = ['20191220', '20200101', '20200125', '20200206'];
    const matched = matchTroposphereDates(dates, delayDates, dates[0])!;
    expect(Array.from(matched.delayIndexOfDate)).toEqual([1, -1, 2, 3]);
    expect(matched.missing).toEqual(['20200113']);
    expect(matchTroposphereDates(dates, ['20200113'], dates[0])).toBeNull();
    const ts = new Float32Array(dates.length * nPixels).map(() => gauss() * 0.01);
    ts[2 * nPixels + 7] = 0;
    ts[3 * nPixels + 9] = Number.NaN;
    const delay = new Float32Array(delayDates.length * nPixels).map(() => -2.4 + gauss() * 0.02);
    delay[3 * nPixels + 11] = Number.NaN;
    const refPixel = 13;
    const atRef = Float32Array.from(delayDates, (_, e) => delay[e * nPixels + refPixel]);
    const before = Float32Array.from(ts);
    subtractTroposphere(ts, nPixels, delay, atRef, matched);
    for (let k = 0; k < dates.length; k++) {
      for (let p = 0; p < nPixels; p++) {
        const v = before[k * nPixels + p], got = ts[k * nPixels + p];
        const e = matched.delayIndexOfDate[k];
        if (e < 0 || v === 0) { expect(Object.is(got, v) || (Number.isNaN(got) && Number.isNaN(v))).toBe(true); continue; }
        const want = v - ((delay[e * nPixels + p] - atRef[e]) - (delay[1 * nPixels + p] - atRef[1]));
        if (Number.isNaN(want)) expect(got).toBeNaN();
        else expect(Math.abs(got - want)).toBeLessThan(2e-7); // float32 steps of a 2.4 m delay
      }
    }
  });

  it('averages coherence without zeros, NaN and pixels outside the water mask', () => {
    const nPixels = 40, indices = [0, 2, 3];
    const coh = new Float32Array(indices.length * nPixels).map(() => (random() < 0.1 ? 0 : random() < 0.05 ? Number.NaN : random()));
    const inside = new Uint8Array(nPixels).map(() => (random() < 0.8 ? 1 : 0));
    // Two tiles: the first and second half of the pixels.
    const second = new Float32Array(indices.length * 20);
    for (let k = 0; k < indices.length; k++) second.set(coh.subarray(k * nPixels + 20, (k + 1) * nPixels), k * 20);
    const firstHalf = new Float32Array(indices.length * 20);
    for (let k = 0; k < indices.length; k++) firstHalf.set(coh.subarray(k * nPixels, k * nPixels + 20), k * 20);
    const acc2 = new SpatialMeanCoherence(4);
    acc2.add(firstHalf, indices, 20, inside.subarray(0, 20));
    acc2.add(second, indices, 20, inside.subarray(20));
    const means = acc2.means();
    expect(means[1]).toBeNaN();
    indices.forEach((i, k) => {
      const vals = Array.from(coh.subarray(k * nPixels, (k + 1) * nPixels)).filter((v, p) => v !== 0 && !Number.isNaN(v) && inside[p] === 1);
      expect(means[i]).toBeCloseTo(vals.reduce((a, b) => a + b, 0) / vals.length, 6);
    });
  });

  it('masks temporal coherence as generate_mask -m does (≥, NaN out, shadow out)', () => {
    const t = new Float32Array(200).map(() => (random() < 0.05 ? Number.NaN : random()));
    t[3] = 0.6;
    const shadow = new Uint8Array(200).map(() => (random() < 0.1 ? 1 : 0));
    const out = new Uint8Array(200).fill(7);
    const kept = temporalCoherenceMask(t, 0.6, shadow, out);
    let n = 0;
    for (let p = 0; p < 200; p++) {
      const want = !Number.isNaN(t[p]) && t[p] >= 0.6 && shadow[p] !== 1 ? 1 : 0;
      expect(out[p]).toBe(want);
      n += want;
    }
    expect(kept).toBe(n);
    expect(out[3]).toBe(shadow[3] ? 0 : 1);
  });

  it('keeps the network connected: a date whose every pair is below the threshold keeps its best one', () => {
    const dates = Array.from({ length: 12 }, (_, k) => `2020${String(1 + Math.floor(k / 2)).padStart(2, '0')}${k % 2 ? '20' : '05'}`);
    const pairs = [];
    for (let i = 0; i < dates.length; i++) for (let j = i + 1; j <= Math.min(dates.length - 1, i + 3); j++) pairs.push({ referenceDate: dates[i], secondaryDate: dates[j] });
    const isolated = dates[6];
    const coh = pairs.map((p) => (p.referenceDate === isolated || p.secondaryDate === isolated ? 0.2 + 0.1 * random() : 0.65 + 0.3 * random()));
    const keep = pairs.map(() => true);
    const sel = selectByCoherence(pairs, keep, coh, 0.6);
    const touching = pairs.map((p, i) => (p.referenceDate === isolated || p.secondaryDate === isolated ? i : -1)).filter((i) => i >= 0);
    const best = touching.reduce((a, b) => (coh[a] > coh[b] ? a : b));
    expect(touching.filter((i) => sel.keep[i])).toEqual([best]);
    expect(sel.dropped.length).toBe(touching.length - 1);
  });

  it.skipIf(!MINTPY_AVAILABLE)('builds the minimum spanning tree MintPy builds (threshold_coherence_based_mst)', () => {
    const cases = Array.from({ length: 6 }, () => {
      const n = 8 + Math.floor(random() * 30);
      const dates = Array.from({ length: n }, (_, k) => {
        const d = new Date(Date.UTC(2018, 0, 1) + k * 12 * 86_400_000);
        return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
      });
      const pairs: { referenceDate: string; secondaryDate: string }[] = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (j - i <= 2 || random() < 0.1) pairs.push({ referenceDate: dates[i], secondaryDate: dates[j] });
      const coh = pairs.map(() => Math.fround(0.2 + 0.75 * random()));
      return { pairs, coh };
    });
    const theirs = runPythonJson<number[][]>(String.raw`
import json, sys
from mintpy.utils import network as pnet
out = []
for c in json.loads(sys.argv[1]):
    d12 = ['%s_%s' % (p['referenceDate'], p['secondaryDate']) for p in c['pairs']]
    mst = set(pnet.threshold_coherence_based_mst(d12, c['coh']))
    from mintpy.utils import ptime
    mst = set(ptime.yyyymmdd_date12(list(mst)))
    out.append(sorted(i for i, x in enumerate(d12) if x in mst))
print(json.dumps(out))
`, [JSON.stringify(cases)]);
    cases.forEach((c, k) => {
      expect(minimumSpanningTree(c.pairs, c.pairs.map((_, i) => i), c.coh)).toEqual(theirs[k]);
    });
  });

  it.skipIf(!MINTPY_AVAILABLE)('removes ramps as MintPy deramp() does, with its sub-sampling above 10⁶ pixels', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'permasar-ramp-'));
    try {
      // 1 100 × 1 000 with ~92 % in the mask: > 10⁶ qualifying pixels, so MintPy samples every
      // 2nd row and column from 1; a small frame below the limit.
      const frames = [
        { length: 1100, width: 1000, type: 'linear' as const, maskShare: 0.95 },
        { length: 1100, width: 1000, type: 'quadratic' as const, maskShare: 0.95 },
        { length: 61, width: 47, type: 'quadratic' as const, maskShare: 0.7 },
      ];
      for (const [i, f] of frames.entries()) {
        const nDates = 2;
        const ref = { row: 10 + Math.floor(random() * 30), col: 10 + Math.floor(random() * 30) };
        const series = rampedSeries(nDates, f.length, f.width, f.type, ref);
        const mask = new Uint8Array(f.length * f.width).map(() => (random() < f.maskShare ? 1 : 0));
        await writeFile(path.join(dir, `s${i}.f32`), Buffer.from(series.buffer));
        await writeFile(path.join(dir, `m${i}.u8`), Buffer.from(mask.buffer));
        const { out, solution } = derampInTiles(series, nDates, f.length, f.width, f.type, mask, ref, 64 + Math.floor(random() * 200));
        await writeFile(path.join(dir, `o${i}.f32`), Buffer.from(out.buffer));
        if (f.length * f.width > 1e6) expect(solution.steps[1]).toBe(2);
        const r = runPythonJson(String.raw`
import json, sys
import numpy as np
from mintpy.objects import ramp
d, i, L, W, t, ry, rx = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
s = np.fromfile(f'{d}/s{i}.f32', dtype=np.float32).reshape(-1, L, W)
m = np.fromfile(f'{d}/m{i}.u8', dtype=np.uint8).reshape(L, W)
o = np.fromfile(f'{d}/o{i}.f32', dtype=np.float32).reshape(-1, L, W)
worst = 0.0; nan = 0
for k in range(s.shape[0]):
    out = ramp.deramp(s[k].copy(), m, ramp_type=t, metadata={'REF_Y': str(ry), 'REF_X': str(rx)})[0]
    ok = np.isfinite(out) & np.isfinite(o[k])
    worst = max(worst, float(np.abs(out[ok] - o[k][ok]).max()) if ok.any() else 0.0)
    nan += int((np.isfinite(out) != np.isfinite(o[k])).sum())
print(json.dumps({'maxMm': worst * 1000, 'nan': nan}))
`, [dir, String(i), String(f.length), String(f.width), f.type, String(ref.row), String(ref.col)], { timeoutMs: 120_000 });
        console.log(`deramp vs MintPy's deramp() (${f.type}, ${f.length} × ${f.width}, step ${solution.steps[1]}): max |Δ| ${r.maxMm.toExponential(2)} mm`);
        expect(r.nan).toBe(0);
        expect(r.maxMm).toBeLessThan(5e-4);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
