// The inversion's pure parts (src/core/inversion.ts, src/pipeline/invert.ts): MintPy's network
// design (get_design_matrix4timeseries), its looks, the observation rules of INVERSION.md §2.2
// (referencing in float32, exact zeros and values equal to the reference → no data, masks), and
// the plan's refusals. The weights' table against MintPy itself is in test/io-ifgram-stack.test.ts;
// the solve in test/invert-kernel.test.ts; everything against MintPy in test/invert-mintpy.test.ts.
import { describe, expect, it } from 'vitest';
import { buildIfgramNetwork, coherenceWeightSqrt, daysOfDate8, observedPhase, weightLooks, type IfgramPair, type ObservationMask, type WeightFunction } from '../src/core/inversion.ts';
import { makeRandom } from '../data/synthetic.ts';
import { planInversion, prepareInvertTile } from '../src/pipeline/invert.ts';
import { isInputError } from '../src/core/errors.ts';

const pair = (a: string, b: string): IfgramPair => ({ referenceDate: a, secondaryDate: b });

describe('the interferogram network (MintPy get_design_matrix4timeseries)', () => {
  it('dates sorted and unique, intervals of each pair, float32 years as MintPy computes them', () => {
    const net = buildIfgramNetwork([pair('20200113', '20200125'), pair('20200101', '20200125'), pair('20200101', '20200113'), pair('20200125', '20200218')], 'stack.h5');
    expect(net.dates).toEqual(['20200101', '20200113', '20200125', '20200218']);
    expect([...net.intervalStart]).toEqual([1, 0, 0, 2]);
    expect([...net.intervalEnd]).toEqual([2, 2, 1, 3]);
    expect([...net.pairSign]).toEqual([1, 1, 1, 1]);
    // tbase = float32(days)/365.25 in float32, then differences in float32
    const t = [0, 12, 24, 48].map((d) => Math.fround(d / 365.25));
    expect([...net.intervalYears]).toEqual([Math.fround(t[1] - t[0]), Math.fround(t[2] - t[1]), Math.fround(t[3] - t[2])]);
    expect(net.halfBandwidth).toBe(1);
    expect(net.redundancyExemptDate).toBe(0);
  });

  it('a pair written later-first gets sign −1; a single-reference network exempts its reference date', () => {
    const net = buildIfgramNetwork([pair('20200125', '20200101'), pair('20200125', '20200113'), pair('20200125', '20200206')], 's.h5');
    expect(net.dates).toEqual(['20200101', '20200113', '20200125', '20200206']);
    expect([...net.pairSign]).toEqual([-1, -1, 1]);
    expect(net.redundancyExemptDate).toBe(2);
    expect(net.halfBandwidth).toBe(1);
  });

  it('refuses in one line naming the file: too few pairs, non-dates, a date paired with itself', () => {
    const cases: IfgramPair[][] = [[pair('20200101', '20200113')], [pair('20200101', '20201345'), pair('20200101', '20200113')], [pair('20200101', '20200101'), pair('20200101', '20200113')]];
    for (const pairs of cases) {
      let caught: unknown;
      try { buildIfgramNetwork(pairs, '/data/ifgramStack.h5'); } catch (e) { caught = e; }
      expect(isInputError(caught)).toBe(true);
      expect((caught as Error).message.startsWith('/data/ifgramStack.h5: ')).toBe(true);
      expect((caught as Error).message).not.toContain('\n');
    }
    expect(daysOfDate8('20200229')).toBe(Date.UTC(2020, 1, 29) / 86_400_000);
    expect(daysOfDate8('20190229')).toBeNaN();
  });
});

describe('looks and observations', () => {
  it('looks: NCORRLOOKS first, else ALOOKS·RLOOKS/1.94 rounded half to even, at least 1', () => {
    expect(weightLooks({ ALOOKS: 8, RLOOKS: 40 })).toBe(165); // the study's 8 × 40 looks
    expect(weightLooks({ NCORRLOOKS: 3.5, ALOOKS: 8, RLOOKS: 40 })).toBe(4);
    expect(weightLooks({ NCORRLOOKS: 2.5 })).toBe(2);
    expect(weightLooks({ ALOOKS: 1, RLOOKS: 1 })).toBe(1);
    expect(weightLooks({ ALOOKS: 2 })).toBeNull();
  });

  it('observations: referenced in float32; zeros, values equal to the reference and masked values are no data', () => {
    const ref = Math.fround(1.3);
    const v = Math.fround(2.7);
    expect(observedPhase(v, ref, 'none', 0, 0)).toBe(Math.fround(v - ref));
    expect(observedPhase(0, ref, 'none', 0, 0)).toBeNaN();
    expect(observedPhase(ref, ref, 'none', 0, 0)).toBeNaN();
    expect(observedPhase(Number.NaN, ref, 'none', 0, 0)).toBeNaN();
    expect(observedPhase(v, ref, 'connectComponent', 0, 0)).toBeNaN();
    expect(observedPhase(v, ref, 'connectComponent', 2, 0)).toBe(Math.fround(v - ref));
    expect(observedPhase(v, ref, 'coherence', Math.fround(0.39), 0.4)).toBeNaN();
    expect(observedPhase(v, ref, 'coherence', Math.fround(0.41), 0.4)).toBe(Math.fround(v - ref));
    expect(observedPhase(v, ref, 'coherence', Number.NaN, 0.4)).toBeNaN();
    // An unreferenced interferogram (reference phase 0) keeps its value.
    expect(observedPhase(v, 0, 'none', 0, 0)).toBe(v);
  });
});

