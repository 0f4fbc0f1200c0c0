// A lost GPU device, and a process that ends with GPU work in flight, run in child processes:
// if dawn crashed natively, only the child would die, and its exit status says so here (a crash
// inside the vitest worker would take the runner down with it: issue 11).
import { describe, expect, it, beforeAll } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireGpuForTests } from '../src/gpu/testing.ts';
import { generateStack } from '../data/synthetic.ts';
import { writeMintpyTimeseries } from '../src/io/mintpy-h5-write-node.ts';

const probe = await acquireGpuForTests();
probe?.destroy();
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
const runTs = path.resolve('bin/run-ts.mjs');
const child = path.resolve('test/support/gpu-device-loss-child.ts');

interface ChildResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--expose-gc', runTs, child, ...args], { env: { ...process.env, FORCE_COLOR: '0' }, timeout: 120_000 }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

const lines = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

describe.skipIf(!probe)(`GPU device loss, in child processes (seed ${seed})`, () => {
  it('rejects work in flight and every later call after a loss, round after round, and exits cleanly', async () => {
    const r = await runChild(['in-flight', String(seed)]);
    expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: 0, signal: null });
    const rounds = lines(r.stdout);
    expect(rounds).toHaveLength(4);
    for (const round of rounds) {
      expect(round.inFlightMessage).toMatch(/GPU device lost/);
      expect(round.laterMessage).toMatch(/GPU device lost/);
      expect(round.freshFinite).toBeGreaterThan(0);
    }
  });

  it('--device auto: a device lost between tiles sends the rest to the CPU, with a note', async () => {
    const r = await runChild(['fallback', String(seed)]);
    expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: 0, signal: null });
    const [result] = lines(r.stdout);
    expect(result.firstFitted).toBeGreaterThan(0);
    expect(result.kindAfter).toBe('cpu');
    expect(result.notes.join(' ')).toMatch(/GPU failed \(GPU device lost.*continuing on the CPU/);
    expect(result.secondEqualsCpu).toBe(true);
  });

  it('exits with GPU work queued and a map pending, without a crash', async () => {
    const r = await runChild(['exit-in-flight', String(seed)]);
    expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: 0, signal: null });
    expect(lines(r.stdout)).toEqual([{ exiting: true }]);
  });

  describe('Ctrl-C during `permasar fit --device gpu`', () => {
    let dir: string;
    let stackFile: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'permasar-sigint-'));
      const width = 160;
      const height = 120;
      const stack = generateStack({ seed, width, height });
      stackFile = path.join(dir, 'timeseries.h5');
      await writeMintpyTimeseries(stackFile, {
        grid: { width, height, geoTransform: [92.9, 0.001, 0, 34.86, 0, -0.001], epsg: 4326 },
        dates: stack.axis.dates, values: stack.values.map((v) => v / 1000), unit: 'm',
      });
    });

    it('stops with exit 130, no crash, nothing in --out and no staging folder left', async () => {
      const out = path.join(dir, 'out');
      const proc = spawn(process.execPath, [path.resolve('bin/permasar.mjs'), 'fit', stackFile, '--out', out, '--device', 'gpu', '--tile-rows', '1'],
        { env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let signalled = false;
      proc.stderr.on('data', (b) => { stderr += b; });
      proc.stdout.on('data', (b) => {
        stdout += b;
        // The first line comes once the kernel exists, just before the first tile goes out:
        // one row per tile keeps the GPU busy well past this point.
        if (!signalled && stdout.includes('permasar fit:')) { signalled = true; proc.kill('SIGINT'); }
      });
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => proc.on('close', (c, s) => resolve([c, s])));
      expect(signalled, stderr).toBe(true);
      expect({ code, signal }, stderr).toEqual({ code: 130, signal: null });
      expect(existsSync(out)).toBe(false);
      expect((await readdir(dir)).sort()).toEqual(['timeseries.h5']);
    });
  });
});
