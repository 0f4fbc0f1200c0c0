// The web app's side of the one device rule (pipeline/devices.ts, pipeline/kernels.ts): how the
// browser gets a WebGPU device (navigator.gpu) and the words its notes use, and the WGSL of the
// kernels the page and its fit worker may run (a bundle cannot read shaders/ at run time,
// gpu/shader-source.ts). The fit worker (fit-worker.ts) and the direction view (direction-view.ts)
// both take their DeviceSelection from here and their kernels from pipeline/kernels.ts: no web
// module picks a kernel, or imports cpu/, itself.
import fitWgsl from '../../shaders/fit.wgsl?raw';
import compareWgsl from '../../shaders/compare.wgsl?raw';
import { registerShaderSource } from '../gpu/shader-source.ts';
import { acquireGpu } from '../gpu/device.ts';
import { DeviceSelection, type DeviceChoice, type DevicePlatform } from '../pipeline/devices.ts';

registerShaderSource('fit', fitWgsl);
registerShaderSource('compare', compareWgsl);

/**
 * The browser's device platform for the one device-selection rule (pipeline/devices.ts):
 * navigator.gpu, and the words the page has always shown.
 */
export const BROWSER_DEVICE_PLATFORM: DevicePlatform = {
  acquire: () => acquireGpu(),
  unavailable: () => ('gpu' in navigator && navigator.gpu ? null : 'this browser has no WebGPU (navigator.gpu is missing)'),
  gpuRequiredLabel: 'Device "GPU"',
  noAdapterNote: 'WebGPU offers no adapter on this machine',
  cpuFallbackNote: 'fitted on the CPU path (float64) instead',
};

/** A device selection for `choice` (the panel's Device) on this page or worker; dispose() it after use. */
export function browserDevices(choice: DeviceChoice): DeviceSelection {
  return new DeviceSelection(choice, BROWSER_DEVICE_PLATFORM);
}
