import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ArgumentError } from '../errors.js';
import type { NDArray } from '../ndarray.js';
import { fromTyped } from '../ops/creation.js';
import {
  type NamedArrays,
  type ParsedSafetensors,
  planSafetensors,
  readSafetensorsHeader,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
} from './safetensors.js';
import { quote, readHeaderLength } from './safetensors-header.js';
import { decodeElements, encodeElements } from './tensor-bytes.js';

/**
 * Safetensors files on disk (Node only). Reading goes one tensor at a time through a file
 * handle, so memory holds the result plus one tensor's bytes, never the whole file; writing
 * streams the same way and is atomic (temporary file, fsync, rename).
 */

// Node reads and writes at most 2 GiB - 1 bytes per call.
const CHUNK_BYTES = 1 << 30;

/** An Error naming the operation and path, keeping the system error's code and cause. */
function ioError(op: string, path: string, err: unknown): Error {
  const { message, code } = err as NodeJS.ErrnoException;
  return Object.assign(new Error(`${op}: cannot access '${path}': ${message}`, { cause: err }), { code });
}

async function readExactly(
  file: FileHandle,
  position: number,
  length: number,
  path: string,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(bytes, done, Math.min(length - done, CHUNK_BYTES), position + done);
    if (bytesRead === 0) {
      throw new ArgumentError(
        `${path}: truncated: expected ${length} bytes at offset ${position} but the file ends after ${done} (changed while open?)`,
      );
    }
    done += bytesRead;
  }
  return bytes;
}

async function writeAll(file: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await file.write(bytes, done, Math.min(bytes.length - done, CHUNK_BYTES));
    done += bytesWritten;
  }
}

/** An open safetensors file whose header is read; tensors are read on demand. */
export interface SafetensorsFile {
  readonly path: string;
  readonly header: SafetensorsHeader;
  /** `header.metadata`. */
  readonly metadata: Record<string, string>;
  /** Tensor names in file order. */
  names(): string[];
  /** Dtype, shape and offsets of one tensor (throws for an unknown name). */
  info(name: string): SafetensorsTensorInfo;
  /** Reads one tensor from disk into a new NDArray on the default backend. */
  read(name: string): Promise<NDArray>;
  /** Closes the file handle; later reads throw. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens a safetensors file and validates its header (against the file's size), reading no
 * tensor data yet. Close it when done. Errors name the path.
 */
export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw ioError('openSafetensors', path, err);
  }
  try {
    const { size } = await file.stat();
    const prefix = await readExactly(file, 0, Math.min(8, size), path);
    const headerLength = readHeaderLength(prefix, size, path);
    const header = readSafetensorsHeader(await readExactly(file, 0, 8 + headerLength, path), path, size);
    return new SafetensorsFileReader(path, file, header);
  } catch (err) {
    await file.close();
    throw err instanceof Error && !('code' in err) ? err : ioError('openSafetensors', path, err);
  }
}

class SafetensorsFileReader implements SafetensorsFile {
  private readonly byName: Map<string, SafetensorsTensorInfo>;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly file: FileHandle,
    readonly header: SafetensorsHeader,
  ) {
    this.byName = new Map(header.tensors.map((t) => [t.name, t]));
  }

  get metadata(): Record<string, string> {
    return this.header.metadata;
  }

  names(): string[] {
    return this.header.tensors.map((t) => t.name);
  }

  info(name: string): SafetensorsTensorInfo {
    const info = this.byName.get(name);
    if (!info) {
      const some = this.names().slice(0, 8).map(quote).join(', ');
      throw new ArgumentError(
        `${this.path}: no tensor ${quote(name)} (the file has ${this.byName.size}: ${some}${this.byName.size > 8 ? ', ...' : ''})`,
      );
    }
    return info;
  }

  async read(name: string): Promise<NDArray> {
    const info = this.info(name);
    if (this.closed)
      throw new ArgumentError(`${this.path}: cannot read tensor ${quote(name)}: the file is closed`);
    const [begin, end] = info.dataOffsets;
    let bytes: Uint8Array;
    try {
      bytes = await readExactly(this.file, this.header.dataStart + begin, end - begin, this.path);
    } catch (err) {
      throw err instanceof ArgumentError ? err : ioError('openSafetensors.read', this.path, err);
    }
    return fromTyped(decodeElements(info, bytes, this.path, true), info.shape);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.close();
  }
}

/**
 * Reads every tensor of a safetensors file (one at a time, see openSafetensors) and the
 * metadata. Dtypes convert as in parseSafetensors. Errors name the path.
 */
export async function loadSafetensors(path: string): Promise<ParsedSafetensors> {
  const file = await openSafetensors(path);
  const tensors = new Map<string, NDArray>();
  try {
    for (const name of file.names()) tensors.set(name, await file.read(name));
    return { tensors, metadata: file.metadata };
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  } finally {
    await file.close();
  }
}

/**
 * Writes `tensors` and `metadata` to `path` as serializeSafetensors lays them out, streaming
 * one tensor at a time (values read with `await x.data()`, so any backend works). Atomic: the
 * data goes to `<path>.tmp-<pid>-<random>` in the same directory, is fsynced, then renamed
 * over `path`; on failure the temporary file is removed and `path` is untouched.
 */
export async function saveSafetensors(
  path: string,
  tensors: NamedArrays,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  const plan = planSafetensors(tensors, metadata, 'saveSafetensors');
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let file: FileHandle | undefined;
  try {
    file = await open(temporary, 'wx');
    await writeAll(file, plan.header);
    for (const { array } of plan.entries)
      await writeAll(file, encodeElements(await array.data(), array.dtype));
    await file.sync();
    await file.close();
    file = undefined;
    await rename(temporary, path);
  } catch (err) {
    await file?.close().catch(() => {});
    await unlink(temporary).catch(() => {});
    throw err instanceof Error && !('code' in err) ? err : ioError('saveSafetensors', path, err);
  }
  await syncDirectory(dirname(path));
}

/** Makes a rename durable where the platform allows fsync on a directory (not on Windows). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: the data itself is already synced.
  }
}
