/**
 * The demo page: pretrain a tiny GPT briefly, add LoRA adapters (r = 4 on q and v), fine-tune
 * them on a small grammar with a live loss curve, then generate text. Progress is exposed for
 * tests as `data-state` on #app and as `window.__typegrad`.
 *
 * `?pretrain-on=cpu` pretrains on the cpu backend and moves the base model to the chosen backend
 * for fine-tuning and generation: on a software renderer (SwiftShader WebGL, about 2.8 s a
 * step) the 200 pretraining steps would take minutes, and LoRA needs a pretrained base to learn.
 */
import { applyLora, trainableReport } from '@typegrad/lora';
import { getCpuOptions, setCpuOptions, setDefaultBackend } from '@typegrad/tensor';
import { ByteTokenizer, encodeCorpus, GPT, randomBatches } from '@typegrad/transformer';
import { backendRequestFrom, chooseBackend } from './backend.js';
import { drawLossPlot } from './loss-plot.js';
import { sampleText } from './sample-text.js';
import { grammarText, PRETRAIN_TEXT } from './texts.js';
import { trainLoop } from './train-loop.js';

type DemoState = 'loading' | 'backend' | 'pretraining' | 'finetuning' | 'generating' | 'done' | 'error';

/** What tests read from `window.__typegrad`. */
interface DemoProgress {
  state: DemoState;
  /** Registered backend name (`cpu`, `gpujs:webgpu`, ...), what runs, and why it was picked. */
  backend: string;
  backendLabel: string;
  backendReason: string;
  /** The backend pretraining ran on: `backend`, or `cpu` with `?pretrain-on=cpu`. */
  pretrainBackend: string;
  pretrainLosses: number[];
  /** Losses of the LoRA fine-tuning steps. */
  losses: number[];
  /** Sampled after pretraining, before the adapters exist. */
  baseText: string;
  /** Sampled after fine-tuning. */
  text: string;
  /** Mean wall time of a pretraining step and of a LoRA fine-tuning step (sampling excluded). */
  pretrainMsPerStep: number;
  msPerStep: number;
  error: string | null;
}

declare global {
  interface Window {
    __typegrad: DemoProgress;
  }
}

const PROMPT = 'the ';
const SAMPLE = { maxNewTokens: 60, temperature: 0.5, topK: 4, seed: 3 };

const root = element<HTMLElement>('app');
const progress: DemoProgress = {
  state: 'loading',
  backend: '',
  backendLabel: '',
  backendReason: '',
  pretrainBackend: '',
  pretrainLosses: [],
  losses: [],
  baseText: '',
  text: '',
  pretrainMsPerStep: 0,
  msPerStep: 0,
  error: null,
};
window.__typegrad = progress;

function element<E extends HTMLElement>(id: string): E {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html has no element #${id}`);
  return found as E;
}

function setState(state: DemoState, status: string): void {
  progress.state = state;
  root.dataset.state = state;
  element('status').textContent = status;
}

/** Integer from `?name=` (at least `least`), else `fallback`: `?pretrain=50&finetune=40&threads=1`. */
function integerParam(name: string, fallback: number, least: number): number {
  const raw = new URLSearchParams(location.search).get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < least)
    throw new Error(`?${name}= must be an integer >= ${least}, got '${raw}'`);
  return value;
}

/** `?pretrain-on=cpu`, or null when pretraining runs on the chosen backend. */
function pretrainOnParam(): 'cpu' | null {
  const raw = new URLSearchParams(location.search).get('pretrain-on');
  if (raw === null || raw === 'cpu') return raw;
  throw new Error(`?pretrain-on= can only be cpu, got '${raw}'`);
}

/** Moves every parameter of `model` to `backend` and makes that the default for what follows. */
async function moveModel(model: GPT, backend: string): Promise<void> {
  setDefaultBackend(backend);
  for (const p of model.parameters()) {
    p.zeroGrad(); // the last pretraining gradients live on the old backend
    p.assign(await p.value.toAsync(backend));
  }
}

