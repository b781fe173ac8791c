import type { NDArray } from '@typegrad/tensor';
import * as T from '@typegrad/tensor';
import { withGradMode } from './grad-mode.js';
import { Tensor } from './tensor.js';

export interface BackwardOptions {
  /** Keep the graph so that backward can run through it again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, so gradients can be differentiated (implies retainGraph). */
  createGraph?: boolean;
}

/** Every tensor the root depends on through tracked ops, inputs before outputs. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top[0].node?.inputs ?? [];
    if (top[1] < inputs.length) {
      const next = inputs[top[1]++];
      if (!seen.has(next) && next.requiresGrad) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order;
}

function seedGradient(root: Tensor, gradient: Tensor | NDArray | number | undefined): Tensor {
  const makeTensor = (v: NDArray) => new Tensor(v);
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new T.ShapeError(
        `backward: output ${root.describe()} is not a scalar; pass a gradient of the same shape`,
      );
    }
    return makeTensor(T.onesLike(root.value));
  }
  const g =
    typeof gradient === 'number'
      ? makeTensor(T.fullLike(root.value, gradient))
      : gradient instanceof Tensor
        ? gradient
        : makeTensor(gradient);
  if (g.shape.length !== root.shape.length || g.shape.some((d, i) => d !== root.shape[i])) {
    throw new T.ShapeError(
      `backward: gradient [${g.shape.join(', ')}] does not match output ${root.describe()}`,
    );
  }
  if (g.dtype !== root.dtype)
    throw new T.DTypeError(`backward: gradient dtype ${g.dtype} does not match output ${root.describe()}`);
  return g;
}

/**
 * Reverse-mode sweep from `root`: each node's rule runs once, in reverse topological order,
 * and gradients reaching a tensor along several paths are summed. Returns the gradient of each
 * tensor in `targets`; without targets, adds leaf gradients into `.grad` instead.
 */
export function runBackward(
  root: Tensor,
  gradient: Tensor | NDArray | number | undefined,
  options: BackwardOptions & { targets?: readonly Tensor[] },
): (Tensor | null)[] {
  if (!root.requiresGrad) {
    throw new T.ArgumentError(
      `backward: output ${root.describe()} does not require grad (no input had requiresGrad)`,
    );
  }
  if (!T.isFloat(root.dtype)) throw new T.DTypeError(`backward: cannot differentiate ${root.describe()}`);
  const createGraph = options.createGraph ?? false;
  const order = topologicalOrder(root);
  const targets = options.targets;
  const sweep = () =>
    withGradMode(createGraph, () => {
      const grads = new Map<Tensor, Tensor>([[root, seedGradient(root, gradient)]]);
      const found = new Map<Tensor, Tensor>();
      for (let i = order.length - 1; i >= 0; i--) {
        const t = order[i];
        const g = grads.get(t);
        if (!g) continue;
        if (targets?.includes(t)) found.set(t, g);
        if (!t.node) {
          if (!targets) accumulate(t, g, createGraph);
          continue;
        }
        const { node } = t;
        if (node.released) {
          throw new T.ArgumentError(
            `backward: the graph through '${node.op}' (output ${t.describe()}) was freed by an earlier backward; pass { retainGraph: true } to the first one`,
          );
        }
        const needs = node.inputs.map((x) => x.requiresGrad);
        const inputGrads = node.backward!(g, needs);
        node.inputs.forEach((x, k) => {
          const gx = inputGrads[k];
          if (!needs[k] || !gx) return;
          const before = grads.get(x);
          grads.set(x, before ? before.add(gx) : gx);
        });
      }
      // tidy hands the returned gradients to the caller's scope (T.keep would let them escape it).
      return (targets ?? []).map((x) => found.get(x) ?? null);
    });
  const result = createGraph ? sweep() : T.tidy(sweep);
  if (!options.retainGraph && !createGraph) for (const t of order) t.node?.release();
  return result;
}

/** Adds `g` into a leaf's `.grad`, keeping it alive past tidy scopes. */
function accumulate(leaf: Tensor, g: Tensor, createGraph: boolean): void {
  if (!leaf.requiresGrad) return;
  const before = leaf.grad;
  // A new view, so that leaves fed by one gradient array (e.g. both inputs of add) own their .grad.
  const sum = before ? before.add(g) : createGraph ? g : new Tensor(g.value.contiguous());
  T.keep(sum.value);
  leaf.grad = sum;
  if (before && !createGraph) before.value.dispose();
}

export function backward(
  root: Tensor,
  gradient: Tensor | NDArray | number | undefined,
  options: BackwardOptions,
): void {
  runBackward(root, gradient, options);
}
