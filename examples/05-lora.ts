/**
 * LoRA end to end: pretrain a tiny GPT briefly on the built-in corpus, freeze it, add rank-4
 * adapters on the query and value projections, fine-tune them on a small synthetic task
 * (sentences of a tiny grammar), then merge the adapters into the weights and check that
 * the merged model computes what the adapted one did.
 * Run: node --import tsx/esm examples/05-lora.ts (after pnpm build). The tour: docs/tour.md, part 5.
 */
import * as A from '@typegrad/autograd';
import { applyLora, loraLayers, mergeAdapters, trainableReport, withAdaptersDisabled } from '@typegrad/lora';
import * as T from '@typegrad/tensor';
import {
  AdamW,
  ByteTokenizer,
  defaultCorpus,
  encodeCorpus,
  GPT,
  generate,
  randomBatches,
} from '@typegrad/transformer';

const tokenizer = new ByteTokenizer();
const model = new GPT(
  { vocab_size: tokenizer.vocabSize, n_positions: 64, n_embd: 64, n_layer: 2, n_head: 4 },
  { seed: 0 },
);

/** Next-byte prediction on the built-in corpus: the "pretrained" base (about 130k tokens). */
function pretrain(steps: number): number {
  const batches = randomBatches(encodeCorpus(tokenizer, defaultCorpus()), {
    batchSize: 8,
    blockSize: 64,
    seed: 2,
  });
  const optimizer = new AdamW(model.parameters(), { lr: 8e-3, weightDecay: 0 });
  let loss = Number.NaN;
  for (let step = 0; step < steps; step++) {
    loss = T.tidy(() => {
      const { x, y } = batches.next().value;
      const l = model.loss(x, y);
      optimizer.zeroGrad();
      l.backward();
      optimizer.step();
      return l.item();
    });
  }
  return loss;
}
console.log(`pretrained 250 steps on the corpus: loss ${pretrain(250).toFixed(3)}`);

// --- the fine-tuning task: sentences of a tiny grammar, "the <animal> eats <food>.\n" ---
const animals = ['cat', 'dog', 'owl', 'fox', 'bee', 'ant'];
const foods = ['fish', 'rice', 'corn', 'figs', 'nuts', 'kale'];

/** `rows` windows of 48 bytes cut from a stream of random sentences; targets are inputs shifted by one. */
function taskBatch(rows: number, seed: number): { x: T.NDArray; y: T.NDArray } {
  const length = 48;
  const x = new Int32Array(rows * length);
  const y = new Int32Array(rows * length);
  for (let row = 0; row < rows; row++) {
    let text = '';
    for (let k = 0; text.length <= length + 20; k++) {
      const pick = (list: string[], n: number) =>
        list[Math.floor(T.uniformAt(seed, 2 * (row * 64 + k) + n) * list.length)];
      text += `the ${pick(animals, 0)} eats ${pick(foods, 1)}.\n`;
    }
    const ids = tokenizer.encode(text);
    x.set(ids.slice(0, length), row * length);
    y.set(ids.slice(1, length + 1), row * length);
  }
  return { x: T.fromTyped(x, [rows, length]), y: T.fromTyped(y, [rows, length]) };
}

const evalBatch = taskBatch(16, 999);
const taskLoss = () => A.noGrad(() => T.tidy(() => model.loss(evalBatch.x, evalBatch.y).item()));

// --- LoRA: freeze the model, adapters of rank 4 on q and v of every block ---
applyLora(model, { r: 4, alpha: 8, targetModules: ['q', 'v'] });
console.log(trainableReport(model).text);
console.log(
  `adapted layers: ${loraLayers(model)
    .map(([path]) => path)
    .join(', ')}`,
);
const before = taskLoss(); // B starts at zero, so this is the base model's loss
console.log(`task loss before fine-tuning: ${before.toFixed(3)}`);

const optimizer = new AdamW(model.trainableParameters(), { lr: 2e-2, weightDecay: 0 });
for (let step = 0; step < 150; step++) {
  const loss = T.tidy(() => {
    const { x, y } = taskBatch(8, step);
    const l = model.loss(x, y);
    optimizer.zeroGrad();
    l.backward();
    optimizer.step();
    return l.item();
  });
  if (step % 30 === 0 || step === 149)
    console.log(`fine-tune step ${String(step).padStart(3)}  loss ${loss.toFixed(4)}`);
}
const after = taskLoss();
const baseLoss = withAdaptersDisabled(model, taskLoss); // the frozen base is untouched
console.log(`task loss: base ${baseLoss.toFixed(3)}, with adapters ${after.toFixed(3)}`);
if (!(after < 0.75 * before) || Math.abs(baseLoss - before) > 1e-6) {
  throw new Error(
    `05-lora: expected the task loss to fall by a quarter and the base to stay (${before} -> ${after}, base ${baseLoss})`,
  );
}
console.log(`loss fell from ${before.toFixed(3)} to ${after.toFixed(3)}`);

// --- merge: W ← W + (alpha/r)·B·A, after which the adapters cost nothing at inference ---
model.eval();
const logits = (ids: T.NDArray) => A.noGrad(() => model.forward(ids).value);
const unmerged = logits(evalBatch.x);
mergeAdapters(model);
const merged = logits(evalBatch.x);
const maxDifference = T.tidy(() => T.max(T.abs(T.sub(merged, unmerged))).item());
const largestLogit = T.tidy(() => T.max(T.abs(unmerged)).item());
// float32: the two orders of summation agree to rounding, relative to the logits' size.
console.log(
  `max |merged - unmerged| logit: ${maxDifference.toExponential(2)} (largest |logit| ${largestLogit.toFixed(1)})`,
);
if (!(maxDifference <= 1e-4 * largestLogit))
  throw new Error(`05-lora: merged logits differ by ${maxDifference}`);
console.log('merged == unmerged: ok');

const sample = generate(model, tokenizer.encode('the '), { maxNewTokens: 24, temperature: 0 });
console.log(
  `greedy after merge: ${JSON.stringify(tokenizer.decode([...tokenizer.encode('the '), ...sample]))}`,
);
