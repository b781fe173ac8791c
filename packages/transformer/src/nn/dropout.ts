import { dropout, type Tensor } from '@typegrad/autograd';
import { Generator } from '@typegrad/tensor';
import { Module } from './module.js';

/** Inverted dropout, active only in training mode; masks come from a seeded generator. */
export class Dropout extends Module {
  constructor(
    readonly p: number,
    readonly generator: Generator = new Generator(0),
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training, generator: this.generator });
  }
}
