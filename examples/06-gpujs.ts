/**
 * The gpujs backend: gpu.js kernels on WebGPU, WebGL (headless-gl in Node), WebAssembly or plain
 * JavaScript. Registers it (`auto` says which mode and why), moves arrays explicitly, reads
 * results back, and fits a small network (as in example 03) with autograd and AdamW on it, unchanged.
 * Run: node --import tsx/esm examples/06-gpujs.ts [auto|webgpu|headlessgl|webasm|cpu] (after pnpm build).
 */
import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { type GpujsMode, gpujsStats, registerGpujsBackend } from '@typegrad/tensor/gpujs';
import { AdamW, Linear } from '@typegrad/transformer';

function check(condition: boolean, claim: string): void {
  if (!condition) throw new Error(`06-gpujs: expected ${claim}`);
}

// --- register: 'auto' tries a hardware GPU first, else WebAssembly, and says what it chose ---
const mode = (process.argv[2] ?? 'auto') as GpujsMode | 'auto';
const { name, detail, mode: ran } = await registerGpujsBackend({ mode });
console.log(`backend '${name}' runs gpu.js mode '${ran}' (${detail})`);

// --- arrays live on one backend; moving them is explicit ---
const a = T.fromArray([
  [1, 2],
  [3, 4],
]); // on the default backend, cpu
const onDevice = await a.toAsync(name); // upload (a copy)
const product = T.matmul(onDevice, onDevice.T); // runs a gpu.js kernel; the result stays there
// data() works on every backend; dataSync() too, except on webgpu, whose reads are asynchronous
console.log(`a·aᵀ on ${product.backend} = [${Array.from(await product.data())}]`);
check(Array.from(await product.data()).join() === '5,11,11,25', 'a·aᵀ = [5, 11, 11, 25]');
for (const x of [a, onDevice, product]) x.dispose();

// --- training runs unchanged: make the gpujs backend the default, and every array lands there ---
T.setDefaultBackend(name);
const generator = new T.Generator(0);
const hidden = new Linear(1, 16, { generator }); // the weights are made on the gpujs backend
const out = new Linear(16, 1, { generator });
const forward = (x: A.Tensor) => out.forward(A.tanh(hidden.forward(x)));
const xs = T.linspace(-1, 1, 32).reshape([32, 1]);
const inputs = new A.Tensor(xs);
const targets = new A.Tensor(T.sin(T.mul(xs, 3)));
const optimizer = new AdamW([...hidden.parameters(), ...out.parameters()], { lr: 0.02, weightDecay: 0 });
const losses: number[] = [];
for (let step = 0; step <= 60; step++) {
  const loss = T.tidy(() => {
    const mse = A.mean(A.square(A.sub(forward(inputs), targets)));
    optimizer.zeroGrad();
    mse.backward();
    optimizer.step();
    return mse.value; // kept by tidy; everything else of the step is freed
  });
  if (step % 20 === 0) {
    const [value] = await loss.data(); // the only wait for the device in the loop
    losses.push(value);
    console.log(`step ${String(step).padStart(2)}  mse ${value.toFixed(5)}  (on ${loss.backend})`);
  }
  loss.dispose();
}
check(losses[losses.length - 1] < losses[0] / 2, 'the loss to fall by half');
T.setDefaultBackend('cpu');

const stats = gpujsStats(name);
console.log(`${stats.compiled} kernels compiled (cached per op and shape), ${stats.calls} calls`);
check(stats.degraded === 0, 'no kernel to fall back to gpu.js cpu mode quietly');
console.log('06-gpujs: ok');
