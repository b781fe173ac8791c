import type { Backend, KernelName, KernelTable } from './backend.js';
import { createCpuBackend } from './backends/cpu/index.js';
import { ArgumentError } from './errors.js';

/** What registering a backend provides: its storage management and its kernels by op name. */
export type BackendFactory = () => { backend: Backend; kernels: Partial<KernelTable> };

/** Kernels keyed by backend, then op name (tfjs-core's registry, in a few lines). */
const kernels = new Map<string, Partial<KernelTable>>();
const backends = new Map<string, Backend>();
const factories = new Map<string, BackendFactory>([['cpu', createCpuBackend]]);

/** Makes a backend available under `name`; `create` runs on first use. */
export function registerBackend(name: string, create: BackendFactory): void {
  factories.set(name, create);
  backends.delete(name);
}

/** Adds or replaces one kernel (e.g. a fast kernel over a reference one). */
export function registerKernel<K extends KernelName>(backend: string, name: K, kernel: KernelTable[K]): void {
  getBackend(backend);
  kernels.get(backend)![name] = kernel;
}

export function hasKernel(backend: string, name: KernelName): boolean {
  getBackend(backend);
  return kernels.get(backend)?.[name] !== undefined;
}

/** The kernel `name` of `backend`; throws a clear error when that backend has none. */
export function getKernel<K extends KernelName>(backend: string, name: K): NonNullable<KernelTable[K]> {
  getBackend(backend);
  const kernel = kernels.get(backend)?.[name];
  if (!kernel) throw new ArgumentError(`backend '${backend}' has no kernel '${name}'`);
  return kernel as NonNullable<KernelTable[K]>;
}

export function getBackend(name: string): Backend {
  const existing = backends.get(name);
  if (existing) return existing;
  const create = factories.get(name);
  if (!create) {
    throw new ArgumentError(`unknown backend '${name}' (registered: ${[...factories.keys()].join(', ')})`);
  }
  const { backend, kernels: table } = create();
  backends.set(name, backend);
  kernels.set(name, { ...table });
  return backend;
}

export function registeredBackends(): string[] {
  return [...factories.keys()];
}

/** Kernel names registered for `backend` (used by the support table in FEATURES.md). */
export function kernelNames(backend: string): KernelName[] {
  getBackend(backend);
  return Object.keys(kernels.get(backend) ?? {}) as KernelName[];
}
