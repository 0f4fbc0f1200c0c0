// WebGPU device acquisition for the kernels (DESIGN.md §2 gpu/), in Node and in the browser.
//
// Node: the `webgpu` package (dawn). Its default backend first (Vulkan/Metal/D3D12 on a real
// GPU); where that gives no adapter (Debian's lavapipe is refused by dawn's Vulkan backend), the
// OpenGL ES backend in compatibility mode on a surfaceless EGL display, which gives Mesa's
// llvmpipe. Every kernel stays inside compatibility-mode limits so both work. The package is
// imported dynamically so a browser bundle never sees it.
//
// Browser: navigator.gpu.
//
// A lost device or an uncaptured error must end the run with a message, never with silent
// zeros: GpuContext.failure holds the first such error, and every kernel checks it before and
// after each piece of work (see fit-kernel.ts).

/** WebGPU enum values (the spec's numbers), so kernels need no globals from the bindings. */
export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;
export const MapModeRead = 0x0001;
export const ShaderStageCompute = 0x4;

/** The limits the kernels size their tiles and dispatches from. */
export interface GpuLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxStorageBuffersPerShaderStage: number;
}

export interface GpuContext {
  device: GPUDevice;
  /** e.g. "mesa llvmpipe (LLVM 19.1.7, 256 bits) [opengles, compatibility]". */
  adapterDescription: string;
  backend: string;
  featureLevel: 'core' | 'compatibility';
  limits: GpuLimits;
  /** First device loss or uncaptured error; null while the device is healthy. */
  readonly failure: Error | null;
  /** Resolves with the failure when the device is lost or reports an uncaptured error. */
  readonly failed: Promise<Error>;
  /**
   * Releases the device (and, in Node, lets the process exit). Anything waiting on it fails at
   * once ("GPU device lost (destroyed)"); dawn's own device is destroyed once its pending
   * buffer maps have settled (see settleThenDestroy).
   */
  destroy(): void;
}

// Why buffers and devices wait for their pending maps (issue 11, the device-loss child's rare
// SIGSEGV, reproduced under `node --stress-compaction --gc-interval=2000`): destroying a device or
// a buffer while a mapAsync on it is pending makes dawn.node settle that map's promise twice (once
// for the abort, once from the map callback); the second settle calls napi_reject_deferred on a
// freed deferred (backtrace: AsyncRunner::Reject → napi_reject_deferred). Our JS promises fail at
// once through ctx.failed; the native destroy waits until dawn has answered every map it owes.
const nativeMapsByDevice = new WeakMap<GPUDevice, Set<Promise<unknown>>>();
const nativeMapByBuffer = new WeakMap<GPUBuffer, Promise<unknown>>();
/** A device destroyed while maps were pending is destroyed anyway after this long. */
const MAP_SETTLE_LIMIT_MS = 10_000;

/** Records a native mapAsync in flight on `buffer` (of `device`) until it settles. */
export function trackNativeMap(device: GPUDevice, buffer: GPUBuffer, nativeMap: Promise<unknown>): void {
  let pending = nativeMapsByDevice.get(device);
  if (!pending) nativeMapsByDevice.set(device, (pending = new Set()));
  const settled = nativeMap.then(() => {}, () => {});
  const set = pending;
  set.add(settled);
  nativeMapByBuffer.set(buffer, settled);
  void settled.then(() => {
    set.delete(settled);
    if (nativeMapByBuffer.get(buffer) === settled) nativeMapByBuffer.delete(buffer);
  });
}

/** Destroys a buffer now, or once its pending native map settles. */
export function destroyBuffer(buffer: GPUBuffer | null | undefined): void {
  if (!buffer) return;
  const pending = nativeMapByBuffer.get(buffer);
  if (pending) void pending.then(() => buffer.destroy());
  else buffer.destroy();
}

function settleThenDestroy(device: GPUDevice): void {
  const pending = nativeMapsByDevice.get(device);
  if (!pending || pending.size === 0) {
    device.destroy();
    return;
  }
  let done = false;
  const destroyOnce = () => { if (!done) { done = true; device.destroy(); } };
  const timer = setTimeout(destroyOnce, MAP_SETTLE_LIMIT_MS);
  (timer as { unref?: () => void }).unref?.();
  void Promise.allSettled([...pending]).then(() => { clearTimeout(timer); destroyOnce(); });
}

