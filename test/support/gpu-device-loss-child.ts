// Child process of test/gpu-device-loss.test.ts: the device-loss scenarios, run where a native
// crash in dawn takes down only this process (the parent asserts its exit status and output).
// Prints one JSON line per scenario; exits 0 when every scenario ran to its end.
//   node bin/run-ts.mjs test/support/gpu-device-loss-child.ts <scenario> [seed]
import { acquireGpu } from '../../src/gpu/device.ts';
import { createGpuFitKernel } from '../../src/gpu/fit-kernel.ts';
import { CpuFitKernel } from '../../src/cpu/fit.ts';
import { FallbackFitKernel } from '../../src/pipeline/fallback-kernel.ts';
import { DEFAULT_FIT_OPTIONS, type FitContext, type SeriesTile } from '../../src/core/fit-types.ts';
import { generateStack } from '../../data/synthetic.ts';

const [scenario, seedText] = process.argv.slice(2);
const seed = Number(seedText ?? 11);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function smallStack(width: number, height: number): { tile: SeriesTile; context: FitContext } {
  const stack = generateStack({ seed, width, height, startYmd: '20190101', endYmd: '20211231' });
  return {
    tile: { nPixels: width * height, nDates: stack.axis.dates.length, values: stack.values },
    context: { tCentredYears: stack.axis.tCentredYears, tMidYears: stack.axis.tMidYears, scaleToMm: 1, options: DEFAULT_FIT_OPTIONS },
  };
}

const report = (o: object) => console.log(JSON.stringify(o));
const messageOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: Error) => e.message);

if (scenario === 'in-flight') {
  // Destroy the device with chunks queued and maps pending, several rounds, with garbage
  // collections between them (the GC of dawn objects is what used to crash the process).
  const rounds = 4;
  for (let round = 0; round < rounds; round++) {
    const ctx = (await acquireGpu())!;
    const kernel = await createGpuFitKernel(ctx, { maxTileBytes: 16 * 1024 });
    const { tile, context } = smallStack(40, 20);
    const inFlight = kernel.fitTile(tile, context);
    ctx.destroy();
    const inFlightMessage = await messageOf(inFlight);
    const laterMessage = await messageOf(kernel.fitTile(tile, context));
    await kernel.dispose();
    gc();
    // A fresh device after the loss works.
    const fresh = await createGpuFitKernel((await acquireGpu())!);
    const ok = await fresh.fitTile(tile, context);
    await fresh.dispose();
    gc();
    report({ round, inFlightMessage, laterMessage, freshFinite: ok.validEpochCount.filter((n) => n > 0).length });
  }
} else if (scenario === 'fallback') {
  // --device auto's rule: a device lost between tiles sends that tile and the rest to the CPU.
  const ctx = (await acquireGpu())!;
  const notes: string[] = [];
  const kernel = new FallbackFitKernel(await createGpuFitKernel(ctx), () => new CpuFitKernel(), notes);
  const { tile, context } = smallStack(30, 10);
  const first = await kernel.fitTile(tile, context);
  ctx.destroy();
  const second = await kernel.fitTile(tile, context);
  const reference = await new CpuFitKernel().fitTile(tile, context);
  let secondEqualsCpu = true;
  for (let i = 0; i < tile.nPixels; i++) {
    const a = second.rateMmPerYear[i];
    const b = reference.rateMmPerYear[i];
    if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) secondEqualsCpu = false;
  }
  report({ firstKind: 'gpu', firstFitted: first.validEpochCount.filter((n) => n > 0).length, kindAfter: kernel.kind, notes, secondEqualsCpu });
  await kernel.dispose();
} else if (scenario === 'exit-in-flight') {
  // process.exit with chunks queued and a map pending (what the CLI's SIGINT handler does).
  const ctx = (await acquireGpu())!;
  const kernel = await createGpuFitKernel(ctx, { maxTileBytes: 16 * 1024 });
  const { tile, context } = smallStack(120, 60);
  void kernel.fitTile(tile, context).catch(() => {});
  await new Promise((resolve) => setImmediate(resolve));
  report({ exiting: true });
  process.exit(0);
} else {
  console.error(`unknown scenario ${scenario}`);
  process.exit(3);
}
