import * as T from '@typegrad/tensor';
import { describe, expect, it } from 'vitest';

/** Runs `fn`, expecting it to throw an instance of `type`; returns the message. */
function messageOf(fn: () => unknown, type: new (...args: never[]) => Error): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return (e as Error).message;
  }
  throw new Error('expected a throw');
}

describe('error messages name the op and the shapes involved', () => {
  it('add of [2, 3] and [4, 3]', () => {
    const m = messageOf(() => T.add(T.ones([2, 3]), T.ones([4, 3])), T.ShapeError);
    expect(m).toMatch(/^add: /);
    expect(m).toMatch(/\[2, 3\].*\[4, 3\]/);
    expect(messageOf(() => T.less(T.ones([3]), T.ones([2])), T.ShapeError)).toMatch(/^less: .*\[3\].*\[2\]/);
    expect(messageOf(() => T.where(T.fromArray([true, false]), T.ones([3]), 0), T.ShapeError)).toMatch(
      /^where: .*\[2\].*\[3\]/,
    );
  });

  it('matmul of [2, 3] and [4, 5], and batch dims that do not broadcast', () => {
    const m = messageOf(() => T.matmul(T.ones([2, 3]), T.ones([4, 5])), T.ShapeError);
    expect(m).toMatch(/^matmul: /);
    expect(m).toMatch(/\[2, 3\].*\[4, 5\]/);
    const batch = messageOf(() => T.matmul(T.ones([2, 3, 4]), T.ones([5, 4, 2])), T.ShapeError);
    expect(batch).toMatch(/^matmul: .*\[2, 3, 4\].*\[5, 4, 2\]/);
    expect(messageOf(() => T.matmul(T.scalar(1), T.ones([2])), T.ShapeError)).toMatch(
      /^matmul: .*\[\].*\[2\]/,
    );
  });

  it('reshape to an incompatible size', () => {
    const x = T.ones([2, 3]);
    expect(messageOf(() => x.reshape([4]), T.ShapeError)).toMatch(/^reshape: .*\[2, 3\].*\[4\]/);
    expect(messageOf(() => x.reshape([-1, 4]), T.ShapeError)).toMatch(/^reshape: .*\[2, 3\].*\[-1, 4\]/);
    expect(messageOf(() => x.reshape([-1, -1]), T.ShapeError)).toMatch(
      /^reshape: more than one -1 in \[-1, -1\]/,
    );
    expect(messageOf(() => x.reshape([2, -3]), T.ArgumentError)).toMatch(/^reshape: invalid size -3/);
    expect(messageOf(() => x.expand([4, 3]), T.ShapeError)).toMatch(/^expand: .*\[2, 3\].*\[4, 3\]/);
    expect(messageOf(() => x.squeeze(0), T.ShapeError)).toMatch(/^squeeze: axis 0 of \[2, 3\] has size 2/);
  });

  it('concat, stack and split mismatches', () => {
    const m = messageOf(() => T.concat([T.ones([2, 3]), T.ones([2, 4])]), T.ShapeError);
    expect(m).toMatch(/^concat: /);
    expect(m).toMatch(/\[2, 3\].*\[2, 4\]/);
    expect(messageOf(() => T.concat([T.ones([2, 3]), T.ones([3])], 1), T.ShapeError)).toMatch(
      /^concat: .*\[2, 3\].*\[3\]/,
    );
  });

  it('out-of-range axes name the op, the axis and the rank', () => {
    const x = T.ones([2, 3]);
    const cases: [() => unknown, RegExp][] = [
      [() => T.sum(x, 2), /^sum: axis 2 is out of range for an array of rank 2/],
      [() => T.mean(x, [-3]), /^mean: axis -3 is out of range/],
      [() => T.argmax(x, 2), /^argmax: axis 2 is out of range/],
      [() => T.softmax(x, 5), /^softmax: axis 5 is out of range/],
      [() => T.concat([x, x], 2), /^concat: axis 2 is out of range/],
      [() => T.gather(x, T.fromArray([0], { dtype: 'int32' }), -3), /^gather: axis -3 is out of range/],
      [() => x.transpose(0, 3), /^transpose: axis 3 is out of range/],
      [() => x.unsqueeze(4), /^unsqueeze: axis 4 is out of range for an array of rank 3/],
      [() => x.permute([0, 2]), /^permute: axis 2 is out of range/],
      [() => T.sum(x, 1.5), /^sum: axis 1.5 is out of range/],
    ];
    for (const [fn, pattern] of cases) expect(messageOf(fn, T.ArgumentError)).toMatch(pattern);
    expect(messageOf(() => x.permute([0]), T.ShapeError)).toMatch(
      /^permute: axes \[0\] do not match rank 2 of \[2, 3\]/,
    );
    expect(messageOf(() => x.slice(0, 0, 0), T.ShapeError)).toMatch(
      /^slice: 3 slice specs for an array of shape \[2, 3\]/,
    );
    expect(messageOf(() => x.slice(2), T.ArgumentError)).toMatch(
      /^slice: index 2 is out of range for axis 0 of size 2/,
    );
    expect(messageOf(() => x.slice([0, 2, 0]), T.ArgumentError)).toMatch(
      /^slice: step must be a non-zero integer/,
    );
  });

  it('negative and non-integer sizes in zeros, ones, full and random', () => {
    expect(messageOf(() => T.zeros([-1, 2]), T.ArgumentError)).toMatch(/^zeros: invalid shape \[-1, 2\]/);
    expect(messageOf(() => T.zeros([1.5]), T.ArgumentError)).toMatch(/^zeros: invalid shape \[1.5\]/);
    expect(messageOf(() => T.ones([2, -3]), T.ArgumentError)).toMatch(/^ones: invalid shape \[2, -3\]/);
    expect(messageOf(() => T.full([Number.NaN], 1), T.ArgumentError)).toMatch(/^full: invalid shape \[NaN\]/);
    expect(messageOf(() => T.randomNormal([-2]), T.ArgumentError)).toMatch(
      /^randomNormal: invalid shape \[-2\]/,
    );
    expect(messageOf(() => T.eye(-1), T.ArgumentError)).toMatch(/^eye: invalid shape \[-1, -1\]/);
    expect(messageOf(() => T.linspace(0, 1, 2.5), T.ArgumentError)).toMatch(
      /^linspace: num must be a non-negative integer/,
    );
  });

  it('gather and scatterAdd with an out-of-range index name the array and index shapes', () => {
    const x = T.ones([3, 2]);
    const m = messageOf(() => T.gather(x, T.fromArray([0, 5], { dtype: 'int32' })), T.ArgumentError);
    expect(m).toMatch(/^gather: index 5 is out of range for axis 0 of size 3/);
    expect(m).toMatch(/\[3, 2\].*\[2\]/);
    const s = messageOf(
      () => T.scatterAdd([3, 2], T.fromArray([[4]], { dtype: 'int32' }), T.ones([3, 1, 1]), 1),
      T.ArgumentError,
    );
    expect(s).toMatch(
      /^scatterAdd: index 4 is out of range for axis 1 of size 2 \(array \[3, 2\], indices \[1, 1\]\)/,
    );
  });

  it('fromArray with a shape the data does not fill names both shapes', () => {
    const m = messageOf(() => T.fromArray([1, 2, 3, 4, 5], { shape: [2, 3] }), T.ShapeError);
    expect(m).toMatch(/^fromArray: /);
    expect(m).toMatch(/\[5\].*\[2, 3\]/);
    expect(
      messageOf(
        () =>
          T.fromArray(
            [
              [1, 2],
              [3, 4],
            ],
            { shape: [3] },
          ),
        T.ShapeError,
      ),
    ).toMatch(/^fromArray: data of shape \[2, 2\] \(4 values\) does not fill shape \[3\]/);
    expect(messageOf(() => T.fromTyped(new Float32Array(4), [5]), T.ShapeError)).toMatch(
      /^fromTyped: 4 values do not fill shape \[5\]/,
    );
  });

  it('dtype errors name the op and the dtypes', () => {
    expect(
      messageOf(() => T.matmul(T.ones([2, 2], { dtype: 'int32' }), T.ones([2, 2])), T.DTypeError),
    ).toMatch(/^matmul: .*int32 and float32/);
    expect(messageOf(() => T.concat([T.ones([1]), T.ones([1], { dtype: 'bool' })]), T.DTypeError)).toMatch(
      /^concat: dtypes differ \(float32, bool\)/,
    );
  });
});
