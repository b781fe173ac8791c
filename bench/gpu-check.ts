/**
 * GPU check: times the gpujs backend on WebGPU (Dawn: Vulkan on a machine with a GPU, OpenGL on
 * Mesa llvmpipe elsewhere) and prints GFLOP/s and achieved memory bandwidth for matmul, an
 * attention block and a large elementwise add. Every timed result is first checked against
 * the cpu backend. Run by gpu-check.sh; `--quick` uses the small sizes a software adapter
 * can do in seconds (picked automatically on llvmpipe).
 *
 * Timing: a GPU queue runs in order, so N calls are submitted and the last result read back;
 * the time per call includes 1/N of that readback.
 */
import * as T from '@typegrad/tensor';
import { registerGpujsBackend } from '@typegrad/tensor/gpujs';

interface Row {
  what: string;
  ms: number;
  gflops: number;
  gbps: number;
}

const info = await registerGpujsBackend({ mode: 'webgpu' });
const backend = info.name;
// Dawn falls back to OpenGL only where no GPU driver answers: Mesa llvmpipe, in software
const software = /llvmpipe|lavapipe|swiftshader|Dawn opengl/i.test(info.detail);
const quick = process.argv.includes('--quick') || software;
console.log(`gpu-check: ${backend} on ${info.detail}${quick ? ' (quick sizes)' : ''}`);

/** Seconds per call of `step`, over enough calls to take about `budgetMs`. */
async function timePerCall(step: () => T.NDArray, budgetMs: number): Promise<number> {
  const warm = step(); // compiles the kernels
  await warm.data();
  warm.dispose();
  let calls = 1;
  for (;;) {
    const start = performance.now();
    let last: T.NDArray | null = null;
    for (let i = 0; i < calls; i++) {
      last?.dispose();
      last = step();
    }
    await last!.data();
    last!.dispose();
    const elapsed = performance.now() - start;
    if (elapsed > budgetMs || calls >= 4096) return elapsed / calls / 1000;
    calls *= Math.max(2, Math.min(8, Math.ceil(budgetMs / Math.max(elapsed, 1))));
  }
}

/** Checks a device result against the same computation on cpu. */
async function check(what: string, device: T.NDArray, host: T.NDArray, tol: number): Promise<void> {
  const [got, want] = [await device.data(), host.dataSync()];
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  device.dispose();
  host.dispose();
  if (!(worst <= tol)) throw new Error(`gpu-check: ${what} differs from cpu by ${worst} (tolerance ${tol})`);
}

const onBoth = (shape: number[], seed: number) => {
  const cpu = T.randomNormal(shape, { seed, backend: 'cpu' });
  return { cpu, gpu: cpu.to(backend) };
};

const rows: Row[] = [];
const budget = quick ? 300 : 1000;

for (const n of quick ? [64, 128] : [256, 512, 1024, 2048, 4096]) {
  const a = onBoth([n, n], 1);
  const b = onBoth([n, n], 2);
  await check(`matmul ${n}`, T.matmul(a.gpu, b.gpu), T.matmul(a.cpu, b.cpu), 1e-3);
  const s = await timePerCall(() => T.matmul(a.gpu, b.gpu), budget);
  rows.push({
    what: `matmul ${n}x${n}x${n}`,
    ms: s * 1e3,
    gflops: (2 * n ** 3) / s / 1e9,
    gbps: (3 * n * n * 4) / s / 1e9,
  });
  for (const x of [a.cpu, a.gpu, b.cpu, b.gpu]) x.dispose();
}

// causal-free attention of one layer: softmax(q kᵀ / √d) v, batch 1, heads 12, head dim 64
for (const t of quick ? [32, 64] : [128, 256, 512, 1024]) {
  const [h, d] = [12, 64];
  const [q, k, v] = [onBoth([h, t, d], 3), onBoth([h, t, d], 4), onBoth([h, t, d], 5)];
  const attend = (qq: T.NDArray, kk: T.NDArray, vv: T.NDArray) =>
    T.tidy(() => T.matmul(T.softmax(T.mul(T.matmul(qq, kk.transpose(1, 2)), 1 / Math.sqrt(d)), -1), vv));
  await check(`attention T=${t}`, attend(q.gpu, k.gpu, v.gpu), attend(q.cpu, k.cpu, v.cpu), 1e-3);
  const s = await timePerCall(() => attend(q.gpu, k.gpu, v.gpu), budget);
  const flops = 2 * 2 * h * t * t * d + 5 * h * t * t;
  // bytes the ops must move at least: q, k, v, output, and the t×t scores written and read by each op
  const bytes = 4 * (4 * h * t * d + 8 * h * t * t);
  rows.push({
    what: `attention h=${h} t=${t} d=${d}`,
    ms: s * 1e3,
    gflops: flops / s / 1e9,
    gbps: bytes / s / 1e9,
  });
  for (const x of [q, k, v]) for (const y of [x.cpu, x.gpu]) y.dispose();
}

for (const n of quick ? [1 << 16] : [1 << 20, 1 << 24]) {
  const a = onBoth([n], 6);
  const b = onBoth([n], 7);
  await check(`add ${n}`, T.add(a.gpu, b.gpu), T.add(a.cpu, b.cpu), 1e-6);
  const s = await timePerCall(() => T.add(a.gpu, b.gpu), budget);
  rows.push({ what: `add ${n} floats`, ms: s * 1e3, gflops: n / s / 1e9, gbps: (3 * n * 4) / s / 1e9 });
  for (const x of [a.cpu, a.gpu, b.cpu, b.gpu]) x.dispose();
}

console.log('| case | ms/call | GFLOP/s | GB/s |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows)
  console.log(`| ${r.what} | ${r.ms.toFixed(3)} | ${r.gflops.toFixed(2)} | ${r.gbps.toFixed(2)} |`);
process.exit(0);