describe('the plan of a stack', () => {
  const stack = {
    file: '/x/ifgramStack.h5',
    pairs: [pair('20200101', '20200113'), pair('20200113', '20200125'), pair('20200101', '20200125')],
    keep: [true, true, true],
    looks: { ALOOKS: 2, RLOOKS: 10 },
    wavelengthM: 0.05546576,
    hasCoherence: true,
    hasConnectComponent: false,
  };
  const choices = { weightFunction: 'var' as const, maskDataset: 'none' as const, maskThreshold: 0.4, minRedundancy: 1 };

  it('keeps only kept interferograms, makes the variance table, and phase → metres as MintPy (−λ/4π in float32)', () => {
    const plan = planInversion({ ...stack, keep: [true, false, true] }, choices);
    expect(plan.keptIfgrams).toEqual([0, 2]);
    expect(plan.network.dates).toEqual(['20200101', '20200113', '20200125']);
    expect(plan.weightLooks).toBe(10);
    expect(plan.varianceTable?.length).toBe(200);
    expect(plan.kernelOptions.metresPerRadian).toBe(Math.fround(-0.05546576 / (4 * Math.PI)));
  });

  it('refuses a weighted run without looks, a missing mask dataset, no wavelength: one line naming the file', () => {
    const bad = [
      () => planInversion({ ...stack, looks: {} }, choices),
      () => planInversion({ ...stack, hasCoherence: false }, choices),
      () => planInversion(stack, { ...choices, weightFunction: 'no', maskDataset: 'connectComponent' }),
      () => planInversion({ ...stack, wavelengthM: null }, choices),
      () => planInversion({ ...stack, keep: [false, false, true] }, choices),
    ];
    for (const f of bad) {
      let caught: unknown;
      try { f(); } catch (e) { caught = e; }
      expect(isInputError(caught), String(caught)).toBe(true);
      expect((caught as Error).message.startsWith('/x/ifgramStack.h5: ')).toBe(true);
    }
    // Unweighted without looks is fine.
    expect(planInversion({ ...stack, looks: {} }, { ...choices, weightFunction: 'no' }).varianceTable).toBeNull();
  });

  it('prepares a tile: water-masked pixels have no observation; √weight only when weighted', () => {
    const plan = planInversion(stack, { ...choices, maskDataset: 'coherence', maskThreshold: 0.5 });
    const n = 2;
    const unwrapPhase = Float32Array.from([1, 2, 3, 0, 5, 6]);
    const coherence = Float32Array.from([0.9, 0.9, 0.4, 0.9, 0.9, Number.NaN]);
    const tile = prepareInvertTile(plan, { nPixels: n, unwrapPhase, coherence, connectComponent: null, invertPixel: Uint8Array.from([1, 0]) }, Float32Array.from([0.5, 0.5, 0.5]));
    expect([...tile.phaseRad].map((v) => (Number.isNaN(v) ? null : v))).toEqual([0.5, null, null, null, 4.5, null]);
    expect(tile.weightSqrt).not.toBeNull();
    expect(tile.weightSqrt![0]).toBeGreaterThan(tile.weightSqrt![2]);
    const unweighted = prepareInvertTile(planInversion(stack, { ...choices, weightFunction: 'no' }), { nPixels: n, unwrapPhase, coherence: null, connectComponent: null, invertPixel: null }, new Float32Array(3));
    expect(unweighted.weightSqrt).toBeNull();
  });

  it('the tile preparation (inlined for speed) equals observedPhase and coherenceWeightSqrt value for value', () => {
    const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
    const random = makeRandom(seed);
    const m = 3;
    const n = 500;
    for (const weightFunction of ['var', 'fim', 'coh', 'no'] as WeightFunction[]) {
      for (const maskDataset of ['none', 'connectComponent', 'coherence'] as ObservationMask[]) {
        const plan = planInversion({ ...stack, hasConnectComponent: true }, { weightFunction, maskDataset, maskThreshold: 0.4, minRedundancy: 1 });
        const pick = (values: number[]) => values[Math.floor(random() * values.length)];
        const unwrapPhase = Float32Array.from({ length: m * n }, () => pick([0, Number.NaN, Number.POSITIVE_INFINITY, 0.5, Math.fround(random() * 20 - 10)]));
        const coherence = Float32Array.from({ length: m * n }, () => pick([Number.NaN, 0, 0.0025, 0.05, 0.4, 0.9975, 1, Math.fround(random())]));
        const connectComponent = Float32Array.from({ length: m * n }, () => pick([0, 1, 2]));
        const invertPixel = Uint8Array.from({ length: n }, () => (random() < 0.9 ? 1 : 0));
        const ref = Float32Array.from([0.5, 0, Math.fround(random())]);
        const tile = prepareInvertTile(plan, { nPixels: n, unwrapPhase, coherence, connectComponent, invertPixel }, ref);
        for (let i = 0; i < m; i++) {
          for (let p = 0; p < n; p++) {
            const at = i * n + p;
            const maskValue = maskDataset === 'coherence' ? coherence[at] : connectComponent[at];
            const want = invertPixel[p] ? observedPhase(unwrapPhase[at], ref[i], maskDataset, maskValue, 0.4) : Number.NaN;
            expect(Object.is(tile.phaseRad[at], Math.fround(want)) || (Number.isNaN(want) && Number.isNaN(tile.phaseRad[at])), `seed ${seed} ${weightFunction} ${maskDataset} ${at}`).toBe(true);
            if (weightFunction !== 'no') {
              const c = coherence[at];
              expect(tile.weightSqrt![at], `seed ${seed} ${weightFunction} γ=${c}`).toBe(Math.fround(coherenceWeightSqrt(Number.isNaN(c) ? 0 : c, weightFunction, plan.weightLooks!, plan.varianceTable)));
            }
          }
        }
      }
    }
  });
});
