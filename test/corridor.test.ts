// `permasar corridor` on a small synthetic corridor (data/make-corridor.ts): three overlapping
// frames per direction, each with its own dates and (but the first) its own reference offset,
// from one known motion field; the last descending frame half a pixel off its direction's lattice
// so the mosaic resamples it. Checks the seamless mosaics against the truth, the fit quality
// against single-frame fits, the direction classes, shards + merge against the whole run value for
// value, restarts, and bad manifests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile, readdir, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeCorridor, writeCorridor, writeCorridorHazardInputs, type Corridor, type Direction } from '../data/make-corridor.ts';
import { altJob } from '../src/jobs/alt.ts';
import { hazardsJob } from '../src/jobs/hazards.ts';
import { runCorridor, type CorridorSummary } from '../src/jobs/corridor/corridor.ts';
import { BLOCK_KEYS, readCorridorManifest } from '../src/jobs/corridor/manifest.ts';
import { listUnits, parseShard, unitsOfShard } from '../src/jobs/corridor/units.ts';
import { mosaicDirection } from '../src/jobs/mosaic.ts';
import { median, placeFrame, solveFrameOffsets, unionGrid } from '../src/core/mosaic.ts';
import { readRaster, type RasterData } from '../src/io/raster-node.ts';
import { pixelCentre, mapToPixel } from '../src/core/grid.ts';
import { circularDayDifference } from '../src/core/direction.ts';
import { runCommand } from './support/run-command.ts';
import { expectManifestRefusals } from './support/manifest-refusals.ts';

const SEED = 1212;

describe('core: joint offsets over the overlap graph', () => {
  it('a chain reproduces the pairwise medians; a network spreads the misclosure; groups are reported', () => {
    const chain = solveFrameOffsets(3, [
      { a: 0, b: 1, medianDifference: 2.5, pixels: 100, stride: 1 },
      { a: 1, b: 2, medianDifference: -1, pixels: 50, stride: 1 },
    ]);
    expect(chain.offsets[0]).toBe(0);
    expect(chain.offsets[1]).toBeCloseTo(2.5, 12);
    expect(chain.offsets[2]).toBeCloseTo(1.5, 12);
    expect(chain.fixedFrame).toEqual([0]);
    // Triangle with a misclosure of 0.3: least squares with equal weights spreads it by thirds.
    const net = solveFrameOffsets(3, [
      { a: 0, b: 1, medianDifference: 1, pixels: 10, stride: 1 },
      { a: 1, b: 2, medianDifference: 1, pixels: 10, stride: 1 },
      { a: 0, b: 2, medianDifference: 2.3, pixels: 10, stride: 1 },
    ]);
    expect(net.offsets[1]).toBeCloseTo(1.1, 12);
    expect(net.offsets[2]).toBeCloseTo(2.2, 12);
    expect(net.residuals.map((r) => Math.abs(r))).toEqual([expect.closeTo(0.1, 12), expect.closeTo(0.1, 12), expect.closeTo(0.1, 12)]);
    const split = solveFrameOffsets(4, [{ a: 0, b: 1, medianDifference: 3, pixels: 5, stride: 1 }, { a: 2, b: 3, medianDifference: -2, pixels: 5, stride: 1 }]);
    expect(split.fixedFrame).toEqual([0, 2]);
    expect(split.component).toEqual([0, 0, 1, 1]);
    expect(split.offsets).toEqual([0, 3, 0, -2]);
    expect(median([3, NaN, 1, 2, 10])).toBe(2.5);
  });

  it('the union grid snaps to the first frame\'s lattice and places lattice frames exactly', () => {
    const a = { width: 10, height: 20, geoTransform: [100, 0.5, 0, 50, 0, -0.5] as [number, number, number, number, number, number], epsg: 4326 };
    const b = { width: 10, height: 20, geoTransform: [100.5, 0.5, 0, 44, 0, -0.5] as [number, number, number, number, number, number], epsg: 4326 };
    const union = unionGrid(a, [[100.5, 34, 105.5, 44]]);
    expect(union).toMatchObject({ width: 11, height: 32, geoTransform: [100, 0.5, 0, 50, 0, -0.5] });
    expect(placeFrame(union, b, [100.5, 34, 105.5, 44])).toEqual({ row0: 12, col0: 1, rows: 20, cols: 10, onLattice: true });
    const off = { ...b, geoTransform: [100.6, 0.5, 0, 44, 0, -0.5] as typeof b.geoTransform };
    expect(placeFrame(union, off, [100.6, 34, 105.6, 44]).onLattice).toBe(false);
  });
});

