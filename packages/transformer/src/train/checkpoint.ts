import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as T from '@typegrad/tensor';
import { loadSafetensors, saveSafetensors } from '@typegrad/tensor/node';
import type { TrainingState } from './trainer.js';

/**
 * A training checkpoint is one safetensors file (written atomically: temp file, fsync, rename):
 * `model.<name>` parameters, `optim.<i>.<slot>` optimizer state, and in the metadata the step,
 * learning rate, generator counters and any caller JSON (config, tokenizer).
 */
export async function saveTrainingCheckpoint(
  path: string,
  state: TrainingState,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const tensors = new Map<string, T.NDArray>();
  for (const [k, v] of state.model) tensors.set(`model.${k}`, v);
  for (const [k, v] of Object.entries(state.optimizer.state)) tensors.set(`optim.${k}`, v);
  const metadata = {
    format: 'typegrad-training-checkpoint/1',
    step: String(state.step),
    optimizer: JSON.stringify({ step: state.optimizer.step, lr: state.optimizer.lr }),
    generators: JSON.stringify(state.generators),
    extra: JSON.stringify(extra),
  };
  await mkdir(dirname(path), { recursive: true });
  await saveSafetensors(path, tensors, metadata);
}

export async function loadTrainingCheckpoint(
  path: string,
): Promise<{ state: TrainingState; extra: Record<string, unknown> }> {
  const { tensors, metadata } = await loadSafetensors(path);
  if (metadata.format !== 'typegrad-training-checkpoint/1') {
    throw new T.ArgumentError(
      `${path}: not a typegrad training checkpoint (metadata format is '${metadata.format ?? 'missing'}')`,
    );
  }
  const parse = (key: string) => {
    try {
      return JSON.parse(metadata[key] ?? 'null');
    } catch {
      throw new T.ArgumentError(`${path}: metadata '${key}' is not valid JSON`);
    }
  };
  const model = new Map<string, T.NDArray>();
  const optimState: Record<string, T.NDArray> = {};
  for (const [k, v] of tensors) {
    if (k.startsWith('model.')) model.set(k.slice(6), v);
    else if (k.startsWith('optim.')) optimState[k.slice(6)] = v;
  }
  const optimizer = parse('optimizer') as { step: number; lr: number };
  return {
    state: {
      step: Number(metadata.step),
      model,
      optimizer: { step: optimizer.step, lr: optimizer.lr, state: optimState },
      generators: parse('generators') ?? {},
    },
    extra: parse('extra') ?? {},
  };
}
