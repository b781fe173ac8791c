/**
 * The part of gpu.js 2.24 that the gpujs backend uses, typed narrowly. gpu.js ships its own
 * typings, but they describe kernels as functions over nested arrays; these say what we rely on.
 */

/** A pipeline result: a device buffer (webgpu) or texture (GL) that later kernels read in place. */
export interface DeviceResult {
  /** Reads the values back: a Promise on webgpu, a value on the synchronous backends. */
  toArray(): unknown;
  delete(): void;
  readonly output: readonly number[];
}

/** What a kernel call returns with `pipeline: true`: plain typed arrays on cpu and webasm. */
export type KernelOutput = Float32Array | DeviceResult;

/** The Kernel instance behind a run shortcut (read to learn which backend really ran it). */
export interface KernelInstance {
  readonly constructor: { readonly mode?: string };
  readonly fallbackReason?: string | null;
  /** webgpu only: the buffer the kernel keeps a reference to after a call (see runtime.ts). */
  outputBuffer?: { _refs?: number; destroy(): void } | null;
  bindGroupDirty?: boolean;
}

/** A compiled kernel: call it with the kernel's arguments. */
export interface KernelFunction {
  (...args: unknown[]): KernelOutput | Promise<KernelOutput>;
  readonly kernel?: KernelInstance;
  setOutput(output: number[]): KernelFunction;
  destroy(): void;
}

export interface KernelSettings {
  output: number[];
  pipeline: boolean;
  immutable: boolean;
  precision: 'single';
  tactic: 'precision';
  dynamicOutput?: boolean;
  dynamicArguments?: boolean;
}

export interface GpuInstance {
  createKernel(source: string, settings: KernelSettings): KernelFunction;
  destroy(): Promise<void> | void;
}

/** The gpu.js module: `GPU` and its feature checks. */
export interface GpujsModule {
  GPU: {
    new (settings: { mode: string }): GpuInstance;
    readonly isWebAssemblySupported?: boolean;
    readonly isWebGPUSupported?: boolean;
    readonly isHeadlessGLSupported?: boolean;
    readonly isWebGLSupported?: boolean;
    readonly isWebGL2Supported?: boolean;
    isWebGPUAvailable?(): Promise<boolean>;
  };
}

/** Loads gpu.js on first use, so that importing typegrad never pulls it in. */
export async function loadGpujs(): Promise<GpujsModule> {
  const mod = (await import('gpu.js')) as unknown as GpujsModule & { default?: GpujsModule };
  return mod.GPU ? mod : (mod.default as GpujsModule);
}
