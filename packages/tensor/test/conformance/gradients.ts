import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { describe, expect, it } from 'vitest';
import { inputData } from './inputs.js';
import { firstMismatch, TOLERANCES } from './tolerances.js';

/*
 * packages/autograd on a gpujs backend. Its own gradient properties use gradcheck, which needs
 * float64, and the gpujs backend has none; so this runs each differentiable function forward
 * and backward in float32 on the gpujs backend and on cpu, and compares the loss and every
 * gradient, with the backend's 'composite' tolerance (several ops in a row).
 */

type Loss = (...xs: A.Tensor[]) => A.Tensor;

interface GradCase {
  name: string;
  shapes: number[][];
  loss: Loss;
  /** Gradients only for these inputs (default: all). */
  differentiable?: number[];
  /** Int32 class targets [rows] in [0, classes), passed as the last argument. */
  targets?: { rows: number; classes: number };
}

const CASES: GradCase[] = [
  {
    name: 'matmul then sum of squares',
    shapes: [
      [4, 6],
      [6, 3],
    ],
    loss: (a, b) => A.sum(A.square(A.matmul(a, b))),
  },
  {
    name: 'batched matmul with a transposed operand',
    shapes: [
      [2, 3, 5],
      [2, 4, 5],
    ],
    loss: (a, b) => A.sum(A.tanh(A.matmul(a, A.transpose(b, -2, -1)))),
  },
  {
    name: 'broadcast mul, add, div',
    shapes: [[3, 4], [4], [3, 1]],
    loss: (a, b, c) => A.mean(A.div(A.add(A.mul(a, b), c), A.add(A.square(c), 1))),
  },
  {
    name: 'softmax weighted',
    shapes: [
      [3, 7],
      [3, 7],
    ],
    loss: (x, w) => A.sum(A.mul(A.softmax(x, -1), w)),
  },
  {
    name: 'logSoftmax along axis 0',
    shapes: [
      [5, 3],
      [5, 3],
    ],
    loss: (x, w) => A.sum(A.mul(A.logSoftmax(x, 0), w)),
  },
  {
    name: 'layerNorm with affine',
    shapes: [[4, 8], [8], [8], [4, 8]],
    loss: (x, g, b, w) => A.sum(A.mul(A.layerNorm(x, g, b), w)),
  },
  {
    name: 'gelu (tanh) and sigmoid',
    shapes: [[5, 6]],
    loss: (x) => A.sum(A.mul(A.gelu(x, 'tanh'), A.sigmoid(x))),
  },
  { name: 'gelu (exact), exp, log', shapes: [[5, 6]], loss: (x) => A.sum(A.log(A.add(A.exp(A.gelu(x)), 1))) },
  { name: 'max and relu', shapes: [[4, 5]], loss: (x) => A.sum(A.max(A.relu(x), -1)) },
  {
    name: 'crossEntropy (sum) with label smoothing',
    shapes: [[6, 5]],
    targets: { rows: 6, classes: 5 },
    loss: (l, t) => A.crossEntropy(l, t, { labelSmoothing: 0.1, reduction: 'sum' }),
  },
  {
    name: 'embedding: gather rows, then matmul',
    shapes: [
      [7, 4],
      [4, 3],
    ],
    targets: { rows: 9, classes: 7 },
    loss: (e, w, ids) => A.sum(A.square(A.matmul(A.gather(e, ids, 0), w))),
  },
  {
    name: 'concat, slice, reshape',
    shapes: [
      [2, 3],
      [2, 5],
    ],
    loss: (a, b) =>
      A.sum(A.mul(A.reshape(A.concat([a, b], 1), [4, 4]), A.reshape(A.concat([b, a], 1), [4, 4]))),
  },
];

async function gradientsOn(
  backend: string,
  c: GradCase,
  index: number,
): Promise<{ loss: number[]; grads: number[][] }> {
  const leaves = c.shapes.map((shape, k) =>
    A.tensor(T.fromTyped(inputData({ shape }, 100 * index + k), shape, backend), { requiresGrad: true }),
  );
  const extra = c.targets
    ? [
        A.tensor(
          T.fromTyped(
            inputData(
              { shape: [c.targets.rows], dtype: 'int32', values: { lo: 0, hi: c.targets.classes - 1 } },
              7,
            ),
            [c.targets.rows],
            backend,
          ),
        ),
      ]
    : [];
  const loss = c.loss(...leaves, ...extra);
  loss.backward();
  const result = {
    loss: Array.from(await loss.value.data()),
    grads: await Promise.all(leaves.map(async (x) => Array.from(await x.grad!.value.data()))),
  };
  for (const t of [loss, ...leaves, ...extra]) {
    t.grad?.value.dispose();
    t.value.dispose();
  }
  return result;
}

/** The gradient cases on `backend` against cpu, with its 'composite' tolerance. */
export function describeGradientConformance(backend: string): void {
  describe(`autograd on ${backend}: float32 loss and gradients match cpu`, () => {
    const tol = TOLERANCES[backend].classes.composite;
    CASES.forEach((c, index) => {
      it(c.name, async () => {
        const ref = await gradientsOn('cpu', c, index);
        const got = await gradientsOn(backend, c, index);
        expect(firstMismatch(got.loss, ref.loss, tol), 'loss').toBeNull();
        got.grads.forEach((g, k) => {
          expect(firstMismatch(g, ref.grads[k], tol), `gradient of input ${k}`).toBeNull();
        });
      });
    });
  });
}
