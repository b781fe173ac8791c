/** Thrown when shapes do not fit an op; the message names the op and every shape involved. */
export class ShapeError extends RangeError {
  override name = 'ShapeError';
}

/** Thrown when a dtype is not allowed for an op or two dtypes do not fit together. */
export class DTypeError extends TypeError {
  override name = 'DTypeError';
}

/** Thrown for a bad argument value: a negative size, an axis or index out of range, a wrong length. */
export class ArgumentError extends RangeError {
  override name = 'ArgumentError';
}

/** Formats a shape the way NumPy prints it: `[2, 3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
