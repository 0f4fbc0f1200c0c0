// Shared by the GPU test files (test/gpu-*.test.ts, test/fit-parity.test.ts): one rule for
// what happens on a machine without a WebGPU adapter. `npm test` skips the GPU tests there with
// a loud note; CI sets PERMASAR_REQUIRE_GPU=1, and then a missing adapter fails the run
// instead of passing it silently.

import { acquireGpu, type GpuContext } from './device.ts';

export async function acquireGpuForTests(): Promise<GpuContext | null> {
  let ctx: GpuContext | null = null;
  let why = 'no WebGPU adapter (dawn default backend, then OpenGL ES compatibility)';
  try {
    ctx = await acquireGpu();
  } catch (e) {
    why = `acquiring a WebGPU device failed: ${(e as Error).message}`;
  }
  if (!ctx) {
    if (process.env.PERMASAR_REQUIRE_GPU === '1') {
      throw new Error(`PERMASAR_REQUIRE_GPU=1 but ${why}`);
    }
    console.warn(`\n${'!'.repeat(78)}\n!! GPU TESTS SKIPPED: ${why}.\n!! Set PERMASAR_REQUIRE_GPU=1 to make this a failure.\n${'!'.repeat(78)}\n`);
  }
  return ctx;
}