export interface AcquireGpuOptions {
  /** Browser: a GPU object other than navigator.gpu. Node: ignored. */
  gpu?: GPU;
  /** Node: skip the default backend and go straight to OpenGL ES (tests of the fallback). */
  forceCompatibilityFallback?: boolean;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** The `webgpu` package's `create`, loaded once; null when it cannot be loaded. */
let nodeCreate: ((flags: string[]) => GPU) | null | undefined;

async function loadNodeCreate(): Promise<((flags: string[]) => GPU) | null> {
  if (nodeCreate !== undefined) return nodeCreate;
  try {
    // A variable specifier keeps bundlers (Vite) from resolving a Node-only package.
    const specifier = 'webgpu';
    const mod = (await import(/* @vite-ignore */ specifier)) as { create: (flags: string[]) => GPU };
    nodeCreate = mod.create;
  } catch {
    nodeCreate = null;
  }
  return nodeCreate;
}

/**
 * dawn's Vulkan probe (through Mesa's loader) prints "error: XDG_RUNTIME_DIR is invalid or not
 * set in the environment." twice to stderr on every run where that variable is unset (a
 * container, CI, ssh without a login session), though nothing of ours needs it. Where it is
 * unset, point it at a private directory (mode 0700) of this user's, made once and reused by every
 * later run: a fresh mkdtemp per process, removed at exit, was left behind by every process that
 * did not exit normally (a test worker torn down, a kill), hundreds of them in /tmp. A directory
 * of that name that is not ours or not private is never used (mkdtemp then, as before).
 */
let runtimeDirSet = false;

async function ensureRuntimeDir(): Promise<void> {
  if (runtimeDirSet || process.env.XDG_RUNTIME_DIR) return;
  runtimeDirSet = true;
  try {
    // Variable specifiers keep bundlers from trying to resolve Node built-ins.
    const [fsName, osName, pathName] = ['node:fs', 'node:os', 'node:path'];
    const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs');
    const os = (await import(/* @vite-ignore */ osName)) as typeof import('node:os');
    const path = (await import(/* @vite-ignore */ pathName)) as typeof import('node:path');
    const uid = process.getuid?.() ?? -1;
    const shared = path.join(os.tmpdir(), `permasar-runtime-${uid}`);
    try {
      fs.mkdirSync(shared, { mode: 0o700 });
    } catch {
      // already there (checked below)
    }
    const st = fs.lstatSync(shared, { throwIfNoEntry: false });
    if (st && st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0) {
      process.env.XDG_RUNTIME_DIR = shared;
      return;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permasar-runtime-'));
    process.env.XDG_RUNTIME_DIR = dir;
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  } catch {
    // Only a message on stderr is at stake.
  }
}

interface AdapterChoice {
  adapter: GPUAdapter;
  backend: string;
  featureLevel: 'core' | 'compatibility';
  /** The dawn instance (Node; held for the process's life in nodeInstances). */
  instance: GPU | null;
}

/**
 * The dawn instances of this process, one per set of flags, created once and never released.
 *
 * Why never released: dawn.node's instance (the object create() returns) schedules its
 * ProcessEvents ticks from JavaScript (AsyncRunner, setImmediate-style) while any asynchronous
 * operation is pending, and it also keeps ticking a little after the last one settles. When the
 * garbage collector frees an instance between two ticks, the next tick calls
 * InstanceBase::ProcessEvents on freed memory: a segfault in CallbackTaskManager::Flush, an
 * abort ("pthread_mutex_lock: Assertion `mutex->__data.__owner == 0' failed") or a deadlock,
 * depending on what the freed memory holds by then (seen with gdb on this machine; it is what made
 * test/gpu-device.test.ts's worker "exit unexpectedly" about one run in six). Each acquisition
 * used to create two fresh instances (the default-backend probe and OpenGL ES) and drop them,
 * so every test that acquired a device left garbage instances behind for a later GC to free at a
 * random moment. Holding each instance for the life of the process removes that window; a
 * destroyed device stops the ticks, so the process still exits.
 */
const nodeInstances = new Map<string, GPU>();

function nodeInstance(create: (flags: string[]) => GPU, flags: string[]): GPU {
  const key = flags.join(' ');
  let instance = nodeInstances.get(key);
  if (!instance) nodeInstances.set(key, (instance = create(flags)));
  return instance;
}

async function requestNodeAdapter(options: AcquireGpuOptions): Promise<AdapterChoice | null> {
  const create = await loadNodeCreate();
  if (!create) return null;
  await ensureRuntimeDir();
  if (!options.forceCompatibilityFallback) {
    try {
      const instance = nodeInstance(create, []);
      const adapter = await instance.requestAdapter({ powerPreference: 'high-performance' });
      if (adapter) return { adapter, backend: 'default', featureLevel: 'core', instance };
    } catch {
      // fall through to OpenGL ES
    }
  }
  // llvmpipe through EGL needs no display server; must be set before dawn opens EGL.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  try {
    const instance = nodeInstance(create, ['backend=opengles']);
    const adapter = await instance.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions);
    if (adapter) return { adapter, backend: 'opengles', featureLevel: 'compatibility', instance };
  } catch {
    // no adapter at all
  }
  return null;
}

