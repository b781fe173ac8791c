/**
 * @typegrad/autograd: reverse-mode differentiation over @typegrad/tensor. A Tensor wraps an
 * NDArray; each op records its inputs and a backward rule written next to its forward.
 */
import * as T from '@typegrad/tensor';
import { Tensor } from './tensor.js';

export type { BackwardOptions } from './backward.js';
export { grad, gradients, valueAndGrad } from './functional.js';
export { isGradEnabled, noGrad, withGradMode } from './grad-mode.js';
export { type GradcheckOptions, type GradcheckResult, gradcheck } from './gradcheck.js';
export { type BackwardRule, Node } from './node.js';
export {
  DIFFERENTIABLE_OPS,
  type DifferentiableOp,
  NON_DIFFERENTIABLE_OPS,
} from './op-list.js';
export { sumToShape } from './ops/broadcast.js';
export * from './ops/elementwise.js';
export * from './ops/matmul.js';
export * from './ops/nn.js';
export * from './ops/reduce.js';
export * from './ops/shape.js';
export { record } from './record.js';
export { Tensor } from './tensor.js';

/** A Tensor from nested arrays, a typed array, or an NDArray. */
export function tensor(
  values: T.NestedArray | T.TypedArray | readonly number[] | T.NDArray,
  options: { dtype?: T.DType; requiresGrad?: boolean; shape?: readonly number[]; name?: string } = {},
): Tensor {
  const value =
    values instanceof T.NDArray
      ? values
      : T.fromArray(values, { dtype: options.dtype, shape: options.shape });
  return new Tensor(value, { requiresGrad: options.requiresGrad, name: options.name });
}
