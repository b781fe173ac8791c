import { add, matmul, type Tensor } from '@typegrad/autograd';
import { ShapeError } from '@typegrad/tensor';
import { constantParam, type InitOptions, normalParam, uniformParam } from './init.js';
import { Module } from './module.js';

/**
 * y = x·Wᵀ + b. `layout: 'linear'` stores W as [out, in] (PyTorch nn.Linear); `'conv1d'`
 * stores [in, out] (HuggingFace GPT-2's Conv1D), so GPT-2 weights load without transposing.
 * Both run the same matmul: a transposed view is read in place.
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly options: InitOptions & { bias?: boolean; layout?: 'linear' | 'conv1d'; std?: number },
  ) {
    super();
    const layout = options.layout ?? 'linear';
    const shape = layout === 'linear' ? [outFeatures, inFeatures] : [inFeatures, outFeatures];
    // PyTorch's default is kaiming-uniform with bound 1/sqrt(in); GPT-2 uses normal(0, 0.02).
    const weight =
      options.std !== undefined
        ? normalParam(shape, options.std, options)
        : uniformParam(shape, 1 / Math.sqrt(inFeatures), options);
    this.weight = this.registerParameter('weight', weight);
    this.bias =
      options.bias === false
        ? null
        : this.registerParameter('bias', constantParam([outFeatures], 0, options));
  }

  get layout(): 'linear' | 'conv1d' {
    return this.options.layout ?? 'linear';
  }

  /** W as [in, out], the orientation x·W needs (a view for the 'linear' layout). */
  weightInOut(): Tensor {
    return this.layout === 'linear' ? this.weight.T : this.weight;
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.shape.length - 1] !== this.inFeatures) {
      throw new ShapeError(
        `Linear: input [${x.shape.join(', ')}] does not end in ${this.inFeatures} features`,
      );
    }
    const y = matmul(x, this.weightInOut()); // [..., out]
    return this.bias ? add(y, this.bias) : y;
  }
}
