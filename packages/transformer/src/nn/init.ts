import { Tensor } from '@typegrad/autograd';
import { type DType, full, Generator, randomNormal, randomUniform } from '@typegrad/tensor';

/** Seeded parameter initialisers; each returns a leaf Tensor with requiresGrad. */
export interface InitOptions {
  generator: Generator;
  dtype?: DType;
}

export function normalParam(shape: readonly number[], std: number, o: InitOptions): Tensor {
  return new Tensor(randomNormal(shape, { std, generator: o.generator, dtype: o.dtype }), {
    requiresGrad: true,
  });
}

export function uniformParam(shape: readonly number[], bound: number, o: InitOptions): Tensor {
  return new Tensor(
    randomUniform(shape, { low: -bound, high: bound, generator: o.generator, dtype: o.dtype }),
    {
      requiresGrad: true,
    },
  );
}

export function constantParam(shape: readonly number[], value: number, o: { dtype?: DType } = {}): Tensor {
  return new Tensor(full(shape, value, { dtype: o.dtype }), { requiresGrad: true });
}

export { Generator };
