/**
 * Elementwise (add, mul, exp), softmax over the last axis and layerNorm on [4096, 256]:
 * typegrad against tfjs-wasm and tfjs-cpu. tfjs-core has no layerNorm op, so its rows compose
 * one from moments, as a tfjs user (and tfjs-layers' LayerNormalization) would.
 */
import './lib/detach-probe.js'; // first: must see every WebAssembly instantiation

import { add, exp, fromTyped, layerNorm, mul, type NDArray, softmax } from '@typegrad/tensor';
import type { BenchArgs } from './lib/cli.js';
import { type Built, tfjsContender, typegradContenders, uniformData } from './lib/contenders.js';
import type { BenchCase, Row } from './lib/harness.js';
import { tf, tfTensor } from './lib/peers.js';
import type { SummaryLine } from './lib/report.js';
import { isMainModule, main, type Suite } from './lib/suite.js';

const ROWS = 4096;
const COLS = 256;
const EPS = 1e-5;
const BYTES = 4;

interface OpInputs {
  x: Float32Array;
  y: Float32Array;
  weight: Float32Array;
  bias: Float32Array;
}

interface OpSpec {
  op: string;
  /** Arrays of ROWS x COLS one call must at least read and write (for GB/s). */
  arraysMoved: number;
  tolerance: { rtol: number; atol: number };
  typegrad(t: { x: NDArray; y: NDArray; weight: NDArray; bias: NDArray }): NDArray;
  tfjs(t: { x: tf.Tensor; y: tf.Tensor; weight: tf.Tensor; bias: tf.Tensor }): tf.Tensor;
}

const OPS: OpSpec[] = [
  {
    op: 'add',
    arraysMoved: 3,
    tolerance: { rtol: 1e-6, atol: 1e-6 },
    typegrad: ({ x, y }) => add(x, y),
    tfjs: ({ x, y }) => tf.add(x, y),
  },
  {
    op: 'mul',
    arraysMoved: 3,
    tolerance: { rtol: 1e-6, atol: 1e-6 },
    typegrad: ({ x, y }) => mul(x, y),
    tfjs: ({ x, y }) => tf.mul(x, y),
  },
  {
    op: 'exp',
    arraysMoved: 2,
    tolerance: { rtol: 1e-5, atol: 1e-6 },
    typegrad: ({ x }) => exp(x),
    tfjs: ({ x }) => tf.exp(x),
  },
  {
    op: 'softmax',
    arraysMoved: 2,
    tolerance: { rtol: 1e-4, atol: 1e-6 },
    typegrad: ({ x }) => softmax(x, -1),
    tfjs: ({ x }) => tf.softmax(x, -1),
  },
  {
    op: 'layerNorm',
    arraysMoved: 2,
    tolerance: { rtol: 1e-3, atol: 1e-4 },
    typegrad: ({ x, weight, bias }) => layerNorm(x, weight, bias, EPS),
    tfjs: ({ x, weight, bias }) =>
      tf.tidy(() => {
        const { mean, variance } = tf.moments(x, -1, true);
        const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPS)));
        return tf.add(tf.mul(normalized, weight), bias);
      }),
  },
];

function opCase(spec: OpSpec, inputs: OpInputs, notes: string[]): BenchCase {
  const typegradBuild = (): Built<NDArray> => {
    const t = {
      x: fromTyped(inputs.x.slice(), [ROWS, COLS]),
      y: fromTyped(inputs.y.slice(), [ROWS, COLS]),
      weight: fromTyped(inputs.weight.slice(), [COLS]),
      bias: fromTyped(inputs.bias.slice(), [COLS]),
    };
    return { compute: () => spec.typegrad(t), owned: Object.values(t) };
  };
  const tfjsBuild = (): Built<tf.Tensor> => {
    const t = {
      x: tfTensor(inputs.x, [ROWS, COLS]),
      y: tfTensor(inputs.y, [ROWS, COLS]),
      weight: tfTensor(inputs.weight, [COLS]),
      bias: tfTensor(inputs.bias, [COLS]),
    };
    return { compute: () => spec.tfjs(t), owned: Object.values(t) };
  };
  return {
    op: spec.op,
    shape: `${ROWS}x${COLS}`,
    bytes: spec.arraysMoved * ROWS * COLS * BYTES,
    tolerance: spec.tolerance,
    contenders: [
      ...typegradContenders(typegradBuild, { reference: false }, notes),
      tfjsContender('cpu', tfjsBuild),
      tfjsContender('wasm', tfjsBuild),
    ],
  };
}

/** The fast-kernels issue asks for typegrad within 1.5x of tfjs-wasm's time. */
export function summarizeOps(rows: readonly Row[]): Omit<SummaryLine, 'suite'>[] {
  return OPS.map(({ op }) => {
    const ours = rows.find((r) => r.op === op && r.impl === 'typegrad:cpu' && r.threads === 1);
    const peer = rows.find((r) => r.op === op && r.impl === 'tfjs-wasm');
    const ratio = ours && peer ? peer.medianMs / ours.medianMs : null;
    const target = Number((1 / 1.5).toFixed(2));
    return {
      check: `${op}: ms tfjs-wasm / typegrad:cpu 1t (within 1.5x)`,
      shape: `${ROWS}x${COLS}`,
      ratio,
      target,
      pass: ratio === null ? null : ratio >= target,
    };
  });
}

export const suite: Suite = {
  name: 'ops',
  cases(args: BenchArgs, notes: string[]) {
    const inputs: OpInputs = {
      x: uniformData(ROWS * COLS, 7, -4, 4),
      y: uniformData(ROWS * COLS, 8, -4, 4),
      weight: uniformData(COLS, 9, 0.5, 1.5),
      bias: uniformData(COLS, 10, -0.5, 0.5),
    };
    notes.push(
      'GB/s counts each input read once and the output written once (layerNorm: x and y only)',
      'tfjs layerNorm is composed from tf.moments (no fused op in tfjs-core); tfjs-wasm runs 1 thread in Node',
    );
    if (args.shapes) notes.push('--shapes applies to matmul only; ops ran on 4096x256');
    return OPS.map((spec) => opCase(spec, inputs, notes));
  },
  summarize: summarizeOps,
};

if (isMainModule(import.meta.url)) await main([suite]);
