import * as T from '@typegrad/tensor';
import { record } from '../record.js';
import type { Tensor } from '../tensor.js';
import { sumToShape } from './broadcast.js';
import { reshape, transpose, unsqueeze } from './shape.js';

/**
 * Matrix product (NumPy rules, broadcast batch dims). Backward: dA = dC·Bᵀ, dB = Aᵀ·dC, then
 * summed over broadcast batch dims; 1-D operands are lifted to matrices and squeezed back.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const value = T.matmul(a.value, b.value);
  return record('matmul', [a, b], value, (g, needs) => {
    const a2 = a.shape.length === 1 ? unsqueeze(a, 0) : a;
    const b2 = b.shape.length === 1 ? unsqueeze(b, 1) : b;
    let g2 = g;
    // The dropped m axis sits before n, or is the only axis when both operands are 1-D (g is a scalar).
    if (a.shape.length === 1) g2 = unsqueeze(g2, b.shape.length === 1 ? 0 : -2);
    if (b.shape.length === 1) g2 = unsqueeze(g2, -1);
    const ga = needs[0] ? reshape(sumToShape(matmul(g2, transpose(b2, -2, -1)), a2.shape), a.shape) : null;
    const gb = needs[1] ? reshape(sumToShape(matmul(transpose(a2, -2, -1), g2), b2.shape), b.shape) : null;
    return [ga, gb];
  });
}
