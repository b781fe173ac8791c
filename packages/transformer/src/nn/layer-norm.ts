import { layerNorm, type Tensor } from '@typegrad/autograd';
import type { DType } from '@typegrad/tensor';
import { constantParam } from './init.js';
import { Module } from './module.js';

/** Normalises the last axis, then scales by `weight` and shifts by `bias`. */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;

  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
    options: { dtype?: DType } = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', constantParam([dim], 1, options));
    this.bias = this.registerParameter('bias', constantParam([dim], 0, options));
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
