// `npm run bench:gpu`: the real-GPU benchmark of issues 13 and 21 in one command (≤ 10 minutes on a
// GPU machine), printing the bench/README.md tables for the adapter it finds:
//   1. the adapter, named (dawn: Vulkan on Linux needs libvulkan1 and the driver's ICD);
//   2. the fit kernel alone (bench/fit-bench.ts) on 1000 × 1000 × 240, against the card's
//      bandwidth floor (--bandwidth-gbps N, the datasheet figure: WebGPU cannot report it);
//   3. `permasar fit --device gpu` end to end (bench/fit-e2e-bench.ts) on 2000 × 1000 × 240
//      (1.8 GiB file), against reading the file once; with --mintpy DIR, MintPy side by side.
//   4. the corridor's size for the kernel: 11 063 313 pixels × 240 dates streamed through it in
//      the fit's tiles (fit-bench.ts --stream-pixels; no disk: writing a 10.6 GB corridor alone
//      takes minutes, `npm run bench:corridor -- --device gpu` runs the whole thing from disk).
//   5. the network inversion (issue 21): see the end of this file.
// Options: --bandwidth-gbps N, --mintpy DIR, --e2e-width/--e2e-height/--dates, --stream-pixels N.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireGpu } from '../src/gpu/device.ts';

const option = (name: string): string | null => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] ?? null : null;
};
const here = path.dirname(fileURLToPath(import.meta.url));
const runTs = path.join(here, '..', 'bin', 'run-ts.mjs');
const dates = option('dates') ?? '240';

const gpu = await acquireGpu();
if (!gpu) {
  console.log('bench:gpu: no WebGPU adapter found (on Linux, dawn needs libvulkan1 and the GPU driver\'s Vulkan ICD); nothing measured.');
  process.exit(1);
}
console.log(`bench:gpu: adapter ${gpu.adapterDescription}`);
gpu.destroy();

const run = (args: string[]) => {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', timeout: 420_000 });
  if (r.status !== 0) console.log(`bench:gpu: ${path.basename(args.at(-1) ?? '')} … exited ${r.status ?? r.signal}`);
};
const bandwidth = option('bandwidth-gbps');
run(['--expose-gc', runTs, path.join(here, 'fit-bench.ts'), '--width', '1000', '--height', '1000', '--dates', dates, '--cpu-pixels', '2000',
  '--stream-pixels', option('stream-pixels') ?? '11063313',
  ...(bandwidth ? ['--bandwidth-gbps', bandwidth] : [])]);
const mintpy = option('mintpy');
run([runTs, path.join(here, 'fit-e2e-bench.ts'), '--width', option('e2e-width') ?? '2000', '--height', option('e2e-height') ?? '1000', '--dates', dates, '--skip-cpu',
  ...(mintpy ? ['--mintpy', mintpy] : [])]);
// 5. The network inversion (issue 21, bench/invert-bench.ts): ms per pixel at the study's network
//    (947 interferograms × 286 dates) against MintPy -w var where python3-mintpy is installed, and
//    `permasar invert` end to end on a 1000 × 1000 × 300-interferogram stack (~3 GB) against one
//    read of it (MintPy -w no, ~30 min on two cores, is left to `npm run bench:invert -- big`).
run([runTs, path.join(here, 'invert-bench.ts'), 'study', '--length', '40', '--width', '40']);
run([runTs, path.join(here, 'invert-bench.ts'), 'big', '--skip-mintpy']);
