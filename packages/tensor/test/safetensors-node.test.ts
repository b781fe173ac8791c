import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memory } from '../src/engine.js';
import { parseSafetensors, serializeSafetensors } from '../src/io/safetensors.js';
import type { NDArray } from '../src/ndarray.js';
import { loadSafetensors, openSafetensors, saveSafetensors } from '../src/node.js';
import { fromArray, fromTyped } from '../src/ops/creation.js';
import { buildFile, concatBytes, f32le, i64le, u16le } from './helpers/safetensors-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'typegrad-safetensors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sample(): Record<string, NDArray> {
  return {
    'h.0.attn.c_attn.weight': fromTyped(
      Float32Array.from({ length: 12 }, (_, i) => i / 7),
      [3, 4],
    ).T,
    'h.0.ln_1.bias': fromTyped(Float64Array.of(-1.5, Number.NaN, Number.NEGATIVE_INFINITY), [3]),
    steps: fromTyped(Int32Array.of(42), []),
    mask: fromArray([
      [true, false],
      [false, true],
    ]),
    empty: fromTyped(new Float32Array(0), [0, 768]),
  };
}

function expectSameArrays(actual: Map<string, NDArray>, expected: Record<string, NDArray>): void {
  expect([...actual.keys()].sort()).toEqual(Object.keys(expected).sort());
  for (const [name, x] of Object.entries(expected)) {
    const y = actual.get(name)!;
    expect([y.dtype, y.shape]).toEqual([x.dtype, x.shape]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
  }
}

describe('saveSafetensors / loadSafetensors', () => {
  it('round-trips tensors and metadata through a file, byte-identical to serializeSafetensors', async () => {
    const path = join(dir, 'model.safetensors');
    const tensors = sample();
    await saveSafetensors(path, tensors, { format: 'pt' });
    expect(new Uint8Array(await readFile(path))).toEqual(serializeSafetensors(tensors, { format: 'pt' }));
    const loaded = await loadSafetensors(path);
    expect(loaded.metadata).toEqual({ format: 'pt' });
    expectSameArrays(loaded.tensors, tensors);
  });

  it('writes atomically: no temporary file is left, and an existing file is replaced', async () => {
    const sub = await mkdtemp(join(dir, 'atomic-'));
    const path = join(sub, 'adapter_model.safetensors');
    await saveSafetensors(path, { a: fromTyped(Float32Array.of(1), [1]) });
    await saveSafetensors(path, { b: fromTyped(Float32Array.of(2, 3), [2]) });
    expect(await readdir(sub)).toEqual(['adapter_model.safetensors']);
    const loaded = await loadSafetensors(path);
    expect([...loaded.tensors.keys()]).toEqual(['b']);
  });

  it('a failure while writing leaves the old file intact and removes the temporary file', async () => {
    const sub = await mkdtemp(join(dir, 'failing-'));
    const path = join(sub, 'model.safetensors');
    await saveSafetensors(path, { a: fromTyped(Float32Array.of(1), [1]) });
    const before = await readFile(path);
    const broken = fromTyped(Float32Array.of(5), [1]);
    Object.assign(broken, { data: () => Promise.reject(new Error('device lost')) });
    await expect(saveSafetensors(path, { a: fromTyped(Float32Array.of(2), [1]), z: broken })).rejects.toThrow(
      /device lost/,
    );
    expect(await readdir(sub)).toEqual(['model.safetensors']);
    expect(await readFile(path)).toEqual(before);
  });

  it('a missing directory gives an error naming the path', async () => {
    const path = join(dir, 'no-such-dir', 'x.safetensors');
    await expect(saveSafetensors(path, {})).rejects.toThrow(`saveSafetensors: cannot access '${path}'`);
  });

  it('a missing file gives an error naming the path, with the system error code', async () => {
    const path = join(dir, 'missing.safetensors');
    const err = (await loadSafetensors(path).catch((e: unknown) => e)) as Error & { code?: string };
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain(path);
    expect(err.code).toBe('ENOENT');
  });

  it('a corrupt file gives an error naming the path and the problem, and leaks no arrays', async () => {
    const path = join(dir, 'corrupt.safetensors');
    const header = JSON.stringify({
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'I64', shape: [1], data_offsets: [4, 12] },
    });
    await writeFile(path, buildFile(header, concatBytes(f32le([1]), i64le([2n ** 40n]))));
    const before = memory().arrays;
    await expect(loadSafetensors(path)).rejects.toThrow(
      `${path}: tensor "b" (I64): element 0 is 1099511627776`,
    );
    expect(memory().arrays).toBe(before);
    await writeFile(path, buildFile(header, f32le([1])));
    await expect(loadSafetensors(path)).rejects.toThrow(
      `${path}: tensor "b": data_offsets [4, 12] run past the end`,
    );
    await writeFile(path, Uint8Array.of(1, 2));
    await expect(loadSafetensors(path)).rejects.toThrow(`${path}: truncated`);
  });

  it('loadSafetensors reads other dtypes as parseSafetensors does', async () => {
    const path = join(dir, 'half.safetensors');
    const file = buildFile(
      JSON.stringify({ h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] } }),
      u16le([0x3c00, 0x0001, 0xfc00]),
    );
    await writeFile(path, file);
    const loaded = await loadSafetensors(path);
    expect(Array.from(loaded.tensors.get('h')!.dataSync())).toEqual([1, 2 ** -24, Number.NEGATIVE_INFINITY]);
  });
});

