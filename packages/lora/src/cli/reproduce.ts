#!/usr/bin/env node
/**
 * `typegrad-lora reproduce`: the LoRA paper's rank experiments in miniature (pnpm reproduce).
 * Every knob of the preset can be set from a JSON config file (--config) or with --set key=value.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { type ExperimentConfig, resolveExperimentConfig } from '../experiments/config.js';
import { reproduce } from '../experiments/reproduce.js';

/** `pretrain.steps=300` → { pretrain: { steps: 300 } } (values parsed as JSON when they are JSON). */
function parseSet(assignment: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = assignment.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError(`expected key=value, got '${assignment}'`);
  const path = assignment.slice(0, eq).split('.');
  const raw = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  const out = structuredClone(previous);
  let node = out;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1]] = value;
  return out;
}

function readJson(path: string): Partial<ExperimentConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`--config ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return JSON.parse(text) as Partial<ExperimentConfig>;
  } catch (err) {
    throw new Error(`--config ${path}: not valid JSON (${(err as Error).message})`);
  }
}

const program = new Command('reproduce')
  .description("Reproduce the LoRA paper's rank experiments in miniature and write a report")
  .option('--preset <name>', 'small (~10 min on 2 cores) | medium | paper', 'small')
  .option(
    '--config <file>',
    'JSON file with any experiment settings (see packages/lora/src/experiments/config.ts)',
  )
  .option(
    '--set <key=value>',
    'override one setting, e.g. --set finetune.steps=50 (repeatable)',
    parseSet,
    {},
  )
  .option(
    '--data-dir <dir>',
    'real E2E data (trainset.csv, devset.csv, testset_w_refs.csv); default: built-in synthetic data',
  )
  .option('--base <dir>', 'use this pretraining run (typegrad train) as the base instead of pretraining one')
  .option('--corpus <path>', 'pretraining text file or folder (default: Moby Dick from npm)')
  .option('--backend <name>', 'tensor backend', 'cpu')
  .option('--seed <n>', 'seed', (v) => Number.parseInt(v, 10))
  .option('--out <dir>', 'run folder (default: runs/reproduce-<preset>)')
  .option('--resume', 'continue the run in --out')
  .option('--force', 'replace an existing run in --out')
  .action(async (opts) => {
    const fromFlags: Partial<ExperimentConfig> = {
      dataDir: opts.dataDir,
      baseRun: opts.base,
      corpus: opts.corpus,
      backend: opts.backend,
      seed: opts.seed,
    };
    const config = resolveExperimentConfig(
      opts.preset,
      opts.config ? readJson(opts.config) : {},
      opts.set,
      fromFlags,
    );
    const outDir = opts.out ?? `runs/reproduce-${config.preset}`;
    const started = performance.now();
    const { reportPath } = await reproduce(config, { outDir, resume: opts.resume, force: opts.force });
    console.log(`\nDone in ${((performance.now() - started) / 60000).toFixed(1)} min. Report: ${reportPath}`);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`reproduce: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
