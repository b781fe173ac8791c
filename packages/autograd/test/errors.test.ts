import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { describe, expect, it } from 'vitest';

const f64 = (values: number[], shape?: number[]) => A.tensor(values, { dtype: 'float64', shape });
const leaf = (values: number[], shape?: number[]) => {
  const t = f64(values, shape);
  t.requiresGrad = true;
  return t;
};

/** Runs `fn`, expects it to throw an instance of `type`, and returns the message. */
function messageOf(fn: () => unknown, type: new (...args: never[]) => Error): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return (e as Error).message;
  }
  throw new Error('expected an error, none was thrown');
}

describe('backward and gradcheck errors name the shape, dtype and producing op', () => {
  it('backward() on a non-scalar without a gradient', () => {
    const y = A.mul(leaf([1, 2, 3, 4, 5, 6], [2, 3]), 2);
    const message = messageOf(() => y.backward(), T.ShapeError);
    expect(message).toContain('[2, 3] float64');
    expect(message).toContain("'mul'");
    expect(message).toMatch(/not a scalar/);
  });

  it('backward() on a tensor that does not require grad', () => {
    const y = A.sum(A.exp(f64([1, 2])));
    const message = messageOf(() => y.backward(), T.ArgumentError);
    expect(message).toContain('[] float64');
    expect(message).toContain("'sum'");
    expect(message).toMatch(/does not require grad/);
    // a plain leaf names itself by shape (and by name when it has one)
    const named = A.tensor([1, 2], { dtype: 'float64', name: 'weights' });
    expect(messageOf(() => named.backward(f64([1, 1])), T.ArgumentError)).toContain("[2] float64 'weights'");
  });

  it('a gradient whose shape does not match the output', () => {
    const y = A.tanh(leaf([1, 2, 3, 4, 5, 6], [2, 3]));
    const message = messageOf(() => y.backward(f64([1, 2, 3], [3])), T.ShapeError);
    expect(message).toContain('[3]');
    expect(message).toContain('[2, 3] float64');
    expect(message).toContain("'tanh'");
  });

  it('a gradient whose dtype does not match the output', () => {
    const y = A.tanh(leaf([1, 2], [2]));
    const message = messageOf(() => y.backward(A.tensor([1, 1], { dtype: 'float32' })), T.DTypeError);
    expect(message).toContain('float32');
    expect(message).toContain('[2] float64');
    expect(message).toContain("'tanh'");
  });

  it('requiresGrad on an int32 tensor', () => {
    const ids = A.tensor([1, 2, 3], { dtype: 'int32' });
    const message = messageOf(() => {
      ids.requiresGrad = true;
    }, T.DTypeError);
    expect(message).toContain('[3] int32');
    expect(messageOf(() => A.tensor([1], { dtype: 'int32', requiresGrad: true }), T.DTypeError)).toContain(
      'int32',
    );
    expect(ids.requiresGrad).toBe(false);
  });

  it('requiresGrad cannot be changed on an op output', () => {
    const y = A.exp(leaf([1], [1]));
    const message = messageOf(() => {
      y.requiresGrad = false;
    }, T.ArgumentError);
    expect(message).toContain("'exp'");
  });

  it('a second backward through a released graph mentions retainGraph and the op', () => {
    const x = leaf([1, 2], [2]);
    const y = A.sigmoid(x);
    A.sum(y).backward();
    const again = messageOf(() => A.sum(y).backward(), T.ArgumentError);
    expect(again).toMatch(/retainGraph/);
    expect(again).toContain("'sigmoid'");
    expect(again).toContain('[2] float64');
    // the same root twice
    const loss = A.sum(A.square(x));
    loss.backward();
    expect(messageOf(() => loss.backward(), T.ArgumentError)).toMatch(/retainGraph/);
  });

  it('gradcheck on float32 inputs', () => {
    const message = messageOf(
      () => A.gradcheck((t) => A.sum(t), [T.ones([2], { dtype: 'float32' })]),
      T.DTypeError,
    );
    expect(message).toContain('gradcheck');
    expect(message).toContain('float32');
    expect(message).toContain('float64');
  });

  it('gradcheck reports the worst element when the gradient is wrong', () => {
    // A deliberately wrong backward rule: d/dx x² taken as x.
    const wrongSquare = (x: A.Tensor) =>
      A.record('wrongSquare', [x], T.square(x.value), (g) => [A.mul(g, x)]);
    const result = A.gradcheck(wrongSquare, [T.fromArray([3, -1, 0.5], { dtype: 'float64' })]);
    expect(result.ok).toBe(false);
    expect(result.worst).not.toBeNull();
    expect(result.worst!.input).toBe(0);
    expect(result.worst!.index).toHaveLength(1);
    expect(Math.abs(result.worst!.numeric - 2 * result.worst!.analytic)).toBeLessThan(1e-4);
    expect(result.maxAbsError).toBeGreaterThan(1);
  });
});
