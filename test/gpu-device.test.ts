// The GPU plumbing around the fit kernel: acquisition, limits, and failure. A lost device or an
// uncaptured error must reject the work in flight and every later call with a message that
// names the GPU, never resolve with a tile of zeros (issue 3). The device-loss scenarios run in
// child processes (test/gpu-device-loss.test.ts), where a native crash cannot take the runner down.

import { describe, expect, it } from 'vitest';
import { acquireGpuForTests } from '../src/gpu/testing.ts';
import { acquireGpu } from '../src/gpu/device.ts';
import { createGpuFitKernel } from '../src/gpu/fit-kernel.ts';
import { DEFAULT_FIT_OPTIONS, type FitContext, type SeriesTile } from '../src/core/fit-types.ts';
import { generateStack } from '../data/synthetic.ts';

const probe = await acquireGpuForTests();
probe?.destroy();

function smallStack(width: number, height: number): { tile: SeriesTile; context: FitContext } {
  const stack = generateStack({ seed: 11, width, height, startYmd: '20190101', endYmd: '20211231' });
  return {
    tile: { nPixels: width * height, nDates: stack.axis.dates.length, values: stack.values },
    context: { tCentredYears: stack.axis.tCentredYears, tMidYears: stack.axis.tMidYears, scaleToMm: 1, options: DEFAULT_FIT_OPTIONS },
  };
}

describe.skipIf(!probe)('WebGPU device and fit kernel plumbing', () => {
  it('describes the adapter and sizes tiles within its limits', async () => {
    const ctx = (await acquireGpu())!;
    const kernel = await createGpuFitKernel(ctx);
    try {
      console.log(`GPU: ${kernel.description}`);
      expect(kernel.kind).toBe('gpu');
      expect(ctx.adapterDescription).toMatch(/\[.+, (core|compatibility)\]$/);
      for (const nDates of [1, 45, 238, 1000]) {
        const pixels = kernel.maxTilePixels(nDates);
        expect(pixels).toBeGreaterThan(0);
        expect(4 * pixels * nDates).toBeLessThanOrEqual(Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize));
        expect(Math.ceil(pixels / 64)).toBeLessThanOrEqual(ctx.limits.maxComputeWorkgroupsPerDimension ** 2);
      }
      const empty = await kernel.fitTile({ nPixels: 0, nDates: 3, values: new Float32Array(0) }, {
        tCentredYears: Float64Array.of(-1, 0, 1), tMidYears: 2020, scaleToMm: 1, options: DEFAULT_FIT_OPTIONS,
      });
      expect(empty.rateMmPerYear.length).toBe(0);
      await expect(kernel.fitTile({ nPixels: 2, nDates: 3, values: new Float32Array(5) }, {
        tCentredYears: Float64Array.of(-1, 0, 1), tMidYears: 2020, scaleToMm: 1, options: DEFAULT_FIT_OPTIONS,
      })).rejects.toThrow(/5 values for 2 pixels × 3 dates/);
    } finally {
      await kernel.dispose();
    }
  });

  it('turns an uncaptured device error into a failure of every later call', async () => {
    const ctx = (await acquireGpu())!;
    const kernel = await createGpuFitKernel(ctx);
    try {
      const { tile, context } = smallStack(10, 7);
      await kernel.fitTile(tile, context);
      // MAP_READ with STORAGE is invalid: a validation error no error scope catches.
      ctx.device.createBuffer({ size: 16, usage: 0x0001 | 0x0080 });
      await expect(ctx.failed).resolves.toBeInstanceOf(Error);
      await expect(kernel.fitTile(tile, context)).rejects.toThrow(/GPU error on .*: /);
    } finally {
      await kernel.dispose();
    }
  });
});