describe('openSafetensors reads the header, then one tensor at a time', () => {
  it('lists tensors without reading data, reads on demand, and fails cleanly after close', async () => {
    const path = join(dir, 'stream.safetensors');
    const tensors = sample();
    await saveSafetensors(path, tensors, { step: '7' });
    const file = await openSafetensors(path);
    expect(file.metadata).toEqual({ step: '7' });
    expect(file.names().sort()).toEqual(Object.keys(tensors).sort());
    expect(file.info('steps')).toMatchObject({ dtype: 'I32', shape: [] });
    const weight = await file.read('h.0.attn.c_attn.weight');
    expect(weight.toArray()).toEqual(tensors['h.0.attn.c_attn.weight'].toArray());
    expect(() => file.info('nope')).toThrow(`${path}: no tensor "nope"`);
    await file.close();
    await file.close();
    await expect(file.read('steps')).rejects.toThrow(/the file is closed/);
  });

  it('notices a file truncated after it was opened', async () => {
    const path = join(dir, 'shrinking.safetensors');
    await saveSafetensors(path, { a: fromTyped(new Float32Array(1000), [1000]) });
    const file = await openSafetensors(path);
    await writeFile(path, (await readFile(path)).subarray(0, 200));
    await expect(file.read('a')).rejects.toThrow(`${path}: truncated`);
    await file.close();
  });

  it('property: loading from disk agrees with parsing in memory, on valid and corrupt files', async () => {
    const path = join(dir, 'fuzz.safetensors');
    const base = serializeSafetensors(sample(), { format: 'pt' });
    await fc.assert(
      fc.asyncProperty(
        fc.nat(base.length - 1),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        async (at, byte, cut) => {
          const bytes = cut ? base.slice(0, at) : base.map((b, i) => (i === at ? byte : b));
          await writeFile(path, bytes);
          let inMemory: Map<string, NDArray> | string;
          try {
            inMemory = parseSafetensors(bytes, path).tensors;
          } catch (err) {
            inMemory = (err as Error).message;
          }
          const fromDisk = await loadSafetensors(path).then(
            (r) => r.tensors,
            (err: Error) => err.message,
          );
          if (typeof inMemory === 'string') expect(fromDisk).toBe(inMemory);
          else {
            expect(typeof fromDisk).not.toBe('string');
            const disk = fromDisk as Map<string, NDArray>;
            expect([...disk.keys()]).toEqual([...inMemory.keys()]);
            for (const [name, x] of inMemory) {
              expect(Array.from(disk.get(name)!.dataSync())).toEqual(Array.from(x.dataSync()));
            }
          }
        },
      ),
      { numRuns: 60, seed: 99 },
    );
  });
});
