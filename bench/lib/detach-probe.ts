/**
 * Watches for ArrayBuffer detaches in this process. Once any ArrayBuffer is detached, V8
 * invalidates its "array buffer detaching" protector and every typed-array access carries a
 * detach check from then on (plain-JS loops run 30-45% slower; see
 * shared/notes/cpu-performance.md). A benchmark row is "pristine" when no detach had happened
 * by the end of its measurement.
 *
 * V8 offers no query for the protector, so this module wraps the JS entry points that detach
 * (non-shared `WebAssembly.Memory.grow`, transfer lists of `postMessage` / `structuredClone`,
 * `ArrayBuffer.prototype.transfer`) and, to catch a `memory.grow` executed inside WebAssembly,
 * remembers the buffer of every non-shared memory that passes through `WebAssembly.instantiate`
 * or `new WebAssembly.Instance` and checks later whether it became detached (byteLength 0).
 * Import it before anything that may instantiate WebAssembly.
 */
import { MessagePort, Worker } from 'node:worker_threads';

export interface DetachEvent {
  /** What detached a buffer. */
  reason: string;
  /** performance.now() when it was seen. */
  atMs: number;
}

const events: DetachEvent[] = [];
const watchedMemories: { memory: WebAssembly.Memory; firstBuffer: ArrayBuffer; label: string }[] = [];

/** The first stack frame outside this file, shortened to the package path: who detached. */
function culprit(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  const frame = frames.find((f) => !f.includes('detach-probe.'));
  const location = frame?.match(/\(?((?:file:\/\/)?\/[^():]+)/)?.[1];
  if (!location) return 'unknown caller';
  const inPackage = location.lastIndexOf('node_modules/');
  return inPackage >= 0 ? location.slice(inPackage + 'node_modules/'.length) : location;
}

function record(reason: string, withCaller = true): void {
  events.push({ reason: withCaller ? `${reason} (from ${culprit()})` : reason, atMs: performance.now() });
}

function isNonSharedBuffer(value: unknown): value is ArrayBuffer {
  return value instanceof ArrayBuffer && !(value instanceof SharedArrayBuffer);
}

function transfersArrayBuffer(transfer: unknown): boolean {
  const list = Array.isArray(transfer)
    ? transfer
    : (transfer as { transfer?: unknown } | undefined)?.transfer;
  return Array.isArray(list) && list.some(isNonSharedBuffer);
}

function watchMemory(memory: WebAssembly.Memory, label: string): void {
  const buffer = memory.buffer;
  if (isNonSharedBuffer(buffer) && buffer.byteLength > 0) {
    watchedMemories.push({ memory, firstBuffer: buffer, label });
  }
}

function watchMemoriesIn(namespace: unknown, label: string): void {
  if (namespace === null || typeof namespace !== 'object') return;
  for (const value of Object.values(namespace)) {
    if (value instanceof WebAssembly.Memory) watchMemory(value, label);
    else if (value !== null && typeof value === 'object') {
      for (const inner of Object.values(value)) {
        if (inner instanceof WebAssembly.Memory) watchMemory(inner, label);
      }
    }
  }
}

function install(): void {
  const grow = WebAssembly.Memory.prototype.grow;
  WebAssembly.Memory.prototype.grow = function growAndRecord(this: WebAssembly.Memory, delta: number) {
    const shared = this.buffer instanceof SharedArrayBuffer;
    const result = grow.call(this, delta);
    if (!shared) record('WebAssembly.Memory.grow on a non-shared memory');
    return result;
  };

  for (const [name, proto] of [
    ['MessagePort', MessagePort.prototype],
    ['Worker', Worker.prototype],
  ] as const) {
    const post = proto.postMessage as (this: unknown, value: unknown, transfer?: unknown) => void;
    proto.postMessage = function postAndRecord(this: unknown, value: unknown, transfer?: unknown) {
      if (transfersArrayBuffer(transfer)) record(`${name}.postMessage transferring an ArrayBuffer`);
      return post.call(this, value, transfer);
    } as typeof proto.postMessage;
  }

  const clone = globalThis.structuredClone;
  globalThis.structuredClone = ((value: unknown, options?: StructuredSerializeOptions) => {
    if (transfersArrayBuffer(options)) record('structuredClone transferring an ArrayBuffer');
    return clone(value, options);
  }) as typeof structuredClone;

  const bufferProto = ArrayBuffer.prototype as unknown as Record<string, unknown>;
  for (const name of ['transfer', 'transferToFixedLength']) {
    const original = bufferProto[name];
    if (typeof original !== 'function') continue;
    bufferProto[name] = function transferAndRecord(this: ArrayBuffer, ...args: unknown[]) {
      record(`ArrayBuffer.prototype.${name}`);
      return original.apply(this, args);
    };
  }

  const instantiate = WebAssembly.instantiate as (...args: unknown[]) => Promise<unknown>;
  (WebAssembly as { instantiate: unknown }).instantiate = async (...args: unknown[]) => {
    watchMemoriesIn(args[1], 'imports of WebAssembly.instantiate');
    const result = await instantiate(...args);
    const instance =
      result instanceof WebAssembly.Instance ? result : (result as { instance: unknown }).instance;
    watchMemoriesIn(
      (instance as WebAssembly.Instance | undefined)?.exports,
      'exports of WebAssembly.instantiate',
    );
    return result;
  };

  (WebAssembly as { Instance: unknown }).Instance = new Proxy(WebAssembly.Instance, {
    construct(target, args, newTarget) {
      watchMemoriesIn(args[1], 'imports of new WebAssembly.Instance');
      const instance = Reflect.construct(target, args, newTarget) as WebAssembly.Instance;
      watchMemoriesIn(instance.exports, 'exports of new WebAssembly.Instance');
      return instance;
    },
  });
}

install();

/** Every detach seen so far, including those of watched memories grown from inside WebAssembly. */
export function detachEvents(): readonly DetachEvent[] {
  for (const watched of watchedMemories.splice(0)) {
    if (watched.firstBuffer.byteLength === 0) {
      record(`non-shared WebAssembly memory grown (${watched.label})`, false);
    } else {
      watchedMemories.push(watched);
    }
  }
  return events;
}

/** True while no ArrayBuffer in this process is known to have been detached. */
export function isPristine(): boolean {
  return detachEvents().length === 0;
}

/** The distinct reasons the process stopped being pristine. */
export function detachReasons(): string[] {
  return [...new Set(detachEvents().map((e) => e.reason))];
}
