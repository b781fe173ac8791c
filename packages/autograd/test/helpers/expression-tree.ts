import * as A from '@typegrad/autograd';
import fc from 'fast-check';

/*
 * Random expression trees over three inputs of shapes [2, 3], [3] and [2, 1]. Every node's
 * shape broadcasts to [2, 3], so any two nodes can be combined. The ops are smooth and keep
 * values bounded (exp only of a tanh, division only by 1 + b²), so finite differences stay
 * accurate at any depth.
 */
export const TREE_INPUT_SHAPES = [[2, 3], [3], [2, 1]];

export type Expr =
  | { kind: 'input'; index: number }
  | { kind: 'unary'; op: UnaryName; arg: Expr }
  | { kind: 'binary'; op: BinaryName; left: Expr; right: Expr }
  | { kind: 'reduce'; op: 'sum' | 'mean' | 'logsumexp'; arg: Expr }
  | { kind: 'softmax'; arg: Expr }
  | { kind: 'reverse'; arg: Expr }
  | { kind: 'expand'; arg: Expr };

const UNARY = {
  tanh: A.tanh,
  sigmoid: A.sigmoid,
  sin: A.sin,
  neg: A.neg,
  expOfTanh: (x: A.Tensor) => A.exp(A.tanh(x)),
  gelu: (x: A.Tensor) => A.gelu(x, 'tanh'),
  halfSquare: (x: A.Tensor) => A.mul(A.square(x), 0.5),
} satisfies Record<string, (x: A.Tensor) => A.Tensor>;
type UnaryName = keyof typeof UNARY;

const BINARY = {
  add: A.add,
  sub: A.sub,
  mul: A.mul,
  safeDiv: (a: A.Tensor, b: A.Tensor) => A.div(a, A.add(A.square(b), 1)),
  mulByNumber: (a: A.Tensor, _b: A.Tensor) => A.mul(a, 0.75),
} satisfies Record<string, (a: A.Tensor, b: A.Tensor) => A.Tensor>;
type BinaryName = keyof typeof BINARY;

export const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'medium', maxDepth: 8, withCrossShrink: true },
    fc.record({ kind: fc.constant('input' as const), index: fc.integer({ min: 0, max: 2 }) }),
    fc.record({
      kind: fc.constant('unary' as const),
      op: fc.constantFrom(...(Object.keys(UNARY) as UnaryName[])),
      arg: tie('expr'),
    }),
    fc.record({
      kind: fc.constant('binary' as const),
      op: fc.constantFrom(...(Object.keys(BINARY) as BinaryName[])),
      left: tie('expr'),
      right: tie('expr'),
    }),
    fc.record({
      kind: fc.constant('reduce' as const),
      op: fc.constantFrom('sum' as const, 'mean' as const, 'logsumexp' as const),
      arg: tie('expr'),
    }),
    fc.record({ kind: fc.constant('softmax' as const), arg: tie('expr') }),
    fc.record({ kind: fc.constant('reverse' as const), arg: tie('expr') }),
    fc.record({ kind: fc.constant('expand' as const), arg: tie('expr') }),
  ),
})).expr;

/** Evaluates the tree with differentiable ops. */
export function evaluate(e: Expr, inputs: readonly A.Tensor[]): A.Tensor {
  switch (e.kind) {
    case 'input':
      return inputs[e.index];
    case 'unary':
      return UNARY[e.op](evaluate(e.arg, inputs));
    case 'binary':
      return BINARY[e.op](evaluate(e.left, inputs), evaluate(e.right, inputs));
    case 'reduce': {
      // reduce the last axis, keeping it, so the shape still broadcasts to [2, 3]
      const x = evaluate(e.arg, inputs);
      if (e.op === 'logsumexp') return A.logsumexp(x, -1, { keepdims: true });
      return e.op === 'sum' ? A.sum(x, -1, { keepdims: true }) : A.mean(x, -1, { keepdims: true });
    }
    case 'softmax':
      return A.softmax(evaluate(e.arg, inputs), -1);
    case 'reverse': {
      const x = evaluate(e.arg, inputs);
      const specs = x.shape.map((_, i) => (i === x.shape.length - 1 ? ([null, null, -1] as const) : null));
      return A.slice(x, ...specs);
    }
    case 'expand':
      return A.expand(evaluate(e.arg, inputs), [2, 3]);
  }
}

/** Number of nodes, to report the size of the trees the property saw. */
export function treeSize(e: Expr): number {
  switch (e.kind) {
    case 'input':
      return 1;
    case 'binary':
      return 1 + treeSize(e.left) + treeSize(e.right);
    default:
      return 1 + treeSize(e.arg);
  }
}
