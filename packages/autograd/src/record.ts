import type { NDArray } from '@typegrad/tensor';
import { isGradEnabled } from './grad-mode.js';
import { type BackwardRule, Node } from './node.js';
import { Tensor } from './tensor.js';

/**
 * Wraps the forward result of an op. When grad mode is on and an input requires grad, the
 * output remembers its inputs and backward rule; otherwise it is a plain constant.
 */
export function record(
  op: string,
  inputs: readonly Tensor[],
  value: NDArray,
  backward: BackwardRule,
): Tensor {
  const tracked = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  return Tensor.fromNode(value, tracked ? new Node(op, inputs, backward) : null, op);
}
