// The kernels of every stage, chosen through one DeviceSelection (devices.ts). Platform-free:
// the GPU kernels are loaded only when a GPU is wanted (dynamic imports, so `--device cpu`
// never loads a WGSL host) and built on the selection's device, which they do not own
// (destroyContextOnDispose: false: the selection releases the device once, at its end). The
// fit's and the inversion's CPU kernels are the caller's: the Node worker pools in the CLI, the
// float64 kernels (the default) in the browser's worker, which takes every kernel from here and
// never imports cpu/.
import type { FitKernel } from '../core/fit-types.ts';
import type { SeasonsKernel } from '../core/seasons.ts';
import type { AltKernel } from '../core/alt.ts';
import type { CompareKernel, VerticalKernel } from '../core/two-track.ts';
import type { InvertKernel } from '../core/inversion.ts';
import type { GpuContext } from '../gpu/device.ts';
import { CpuFitKernel } from '../cpu/fit.ts';
import { CpuSeasonsKernel } from '../cpu/seasons.ts';
import { CpuAltKernel } from '../cpu/alt.ts';
import { CpuCompareKernel, CpuVerticalKernel } from '../cpu/compare.ts';
import { CpuInvertKernel } from '../cpu/invert.ts';
import { FallbackFitKernel } from './fallback-kernel.ts';
import { FallbackSeasonsKernel } from './seasons.ts';
import { FallbackAltKernel } from './alt.ts';
import { FallbackInvertKernel } from './invert.ts';
import type { DeviceSelection, SelectedKernel, WholeRunKernel } from './devices.ts';

const shared = { destroyContextOnDispose: false } as const;

export async function gpuFitKernel(ctx: GpuContext): Promise<FitKernel> {
  return (await import('../gpu/fit-kernel.ts')).createGpuFitKernel(ctx, shared);
}
export async function gpuSeasonsKernel(ctx: GpuContext): Promise<SeasonsKernel> {
  return (await import('../gpu/seasons-kernel.ts')).createGpuSeasonsKernel(ctx, shared);
}
export async function gpuAltKernel(ctx: GpuContext): Promise<AltKernel> {
  return (await import('../gpu/alt-kernel.ts')).createGpuAltKernel(ctx, shared);
}
export async function gpuCompareKernel(ctx: GpuContext): Promise<CompareKernel> {
  return (await import('../gpu/compare-kernel.ts')).createGpuCompareKernel(ctx, shared);
}
export async function gpuVerticalKernel(ctx: GpuContext): Promise<VerticalKernel> {
  return (await import('../gpu/vertical-kernel.ts')).createGpuVerticalKernel(ctx, shared);
}

export async function gpuInvertKernel(ctx: GpuContext): Promise<InvertKernel> {
  return (await import('../gpu/invert-kernel.ts')).createGpuInvertKernel(ctx, shared);
}

/** The float64 reference inversion kernel: the CPU path, and the re-solve of pixels the GPU flags. */
export function float64InvertKernel(): InvertKernel {
  return new CpuInvertKernel();
}

/**
 * The inversion kernel: GPU (behind FallbackInvertKernel under auto) or `makeCpu` (default:
 * float64InvertKernel on the calling thread; the CLI passes its worker pool).
 */
export function selectInvertKernel(devices: DeviceSelection, log?: (line: string) => void, makeCpu: () => InvertKernel = float64InvertKernel): Promise<SelectedKernel<InvertKernel>> {
  return devices.selectKernel<InvertKernel>(gpuInvertKernel, makeCpu, FallbackInvertKernel, log);
}

/** The float64 reference fit kernel on the calling thread (the browser worker's CPU path). */
export function float64FitKernel(): FitKernel {
  return new CpuFitKernel();
}

/** The float64 reference per-year kernel on the calling thread. */
export function float64SeasonsKernel(): SeasonsKernel {
  return new CpuSeasonsKernel();
}

/** The fit kernel: GPU (behind FallbackFitKernel under auto) or `makeCpu` (default: float64FitKernel). */
export function selectFitKernel(devices: DeviceSelection, makeCpu: () => FitKernel = float64FitKernel, log?: (line: string) => void): Promise<SelectedKernel<FitKernel>> {
  return devices.selectKernel<FitKernel>(gpuFitKernel, makeCpu, FallbackFitKernel, log);
}

/** The per-year kernel of `seasons`: on the GPU when the fit kernel runs there, else float64. */
export function selectSeasonsKernel(devices: DeviceSelection, fitKernel: FitKernel, log?: (line: string) => void): Promise<SelectedKernel<SeasonsKernel>> {
  if (fitKernel.kind !== 'gpu') return Promise.resolve({ kernel: float64SeasonsKernel(), notes: [] });
  return devices.selectKernel<SeasonsKernel>(gpuSeasonsKernel, float64SeasonsKernel, FallbackSeasonsKernel, log);
}

export function selectAltKernel(devices: DeviceSelection, log?: (line: string) => void): Promise<SelectedKernel<AltKernel>> {
  return devices.selectKernel<AltKernel>(gpuAltKernel, () => new CpuAltKernel(), FallbackAltKernel, log);
}

/** A whole two-track comparison on the GPU, rerun on the CPU if it fails under auto. */
export function withCompareKernel<R>(devices: DeviceSelection, run: (k: CompareKernel) => Promise<R>, notes: string[], log: (line: string) => void) {
  return devices.withWholeRunKernel<CompareKernel & WholeRunKernel, R>(gpuCompareKernel, () => new CpuCompareKernel(), run, notes, log);
}

export function withVerticalKernel<R>(devices: DeviceSelection, run: (k: VerticalKernel) => Promise<R>, notes: string[], log: (line: string) => void) {
  return devices.withWholeRunKernel<VerticalKernel & WholeRunKernel, R>(gpuVerticalKernel, () => new CpuVerticalKernel(), run, notes, log);
}
