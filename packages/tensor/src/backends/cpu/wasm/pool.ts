import { CONTROL_BYTES } from './memory.js';
import { isNode, nodeBuiltin } from './node-builtins.js';

/**
 * Worker threads over the shared memory. A job is `chunks` calls of one exported kernel
 * `(chunk, thread, params)`; the calling thread and the workers claim chunks from an atomic
 * counter until none are left, so a busy core (other processes share them) just takes fewer.
 * Idle workers sleep in Atomics.wait (no spinning) and are unref'd, so a process whose work
 * is done exits by itself.
 *
 * Control block (int32 slots at address 0 of the memory):
 *   GEN: job generation, odd while the calling thread writes a job, even once published;
 *   ACTIVE: workers inside a job; NEXT: next chunk to claim; the job's KERNEL, CHUNKS, PARAMS;
 *   WORKERS: how many workers take part; READY: workers started; FAILED: a kernel threw;
 *   CHUNKS_RUN + t: chunks thread t has run (diagnostics).
 * A worker joins a published job by incrementing ACTIVE and re-reading GEN; the calling thread
 * makes GEN odd before waiting for ACTIVE to reach 0, so it never rewrites a job under a worker.
 */
const GEN = 0;
const ACTIVE = 1;
const NEXT = 2;
const KERNEL = 3;
const CHUNKS = 4;
const PARAMS = 5;
const WORKERS = 6;
const READY = 7;
const FAILED = 8;
/** Chunks run per thread (calling thread 0, then workers 1..), for tests and diagnostics. */
const CHUNKS_RUN = 16;
const MAX_THREADS = 64;
const SLOTS = CHUNKS_RUN + MAX_THREADS;
if (SLOTS * 4 > CONTROL_BYTES) throw new Error('pool: control block does not fit');

/**
 * The loop every worker runs; plain JavaScript, started from a string (no file to resolve).
 * Its imports must match kernel-module.ts's FUNCTION_IMPORTS.
 */
const WORKER_LOOP = `
function runWorker({ module, memory, index, kernels }) {
  const instance = new WebAssembly.Instance(module, { env: { memory, log: Math.log } });
  const fns = kernels.map((name) => instance.exports[name]);
  const ctrl = new Int32Array(memory.buffer, 0, ${SLOTS});
  // Read the generation before saying ready: a job published after that is then never missed.
  let seen = Atomics.load(ctrl, ${GEN});
  Atomics.add(ctrl, ${READY}, 1);
  Atomics.notify(ctrl, ${READY});
  for (;;) {
    Atomics.wait(ctrl, ${GEN}, seen);
    const gen = Atomics.load(ctrl, ${GEN});
    seen = gen;
    if (gen & 1 || index > Atomics.load(ctrl, ${WORKERS})) continue;
    Atomics.add(ctrl, ${ACTIVE}, 1);
    if (Atomics.load(ctrl, ${GEN}) === gen) {
      const fn = fns[ctrl[${KERNEL}]];
      const chunks = ctrl[${CHUNKS}];
      const params = ctrl[${PARAMS}];
      try {
        for (let c = Atomics.add(ctrl, ${NEXT}, 1); c < chunks; c = Atomics.add(ctrl, ${NEXT}, 1)) {
          fn(c, index, params);
          Atomics.add(ctrl, ${CHUNKS_RUN} + index, 1);
        }
      } catch (error) {
        Atomics.store(ctrl, ${FAILED}, 1);
      }
    }
    if (Atomics.sub(ctrl, ${ACTIVE}, 1) === 1) Atomics.notify(ctrl, ${ACTIVE});
  }
}
`;

const NODE_WORKER = `${WORKER_LOOP}
runWorker(require('node:worker_threads').workerData);
`;

const BROWSER_WORKER = `${WORKER_LOOP}
self.onmessage = (event) => runWorker(event.data);
`;

interface NodeWorker {
  unref(): void;
  on(event: 'error', listener: (error: unknown) => void): void;
}
interface WorkerThreadsModule {
  Worker: new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;
}

export type KernelFunction = (chunk: number, thread: number, params: number) => void;

export interface ThreadPoolOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Exported names of the chunk kernels, in the order `run` refers to them. */
  kernels: readonly string[];
  /** The calling thread's instance of the kernels, same order. */
  local: readonly KernelFunction[];
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function canBlock(ctrl: Int32Array): boolean {
  try {
    Atomics.wait(ctrl, FAILED, 12345, 0); // a value FAILED never has: returns at once
    return true;
  } catch {
    return false;
  }
}

