/**
 * NDArray: shape and strides, views that share storage, broadcasting, and a kernel in the registry.
 * Run: node --import tsx/esm examples/01-ndarray.ts (after pnpm build). The tour: docs/tour.md, part 1.
 */
import * as T from '@typegrad/tensor';

/** Stops the example with a message when what the tour claims does not hold. */
function check(condition: boolean, claim: string): void {
  if (!condition) throw new Error(`01-ndarray: expected ${claim}`);
}

// --- shape, strides, dtype ---
const x = T.arange(6).reshape([2, 3]); // [[0, 1, 2], [3, 4, 5]], int32: every argument was an integer
console.log(`x: shape [${x.shape}], strides [${x.strides}], dtype ${x.dtype}`);
// Element (i, j) lives at offset + i·strides[0] + j·strides[1] of the storage.
check(x.strides[0] === 3 && x.strides[1] === 1, 'row-major strides [3, 1]');

// --- views share storage ---
const xT = x.T; // transpose: the same storage read with swapped strides
console.log(`x.T: shape [${xT.shape}], strides [${xT.strides}], contiguous ${xT.isContiguous}`);
check(xT.storage === x.storage, 'x.T to share the storage of x');

const secondRow = x.slice(1); // an index drops the axis: [3, 4, 5]
const everyOther = x.slice(null, [0, 3, 2]); // [start, stop, step] keeps it: columns 0 and 2
console.log(`x.slice(1) = ${JSON.stringify(secondRow.toArray())}, offset ${secondRow.offset}`);
console.log(`x.slice(null, [0, 3, 2]) = ${JSON.stringify(everyOther.toArray())}`);
check(secondRow.storage === x.storage && secondRow.offset === 3, 'a slice to be a view at offset 3');

const copied = xT.contiguous(); // a copy, because the transposed view is not row-major
check(copied.storage !== x.storage && copied.isContiguous, 'contiguous() of a transpose to copy');

// --- broadcasting ---
const column = T.fromArray([[10], [20]]); // [2, 1], float32
const sum = T.add(x, column); // [2, 3] + [2, 1] -> [2, 3]; int32 + float32 -> float32
console.log(`x + [[10], [20]] = ${JSON.stringify(sum.toArray())} (${sum.dtype})`);
const stretched = column.expand([2, 3]); // what broadcasting does: stride 0 on the stretched axis
console.log(`[[10], [20]].expand([2, 3]): strides [${stretched.strides}]`);
check(stretched.strides[1] === 0, 'stride 0 on a broadcast axis');

// --- a kernel in the registry ---
console.log(`cpu kernels: ${T.kernelNames('cpu').join(', ')}`);
const unaryKernel = T.getKernel('cpu', 'unary');
let unaryCalls = 0;
// Ops look their kernel up on every call, so a wrapper registered here sees every unary op.
T.registerKernel('cpu', 'unary', (op, input, outDtype) => {
  unaryCalls++;
  console.log(`  unary kernel: ${op} on [${input.shape}] ${input.dtype} -> ${outDtype}`);
  return unaryKernel(op, input, outDtype);
});
const e = T.exp(x); // int32 in, float32 out
T.registerKernel('cpu', 'unary', unaryKernel); // put the original back
check(unaryCalls === 1 && e.dtype === 'float32', 'one unary kernel call with a float32 result');

// --- memory: tidy frees what a block made, except what it returns ---
const before = T.memory().arrays;
const rowSums = T.tidy(() => T.sum(T.mul(T.cast(x, 'float32'), 2), 1)); // temporaries freed here
console.log(
  `row sums of 2x: ${JSON.stringify(rowSums.toArray())}; live arrays +${T.memory().arrays - before}`,
);
check(T.memory().arrays - before === 1, 'tidy to leave only its result alive');

console.log('01-ndarray: ok');
