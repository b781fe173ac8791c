/**
 * Runs in a scratch project outside the workspace, against the packed tarballs: trains a tiny
 * GPT, freezes it behind LoRA adapters, fine-tunes them and checks that the loss falls and that
 * merging changes nothing, then runs a matmul on the gpujs backend (gpu.js, an optional
 * dependency). Plain JavaScript, as a consumer without a TypeScript toolchain runs it.
 */
import * as A from '@typegrad/autograd';
import { applyLora, mergeAdapters, trainableReport } from '@typegrad/lora';
import * as T from '@typegrad/tensor';
import { parseSafetensors, serializeSafetensors } from '@typegrad/tensor';
import { AdamW, ByteTokenizer, GPT, randomBatches } from '@typegrad/transformer';

// The Node-only entry points resolve too.
await import('@typegrad/tensor/node');
await import('@typegrad/transformer/node');
await import('@typegrad/lora/node');

const tokenizer = new ByteTokenizer();
const batchesOf = (text) =>
  randomBatches(Int32Array.from(tokenizer.encode(text.repeat(40))), { batchSize: 8, blockSize: 32, seed: 1 });
// Pretraining text and fine-tuning task differ, so the adapters have something to learn.
const pretrainBatches = batchesOf('the cat sat on the mat. the dog sat on the log. ');
const taskBatches = batchesOf('a bird flew over a hill; a fish swam under a bridge; ');
const model = new GPT({ vocab_size: 256, n_positions: 32, n_embd: 32, n_layer: 1, n_head: 2 }, { seed: 0 });

function train(optimizer, batches, steps) {
  const losses = [];
  for (let step = 0; step < steps; step++) {
    losses.push(
      T.tidy(() => {
        const { x, y } = batches.next().value;
        const loss = model.loss(x, y);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        return loss.item();
      }),
    );
  }
  return losses;
}

const pretrain = train(new AdamW(model.parameters(), { lr: 5e-3, weightDecay: 0 }), pretrainBatches, 30);
applyLora(model, { r: 4, alpha: 8, targetModules: ['q', 'v'] });
console.log(trainableReport(model).text);
const finetune = train(new AdamW(model.trainableParameters(), { lr: 2e-2, weightDecay: 0 }), taskBatches, 40);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const [first, last] = [mean(finetune.slice(0, 5)), mean(finetune.slice(-5))];
console.log(`pretrain loss ${pretrain[0].toFixed(3)} -> ${pretrain.at(-1).toFixed(3)}`);
console.log(`LoRA fine-tune loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
if (!(last < 0.9 * first)) {
  console.error('pack smoke test: the LoRA fine-tuning loss did not fall by a tenth');
  process.exit(1);
}

model.eval();
const ids = taskBatches.next().value.x;
const before = A.noGrad(() => model.forward(ids).value);
mergeAdapters(model);
const after = A.noGrad(() => model.forward(ids).value);
const difference = T.max(T.abs(T.sub(before, after))).item();
if (!(difference < 1e-3)) {
  console.error(`pack smoke test: merged logits differ by ${difference}`);
  process.exit(1);
}

// Safetensors round trip of the state dict, in memory (the browser-safe entry).
const state = model.stateDict();
const parsed = parseSafetensors(serializeSafetensors(state));
if (parsed.tensors.size !== state.size) {
  console.error('pack smoke test: the safetensors round trip lost the state dict');
  process.exit(1);
}
// The gpujs entry with its optional dependency gpu.js, in the mode that needs no device.
const { registerGpujsBackend } = await import('@typegrad/tensor/gpujs');
const { name } = await registerGpujsBackend({ mode: 'cpu' });
const a = T.fromArray([
  [1, 2],
  [3, 4],
]);
const onDevice = T.matmul(a.to(name), a.to(name).T);
if (onDevice.backend !== name || Array.from(await onDevice.data()).join() !== '5,11,11,25') {
  console.error(`pack smoke test: matmul on ${name} gave ${Array.from(await onDevice.data())}`);
  process.exit(1);
}
console.log('pack smoke test: ok');
