// A successful `permasar fit` writes nothing to stderr but progress (issue 11): dawn's native
// adapter-probe messages are filtered out by bin/permasar.mjs; --verbose lets them through.
// stderr is a pipe here, so there is no progress bar either: stderr must be empty.
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateStack } from '../data/synthetic.ts';
import { writeMintpyTimeseries } from '../src/io/mintpy-h5-write-node.ts';
import { acquireGpuForTests } from '../src/gpu/testing.ts';
import { DawnProbeFilter } from '../bin/dawn-stderr-filter.mjs';
import { runBin } from './support/run-command.ts';

const probe = await acquireGpuForTests();
probe?.destroy();
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;

describe('the dawn probe filter', () => {
  const run = (chunks: string[]) => {
    let out = '';
    const f = new DawnProbeFilter((t: string) => { out += t; });
    for (const c of chunks) f.push(c);
    f.end();
    return out;
  };
  const dawnBlock = 'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.\n' +
    ' - While initializing adapter (backend=BackendType::Vulkan)\n' +
    '    at InitializeImpl (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)\n\n' +
    'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.\n' +
    'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 80 to 16 to fit dynamic offset allocation limit.\n';

  it('drops exactly the probe blocks, whole or cut anywhere, and keeps everything else', () => {
    const ours = 'permasar fit: x.h5: not found\n';
    const other = 'Warning: something else entirely\n(node:1) Warning: a Node warning\n';
    const text = dawnBlock + ours + other + dawnBlock + '\rfitting ███ 50%';
    const expected = ours + other + '\rfitting ███ 50%';
    expect(run([text])).toBe(expected);
    for (let cut = 1; cut < text.length; cut += 7) expect(run([text.slice(0, cut), text.slice(cut)])).toBe(expected);
  });

  it('passes a progress redraw on at once', () => {
    let out = '';
    const f = new DawnProbeFilter((t: string) => { out += t; });
    f.push('\rfitting ░░░ 0%');
    expect(out).toBe('\rfitting ░░░ 0%');
  });
});

describe.skipIf(!probe)(`a successful fit is quiet on stderr (seed ${seed})`, () => {
  let dir: string;
  let stackFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'permasar-quiet-'));
    const stack = generateStack({ seed, width: 20, height: 12 });
    stackFile = path.join(dir, 'timeseries.h5');
    await writeMintpyTimeseries(stackFile, {
      grid: { width: 20, height: 12, geoTransform: [92.9, 0.001, 0, 34.86, 0, -0.001], epsg: 4326 },
      dates: stack.axis.dates, values: stack.values.map((v) => v / 1000), unit: 'm',
    });
  });

  it('fit --device gpu: result lines on stdout, nothing on stderr', async () => {
    const out = path.join(dir, 'out');
    const r = await runBin(['fit', stackFile, '--out', out, '--device', 'gpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/pixels fitted/);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.device.kind).toBe('gpu');
  });

  it('fit --verbose succeeds the same way (the probe messages may appear)', async () => {
    const r = await runBin(['fit', stackFile, '--out', path.join(dir, 'out-verbose'), '--device', 'gpu', '--verbose']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pixels fitted/);
    // Whatever reaches stderr is dawn's, never ours.
    expect(r.stderr).not.toMatch(/permasar/);
  });
});
