/**
 * Loading the gpujs backends asked for with `--backends`: each gpu.js mode is registered once
 * per process (the matmul and train-step suites share it); a mode that cannot load here is
 * skipped with one line saying why. @typegrad/tensor/gpujs is imported only when a gpu.js mode
 * is asked for, so a cpu-only run never loads gpu.js or Dawn.
 */
import { availableParallelism } from 'node:os';
import { getDefaultBackend, setDefaultBackend } from '@typegrad/tensor';
import type { BenchBackend, GpujsModeName } from './cli.js';
import { progress } from './harness.js';

/** A gpujs backend that loaded. */
export interface GpujsTarget {
  /** The registered backend name, e.g. `gpujs:webgpu`; rows are named `typegrad:<name>`. */
  name: string;
  mode: GpujsModeName;
  /** The adapter (webgpu) or what the kernels run as. */
  detail: string;
  /** A WebGPU adapter that renders on the CPU (Mesa llvmpipe behind Dawn's OpenGL adapter). */
  software: boolean;
  /**
   * CPU threads the row computes with: 1 for gpu.js cpu and webasm (no asyncMode workers);
   * llvmpipe's thread count for a software WebGPU adapter; 1 (the host thread) on a real GPU.
   */
  threads: number;
}

/** Dawn's OpenGL fallback and the software rasterizers (the same test as registerGpujsBackend's auto mode). */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|Dawn opengl/i;
/** llvmpipe's ceiling on its rasterizer threads (Mesa's LP_MAX_THREADS). */
const LLVMPIPE_MAX_THREADS = 16;

/** A mode that loaded, or why it did not. */
type Loaded = { target: GpujsTarget } | { reason: string };

const loading = new Map<GpujsModeName, Promise<Loaded>>();

/** The first line of an error's message (Dawn and gpu.js messages can run long). */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0];
}

function llvmpipeThreads(): number {
  const configured = Number(process.env.LP_NUM_THREADS);
  if (Number.isInteger(configured) && configured >= 0) return Math.max(1, configured);
  return Math.min(availableParallelism(), LLVMPIPE_MAX_THREADS);
}

async function load(mode: GpujsModeName): Promise<Loaded> {
  try {
    const { registerGpujsBackend } = await import('@typegrad/tensor/gpujs');
    const info = await registerGpujsBackend({ mode });
    const software = info.mode === 'webgpu' && SOFTWARE_ADAPTER.test(info.detail);
    const threads = software ? llvmpipeThreads() : 1;
    progress(`bench: gpujs:${mode} loaded (${info.detail}${software ? ', software rendering' : ''})`);
    return { target: { name: info.name, mode, detail: info.detail, software, threads } };
  } catch (error) {
    const reason = firstLine(error);
    progress(`bench: gpujs:${mode} skipped: ${reason}`);
    return { reason };
  }
}

/**
 * Registers the gpujs backends among `backends` and returns those that loaded, in order. Each
 * one that did not load adds a note with the reason (said once on stderr, when it was tried).
 */
export async function loadGpujsTargets(
  backends: readonly BenchBackend[],
  notes: string[],
): Promise<GpujsTarget[]> {
  const targets: GpujsTarget[] = [];
  for (const backend of backends) {
    if (!backend.startsWith('gpujs:')) continue;
    const mode = backend.slice('gpujs:'.length) as GpujsModeName;
    let pending = loading.get(mode);
    if (!pending) {
      pending = load(mode);
      loading.set(mode, pending);
    }
    const loaded = await pending;
    if ('target' in loaded) targets.push(loaded.target);
    else notes.push(`${backend} skipped: it did not load here (${loaded.reason})`);
  }
  return targets;
}

/** One note per target: what it runs on, and that a software adapter is no GPU. */
export function describeGpujsTargets(targets: readonly GpujsTarget[]): string[] {
  return targets.map(
    (t) =>
      `${implOf(t)} runs on ${t.detail}` +
      (t.software
        ? ` (software rendering on the CPU with ${t.threads} llvmpipe threads: a correctness run, not a GPU)`
        : ''),
  );
}

/** Row name of a typegrad backend. */
export function implOf(target: GpujsTarget): string {
  return `typegrad:${target.name}`;
}

/** Runs `fn` with `backend` as the default backend (arrays an op creates itself land there). */
export function withDefaultBackend<R>(backend: string, fn: () => R): R {
  const previous = getDefaultBackend();
  setDefaultBackend(backend);
  try {
    return fn();
  } finally {
    setDefaultBackend(previous);
  }
}
