import type { Tensor } from './tensor.js';

/**
 * Gradients of one op's inputs given the gradient of its output. `needs[i]` says whether input
 * i wants a gradient, so rules can skip work; entries for inputs that need none may be null.
 * Rules are written with differentiable Tensor ops, so a backward pass can itself be differentiated.
 */
export type BackwardRule = (grad: Tensor, needs: readonly boolean[]) => readonly (Tensor | null)[];

/** The record an op leaves on its output: what made it, from which inputs, and how to go back. */
export class Node {
  constructor(
    readonly op: string,
    public inputs: readonly Tensor[],
    public backward: BackwardRule | null,
  ) {}

  /** Drops the saved tensors (captured by the rule) once backward is done. */
  release(): void {
    this.backward = null;
    this.inputs = [];
  }

  get released(): boolean {
    return this.backward === null;
  }
}
