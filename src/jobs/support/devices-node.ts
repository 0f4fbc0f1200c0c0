// The Node side of device selection (devices.ts): dawn through the `webgpu` package
// (gpu/device.ts: its default backend, then OpenGL ES in compatibility mode), and the notes'
// words the CLI has always printed. Node-only because the jobs that use it are.
import { DeviceSelection, type DeviceChoice, type DevicePlatform } from '../../pipeline/devices.ts';
import type { JobContext } from './context.ts';

export const NODE_DEVICE_PLATFORM: DevicePlatform = {
  // Loaded only when a GPU is wanted, so `--device cpu` never loads dawn.
  acquire: async () => (await import('../../gpu/device.ts')).acquireGpu(),
  gpuRequiredLabel: '--device gpu',
  noAdapterNote: 'no WebGPU adapter found',
  cpuFallbackNote: 'using the CPU path',
};

export function nodeDeviceSelection(choice: DeviceChoice): DeviceSelection {
  return new DeviceSelection(choice, NODE_DEVICE_PLATFORM);
}

/**
 * `work` with the context's device selection, or, when the caller gave none, with one made for
 * this job alone and released when it ends (so one command acquires the GPU at most once).
 */
export async function withJobDevices<R>(ctx: JobContext, work: (devices: DeviceSelection) => Promise<R>): Promise<R> {
  if (ctx.kernels) return work(ctx.kernels);
  const own = nodeDeviceSelection(ctx.device);
  try {
    return await work(own);
  } finally {
    await own.dispose();
  }
}