async function requestBrowserAdapter(options: AcquireGpuOptions): Promise<AdapterChoice | null> {
  const gpu = options.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) return null;
  const core = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (core) return { adapter: core, backend: 'browser', featureLevel: 'core', instance: null };
  const compat = await gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions);
  if (compat) return { adapter: compat, backend: 'browser', featureLevel: 'compatibility', instance: null };
  return null;
}

function describeAdapter(adapter: GPUAdapter, backend: string, featureLevel: string): string {
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  const words = [info?.vendor, info?.architecture, info?.device, info?.description]
    .filter((w): w is string => typeof w === 'string' && w.length > 0);
  const unique = [...new Set(words.map((w) => w.replace(/[-\s]+$/, '')))];
  const name = unique.length ? unique.join(' ') : 'unnamed adapter';
  return `${name} [${backend}, ${featureLevel}]`;
}

/**
 * A WebGPU device for the kernels, or null when this machine (or browser) has no adapter.
 * Requests the adapter's own storage-buffer limits, which exceed WebGPU's defaults (128 MiB
 * binding, 256 MiB buffer), so tiles can be as large as the hardware allows.
 */
export async function acquireGpu(options: AcquireGpuOptions = {}): Promise<GpuContext | null> {
  const choice = isNode && !options.gpu ? await requestNodeAdapter(options) : await requestBrowserAdapter(options);
  if (!choice) return null;
  const { adapter, backend, featureLevel } = choice;
  const al = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: al.maxStorageBufferBindingSize,
      maxBufferSize: al.maxBufferSize,
      maxComputeWorkgroupsPerDimension: al.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: al.maxStorageBuffersPerShaderStage,
    },
  });
  const dl = device.limits;
  const limits: GpuLimits = {
    maxStorageBufferBindingSize: dl.maxStorageBufferBindingSize,
    maxBufferSize: dl.maxBufferSize,
    maxComputeWorkgroupsPerDimension: dl.maxComputeWorkgroupsPerDimension,
    maxComputeInvocationsPerWorkgroup: dl.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: dl.maxComputeWorkgroupSizeX,
    maxStorageBuffersPerShaderStage: dl.maxStorageBuffersPerShaderStage,
  };
  const adapterDescription = describeAdapter(adapter, backend, featureLevel);

  let failure: Error | null = null;
  let resolveFailed!: (e: Error) => void;
  const failed = new Promise<Error>((resolve) => { resolveFailed = resolve; });
  let destroyed = false;
  const fail = (e: Error) => {
    if (failure) return;
    failure = e;
    resolveFailed(e);
  };
  void device.lost.then((info) => {
    const reason = destroyed ? 'destroyed' : info.reason;
    fail(new Error(`GPU device lost (${reason}${info.message ? `: ${info.message.trim()}` : ''}) on ${adapterDescription}`));
  });
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    fail(new Error(`GPU error on ${adapterDescription}: ${error.message.trim()}`));
  });

  return {
    device,
    adapterDescription,
    backend,
    featureLevel,
    limits,
    get failure() { return failure; },
    failed,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      // Everything waiting on the device fails now; dawn's device is destroyed once its pending
      // maps have settled (settleThenDestroy), which ends its event ticks so Node can exit. The
      // instance itself stays alive (nodeInstances: freeing it mid-tick crashes dawn.node).
      fail(new Error(`GPU device lost (destroyed) on ${adapterDescription}`));
      settleThenDestroy(device);
    },
  };
}
