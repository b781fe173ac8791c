import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '@typegrad/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { CharTokenizer, learningRateAt } from '../src/index.js';
import { loadRun, pretrain } from '../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'typegrad-trainer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = 'the quick brown fox jumps over the lazy dog. '.repeat(60);
const base = {
  text,
  tokenizer: CharTokenizer.fromText(text),
  model: { n_positions: 16, n_layer: 1, n_head: 2, n_embd: 16, resid_pdrop: 0.1 },
  batchSize: 4,
  lr: 3e-3,
  seed: 3,
  evalEvery: 3,
  evalBatches: 2,
  quiet: true,
};

const lossesOf = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { step: number; loss: number });

describe('pretraining', () => {
  it('resume continues from the saved step with the same subsequent losses', async () => {
    const full = join(dir, 'full');
    await pretrain({ ...base, outDir: full, steps: 6, checkpointEvery: 3, quiet: true });
    const reference = lossesOf(join(full, 'metrics.jsonl'));

    const part = join(dir, 'part');
    await pretrain({ ...base, outDir: part, steps: 6, checkpointEvery: 3, maxSeconds: 0 }); // stops after step 1
    const resumed = await pretrain({ ...base, outDir: part, steps: 6, checkpointEvery: 3, resume: true });
    expect(resumed.last?.step).toBe(6);
    const losses = lossesOf(join(part, 'metrics.jsonl'));
    const byStep = new Map(losses.map((m) => [m.step, m.loss]));
    for (const m of reference) expect(byStep.get(m.step)).toBe(m.loss);
  });

  it('refuses to overwrite an existing run and names the way out', async () => {
    const again = join(dir, 'full');
    await expect(pretrain({ ...base, outDir: again, steps: 2 })).rejects.toThrow(
      /already holds a run.*--resume.*--force/,
    );
  });

  it('a saved run loads back and gives the same validation loss', async () => {
    const { model } = await loadRun(join(dir, 'full'));
    const ids = T.fromTyped(
      Int32Array.from({ length: 16 }, (_, i) => i % 10),
      [1, 16],
    );
    expect(model.forward(ids).shape).toEqual([1, 16, base.tokenizer.vocabSize]);
  });
});

describe('schedules', () => {
  it('warmup rises linearly to the peak, cosine decays to the floor', () => {
    const o = { lr: 1, warmupSteps: 4, totalSteps: 14, decay: 'cosine' as const, minLrRatio: 0.1 };
    expect(learningRateAt(0, o)).toBeCloseTo(0.25);
    expect(learningRateAt(3, o)).toBeCloseTo(1);
    expect(learningRateAt(4, o)).toBeCloseTo(1);
    expect(learningRateAt(9, o)).toBeCloseTo(0.55);
    expect(learningRateAt(14, o)).toBeCloseTo(0.1);
  });
});
