import { gelu, type Tensor } from '@typegrad/autograd';
import { Dropout } from '../nn/dropout.js';
import type { InitOptions } from '../nn/init.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';

/** Position-wise feed-forward: c_fc (C → inner), GELU, c_proj (inner → C), dropout. */
export class MLP extends Module {
  c_fc: Linear;
  c_proj: Linear;
  readonly dropout: Dropout;

  constructor(
    nEmbd: number,
    nInner: number,
    readonly activation: 'gelu_new' | 'gelu',
    options: InitOptions & { residPdrop: number; projStd: number },
  ) {
    super();
    this.c_fc = this.registerModule(
      'c_fc',
      new Linear(nEmbd, nInner, { ...options, layout: 'conv1d', std: 0.02 }),
    );
    this.c_proj = this.registerModule(
      'c_proj',
      new Linear(nInner, nEmbd, { ...options, layout: 'conv1d', std: options.projStd }),
    );
    this.dropout = this.registerModule('dropout', new Dropout(options.residPdrop, options.generator));
  }

  protected override onChildReplaced(name: string, m: Module): void {
    if (name === 'c_fc') this.c_fc = m as Linear;
    if (name === 'c_proj') this.c_proj = m as Linear;
  }

  forward(x: Tensor): Tensor {
    const h = gelu(this.c_fc.forward(x), this.activation === 'gelu_new' ? 'tanh' : 'none'); // [B, T, inner]
    return this.dropout.forward(this.c_proj.forward(h)); // [B, T, C]
  }
}
