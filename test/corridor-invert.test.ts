// `permasar corridor` from interferogram stacks (issue 22, item 6): three small geocoded frames
// (two ascending that overlap, one descending) written as MintPy ifgramStack.h5 files of one
// motion field (data/make-corridor.ts writeCorridorIfgrams: each frame's series of the issue-12
// corridor as the displacement, with a planted troposphere and its ERA5.h5, and linear ramps), an
// "invert" block with the study's corrections, and one frame split into 3 row bands. Checks the
// sharded run (shards one after the other, then the merge) against the whole run value for value
// in every raster and HDF5 file of frames, inversions and mosaics; the banded frame's merged
// inversion against a plain `permasar invert` of its stack; reruns skipping done units and an
// invert option redoing them; band claims (waiting for a live one, taking over a stale one); a GPU
// band where a GPU exists; bad manifests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, stat, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeCorridor, writeCorridorIfgrams } from '../data/make-corridor.ts';
import { runCorridor, type CorridorSummary } from '../src/jobs/corridor/corridor.ts';
import { readCorridorManifest } from '../src/jobs/corridor/manifest.ts';
import { BAND_CLAIM, claimBand, listUnits, parseShard, type BandUnit } from '../src/jobs/corridor/units.ts';
import { readRaster } from '../src/io/raster-node.ts';
import { withH5Node } from '../src/io/h5-node.ts';
import { acquireGpuForTests } from '../src/gpu/testing.ts';
import { runCommand } from './support/run-command.ts';
import { expectManifestRefusals } from './support/manifest-refusals.ts';

const SEED = 2207;
const INVERT = { 'min-coherence': 0.45, 'min-temp-coh': 0.6, deramp: 'linear' };

/** Every file under `dir` (relative paths), sorted. */
async function filesUnder(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(dir, p)));
    else out.push(p);
  }
  return out.sort();
}

type H5Dump = Record<string, { attrs: Record<string, string>; value?: unknown }>;

/** Every dataset's values and every attribute of an HDF5 file, the folder's path replaced by OUT. */
async function dumpH5(file: string, folder: string): Promise<H5Dump> {
  return withH5Node(file, (h5) => {
    const dump: H5Dump = {};
    const attrsOf = (node: { attrs: Record<string, { value: unknown }> }) => Object.fromEntries(Object.entries(node.attrs)
      .map(([k, a]) => [k, JSON.stringify(a.value, (_, v) => (typeof v === 'bigint' ? String(v) : v)).split(folder).join('OUT')]));
    const walk = (group: { keys(): string[]; get(name: string): unknown }, prefix: string) => {
      for (const name of group.keys()) {
        const node = group.get(name) as { type?: string; value?: unknown; keys?: () => string[]; attrs: Record<string, { value: unknown }> };
        const at = `${prefix}/${name}`;
        if (node.type === 'Group' || typeof node.keys === 'function') walk(node as never, at);
        else dump[at] = { attrs: attrsOf(node), value: node.value };
      }
    };
    dump['/'] = { attrs: attrsOf(h5 as never) };
    walk(h5 as never, '');
    return dump;
  });
}

/** Elements that differ (Object.is: NaN equals NaN, bits otherwise). */
function differing(a: unknown, b: unknown): number {
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<unknown>, y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return Math.max(x.length, y.length);
    let n = 0;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) n++;
    return n;
  }
  return JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? String(v) : v)) === JSON.stringify(b, (_, v) => (typeof v === 'bigint' ? String(v) : v)) ? 0 : 1;
}

