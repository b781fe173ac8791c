import * as T from '@typegrad/tensor';
import { type BackwardOptions, runBackward } from './backward.js';
import { isGradEnabled, withGradMode } from './grad-mode.js';
import { Tensor } from './tensor.js';

/**
 * Gradients of `output` with respect to `inputs`, returned instead of accumulated into `.grad`
 * (torch.autograd.grad). With `createGraph` the results are themselves differentiable.
 */
export function gradients(
  output: Tensor,
  inputs: readonly Tensor[],
  options: BackwardOptions & { gradient?: Tensor | T.NDArray | number } = {},
): Tensor[] {
  const found = runBackward(output, options.gradient, { ...options, targets: inputs });
  // An input the output does not depend on has a zero gradient.
  return found.map((g, i) => g ?? new Tensor(T.zerosLike(inputs[i].value)));
}

/** Leaves requiring grad for each argument, sharing values with the arguments (no copy). */
function asLeaves(args: readonly Tensor[]): { leaves: Tensor[]; outerTracking: boolean } {
  const outerTracking = args.some((a) => a.requiresGrad);
  const leaves = args.map((a) => (a.requiresGrad ? a : new Tensor(a.value, { requiresGrad: true })));
  return { leaves, outerTracking };
}

/**
 * `valueAndGrad(f)(...xs)` returns f's scalar value and its gradient with respect to every
 * argument. When an argument is itself being differentiated (it requires grad), the gradient
 * is recorded too, so `grad(grad(f))` and Hessian-vector products work.
 */
export function valueAndGrad(
  f: (...xs: Tensor[]) => Tensor,
): (...xs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return (...xs: Tensor[]) => {
    const { leaves, outerTracking } = asLeaves(xs);
    // f is differentiated even inside noGrad (gradcheck evaluates grad(f) there); the grad mode
    // only decides whether the gradients are recorded for an outer differentiation.
    const createGraph = outerTracking && isGradEnabled();
    const value = withGradMode(true, () => f(...leaves));
    const grads = gradients(value, leaves, { createGraph, retainGraph: createGraph });
    return { value, grads };
  };
}

/** `grad(f)(...xs)`: the gradients of scalar f with respect to each argument. */
export function grad(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => Tensor[] {
  const vg = valueAndGrad(f);
  return (...xs: Tensor[]) => vg(...xs).grads;
}
