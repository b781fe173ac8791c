/**
 * The TensorFlow.js peers in Node: tfjs-core with its plain-JS cpu backend and its WebAssembly
 * (XNNPACK) backend, in this process. Switching backends goes through `tf.setBackend` and
 * `tf.ready()`; tensors of a case live on the backend that was active when they were made.
 *
 * tfjs-wasm in Node: it loads the SIMD build and runs single-threaded. Its multithreading
 * check fails in Node (no Web Worker), and XNNPACK's pool would be capped at cores/2 anyway, so
 * its rows say threads 1 (the count the backend itself reports after start-up). Its
 * WebAssembly memory is not shared and grows for large tensors; that growth detaches an
 * ArrayBuffer (see detach-probe.ts), hence `late` contenders in the harness.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

export { tf };

// Prod mode skips tfjs' debug-time validation: the peers' best showing.
tf.enableProdMode();

export type TfjsBackendName = 'cpu' | 'wasm';

/** Row names of the peers. */
export const TFJS_IMPL: Record<TfjsBackendName, string> = { cpu: 'tfjs-cpu', wasm: 'tfjs-wasm' };

let wasmPathsSet = false;

/** The folder of the installed @tensorflow/tfjs-backend-wasm binaries, with a trailing separator. */
function wasmBinaryFolder(): string {
  const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  return path.dirname(entry) + path.sep;
}

/** Makes `name` the active tfjs backend (starting it on first use) and waits until it is ready. */
export async function useTfjsBackend(name: TfjsBackendName): Promise<void> {
  if (tf.getBackend() === name) return;
  if (name === 'wasm' && !wasmPathsSet) {
    // A plain file path: Emscripten's Node loader reads the .wasm file with fs.
    setWasmPaths(wasmBinaryFolder());
    wasmPathsSet = true;
  }
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new Error(`bench: tfjs backend '${name}' failed to start (active: '${tf.getBackend()}')`);
  }
}

/** Threads the backend computes with: 1 for cpu, XNNPACK's pool size for wasm (after start-up). */
export function tfjsThreads(name: TfjsBackendName): number {
  if (name === 'cpu') return 1;
  try {
    return getThreadsCount();
  } catch {
    return 1; // not started yet; in Node it starts single-threaded
  }
}

/** What the report says about the peers; wasm details only once that backend has started. */
export async function describeTfjs(): Promise<Record<string, unknown>> {
  let wasm: Record<string, unknown> | null = null;
  try {
    wasm = {
      threads: getThreadsCount(),
      simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
      multithreadSupported: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    };
  } catch {
    wasm = null;
  }
  return { version: tf.version_core, prodMode: tf.env().getBool('PROD'), wasm };
}

/** A float32 tensor on the active backend holding a copy of `data`. */
export function tfTensor(data: Float32Array, shape: readonly number[]): tf.Tensor {
  return tf.tensor(data.slice(), [...shape], 'float32');
}

/** The values of `t` as a Float32Array (a copy). */
export function tfValues(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}