/** Asserts two output folders hold the same rasters (.tif) and HDF5 files (.h5), value for value. */
async function expectSameOutputs(a: string, b: string, what: string): Promise<number> {
  const filesA = (await filesUnder(a)).filter((f) => /\.(tif|h5)$/.test(f));
  const filesB = (await filesUnder(b)).filter((f) => /\.(tif|h5)$/.test(f));
  expect(filesB, what).toEqual(filesA);
  for (const f of filesA) {
    if (f.endsWith('.tif')) {
      const x = await readRaster(path.join(a, f));
      const y = await readRaster(path.join(b, f));
      expect(y.grid, `${what}/${f}`).toEqual(x.grid);
      expect(differing(x.data, y.data), `${what}/${f}`).toBe(0);
    } else {
      const x = await dumpH5(path.join(a, f), a);
      const y = await dumpH5(path.join(b, f), b);
      expect(Object.keys(y), `${what}/${f}`).toEqual(Object.keys(x));
      for (const key of Object.keys(x)) {
        expect(y[key].attrs, `${what}/${f}:${key} attributes`).toEqual(x[key].attrs);
        expect(differing(x[key].value, y[key].value), `${what}/${f}:${key}`).toBe(0);
      }
    }
  }
  return filesA.length;
}

describe('permasar corridor from interferogram stacks', () => {
  let dir: string;
  let manifest: string;
  let whole: CorridorSummary;
  const logs: string[] = [];
  const run = (out: string, opts: { shard?: string; force?: boolean; manifestFile?: string; device?: 'cpu' | 'gpu' } = {}) => runCorridor(opts.manifestFile ?? manifest, out, {
    device: opts.device ?? 'cpu', shard: opts.shard ? parseShard(opts.shard) : null, force: Boolean(opts.force), log: (l) => logs.push(l),
  });
  const withManifest = async (name: string, edit: (m: any) => void) => {
    const m = JSON.parse(await readFile(manifest, 'utf8'));
    edit(m);
    const file = path.join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify(m));
    return file;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'permasar-corridor-invert-'));
    const corridor = makeCorridor({ seed: SEED, framesPerDirection: [2, 1], frameRows: 30, overlapRows: 10, intervalDays: 48 });
    manifest = await writeCorridorIfgrams(dir, corridor, { invert: INVERT, compare: {} }, { bands: { a1: 3 } });
    whole = await run(path.join(dir, 'whole'));
  }, 60_000);
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  it('lists the bands before the frames; inverts, corrects, fits and mosaics every frame', async () => {
    const units = listUnits(await readCorridorManifest(manifest), '/o');
    expect(units.map((u) => (u.kind === 'band' ? `${u.frame.name}#${u.band}` : u.frame.name))).toEqual(['a1#0', 'a1#1', 'a1#2', 'a0', 'a1', 'd0']);
    expect(units[0].outDir).toBe('/o/bands/a1/0');
    expect(whole.complete).toBe(true);
    expect(whole.bands.map((b) => [b.band, b.status])).toEqual([[0, 'inverted'], [1, 'inverted'], [2, 'inverted']]);
    expect(whole.bands.map((b) => b.rows![0])).toEqual([0, whole.bands[0].rows![1], whole.bands[1].rows![1]]);
    for (const f of whole.frames) {
      expect(f.status).toBe('fitted');
      const inv = f.inversion!;
      expect(inv.status).toBe(f.name === 'a1' ? 'merged' : 'inverted');
      expect(inv.series).toBe('timeseries_ERA5_ramp.h5');
      expect(inv.inverted!).toBeGreaterThan(0.95 * inv.pixels!);
      expect(inv.interferograms.kept!).toBeLessThan(inv.interferograms.inFile!);
      expect(f.withData).toBeGreaterThan(0.9 * f.pixels!);
      if (f.name === 'a1') expect(inv.bands!.map((b) => b.band)).toEqual([0, 1, 2]);
      else expect(inv.bands).toBeNull();
    }
    // The bands are merged and gone; the fit read the inversion's final series and its maskTempCoh.
    expect((await readdir(path.join(dir, 'whole', 'bands', 'a1'))).filter((f) => /^\d+$/.test(f))).toEqual([]);
    const fit = JSON.parse(await readFile(path.join(dir, 'whole', 'frames', 'a1', 'summary.json'), 'utf8'));
    expect(JSON.stringify(fit)).toContain('timeseries_ERA5_ramp.h5');
    expect(JSON.stringify(fit)).toContain('maskTempCoh.h5');
    expect(whole.stages).toMatchObject({ 'mosaic asc': { status: 'done' }, 'mosaic desc': { status: 'done' }, compare: { status: 'done' }, 'vertical asc': { status: 'done' } });
  });

  it('shards one after the other, then the merge, equal the whole run value for value', async () => {
    const out = path.join(dir, 'sharded');
    logs.length = 0;
    const s0 = await run(out, { shard: '0/2' });
    // Shard 0: units 0, 2, 4 (bands 0 and 2 of a1, frame a1), whose frame unit runs band 1 (shard 1's) itself.
    expect(s0.frames.map((f) => f.name)).toEqual(['a1']);
    expect(s0.bands.map((b) => [b.band, b.status])).toEqual([[0, 'inverted'], [2, 'inverted'], [1, 'inverted']]);
    const s1 = await run(out, { shard: '1/2' });
    expect(s1.frames.map((f) => [f.name, f.status])).toEqual([['a0', 'fitted'], ['d0', 'fitted']]);
    expect(s1.bands.map((b) => [b.band, b.status])).toEqual([[1, 'skipped']]);
    expect((await readdir(out)).sort()).toEqual(['bands', 'frames', 'inversions']); // shards merge nothing
    const merged = await run(out);
    expect(merged.frames.every((f) => f.status === 'skipped')).toBe(true);
    expect(merged.frames.find((f) => f.name === 'a1')!.inversion).toMatchObject({ status: 'merged', series: 'timeseries_ERA5_ramp.h5' });
    let n = 0;
    for (const folder of ['inversions', 'frames', 'asc', 'desc', 'direction', 'asc-vertical', 'desc-vertical']) {
      n += await expectSameOutputs(path.join(dir, 'whole', folder), path.join(out, folder), folder);
    }
    expect(n).toBeGreaterThan(60);
    expect(merged.mosaics.asc!.frames.map((f) => f.offsetMmPerYear)).toEqual(whole.mosaics.asc!.frames.map((f) => f.offsetMmPerYear));
  }, 60_000);

  it('the banded frame\'s merged inversion equals a plain permasar invert of its stack', async () => {
    const frame = (await readCorridorManifest(manifest)).ascending[1];
    const out = path.join(dir, 'plain-a1');
    const r = await runCommand(['invert', frame.ifgrams!, '--min-coherence', '0.45', '--min-temp-coh', '0.6', '--deramp', 'linear',
      '--troposphere', frame.troposphere!, '--geometry', frame.geometry!, '--out', out, '--device', 'cpu', '--quiet']);
    expect(r.code, r.stderr.join('\n')).toBe(0);
    expect(await expectSameOutputs(out, path.join(dir, 'whole', 'inversions', 'a1'), 'a1')).toBeGreaterThanOrEqual(8);
    const a = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    const b = JSON.parse(await readFile(path.join(dir, 'whole', 'inversions', 'a1', 'summary.json'), 'utf8'));
    for (const key of ['series', 'counts', 'interferograms', 'networkSelection', 'maskTempCoh', 'troposphere', 'deramp', 'reference', 'dates']) expect(b[key], key).toEqual(a[key]);
  }, 30_000);

  it('a rerun skips every unit; a changed invert option redoes the inversion units, a fit option only the fit', async () => {
    logs.length = 0;
    const again = await run(path.join(dir, 'whole'));
    expect(again.frames.map((f) => f.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(again.bands.map((b) => b.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(again.seconds.fit).toBeLessThan(2);
    const changed = await withManifest('changed-invert', (m) => { m.invert = { ...INVERT, 'min-temp-coh': 0.65 }; });
    // Unit 3 of 6: frame a0, inverted again then fitted; unit 0: band 0 of a1, inverted again.
    const a0 = await run(path.join(dir, 'whole'), { shard: '3/6', manifestFile: changed });
    expect(a0.frames).toMatchObject([{ name: 'a0', status: 'fitted', inversion: { status: 'inverted' } }]);
    const band0 = await run(path.join(dir, 'whole'), { shard: '0/6', manifestFile: changed });
    expect(band0.bands).toMatchObject([{ band: 0, status: 'inverted' }]);
    // A fit option: the inversion is kept, the fit redone (unit 5: d0).
    const fitChanged = await withManifest('changed-fit', (m) => { m.fit = { minEpochs: 11 }; });
    const d0 = await run(path.join(dir, 'whole'), { shard: '5/6', manifestFile: fitChanged });
    expect(d0.frames).toMatchObject([{ name: 'd0', status: 'fitted', inversion: { status: 'reused' } }]);
    // With the original manifest, a1 (untouched) is still done; --force redoes a unit.
    const a1 = await run(path.join(dir, 'whole'), { shard: '4/6' });
    expect(a1.frames).toMatchObject([{ name: 'a1', status: 'skipped' }]);
    const forced = await run(path.join(dir, 'whole'), { shard: '2/6', force: true });
    expect(forced.bands).toMatchObject([{ band: 2, status: 'inverted' }]);
    // A forced frame unit merges again: bands whose folders were removed after the last merge are
    // inverted again, band 2 (just redone) is taken as it is.
    const forcedFrame = await run(path.join(dir, 'whole'), { shard: '4/6', force: true });
    expect(forcedFrame.frames).toMatchObject([{ name: 'a1', status: 'fitted', inversion: { status: 'merged' } }]);
    expect(forcedFrame.bands.map((b) => [b.band, b.status])).toEqual([[0, 'inverted'], [1, 'inverted'], [2, 'skipped']]);
  }, 60_000);

  it('a frame unit waits for a band another process is running, and takes over a stale claim', async () => {
    const changed = await withManifest('claims', (m) => { m.invert = { ...INVERT, 'min-temp-coh': 0.62 }; });
    const out = path.join(dir, 'claims');
    await mkdir(path.join(out, 'bands', 'a1'), { recursive: true });
    const units = listUnits(await readCorridorManifest(changed), out).filter((u): u is BandUnit => u.kind === 'band');
    // Band 1: held by "another process" (this test) until released; band 2: a claim left by a killed run.
    const held = await claimBand(units[1]);
    expect(held.state).toBe('claimed');
    expect((await claimBand(units[1])).state).toBe('busy');
    await writeFile(units[2].claimFile, '{"host":"gone","pid":1}\n');
    const old = new Date(Date.now() - 2 * BAND_CLAIM.staleMs);
    await utimes(units[2].claimFile, old, old);
    const poll = BAND_CLAIM.pollMs;
    BAND_CLAIM.pollMs = 100;
    logs.length = 0;
    try {
      // Unit 4 of 6: frame a1.
      const running = run(out, { shard: '4/6', manifestFile: changed });
      const until = async (pattern: RegExp) => {
        for (let i = 0; i < 400 && !logs.some((l) => pattern.test(l)); i++) await new Promise((r) => setTimeout(r, 50));
        expect(logs.some((l) => pattern.test(l)), `${pattern}\n${logs.join('\n')}`).toBe(true);
      };
      await until(/band 2\/3 of frame a1: being run by another process/);
      // Meanwhile the frame unit runs the others: band 3's stale claim is taken over, not waited for.
      await until(/band 3\/3 of frame a1 \(rows \d+–\d+\): inverted/);
      expect(logs.some((l) => /band 3\/3 .*being run/.test(l))).toBe(false);
      expect(logs.some((l) => /band 2\/3 of frame a1 \(rows/.test(l))).toBe(false);
      if (held.state === 'claimed') await held.claim.release();
      const s = await running;
      expect(s.frames).toMatchObject([{ name: 'a1', status: 'fitted', inversion: { status: 'merged' } }]);
      expect(s.bands.map((b) => [b.band, b.status])).toEqual([[0, 'inverted'], [1, 'inverted'], [2, 'inverted']]);
    } finally {
      BAND_CLAIM.pollMs = poll;
      if (held.state === 'claimed') await held.claim.release();
    }
    // No claim left behind.
    expect((await readdir(path.join(out, 'bands', 'a1'))).filter((f) => f.endsWith('.running'))).toEqual([]);
  }, 30_000);

  it('a band on the GPU where one exists', async () => {
    const probe = await acquireGpuForTests();
    probe?.destroy();
    if (!probe) {
      console.warn('corridor-invert: no GPU adapter, the GPU band is not run');
      return;
    }
    const out = path.join(dir, 'gpu');
    const s = await run(out, { shard: '1/6', device: 'gpu' });
    expect(s.bands).toMatchObject([{ band: 1, status: 'inverted' }]);
    const record = JSON.parse(await readFile(path.join(out, 'bands', 'a1', '1', '.permasar-unit.json'), 'utf8'));
    console.log(`corridor-invert: band on ${record.device}`);
    expect(String(record.device)).toMatch(/gpu/i);
  }, 30_000);

  it('bad manifests: one line naming the manifest and the key, nothing run', async () => {
    const base = JSON.parse(await readFile(manifest, 'utf8'));
    const cases: [string, (m: any) => void, RegExp][] = [
      ['ifgrams and stack', (m) => { m.ascending[0].stack = m.ascending[0].ifgrams; }, /"ascending\[0\]\.ifgrams": give "stack" .* or "ifgrams" .*not both/],
      ['neither', (m) => { delete m.descending[0].ifgrams; }, /"descending\[0\]\.stack": required: "stack" .* or "ifgrams"/],
      ['bands 0', (m) => { m.ascending[1].bands = 0; }, /"ascending\[1\]\.bands": must be a whole number ≥ 1/],
      ['bands 1.5', (m) => { m.ascending[1].bands = 1.5; }, /"ascending\[1\]\.bands": must be a whole number ≥ 1/],
      ['troposphere on a stack frame', (m) => { m.ascending[0].stack = m.ascending[0].ifgrams; delete m.ascending[0].ifgrams; }, /"ascending\[0\]\.troposphere": only for a frame given as "ifgrams"/],
      ['missing ERA5', (m) => { m.ascending[0].troposphere = 'asc/a0/nowhere.h5'; }, /"ascending\[0\]\.troposphere": .*nowhere\.h5 not found/],
      ['unknown invert option', (m) => { m.invert = { minCoherance: 0.5 }; }, /"invert\.minCoherance": unknown option \(invert takes: .*min-coherence/],
      ['a per-frame invert option in the block', (m) => { m.invert = { troposphere: 'x.h5' }; }, /"invert\.troposphere": unknown option/],
    ];
    await expectManifestRefusals(dir, base, cases);
    // A value invert would refuse: refused the same way before anything runs; through the command, one line.
    const bad = path.join(dir, 'bad-value.json');
    await writeFile(bad, JSON.stringify({ ...base, invert: { 'min-coherence': 1.5 } }));
    await expect(run(path.join(dir, 'never'), { manifestFile: bad })).rejects.toThrow(/bad-value\.json: "invert\.min-coherence": must be in \(0, 1\]/);
    const { code, stderr } = await runCommand(['corridor', bad, '--out', path.join(dir, 'never'), '--device', 'cpu']);
    expect(code).toBe(1);
    expect(stderr).toHaveLength(1);
    expect(stderr[0].split('\n')).toHaveLength(1);
    expect(await readdir(dir)).not.toContain('never');
    // An invert block without any ifgrams frame is fine (unused).
    const series = await readCorridorManifest(await withManifest('no-ifgrams', (m) => { m.ascending = [{ name: 'x', stack: m.ascending[0].ifgrams }]; delete m.descending; }));
    expect(series.invert).toEqual(INVERT);
    await stat(manifest);
  });
});
