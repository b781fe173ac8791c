/**
 * A tiny GPT trained for a few dozen steps on the built-in corpus (Moby Dick, byte tokens), then
 * greedy and beam-search generation with the key/value cache.
 * Run: node --import tsx/esm examples/04-gpt-generate.ts (after pnpm build). The tour: docs/tour.md, part 4.
 */
import * as T from '@typegrad/tensor';
import {
  AdamW,
  ByteTokenizer,
  beamSearch,
  defaultCorpus,
  encodeCorpus,
  GPT,
  generate,
  randomBatches,
} from '@typegrad/transformer';

const steps = Number(process.env.EXAMPLE_STEPS ?? 250);
const tokenizer = new ByteTokenizer();
const tokens = encodeCorpus(tokenizer, defaultCorpus()); // Int32Array of bytes
const batches = randomBatches(tokens, { batchSize: 8, blockSize: 64, seed: 1 });

const model = new GPT(
  { vocab_size: tokenizer.vocabSize, n_positions: 128, n_embd: 64, n_layer: 2, n_head: 4 },
  { seed: 0 },
);
const optimizer = new AdamW(model.parameters(), { lr: 4e-3, weightDecay: 0 });
console.log(`GPT: ${model.numParameters().toLocaleString('en-US')} parameters, ${tokens.length} tokens`);

const losses: number[] = [];
for (let step = 0; step < steps; step++) {
  const loss = T.tidy(() => {
    const { x, y } = batches.next().value; // int32 [8, 64]; y is x shifted by one token
    const l = model.loss(x, y);
    optimizer.zeroGrad();
    l.backward();
    optimizer.step();
    return l.item();
  });
  losses.push(loss);
  if (step % 50 === 0 || step === steps - 1)
    console.log(`step ${String(step).padStart(3)}  loss ${loss.toFixed(4)}`);
}
// Average a few steps at each end: single batches are noisy.
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const [start, end] = [mean(losses.slice(0, 5)), mean(losses.slice(-5))];
if (!(end < start - 0.5)) throw new Error(`04-gpt-generate: expected the loss to fall, ${start} -> ${end}`);
console.log(`loss fell from ${start.toFixed(3)} to ${end.toFixed(3)}`);

const prompt = tokenizer.encode('The whale ');
const greedy = generate(model, prompt, { maxNewTokens: 24, temperature: 0 });
const beams = beamSearch(model, prompt, { numBeams: 4, maxNewTokens: 24, noRepeatNgramSize: 3 });
console.log(`greedy: ${JSON.stringify(tokenizer.decode([...prompt, ...greedy]))}`);
console.log(`beam 4: ${JSON.stringify(tokenizer.decode([...prompt, ...beams]))}`);
if (greedy.length !== 24 || beams.length === 0)
  throw new Error('04-gpt-generate: generation came back short');
console.log('04-gpt-generate: ok');
