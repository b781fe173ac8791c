#!/usr/bin/env node
/**
 * `typegrad train` pretrains a GPT on text; `typegrad generate` samples from a run.
 * With no arguments, `train` uses the built-in corpus (Moby Dick, from npm) and a small model.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runGenerate } from './generate-command.js';
import { runTrain } from './train-command.js';

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got '${v}'`);
  return n;
};
const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got '${v}'`);
  return n;
};

const program = new Command('typegrad').description('A GPT in TypeScript: pretrain on text, then sample.');

program
  .command('train')
  .description('pretrain a GPT on a text file or folder (default: Moby Dick from npm)')
  .option('--data <path>', 'text file, or a folder of .txt files')
  .option('--config <file>', 'JSON file with any of the options below (command-line flags win)')
  .option('--out <dir>', 'run folder', 'runs/pretrain')
  .option('--tokenizer <kind>', 'char | byte | gpt2 (gpt2 needs --bpe-dir)', 'char')
  .option('--bpe-dir <dir>', 'folder with encoder.json and vocab.bpe')
  .option('--steps <n>', 'training steps', int, 300)
  .option('--minutes <m>', 'stop (and checkpoint) after this many minutes', num)
  .option('--batch-size <n>', 'sequences per step', int, 16)
  .option('--block-size <n>', 'context length', int, 64)
  .option('--n-layer <n>', 'Transformer blocks', int, 4)
  .option('--n-head <n>', 'attention heads', int, 4)
  .option('--n-embd <n>', 'model width', int, 128)
  .option('--dropout <p>', 'dropout probability', num, 0)
  .option('--lr <lr>', 'peak learning rate', num, 3e-3)
  .option('--seed <n>', 'random seed', int, 0)
  .option('--eval-every <n>', 'validation every n steps', int, 50)
  .option('--checkpoint-every <n>', 'checkpoint every n steps', int, 50)
  .option('--resume', 'continue the run in --out')
  .option('--force', 'replace an existing run in --out')
  .action(async (opts) => runTrain(opts));

program
  .command('generate')
  .description('sample text from a trained run')
  .option('--run <dir>', 'run folder (or checkpoint file)', 'runs/pretrain')
  .option('--bpe-dir <dir>', 'folder with encoder.json and vocab.bpe (gpt2 tokenizer runs)')
  .option('--prompt <text>', 'text to continue', '\n')
  .option('--max-new-tokens <n>', 'tokens to generate', int, 200)
  .option('--temperature <t>', '0 = greedy', num, 0.8)
  .option('--top-k <k>', 'keep the k most likely tokens', int)
  .option('--top-p <p>', 'nucleus sampling mass', num)
  .option('--beams <n>', 'beam search with n beams (ignores sampling options)', int)
  .option('--seed <n>', 'sampling seed', int, 0)
  .action(async (opts) => runGenerate(opts));

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`typegrad: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