/** Workers able to start here: worker_threads in Node, Web Workers when cross-origin isolated. */
export function workersAvailable(): boolean {
  if (isNode()) return nodeBuiltin<WorkerThreadsModule>('node:worker_threads') !== undefined;
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  return g.crossOriginIsolated === true && typeof g.Worker === 'function';
}

export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly blocking: boolean;
  private workers = 0;
  private broken: unknown = null;

  constructor(private readonly options: ThreadPoolOptions) {
    this.ctrl = new Int32Array(options.memory.buffer, 0, SLOTS);
    this.blocking = canBlock(this.ctrl);
  }

  /** Workers started so far (the calling thread is not counted). */
  get size(): number {
    return this.workers;
  }

  /**
   * Starts workers until there are `count`. In Node it waits (up to `readyTimeoutMs`) until they
   * run, so that the next job uses them; browsers start them in the background.
   */
  grow(count: number, readyTimeoutMs = 5000): void {
    const wanted = Math.min(count, MAX_THREADS - 1);
    if (this.broken || wanted <= this.workers || !workersAvailable()) return;
    const { module, memory, kernels } = this.options;
    const before = this.workers;
    for (let index = before + 1; index <= wanted; index++) {
      const data = { module, memory, index, kernels: [...kernels] };
      if (isNode()) {
        const { Worker } = nodeBuiltin<WorkerThreadsModule>('node:worker_threads')!;
        const worker = new Worker(NODE_WORKER, { eval: true, workerData: data });
        worker.on('error', (error) => {
          this.broken = error;
        });
        worker.unref();
      } else {
        const url = URL.createObjectURL(new Blob([BROWSER_WORKER], { type: 'text/javascript' }));
        const worker = new Worker(url);
        worker.postMessage(data);
      }
      this.workers = index;
    }
    if (!this.blocking || !isNode()) return;
    const deadline = performance.now() + readyTimeoutMs;
    for (let ready = Atomics.load(this.ctrl, READY); ready < wanted; ready = Atomics.load(this.ctrl, READY)) {
      const left = deadline - performance.now();
      if (left <= 0) break; // late workers join later jobs; the calling thread does the work meanwhile
      Atomics.wait(this.ctrl, READY, ready, left);
    }
  }

  /** Runs chunks 0..chunks-1 of kernel `kernel` on up to `threads` threads (the calling one included). */
  run(kernel: number, chunks: number, params: number, threads: number): void {
    const fn = this.options.local[kernel];
    const helpers = Math.min(threads - 1, this.workers, chunks - 1);
    if (helpers <= 0 || this.broken) {
      for (let c = 0; c < chunks; c++) fn(c, 0, params);
      return;
    }
    const ctrl = this.ctrl;
    Atomics.add(ctrl, GEN, 1); // odd: a job is being written
    this.waitForZero(ACTIVE); // a late worker may still be inside the previous job
    ctrl[KERNEL] = kernel;
    ctrl[CHUNKS] = chunks;
    ctrl[PARAMS] = params;
    ctrl[WORKERS] = helpers;
    Atomics.store(ctrl, NEXT, 0);
    Atomics.add(ctrl, GEN, 1); // even: published
    Atomics.notify(ctrl, GEN);
    let own = 0;
    for (let c = Atomics.add(ctrl, NEXT, 1); c < chunks; c = Atomics.add(ctrl, NEXT, 1), own++)
      fn(c, 0, params);
    Atomics.add(ctrl, CHUNKS_RUN, own);
    this.waitForZero(ACTIVE);
    if (Atomics.load(ctrl, FAILED)) {
      Atomics.store(ctrl, FAILED, 0);
      throw new Error('fast cpu kernels: a worker thread failed while running a kernel');
    }
  }

  /** Chunks each thread has run in jobs shared with workers (index 0: the calling thread). */
  chunksRun(): number[] {
    return Array.from({ length: this.workers + 1 }, (_, t) => Atomics.load(this.ctrl, CHUNKS_RUN + t));
  }

  private waitForZero(slot: number): void {
    const ctrl = this.ctrl;
    for (let v = Atomics.load(ctrl, slot); v !== 0; v = Atomics.load(ctrl, slot)) {
      // A browser's main thread may not block: it polls (only while its own job finishes).
      if (this.blocking) Atomics.wait(ctrl, slot, v);
    }
  }
}
