import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as T from '@typegrad/tensor';
import { loadSafetensors, saveSafetensors } from '@typegrad/tensor/node';
import type { Module } from '@typegrad/transformer';
import { DEFAULT_ADAPTER } from '../config.js';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from './names.js';
import { type AdapterFileOptions, adapterFiles, applyAdapterFiles } from './peft.js';

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
 * Saves adapter `adapterName` of `model` to folder `dir` (created if needed) as
 * `adapter_config.json` + `adapter_model.safetensors`, each written atomically: PEFT's format,
 * or loralib's layout for per-slice (q|k|v) adapters; see adapterFiles.
 */
export async function saveAdapter(
  dir: string,
  model: Module,
  adapterName = DEFAULT_ADAPTER,
  options: AdapterFileOptions = {},
): Promise<void> {
  const { config, tensors, owned } = adapterFiles(model, adapterName, options);
  try {
    await mkdir(dir, { recursive: true });
    await saveSafetensors(join(dir, ADAPTER_WEIGHTS_FILE), tensors, { format: 'pt' });
    await writeTextAtomic(join(dir, ADAPTER_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
  } finally {
    for (const array of owned) array.dispose();
  }
}

/**
 * Loads the adapter in folder `dir` (PEFT's format or typegrad's loralib layout) into `model` as
 * `adapterName`: applies its config with applyLora and loads its tensors. Errors name the file
 * and the problem (a missing file, bad JSON, a config PEFT would refuse, unknown keys, shapes
 * that do not fit the model); the model is unchanged when the files do not fit it.
 * Returns the adapted module paths.
 */
export async function loadAdapter(
  dir: string,
  model: Module,
  adapterName = DEFAULT_ADAPTER,
): Promise<string[]> {
  const configPath = join(dir, ADAPTER_CONFIG_FILE);
  const weightsPath = join(dir, ADAPTER_WEIGHTS_FILE);
  let configText: string;
  try {
    configText = await readFile(configPath, 'utf8');
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    throw Object.assign(
      new T.ArgumentError(
        `loadAdapter: cannot read '${configPath}': ${code === 'ENOENT' ? 'no such file' : message}`,
        {
          cause: err,
        },
      ),
      { code },
    );
  }
  const { tensors } = await loadSafetensors(weightsPath);
  try {
    return applyAdapterFiles(model, configText, tensors, adapterName, {
      configSource: configPath,
      weightsSource: weightsPath,
    });
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