describe('permasar corridor on a synthetic corridor', () => {
  let dir: string;
  let corridor: Corridor;
  let manifest: string;
  let whole: CorridorSummary;
  const logs: string[] = [];
  const run = (out: string, opts: { shard?: string; force?: boolean; manifestFile?: string } = {}) => runCorridor(opts.manifestFile ?? manifest, out, {
    device: 'cpu', shard: opts.shard ? parseShard(opts.shard) : null, force: Boolean(opts.force), log: (l) => logs.push(l),
  });

  beforeAll(async () => {
    console.log(`corridor seed ${SEED} (data/make-corridor.ts makeCorridor({ seed: ${SEED} }))`);
    dir = await mkdtemp(path.join(tmpdir(), 'permasar-corridor-'));
    corridor = makeCorridor({ seed: SEED, intervalDays: 30, offLatticeLastDescending: true });
    const hazardInputs = await writeCorridorHazardInputs(dir, corridor, 400, SEED);
    manifest = await writeCorridor(dir, corridor, { fit: { minEpochs: 10 }, compare: {}, alt: { moisture: 0.35 }, ...hazardInputs });
    whole = await run(path.join(dir, 'whole'));
  }, 240_000);
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  const read = (out: string, file: string) => readRaster(path.join(dir, out, file));

  /** Per mosaic pixel: the truth there, for pixels at least `marginDeg` inside a cell. */
  function truthOn(direction: Direction, raster: RasterData, marginDeg: number) {
    const out: { p: number; truth: ReturnType<Corridor['truthAt']> }[] = [];
    const { grid } = raster;
    for (let r = 0; r < grid.height; r++) {
      for (let c = 0; c < grid.width; c++) {
        const { x, y } = pixelCentre(grid, r, c);
        const truth = corridor.truthAt(direction, x, y);
        if (truth.edgeDistanceDeg >= marginDeg) out.push({ p: r * grid.width + c, truth });
      }
    }
    return out;
  }

  it('recovers every frame\'s reference offset and leaves no step between frames (≤ 0.3 mm/yr)', async () => {
    for (const [key, direction] of [['asc', 'ascending'], ['desc', 'descending']] as const) {
      const frames = corridor.frames.filter((f) => f.direction === direction);
      const m = whole.mosaics[key]!;
      for (const f of frames) {
        const got = m.frames.find((x) => x.name === f.name)!.offsetMmPerYear;
        // Offsets relative to the first frame, which the solve holds fixed.
        expect(Math.abs(got - (f.rateOffsetMmPerYear - frames[0].rateOffsetMmPerYear)), `${f.name}`).toBeLessThan(0.3);
      }
      const rate = await read(path.join('whole', key), 'rate.tif');
      const step = Math.abs(rate.grid.geoTransform[1]);
      const samples = truthOn(direction, rate, 1.6 * step).filter((s) => Number.isFinite(rate.data[s.p]));
      const constant = median(samples.map((s) => rate.data[s.p] - s.truth.rateMmPerYear));
      // Per frame footprint (and so per side of each seam): the median error equals the constant.
      for (const f of frames) {
        const inFrame = samples.filter((s) => {
          const { x, y } = pixelCentre(rate.grid, Math.floor(s.p / rate.grid.width), s.p % rate.grid.width);
          const { row, col } = mapToPixel(f.grid, x, y);
          return row >= 0 && row < f.grid.height && col >= 0 && col < f.grid.width;
        });
        expect(inFrame.length).toBeGreaterThan(100);
        const stepAtFrame = median(inFrame.map((s) => rate.data[s.p] - s.truth.rateMmPerYear)) - constant;
        expect(Math.abs(stepAtFrame), `${key} ${f.name}: median error ${stepAtFrame} beside the corridor-wide constant ${constant}`).toBeLessThanOrEqual(0.3);
      }
      // The first frames are referenced to a stable point: the constant is itself ~0.
      expect(Math.abs(constant)).toBeLessThan(0.3);
      // Row by row along the corridor no median jumps by more than the noise allows at a seam.
      const rowMedians: number[] = [];
      for (let r = 0; r < rate.grid.height; r++) {
        const row = samples.filter((s) => Math.floor(s.p / rate.grid.width) === r).map((s) => rate.data[s.p] - s.truth.rateMmPerYear);
        if (row.length >= 8) rowMedians.push(median(row));
      }
      expect(Math.max(...rowMedians.map((v) => Math.abs(v - constant))), `${key}: worst row`).toBeLessThan(0.6);
    }
  });

  it('amplitude, timing and the seasonal flag are as good as the single-frame fits', async () => {
    for (const [key, direction] of [['asc', 'ascending'], ['desc', 'descending']] as const) {
      const quality = async (folder: string) => {
        const [amplitude, timing, seasonal] = await Promise.all(['amplitude.tif', 'timing.tif', 'seasonal.tif'].map((f) => read(folder, f)));
        const step = Math.abs(amplitude.grid.geoTransform[1]);
        let flagRight = 0, flagCount = 0, ampErr = 0, dayErr = 0, n = 0;
        for (const { p, truth } of truthOn(direction, seasonal, 1.6 * step)) {
          if (!Number.isFinite(seasonal.data[p])) continue;
          flagCount++;
          if ((seasonal.data[p] === 1) === truth.seasonal) flagRight++;
          if (truth.seasonal && seasonal.data[p] === 1) {
            ampErr += Math.abs(amplitude.data[p] - truth.amplitudeMm);
            dayErr += circularDayDifference(timing.data[p], truth.peakDayOfYear);
            n++;
          }
        }
        return { flag: flagRight / flagCount, amplitude: ampErr / n, day: dayErr / n, n };
      };
      const mosaic = await quality(path.join('whole', key));
      const singles = await Promise.all(corridor.frames.filter((f) => f.direction === direction).map((f) => quality(path.join('whole', 'frames', f.name))));
      expect(mosaic.n).toBeGreaterThan(300);
      expect(mosaic.flag, `${key} flag`).toBeGreaterThanOrEqual(Math.min(...singles.map((s) => s.flag)) - 0.005);
      expect(mosaic.amplitude, `${key} amplitude`).toBeLessThanOrEqual(Math.max(...singles.map((s) => s.amplitude)) * 1.05);
      expect(mosaic.day, `${key} timing`).toBeLessThanOrEqual(Math.max(...singles.map((s) => s.day)) * 1.05);
    }
  });

  it('direction classes on the mosaics match Table 1 of the truth', async () => {
    const secular = await read('whole', 'direction/direction_secular.tif');
    const seasonal = await read('whole', 'direction/direction_seasonal.tif');
    // Known away from cell edges by more than the descending stencil (one descending pixel, 0.0013°)
    // plus half an ascending pixel.
    const samples = truthOn('ascending', secular, 0.0022).filter(({ p }) => secular.data[p] !== 255 && Number.isFinite(secular.data[p]));
    expect(samples.length).toBeGreaterThan(300);
    const right = samples.filter(({ p, truth }) => secular.data[p] === truth.secularClass && seasonal.data[p] === truth.seasonalClass).length;
    expect(right / samples.length).toBeGreaterThan(0.97);
  });

  it('two shards plus the merge equal the whole run, value for value', async () => {
    const out = path.join(dir, 'sharded');
    const [s0, s1] = await Promise.all([run(out, { shard: '0/2' }), run(out, { shard: '1/2' })]);
    expect(s0.frames.map((f) => f.name)).toEqual(['a0', 'a2', 'd1']);
    expect(s1.frames.map((f) => f.name)).toEqual(['a1', 'd0', 'd2']);
    expect(await readdir(out)).toEqual(['frames']); // shards merge nothing
    const merged = await run(out);
    expect(merged.frames.every((f) => f.status === 'skipped')).toBe(true);
    for (const folder of ['asc', 'desc', 'direction', 'asc-vertical', 'desc-vertical', 'alt']) {
      const files = (await readdir(path.join(dir, 'whole', folder))).filter((f) => f.endsWith('.tif')).sort();
      expect(files.length).toBeGreaterThan(1);
      expect((await readdir(path.join(out, folder))).filter((f) => f.endsWith('.tif')).sort()).toEqual(files);
      for (const file of files) {
        const a = await read(path.join('whole', folder), file);
        const b = await read(path.join('sharded', folder), file);
        expect(b.grid).toEqual(a.grid);
        let differ = 0;
        for (let i = 0; i < a.data.length; i++) if (!Object.is(a.data[i], b.data[i])) differ++;
        expect(differ, `${folder}/${file}`).toBe(0);
      }
    }
    expect(merged.mosaics.asc!.frames.map((f) => f.offsetMmPerYear)).toEqual(whole.mosaics.asc!.frames.map((f) => f.offsetMmPerYear));
    expect(await readFile(path.join(out, 'hazards', 'hazards.csv'), 'utf8')).toBe(await readFile(path.join(dir, 'whole', 'hazards', 'hazards.csv'), 'utf8'));
  }, 120_000);

  it('alt and hazards run on the mosaics as the commands would, with the manifest\'s options', async () => {
    expect(whole.stages.alt).toMatchObject({ status: 'done' });
    expect(whole.stages.hazards).toMatchObject({ status: 'done' });
    const ctx = { device: 'cpu' as const, log: () => {} };
    const alone = path.join(dir, 'alone');
    await altJob({ amplitude: path.join(dir, 'whole', 'asc-vertical', 'amplitude_vertical.tif'), moisture: 0.35, sites: null }, {}, path.join(alone, 'alt'), ctx);
    const tifs = (await readdir(path.join(dir, 'whole', 'alt'))).filter((f) => f.endsWith('.tif')).sort();
    expect(tifs).toContain('alt.tif');
    expect((await readdir(path.join(alone, 'alt'))).filter((f) => f.endsWith('.tif')).sort()).toEqual(tifs);
    for (const file of tifs) {
      const a = await read(path.join('whole', 'alt'), file);
      const b = await read(path.join('alone', 'alt'), file);
      expect(b.grid).toEqual(a.grid);
      expect(a.data.some((v) => Number.isFinite(v) && v > 0), file).toBe(true);
      let differ = 0;
      for (let i = 0; i < a.data.length; i++) if (!Object.is(a.data[i], b.data[i])) differ++;
      expect(differ, `alt/${file}`).toBe(0);
    }
    await hazardsJob({ lines: path.join(dir, 'lines.geojson'), features: [path.join(dir, 'thermokarst.geojson')] }, {}, path.join(alone, 'hazards'), ctx);
    const csv = await readFile(path.join(dir, 'whole', 'hazards', 'hazards.csv'), 'utf8');
    expect(csv.trim().split('\n').length).toBeGreaterThan(2);
    expect(await readFile(path.join(alone, 'hazards', 'hazards.csv'), 'utf8')).toBe(csv);
    expect(whole.counts.hazards).not.toBeNull();
  });

  it('profile runs along the hazards\' lines on every corridor product, as the command would; the summary names the flagged kilometres', async () => {
    expect(whole.stages.profile).toMatchObject({ status: 'done' });
    const { profileJob } = await import('../src/jobs/profile.ts');
    const alone = path.join(dir, 'alone', 'profile');
    const summary = await profileJob({ lines: path.join(dir, 'lines.geojson'), from: path.join(dir, 'whole'), features: [path.join(dir, 'thermokarst.geojson')] }, {}, alone, { device: 'cpu', log: () => {} });
    const csv = await readFile(path.join(dir, 'whole', 'profile', 'segments.csv'), 'utf8');
    const [header, ...rows] = csv.trim().split('\n').map((l) => l.split(','));
    for (const column of ['asc_rate_median', 'desc_rate_median', 'asc_rate_vertical_median', 'rate_up_median', 'alt_median', 'direction_secular_share_vertical', 'flag_subsidence']) expect(header).toContain(column);
    expect(rows.some((r) => Number(r[header.indexOf('asc_rate_count')]) > 0)).toBe(true);
    expect(await readFile(path.join(alone, 'segments.csv'), 'utf8')).toBe(csv);
    expect(whole.counts.profile).toEqual({ routes: summary.routes, flagged_km: summary.flagged_km });
    expect(Object.keys((whole.counts.profile as { flagged_km: Record<string, unknown> }).flagged_km).length).toBeGreaterThan(0);
  });

  it('a rerun skips finished frames; a changed option or --force redoes them', async () => {
    logs.length = 0;
    const again = await run(path.join(dir, 'whole'));
    expect(again.frames.map((f) => f.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect(logs.filter((l) => l.includes('skipped')).length).toBeGreaterThanOrEqual(6);
    const forced = await run(path.join(dir, 'whole'), { shard: '5/6', force: true });
    expect(forced.frames).toMatchObject([{ name: 'd2', status: 'fitted' }]);
    // Another fit option: every frame's fingerprint changes; shard 0/6 (frame a0) redoes its frame.
    const changed = path.join(dir, 'changed.json');
    const json = JSON.parse(await readFile(manifest, 'utf8'));
    json.fit = { minEpochs: 11 };
    await writeFile(changed, JSON.stringify(json));
    const redo = await run(path.join(dir, 'whole'), { shard: '0/6', manifestFile: changed });
    expect(redo.frames).toMatchObject([{ name: 'a0', status: 'fitted' }]);
    // Per unit: with the original options, a1 (untouched) is still done.
    const a1 = await run(path.join(dir, 'whole'), { shard: '1/6' });
    expect(a1.frames).toMatchObject([{ name: 'a1', status: 'skipped' }]);
  }, 120_000);

  it('references the mosaic to reference.lalo', async () => {
    const frames = corridor.frames.filter((f) => f.direction === 'ascending');
    // A point inside a1 only (between the overlaps), at a pixel centre of the lattice.
    const g = frames[1].grid;
    const { x, y } = pixelCentre(g, Math.floor(g.height / 2), 12);
    const out = path.join(dir, 'referenced');
    await mkdir(out);
    const m = await mosaicDirection(frames.map((f) => ({ name: f.name, dir: path.join(dir, 'whole', 'frames', f.name) })), out, { referenceLatLon: [y, x] });
    const rate = await readRaster(path.join(out, 'rate.tif'));
    const { row, col } = mapToPixel(rate.grid, x, y);
    expect(Math.abs(rate.data[Math.floor(row) * rate.grid.width + Math.floor(col)])).toBeLessThan(1e-4);
    const shift = m.frames[0].offsetMmPerYear - whole.mosaics.asc!.frames[0].offsetMmPerYear;
    m.frames.forEach((f, i) => expect(f.offsetMmPerYear - whole.mosaics.asc!.frames[i].offsetMmPerYear).toBeCloseTo(shift, 9));
    expect(m.reference).toMatchObject({ frame: 'a1' });
  });

  it('bad manifests: one line naming the manifest and the key, nothing run', async () => {
    const base = JSON.parse(await readFile(manifest, 'utf8'));
    const cases: [string, (m: any) => void, RegExp][] = [
      ['unknown top key', (m) => { m.ascendin = []; }, /"ascendin": unknown key/],
      ['unknown frame key', (m) => { m.ascending[0].stak = 'x'; }, /"ascending\[0\]\.stak": unknown key/],
      ['missing file', (m) => { m.descending[1].stack = 'desc/nowhere/timeseries.h5'; }, /"descending\[1\]\.stack": .*nowhere.* not found/],
      ['two frames, one name', (m) => { m.descending[0].name = 'a1'; }, /"descending\[0\]\.name": "a1" is also the name of ascending\[1\]/],
      ['unknown option', (m) => { m.fit = { maskMinimum: 0.5 }; }, /"fit\.maskMinimum": unknown option/],
      ['missing name', (m) => { delete m.ascending[2].name; }, /"ascending\[2\]\.name": required/],
      ['bad reference', (m) => { m.reference = { lalo: [34.8] }; }, /"reference\.lalo": must be \[lat, lon\]/],
    ];
    await expectManifestRefusals(dir, base, cases);
    // A value the command would refuse is refused the same way, naming the key, before anything runs.
    const badValue = path.join(dir, 'bad-value.json');
    await writeFile(badValue, JSON.stringify({ ...base, fit: { minEpochs: 3 } }));
    await expect(run(path.join(dir, 'never'), { manifestFile: badValue })).rejects.toThrow(/bad-value\.json: "fit\.min-epochs": must be an integer > 7/);
    // Through the command: exit 1, one line, no output folder.
    const file = path.join(dir, 'bad-unknown-top-key.json');
    const { code, stderr: errors } = await runCommand(['corridor', file, '--out', path.join(dir, 'never'), '--device', 'cpu']);
    expect(code).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0].split('\n')).toHaveLength(1);
    expect(await readdir(dir)).not.toContain('never');
  });

  it('manifest option names are the commands\' option names; shards are zero-based', async () => {
    for (const spec of Object.values(BLOCK_KEYS)) {
      if (!spec.command) continue;
      const { [`${spec.command}Command`]: command } = await import(`../src/cli/cmd-${spec.command}.ts`);
      for (const key of spec.keys) expect(Object.keys(command.options), `${spec.command} --${key}`).toContain(key);
    }
    const units = listUnits(await readCorridorManifest(manifest), '/tmp/x');
    expect(units.map((u) => u.frame.name)).toEqual(['a0', 'a1', 'a2', 'd0', 'd1', 'd2']);
    expect(unitsOfShard(units, parseShard('2/4')).map((u) => u.index)).toEqual([2]);
    expect(() => parseShard('4/4')).toThrow(/0 … 3/);
    expect(() => parseShard('1of4')).toThrow(/not I\/N/);
  });
});
