// End to end: one known motion field → ascending and descending MintPy stacks on different
// grids (data/motion-field.ts) → `permasar fit` on each (in-process, CPU) → `permasar compare`
// with both geometryGeo.h5 files. With 1 mm noise every cell's class survives the fit, and the
// decomposition recovers the up/east motion within the noise of the fitted rates/amplitudes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeMotionField, writeTrackMintpy, type MotionField } from '../data/motion-field.ts';
import { regularDates } from '../data/synthetic.ts';

// Small and sparse enough to fit both tracks in a few seconds: 6-pixel cells, an epoch every 36 days.
const OPTIONS = { seed: 99, cellDeg: 0.006, dates: regularDates('20141210', '20220925', 36) };
import { runFitCommand } from '../src/cli/cmd-fit.ts';
import { runCompareCommand } from '../src/cli/cmd-compare.ts';
import { circularDayDifference } from '../src/core/direction.ts';

describe('fit both tracks, then compare', () => {
  let dir: string;
  let field: MotionField;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'permasar-compare-e2e-'));
    field = makeMotionField(OPTIONS);
    for (const track of [field.asc, field.desc]) {
      const name = track.direction === 'ASCENDING' ? 'asc' : 'desc';
      await writeTrackMintpy(path.join(dir, name), field, track, OPTIONS);
      await runFitCommand({ out: path.join(dir, `fit-${name}`), device: 'cpu', quiet: true, geometry: path.join(dir, name, 'geometryGeo.h5') }, path.join(dir, name, 'timeseries.h5'));
    }
  });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('classes match the truth and up/east come back within the noise', async () => {
    const { run } = await runCompareCommand({
      out: path.join(dir, 'direction'), device: 'cpu', quiet: true,
      'asc-geometry': path.join(dir, 'asc', 'geometryGeo.h5'), 'desc-geometry': path.join(dir, 'desc', 'geometryGeo.h5'),
    }, path.join(dir, 'fit-asc'), path.join(dir, 'fit-desc'), true);
    const w = run.prepared.window;
    const width = field.asc.grid.width;
    let checked = 0;
    const wrong: string[] = [];
    let worstRate = 0;
    let worstAmplitude = 0;
    let worstDay = 0;
    for (let r = 0; r < w.height; r++) {
      for (let c = 0; c < w.width; c++) {
        const p = r * w.width + c;
        const q = (r + w.row0) * width + c + w.col0;
        if (!field.truth.interior[q]) continue;
        checked++;
        if (run.secularClass[p] !== field.truth.secularClass[q] || run.seasonalClass[p] !== field.truth.seasonalClass[q]) {
          wrong.push(`(${r},${c}): ${run.secularClass[p]}/${run.seasonalClass[p]} vs ${field.truth.secularClass[q]}/${field.truth.seasonalClass[q]}`);
        }
        if (field.truth.noData[q]) continue;
        worstRate = Math.max(worstRate, Math.abs(run.outputs.rateUpMmPerYear[p] - field.truth.upRateMmPerYear[q]), Math.abs(run.outputs.rateEastMmPerYear[p] - field.truth.eastRateMmPerYear[q]));
        if (Number.isFinite(field.truth.upAmplitudeMm[q])) {
          worstAmplitude = Math.max(worstAmplitude, Math.abs(run.outputs.amplitudeUpMm[p] - field.truth.upAmplitudeMm[q]), Math.abs(run.outputs.amplitudeEastMm[p] - field.truth.eastAmplitudeMm[q]));
          if (field.truth.upAmplitudeMm[q] >= 16) worstDay = Math.max(worstDay, circularDayDifference(run.outputs.peakDayUp[p], field.truth.upPeakDayOfYear[q]));
        }
      }
    }
    console.log(`compare e2e: ${checked} interior pixels; worst |up/east rate − truth| ${worstRate.toFixed(3)} mm/yr, amplitude ${worstAmplitude.toFixed(2)} mm, up peak day ${worstDay.toFixed(1)} d`);
    expect(checked).toBeGreaterThan(300);
    expect(wrong.slice(0, 5)).toEqual([]);
    // 1 mm white noise on ~80 epochs over 7.8 years: rate σ ≈ 0.05 mm/yr, amplitude σ ≈ 0.3 mm
    // per track; the 2×2 solve amplifies by ≲ 1.5. Bounds at ~5σ (fit noise, not rounding).
    expect(worstRate).toBeLessThan(0.5);
    expect(worstAmplitude).toBeLessThan(2.5);
    expect(worstDay).toBeLessThan(6);
  });
});
