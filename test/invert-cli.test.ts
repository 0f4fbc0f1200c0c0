// `permasar invert` as a user runs it (issue 21): bad input is one line naming the file, exit 1,
// and no output folder (nor a staging folder) left behind; the output folder is complete; tiles
// of any height give the same files; `permasar fit` takes the folder (its final series, and its
// maskTempCoh.h5 where one exists). The reader's own refusals (shapes, dtypes, dates, damaged
// files) are in test/io-ifgram-stack.test.ts and the seeded fuzz table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCommand } from './support/run-command.ts';
import { readRawIfgramStack, writeRawIfgramStack, writeSyntheticIfgramStack, type SyntheticIfgramStack } from '../data/ifgram-stack.ts';
import { withH5Node } from '../src/io/h5-node.ts';
import { writeMintpyRasters } from '../src/io/mintpy-h5-write-node.ts';
import { gridFromMintpyAttributes } from '../src/core/grid.ts';

const seed = Number(process.env.PERMASAR_SEED ?? ((Date.now() ^ (Math.random() * 2 ** 31)) >>> 0));

describe(`permasar invert on the command line (seed ${seed})`, () => {
  let dir = '';
  let stack: SyntheticIfgramStack;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'permasar-invert-cli-'));
    stack = await writeSyntheticIfgramStack(path.join(dir, 'inputs', 'ifgramStack.h5'), { seed, length: 14, width: 11, nDates: 20, network: { neighbours: 3 }, geocoded: true });
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs invert expecting a one-line refusal that names `names`; nothing may be left in `dir/out*`. */
  async function refused(args: string[], names: string, says: RegExp): Promise<void> {
    const out = path.join(dir, `out-refused-${Math.random().toString(36).slice(2)}`);
    const result = await runCommand(['invert', ...args, '--out', out, '--device', 'cpu', '--quiet']);
    expect(result.code, result.stderr.join('\n')).toBe(1);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toContain(names);
    expect(result.stderr[0]).toMatch(says);
    expect(result.stderr[0]).not.toMatch(/\n|at .*\.ts:\d+/);
    expect(existsSync(out)).toBe(false);
    expect((await readdir(dir)).filter((f) => f.startsWith(path.basename(out)))).toEqual([]);
  }

  async function variant(name: string, change: (raw: Awaited<ReturnType<typeof readRawIfgramStack>>) => void): Promise<string> {
    const raw = await readRawIfgramStack(stack.path);
    change(raw);
    const file = path.join(dir, name);
    await writeRawIfgramStack(file, raw);
    return file;
  }

  it('writes MintPy\'s three files, the coherence COG and quicklook, and a summary naming the series', async () => {
    const out = path.join(dir, 'whole');
    const result = await runCommand(['invert', stack.path, '--out', out, '--device', 'cpu']);
    expect(result.code, result.stderr.join('\n')).toBe(0);
    expect(result.stdout.join('\n')).toMatch(/^invert: \d+ of 154 pixels inverted from \d+ interferograms × 20 dates/);
    const files = (await readdir(out)).sort();
    expect(files).toEqual(['maskTempCoh.h5', 'numInvIfgram.h5', 'numInvIfgram.tif', 'summary.json', 'temporalCoherence.h5', 'temporalCoherence.png', 'temporalCoherence.tif', 'timeseries.h5']);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.command).toBe('invert');
    expect(summary.series).toBe('timeseries.h5');
    expect(summary.reference).toEqual({ row: stack.ref!.y, col: stack.ref!.x, source: 'REF_Y/REF_X' });
    expect(summary.interferograms.kept).toBe(stack.keep.filter(Boolean).length);
    expect(summary.interferograms.dropped.length).toBe(stack.keep.filter((k) => !k).length);
    expect(summary.counts.pixels).toBe(154);
    expect(summary.counts.inverted + summary.counts.noData + summary.counts.skippedByRedundancy).toBe(154);
  });

  it('tiles of one row give the same files as the default tiles', async () => {
    const out = path.join(dir, 'one-row');
    expect((await runCommand(['invert', stack.path, '--out', out, '--device', 'cpu', '--quiet', '--tile-rows', '1'])).code).toBe(0);
    const read = (folder: string) => withH5Node(path.join(folder, 'timeseries.h5'), (h5) => (h5.get('timeseries') as unknown as { value: Float32Array }).value);
    const a = await read(path.join(dir, 'whole'));
    const b = await read(out);
    expect(a.length).toBe(b.length);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it('refuses a missing file, a file that is not HDF5, and a truncated stack', async () => {
    await refused([path.join(dir, 'nope.h5')], 'nope.h5', /no such file|not found|does not exist|missing/i);
    const text = path.join(dir, 'text.h5');
    await writeFile(text, 'date,unwrapPhase\n20200101,1\n');
    await refused([text], 'text.h5', /HDF5/);
    const bytes = await readFile(stack.path);
    const cut = path.join(dir, 'cut.h5');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await refused([cut], 'cut.h5', /truncat|damaged|HDF5|cannot|short/i);
  });

  it('refuses a stack without REF_Y/REF_X unless --ref-yx or --ref-lalo is given', async () => {
    const file = await variant('noref.h5', (raw) => { delete raw.attributes.REF_Y; delete raw.attributes.REF_X; });
    await refused([file], 'noref.h5', /REF_Y\/REF_X.*--ref-yx/);
    const out = path.join(dir, 'noref-out');
    const ok = await runCommand(['invert', file, '--out', out, '--device', 'cpu', '--quiet', '--ref-yx', `${stack.ref!.y},${stack.ref!.x}`]);
    expect(ok.code, ok.stderr.join('\n')).toBe(0);
    await refused([file, '--ref-yx', '14,3'], '--ref-yx', /outside/);
    await refused([file, '--ref-lalo=-60,10'], '--ref-lalo', /outside/);
  });

  it('refuses a weighted run without ALOOKS/RLOOKS/NCORRLOOKS, and runs it unweighted', async () => {
    const file = await variant('nolooks.h5', (raw) => { delete raw.attributes.ALOOKS; delete raw.attributes.RLOOKS; delete raw.attributes.NCORRLOOKS; });
    await refused([file], 'nolooks.h5', /ALOOKS and RLOOKS, or NCORRLOOKS/);
    await refused([file, '--weight-func', 'fim'], 'nolooks.h5', /looks/);
    const ok = await runCommand(['invert', file, '--out', path.join(dir, 'nolooks-out'), '--device', 'cpu', '--quiet', '--weight-func', 'no']);
    expect(ok.code, ok.stderr.join('\n')).toBe(0);
  });

  it('refuses a reference pixel without data (0 or NaN) in a kept interferogram, naming it', async () => {
    const kept = stack.keep.findIndex(Boolean);
    const { y, x } = stack.ref!;
    const file = await variant('refzero.h5', (raw) => {
      const unw = raw.datasets.unwrapPhase as { data: Float32Array; shape: number[] };
      const [, length, width] = unw.shape;
      unw.data[kept * length * width + y * width + x] = 0;
    });
    const p = stack.pairs[kept];
    await refused([file], 'refzero.h5', new RegExp(`reference pixel \\(row ${y}, column ${x}.*no data.*${p.referenceDate}_${p.secondaryDate}`));
    const nan = await variant('refnan.h5', (raw) => {
      const unw = raw.datasets.unwrapPhase as { data: Float32Array; shape: number[] };
      const [, length, width] = unw.shape;
      unw.data[kept * length * width + y * width + x] = Number.NaN;
    });
    await refused([nan], 'refnan.h5', /no data \(0 or NaN\)/);
  });

  it('refuses dates that are not dates, and fewer than two kept interferograms', async () => {
    const dates = await variant('baddate.h5', (raw) => {
      const d = raw.datasets.date as { text: string[] };
      d.text[3] = '2020x113';
    });
    await refused([dates], 'baddate.h5', /2020x113/);
    const dropped = await variant('onekept.h5', (raw) => {
      const keep = raw.datasets.dropIfgram as { bool: boolean[] };
      keep.bool = Array.from(keep.bool, (_, i) => i === 0);
    });
    await refused([dropped], 'onekept.h5', /1 kept interferogram; the inversion needs at least two/);
  });

  it('refuses bad options in one line naming the option', async () => {
    await refused([stack.path, '--weight-func', 'cov'], '--weight-func', /var\|fim\|coh\|no/);
    await refused([stack.path, '--mask-threshold', '1.5'], '--mask-threshold', /between 0 and 1/);
    await refused([stack.path, '--ref-yx', '1,2', '--ref-lalo', '3,4'], '--ref-lalo', /not both/);
    await refused([stack.path, '--water-mask', path.join(dir, 'nowater.h5')], 'nowater.h5', /./);
  });

  it('permasar fit takes the folder: its final series, with maskTempCoh.h5 as the mask', async () => {
    const folder = path.join(dir, 'corrected');
    const inv = await runCommand(['invert', stack.path, '--out', folder, '--device', 'cpu', '--quiet', '--deramp', 'linear', '--min-temp-coh', '0.5']);
    expect(inv.code, inv.stderr.join('\n')).toBe(0);
    const invSummary = JSON.parse(await readFile(path.join(folder, 'summary.json'), 'utf8'));
    expect(invSummary.series).toBe('timeseries_ramp.h5');
    const fitOut = path.join(dir, 'fit-of-invert');
    const result = await runCommand(['fit', folder, '--out', fitOut, '--device', 'cpu', '--quiet', '--min-epochs', '10']);
    expect(result.code, result.stderr.join('\n')).toBe(0);
    const summary = JSON.parse(await readFile(path.join(fitOut, 'summary.json'), 'utf8'));
    expect(JSON.stringify(summary.inputs)).toContain(path.join(folder, 'timeseries_ramp.h5'));
    expect(JSON.stringify(summary.inputs)).toContain('maskTempCoh.h5');
    // A stricter mask in the folder: fewer pixels fitted.
    const masked = path.join(dir, 'corrected-masked');
    await cp(folder, masked, { recursive: true });
    const keep = new Float32Array(154).fill(1);
    keep.fill(0, 0, 77); // the first seven rows masked out
    await writeMintpyRasters(path.join(masked, 'maskTempCoh.h5'), gridFromMintpyAttributes(stack.attributes, 11, 14)!, { mask: keep }, 'mask');
    const fitMasked = path.join(dir, 'fit-of-invert-masked');
    const r2 = await runCommand(['fit', masked, '--out', fitMasked, '--device', 'cpu', '--quiet', '--min-epochs', '10']);
    expect(r2.code, r2.stderr.join('\n')).toBe(0);
    const s2 = JSON.parse(await readFile(path.join(fitMasked, 'summary.json'), 'utf8'));
    expect(s2.counts.masked).toBeGreaterThanOrEqual(77);
    expect(s2.counts.withData).toBeLessThan(summary.counts.withData);
    expect(summary.counts.withData).toBeGreaterThan(77);
  });

  it('refuses bad correction inputs in one line naming the file or option', async () => {
    // A delay stack on another grid; without a timeseries dataset; without the reference date.
    const era = await writeSyntheticIfgramStack(path.join(dir, 'era-other', 'ifgramStack.h5'), { seed: seed + 1, length: 12, width: 11, nDates: 20, network: { neighbours: 3 }, geocoded: true, troposphere: {} });
    await refused([stack.path, '--troposphere', era.troposphere!.era5Path!], 'ERA5.h5', /another grid/);
    await refused([stack.path, '--troposphere', stack.path], 'ifgramStack.h5', /no "timeseries" dataset/);
    const same = await writeSyntheticIfgramStack(path.join(dir, 'era-noref', 'ifgramStack.h5'), {
      seed: seed + 2, length: 14, width: 11, nDates: 20, network: { neighbours: 3 }, geocoded: true, troposphere: { missingDates: [stack.truth.dates[0]] },
    });
    await refused([stack.path, '--troposphere', same.troposphere!.era5Path!], 'ERA5.h5', /reference date/);
    // --deramp on a mask that keeps fewer pixels than the ramp's terms.
    await refused([stack.path, '--deramp', 'quadratic', '--min-temp-coh', '1'], 'ifgramStack.h5', /fewer than the 6 terms/);
    for (const bad of ['0', '1.5']) await refused([stack.path, '--min-coherence', bad], '--min-coherence', /\(0, 1\]/);
    await refused([stack.path, '--min-coherence=-0.2'], '--min-coherence', /\(0, 1\]/);
    await refused([stack.path, '--deramp', 'cubic'], '--deramp', /none\|linear\|quadratic/);
  });
});
