/**
 * typegrad on the gpujs backends as contenders of an op case (matmul, add). A row is named
 * after its backend (`typegrad:gpujs:webgpu`). Its timed call computes the result and reads it
 * back (`await x.data()`), so queued device work is counted; webgpu returns at once and only
 * the read-back waits. Before it is timed, its whole result is checked against the cpu
 * reference kernels with the conformance tolerance (gpujs-check.ts).
 */
import type { NDArray } from '@typegrad/tensor';
import type { Built } from './contenders.js';
import { type GpujsTarget, implOf } from './gpujs-backends.js';
import {
  type CheckClass,
  type CheckLedger,
  conformanceTolerance,
  withCpuReferenceKernels,
} from './gpujs-check.js';
import type { Contender } from './harness.js';

/** Builds a case's operands on `backend` (`cpu` or a gpujs name) and its call on them. */
export type BuildOn = (backend: string) => Built<NDArray>;

/** One call's result on the cpu reference kernels, computed once per case on first use. */
function lazyCpuReference(build: BuildOn): () => Float32Array {
  let values: Float32Array | null = null;
  return () => {
    values ??= withCpuReferenceKernels(() => {
      const built = build('cpu');
      try {
        const result = built.compute();
        const copy = Float32Array.from(result.dataSync() as Float32Array);
        result.dispose();
        return copy;
      } finally {
        for (const x of built.owned) x.dispose();
      }
    });
    return values;
  };
}

/** Computes a result, waits for its values on the host, and frees it. */
async function computeAndRead(built: Built<NDArray>): Promise<Float32Array> {
  const result = built.compute();
  try {
    return Float32Array.from((await result.data()) as Float32Array);
  } finally {
    result.dispose();
  }
}

/**
 * One contender per loaded gpujs backend for the case `caseName`, all checked against the same
 * cpu reference result.
 */
export function gpujsContenders(
  targets: readonly GpujsTarget[],
  caseName: string,
  check: CheckClass,
  build: BuildOn,
  ledger: CheckLedger,
): Contender[] {
  const reference = lazyCpuReference(build);
  return targets.map((target) => ({
    impl: implOf(target),
    threads: target.threads,
    async: true,
    prepare() {
      const built = build(target.name);
      return {
        async run() {
          const result = built.compute();
          try {
            await result.data();
          } finally {
            result.dispose();
          }
        },
        async output() {
          const got = await computeAndRead(built);
          const tolerance = conformanceTolerance(target.name, check);
          ledger.check(implOf(target), caseName, got, reference(), tolerance);
          return got;
        },
        dispose() {
          for (const x of built.owned) x.dispose();
        },
      };
    },
  }));
}
