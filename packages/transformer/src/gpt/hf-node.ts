import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as T from '@typegrad/tensor';
import { openSafetensors, saveSafetensors } from '@typegrad/tensor/node';
import { GPT } from './gpt.js';
import {
  checkpointParameters,
  checkTiedHead,
  describeConfig,
  gpt2ConfigJson,
  parseGPT2Config,
  planHFLoad,
  toHFStateDict,
} from './hf.js';

/** File names of a HuggingFace model folder. */
export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';

export interface LoadGPT2Options {
  /** Parameter dtype (default float32); F16/BF16/F32/F64 checkpoints all convert to it. */
  dtype?: T.DType;
  /** Refuse missing, unexpected or mis-shaped tensors (default true). */
  strict?: boolean;
  /** Seed of the dropout generator. */
  seed?: number;
}

/** Reads a text file, with an error naming the operation, the path and the problem. */
async function readText(op: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    const why = code === 'ENOENT' ? 'no such file' : message;
    throw Object.assign(new T.ArgumentError(`${op}: cannot read '${path}': ${why}`, { cause: err }), {
      code,
    });
  }
}

/**
 * Loads a GPT-2 from a HuggingFace model folder: `config.json` and `model.safetensors` (F32,
 * F64, F16 or BF16; names with or without `transformer.`; the attention buffers skipped; a
 * `lm_head.weight` must equal `wte.weight`). Shapes are checked against the config from the
 * header before any data is read; errors name the file and the problem. Returns the model in
 * eval mode.
 */
export async function loadGPT2(dir: string, options: LoadGPT2Options = {}): Promise<GPT> {
  const configPath = join(dir, CONFIG_FILE);
  const weightsPath = join(dir, WEIGHTS_FILE);
  const config = parseGPT2Config(await readText('loadGPT2', configPath), configPath);
  const model = new GPT(config, { dtype: options.dtype, seed: options.seed });
  let file: Awaited<ReturnType<typeof openSafetensors>>;
  try {
    file = await openSafetensors(weightsPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const sharded = `${WEIGHTS_FILE}.index.json`;
      throw new T.ArgumentError(
        `loadGPT2: no '${weightsPath}' (sharded checkpoints with ${sharded} are not supported)`,
        { cause: err },
      );
    }
    throw err;
  }
  try {
    const plan = planHFLoad(
      checkpointParameters(model),
      file.header.tensors.map((t) => ({ name: t.name, shape: t.shape })),
      { strict: options.strict, source: weightsPath, hint: `${configPath} ${describeConfig(config)}` },
    );
    const params = new Map(model.namedParameters());
    let embeddingName: string | null = null;
    for (const [name, key] of plan.load) {
      const p = params.get(key)!;
      const value = await file.read(name);
      p.assign(value.dtype === p.dtype ? value : T.tidy(() => T.cast(value, p.dtype)));
      if (value.dtype !== p.dtype) value.dispose();
      if (key === 'wte.weight') embeddingName = name;
    }
    if (plan.lmHead && embeddingName) {
      const head = await file.read(plan.lmHead);
      const embedding = await file.read(embeddingName);
      try {
        checkTiedHead(head, embedding, weightsPath);
      } finally {
        head.dispose();
        embedding.dispose();
      }
    }
  } catch (err) {
    model.parameters().forEach((p) => {
      p.dispose();
    });
    throw err;
  } finally {
    await file.close();
  }
  return model.eval();
}

/** Writes `text` to `path` atomically: a temporary file in the same folder, fsync, rename. */
async function writeTextAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const handle = await open(temporary, 'wx');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temporary).catch(() => {});
    throw err;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (err) {
    await unlink(temporary).catch(() => {});
    throw err;
  }
}

/**
 * Saves `model` as a HuggingFace GPT-2 folder: `model.safetensors` with GPT2LMHeadModel's names
 * (`transformer.` prefix, no tied `lm_head.weight`, metadata format "pt", the parameters' dtype)
 * and `config.json`. Each file is written atomically; the folder is created if needed. Adapter
 * parameters are not written (save them with the LoRA package's saveAdapter).
 */
export async function saveGPT2(
  dir: string,
  model: GPT,
  options: { extraConfig?: Record<string, unknown> } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const dtype = model.wte.weight.dtype;
  await saveSafetensors(join(dir, WEIGHTS_FILE), toHFStateDict(model), { format: 'pt' });
  const json = gpt2ConfigJson(model.config, { torch_dtype: dtype, ...options.extraConfig });
  await writeTextAtomic(join(dir, CONFIG_FILE), `${JSON.stringify(json, null, 2)}\n`);
}