async function run(): Promise<void> {
  const pretrainOn = pretrainOnParam();
  const pretrainSteps = integerParam('pretrain', 200, 2);
  const finetuneSteps = integerParam('finetune', 150, 2);
  setCpuOptions({ threads: integerParam('threads', getCpuOptions().threads, 1) });
  const totalSteps = pretrainSteps + finetuneSteps;

  setState('backend', 'choosing a backend…');
  const backend = await chooseBackend(backendRequestFrom(location.search));
  progress.backend = backend.name;
  progress.backendLabel = backend.label;
  progress.backendReason = backend.reason;
  progress.pretrainBackend = pretrainOn ?? backend.name;
  element('backend').textContent =
    `${backend.label} (${backend.reason})${pretrainOn ? '; the base model is pretrained on the cpu backend' : ''}`;
  if (pretrainOn) setDefaultBackend(pretrainOn);

  const tokenizer = new ByteTokenizer();
  const model = new GPT(
    { vocab_size: tokenizer.vocabSize, n_positions: 64, n_embd: 48, n_layer: 2, n_head: 4 },
    { seed: 0 },
  );
  const plot = element<HTMLCanvasElement>('loss-plot');
  const redraw = () =>
    drawLossPlot(
      plot,
      [
        { label: 'pretraining', color: '#8a8a8a', values: progress.pretrainLosses },
        { label: 'LoRA fine-tuning', color: '#d9480f', values: progress.losses },
      ],
      totalSteps,
    );
  redraw();
  const batchesOf = (text: string, seed: number) =>
    randomBatches(encodeCorpus(tokenizer, text), { batchSize: 8, blockSize: 64, seed });

  setState('pretraining', `pretraining ${model.numParameters().toLocaleString('en-US')} parameters…`);
  element('parameters').textContent = `${model.numParameters().toLocaleString('en-US')} in the base model`;
  let started = performance.now();
  await trainLoop(model, model.parameters(), batchesOf(PRETRAIN_TEXT, 1), {
    steps: pretrainSteps,
    learningRate: 3e-3,
    onStep: (step, loss) => {
      progress.pretrainLosses.push(loss);
      element('status').textContent =
        `pretraining: step ${step + 1} of ${pretrainSteps}, loss ${loss.toFixed(3)}`;
      redraw();
    },
  });
  progress.pretrainMsPerStep = (performance.now() - started) / pretrainSteps;
  progress.baseText = await sampleText(model, tokenizer, PROMPT, SAMPLE);
  element('base-sample').textContent = progress.baseText;
  if (pretrainOn) await moveModel(model, backend.name);

  applyLora(model, { r: 4, alpha: 16, targetModules: ['q', 'v'] });
  element('parameters').textContent = trainableReport(model).text;
  setState('finetuning', 'fine-tuning the LoRA adapters…');
  started = performance.now();
  await trainLoop(model, model.trainableParameters(), batchesOf(grammarText(400, 7), 2), {
    steps: finetuneSteps,
    learningRate: 2e-2,
    onStep: (step, loss) => {
      progress.losses.push(loss);
      element('status').textContent =
        `LoRA fine-tuning: step ${step + 1} of ${finetuneSteps}, loss ${loss.toFixed(3)}`;
      redraw();
    },
  });
  progress.msPerStep = (performance.now() - started) / finetuneSteps;

  setState('generating', 'generating…');
  progress.text = await sampleText(model, tokenizer, PROMPT, SAMPLE);
  element('sample').textContent = progress.text;
  const [first, last] = [progress.losses[0], progress.losses[progress.losses.length - 1]];
  setState(
    'done',
    `done: LoRA loss ${first.toFixed(3)} → ${last.toFixed(3)}, ${progress.msPerStep.toFixed(0)} ms per fine-tuning step`,
  );
}

function fail(error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  progress.error = message;
  setState('error', `error: ${message}`);
  console.error(error);
}

window.addEventListener('error', (event) => fail(event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => fail(event.reason));
run().catch(fail);
