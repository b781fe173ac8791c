/**
 * Tensor and reverse-mode autograd: the graph an op records, backward, the gradient of a
 * broadcast, a new op written as forward + backward, gradcheck, and a gradient of a gradient.
 * Run: node --import tsx/esm examples/02-autograd.ts (after pnpm build). The tour: docs/tour.md, part 2.
 */
import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';

function check(condition: boolean, claim: string): void {
  if (!condition) throw new Error(`02-autograd: expected ${claim}`);
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) =>
  a.length === b.length && Array.from(a).every((v, i) => Math.abs(v - b[i]) <= tol);

// --- a Tensor wraps an NDArray; ops on it record a graph ---
const x = A.tensor([0.5, -1, 2], { requiresGrad: true });
const y = A.tanh(x); // forward: T.tanh on the values; the output's node remembers x and the rule
console.log(`y = tanh(x) = ${JSON.stringify(y.toArray())}, made by '${y.node?.op}'`);

// --- backward: dL/dx = dL/dy · (1 − tanh²(x)) ---
const loss = A.sum(y);
loss.backward();
const expected = [0.5, -1, 2].map((v) => 1 - Math.tanh(v) ** 2);
console.log(`x.grad = ${JSON.stringify(x.grad!.toArray())}`);
check(close(x.grad!.dataSync(), expected), 'x.grad = 1 - tanh(x)^2');

// --- broadcasting: the gradient of a stretched input is summed back to its shape ---
const w = A.tensor([[1, 2, 3]], { requiresGrad: true }); // [1, 3]
const batch = A.tensor([
  [1, 1, 1],
  [2, 2, 2],
]); // [2, 3], a constant
A.sum(A.mul(batch, w)).backward(); // w is broadcast over 2 rows
console.log(`w.grad = ${JSON.stringify(w.grad!.toArray())} (shape [${w.grad!.shape}])`);
check(
  close(w.grad!.dataSync(), [3, 3, 3]) && w.grad!.shape.length === 2,
  'w.grad = column sums, shape [1, 3]',
);

// --- a new op: forward on NDArrays, backward with differentiable Tensor ops, side by side ---
/** softplus(x) = log(1 + exp(x)); d/dx = sigmoid(x). */
function softplus(input: A.Tensor): A.Tensor {
  const value = T.tidy(() => T.log1p(T.exp(input.value)));
  return A.record('softplus', [input], value, (g) => [A.mul(g, A.sigmoid(input))]);
}

// --- gradcheck: analytic gradient against central differences, in float64 ---
const probe = A.tensor([-2, -0.5, 0, 0.7, 3], { dtype: 'float64' });
const result = A.gradcheck((t) => softplus(t), [probe]);
console.log(
  `gradcheck(softplus): ok ${result.ok}, max |analytic - numeric| ${result.maxAbsError.toExponential(2)}`,
);
check(result.ok, 'softplus to pass gradcheck');

// A wrong rule is caught: here the backward forgets the sigmoid.
function brokenSoftplus(input: A.Tensor): A.Tensor {
  const value = T.tidy(() => T.log1p(T.exp(input.value)));
  return A.record('brokenSoftplus', [input], value, (g) => [g]);
}
const broken = A.gradcheck((t) => brokenSoftplus(t), [probe]);
console.log(`gradcheck(broken softplus): ok ${broken.ok}, worst at index [${broken.worst?.index}]`);
check(!broken.ok, 'gradcheck to reject a wrong backward rule');

// --- backward rules are differentiable, so gradients of gradients work ---
const cube = (t: A.Tensor) => A.sum(A.mul(A.mul(t, t), t)); // Σ t³
const secondDerivative = A.grad((t: A.Tensor) => A.sum(A.grad(cube)(t)[0])); // d/dt Σ 3t² = 6t
const at = A.tensor([1, 2], { dtype: 'float64' });
const hessianDiagonal = secondDerivative(at)[0];
console.log(`d²/dt² Σ t³ at [1, 2] = ${JSON.stringify(hessianDiagonal.toArray())}`);
check(close(hessianDiagonal.dataSync(), [6, 12]), 'second derivative 6t');

// --- noGrad: nothing is recorded (evaluation, optimizer updates) ---
const untracked = A.noGrad(() => A.tanh(x));
check(!untracked.requiresGrad, 'no graph inside noGrad');

console.log('02-autograd: ok');
