import { gather, type Tensor } from '@typegrad/autograd';
import { ArgumentError, type NDArray } from '@typegrad/tensor';
import { type InitOptions, normalParam } from './init.js';
import { Module } from './module.js';

/** A lookup table [num, dim]: forward(ids) gathers rows; the gradient scatters back into them. */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(
    readonly num: number,
    readonly dim: number,
    options: InitOptions & { std?: number },
  ) {
    super();
    this.weight = this.registerParameter('weight', normalParam([num, dim], options.std ?? 1, options));
  }

  forward(ids: NDArray): Tensor {
    if (ids.dtype !== 'int32') throw new ArgumentError(`Embedding: ids must be int32, got ${ids.dtype}`);
    return gather(this.weight, ids, 0); // [...ids.shape, dim]
  }
}
