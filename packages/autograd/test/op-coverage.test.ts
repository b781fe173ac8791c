import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { describe, expect, it } from 'vitest';
import { ELEMENTWISE_PROPERTIES } from './helpers/properties-elementwise.js';
import { MATMUL_PROPERTIES } from './helpers/properties-matmul.js';
import { NN_PROPERTIES } from './helpers/properties-nn.js';
import { REDUCE_PROPERTIES } from './helpers/properties-reduce.js';
import { SHAPE_PROPERTIES } from './helpers/properties-shape.js';

const TABLES = [
  ELEMENTWISE_PROPERTIES,
  REDUCE_PROPERTIES,
  MATMUL_PROPERTIES,
  SHAPE_PROPERTIES,
  NN_PROPERTIES,
];

/** Exported functions that are not ops: tensor creation, the differentiation API, plumbing. */
const NOT_OPS = new Set([
  'tensor',
  'grad',
  'gradients',
  'valueAndGrad',
  'gradcheck',
  'noGrad',
  'withGradMode',
  'isGradEnabled',
  'record',
  // generic dispatchers: every op they reach is exported under its own name and covered there
  'unary',
  'binary',
]);

describe('every differentiable op has a gradient property', () => {
  it('each op in DIFFERENTIABLE_OPS has at least one property case', () => {
    const covered = new Map<string, number>();
    for (const table of TABLES) {
      for (const [op, cases] of Object.entries(table)) {
        covered.set(op, (covered.get(op) ?? 0) + Object.keys(cases ?? {}).length);
      }
    }
    const missing = A.DIFFERENTIABLE_OPS.filter((op) => !covered.get(op));
    expect(missing, `ops without a property: ${missing.join(', ')}`).toEqual([]);
    // and no table describes an op the list does not know
    const unknown = [...covered.keys()].filter(
      (op) => !(A.DIFFERENTIABLE_OPS as readonly string[]).includes(op),
    );
    expect(unknown).toEqual([]);
  });

  it('every exported function is classified: a differentiable op, a non-differentiable op, or API', () => {
    const classified = new Set<string>([...A.DIFFERENTIABLE_OPS, ...A.NON_DIFFERENTIABLE_OPS, ...NOT_OPS]);
    const exportedFunctions = Object.entries(A)
      .filter(([name, value]) => typeof value === 'function' && !/^[A-Z]/.test(name))
      .map(([name]) => name);
    const unclassified = exportedFunctions.filter((name) => !classified.has(name));
    expect(unclassified, `unclassified exports: ${unclassified.join(', ')}`).toEqual([]);
    // and every listed name is really exported
    const exported = new Set(exportedFunctions);
    expect([...A.DIFFERENTIABLE_OPS, ...A.NON_DIFFERENTIABLE_OPS].filter((n) => !exported.has(n))).toEqual(
      [],
    );
  });

  it('every primitive unary and binary op of the tensor package is exported and classified', () => {
    const listed = new Set<string>([...A.DIFFERENTIABLE_OPS, ...A.NON_DIFFERENTIABLE_OPS]);
    const primitives = [...T.UNARY_OPS, ...T.BINARY_OPS];
    expect(primitives.filter((op) => !listed.has(op))).toEqual([]);
  });

  it('non-differentiable ops give results that do not require grad', () => {
    const x = A.tensor([0.5, -1.5, 2], { dtype: 'float64', requiresGrad: true });
    const bools = A.greater(x, 0);
    const results: Record<(typeof A.NON_DIFFERENTIABLE_OPS)[number], A.Tensor> = {
      equal: A.equal(x, 0.5),
      notEqual: A.notEqual(x, 0.5),
      less: A.less(x, 0),
      lessEqual: A.lessEqual(x, 0),
      greater: bools,
      greaterEqual: A.greaterEqual(x, 0),
      logicalAnd: A.logicalAnd(bools, bools),
      logicalOr: A.logicalOr(bools, bools),
      logicalNot: A.logicalNot(bools),
      argmax: A.argmax(x),
      argmin: A.argmin(x),
      zerosLike: A.zerosLike(x),
    };
    for (const [op, t] of Object.entries(results)) expect(t.requiresGrad, op).toBe(false);
  });
});
