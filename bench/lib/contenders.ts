/**
 * Contender factories shared by the suites: typegrad's cpu backend (fast kernels at 1 and 2
 * threads, and the plain-TS reference kernels) and the tfjs peers. A suite supplies how to build
 * the operands and the call; these add backend selection, output read-back and disposal.
 */
import { type NDArray, randomUniform } from '@typegrad/tensor';
import type { Contender } from './harness.js';
import { TFJS_IMPL, type TfjsBackendName, tf, tfjsThreads, tfValues, useTfjsBackend } from './peers.js';
import { cpuOptionsAvailable, setTypegradCpuOptions } from './typegrad-cpu.js';

/** Operands of one case and the measured call on them. */
export interface Built<T> {
  /** Computes a fresh result; the caller disposes it. */
  compute(): T;
  /** Everything to dispose when the contender is done (inputs and views). */
  owned: T[];
}

/** Reproducible float32 values in [low, high), from typegrad's seeded generator. */
export function uniformData(size: number, seed: number, low = -1, high = 1): Float32Array {
  const x = randomUniform([size], { seed, low, high });
  const data = Float32Array.from(x.dataSync() as Float32Array);
  x.dispose();
  return data;
}

/** typegrad's cpu backend with the given options. */
export function typegradContender(
  impl: string,
  options: { threads: number; fast: boolean },
  build: () => Built<NDArray>,
): Contender {
  return {
    impl,
    threads: options.threads,
    prepare() {
      if (cpuOptionsAvailable) setTypegradCpuOptions(options);
      const built = build();
      return {
        run: () => built.compute().dispose(),
        output() {
          const result = built.compute();
          const values = Float32Array.from(result.dataSync() as Float32Array);
          result.dispose();
          return values;
        },
        dispose: () => {
          for (const x of built.owned) x.dispose();
        },
      };
    },
  };
}

export interface TypegradRowsOptions {
  /** Add a `typegrad:cpu-ref` row (fast kernels off). */
  reference: boolean;
}

/**
 * The standard typegrad rows: `typegrad:cpu` at 1 and 2 threads and, if asked,
 * `typegrad:cpu-ref`. Without setCpuOptions in the package only one `typegrad:cpu` row is made
 * (whatever the package does by default) and `notes` says so once.
 */
export function typegradContenders(
  build: () => Built<NDArray>,
  rows: TypegradRowsOptions,
  notes: string[],
): Contender[] {
  if (!cpuOptionsAvailable) {
    const note =
      '@typegrad/tensor does not export setCpuOptions: one typegrad:cpu row with the package defaults ' +
      '(labelled 1 thread); no 2-thread or cpu-ref rows';
    if (!notes.includes(note)) notes.push(note);
    return [typegradContender('typegrad:cpu', { threads: 1, fast: true }, build)];
  }
  const contenders = [
    typegradContender('typegrad:cpu', { threads: 1, fast: true }, build),
    typegradContender('typegrad:cpu', { threads: 2, fast: true }, build),
  ];
  if (rows.reference)
    contenders.push(typegradContender('typegrad:cpu-ref', { threads: 1, fast: false }, build));
  return contenders;
}

/** A tfjs backend; tfjs-wasm is `late` (its memory growth detaches buffers). */
export function tfjsContender(backend: TfjsBackendName, build: () => Built<tf.Tensor>): Contender {
  const contender: Contender = {
    impl: TFJS_IMPL[backend],
    threads: tfjsThreads(backend),
    late: backend === 'wasm',
    async prepare() {
      await useTfjsBackend(backend);
      // The pool size is known once the backend has started (1 in Node).
      contender.threads = tfjsThreads(backend);
      const built = build();
      return {
        run: () => built.compute().dispose(),
        output() {
          const result = built.compute();
          const values = tfValues(result);
          result.dispose();
          return values;
        },
        dispose: () => tf.dispose(built.owned),
      };
    },
  };
  return contender;
}
