/**
 * The measuring core: runs every implementation ("contender") of every case with tinybench, in
 * rounds, and reports per row the median over rounds of each round's median latency.
 *
 * Order, for fairness on a shared, noisy machine:
 * - rounds: each round visits every case, so a transient slowdown hits one round of a row,
 *   not the row; the median over rounds discards it;
 * - within a round and case, the contenders run back to back in an order rotated every round;
 * - contenders marked `late` (tfjs-wasm: its non-shared WebAssembly memory grows, which detaches
 *   an ArrayBuffer and slows every typed-array loop in the process for good) run, with order
 *   `phased` (the default), in a second phase after all other contenders of all cases, so
 *   typegrad's rows are measured in a pristine process but not interleaved in time with
 *   tfjs-wasm's; with order `interleaved` they run last within each case and round instead, so
 *   load changes hit both alike but rows measured after the first growth are not pristine.
 *   Each row records whether the process was still pristine.
 *
 * Before a contender is timed on a case, its output is checked against the case's first
 * contender (sampled positions, with the case's tolerance): a benchmark of a wrong result is
 * refused, not reported.
 */
import { loadavg } from 'node:os';
import { Bench } from 'tinybench';
import type { MeasureSettings } from './cli.js';
import { isPristine } from './detach-probe.js';

/** A contender set up for one case: inputs created, backend and options selected. */
export interface Prepared {
  /**
   * The measured call. It must finish its work (synchronously, or before its Promise resolves
   * for an `async` contender) and free what it allocates.
   */
  run(): void | Promise<void>;
  /** One call's result in row-major order, for the cross-check. */
  output(): Float32Array | Promise<Float32Array>;
  dispose(): void;
}

/** One implementation of a case. */
export interface Contender {
  /** e.g. `typegrad:cpu`, `tfjs-wasm`. */
  impl: string;
  threads: number;
  /** Runs after the others: in a second phase (order `phased`) or last within its case. */
  late?: boolean;
  /**
   * run() answers a Promise that settles when the work is done (device backends read their
   * result back inside it), and each call is timed up to then. Synchronous contenders stay on
   * tinybench's synchronous path, which adds no Promise overhead to short calls.
   */
  async?: boolean;
  /** Selects backend/options and creates inputs; called before warm-up and before measuring. */
  prepare(): Promise<Prepared> | Prepared;
}

/** One operation on one shape, with the implementations to compare. */
export interface BenchCase {
  op: string;
  /** e.g. `512x512x512` (matmul MxKxN) or `4096x256`. */
  shape: string;
  layout?: string;
  /** Floating-point operations of one call, for GFLOP/s. */
  flops?: number;
  /** Bytes one call must at least read and write, for GB/s. */
  bytes?: number;
  /** Tokens one call processes (a training step: batch x context), for tokens/s. */
  tokens?: number;
  /** |actual - expected| <= atol + rtol * |expected| against the first contender. */
  tolerance: { rtol: number; atol: number };
  contenders: Contender[];
}

/** One measured implementation of one case. */
export interface Row {
  suite: string;
  impl: string;
  op: string;
  shape: string;
  layout?: string;
  threads: number;
  /** Median over rounds of each round's median latency (ms). */
  medianMs: number;
  gflops?: number;
  gbps?: number;
  tokensPerSecond?: number;
  /** Each round's median latency (ms), in round order. */
  roundMediansMs: number[];
  /** Measured calls, all rounds together. */
  samples: number;
  /** No ArrayBuffer was known to be detached by the end of this row's last round. */
  pristine: boolean;
}

/** GFLOP/s of `flops` floating-point operations done in `ms` milliseconds. */
export function gflopsOf(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}

/** GB/s of `bytes` moved in `ms` milliseconds. */
export function gbpsOf(bytes: number, ms: number): number {
  return bytes / (ms * 1e6);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('bench: median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Writes progress to stderr, so stdout stays clean for the table or the JSON document. */
export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

const MAX_CHECKED_VALUES = 4096;

interface OutputSample {
  impl: string;
  length: number;
  indices: number[];
  values: number[];
}

function sampleOutput(impl: string, data: Float32Array): OutputSample {
  const stride = Math.max(1, Math.floor(data.length / MAX_CHECKED_VALUES));
  const indices: number[] = [];
  for (let i = 0; i < data.length; i += stride) indices.push(i);
  if (data.length > 0 && indices[indices.length - 1] !== data.length - 1) indices.push(data.length - 1);
  return { impl, length: data.length, indices, values: indices.map((i) => data[i]) };
}

function caseName(c: BenchCase): string {
  return [c.op, c.shape, c.layout].filter(Boolean).join(' ');
}

function checkOutput(c: BenchCase, impl: string, data: Float32Array, expected: OutputSample): void {
  if (data.length !== expected.length) {
    throw new Error(
      `bench: ${impl} gave ${data.length} values for ${caseName(c)}, ${expected.impl} gave ${expected.length}`,
    );
  }
  const { rtol, atol } = c.tolerance;
  for (let k = 0; k < expected.indices.length; k++) {
    const i = expected.indices[k];
    const want = expected.values[k];
    const got = data[i];
    if (!(Math.abs(got - want) <= atol + rtol * Math.abs(want))) {
      throw new Error(
        `bench: ${impl} disagrees with ${expected.impl} on ${caseName(c)} at flat index ${i}: ` +
          `got ${got}, expected ${want} (rtol ${rtol}, atol ${atol})`,
      );
    }
  }
}

function taskName(contender: Contender): string {
  return `${contender.impl}/t${contender.threads}`;
}

function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

interface RowState {
  contender: Contender;
  roundMedians: number[];
  samples: number;
  pristine: boolean;
  /** Duration of the latest call seen (the check, then each round's median), in ms. */
  lastCallMs: number;
}

async function verify(
  c: BenchCase,
  state: RowState,
  references: Map<BenchCase, OutputSample>,
): Promise<void> {
  const prepared = await state.contender.prepare();
  try {
    const started = performance.now();
    const data = await prepared.output();
    state.lastCallMs = performance.now() - started;
    const reference = references.get(c);
    if (reference) checkOutput(c, state.contender.impl, data, reference);
    else references.set(c, sampleOutput(state.contender.impl, data));
  } finally {
    prepared.dispose();
  }
}

/**
 * Calls `prepared.run()` for `warmupMs` (at least once) before it is timed, except when the
 * code already ran in this process and one call takes `warmupMs` or longer: then the JIT is
 * warm and a warm-up call would only cost time (tfjs-wasm's transposed 1024³ matmul takes
 * seconds a call).
 */
async function warmUp(prepared: Prepared, state: RowState, settings: MeasureSettings): Promise<void> {
  if (state.lastCallMs >= settings.warmupMs) return;
  const started = performance.now();
  do await prepared.run();
  while (performance.now() - started < settings.warmupMs);
}

async function measureRound(
  c: BenchCase,
  contenders: readonly Contender[],
  settings: MeasureSettings,
  states: Map<Contender, RowState>,
): Promise<string[]> {
  // Warm-up is done in beforeAll rather than by tinybench's warm-up phase, so that it can be
  // skipped for slow calls (a warm-up call would cost a whole call; see warmUp).
  const bench = new Bench({
    time: settings.timeMs,
    iterations: settings.minIterations,
    warmup: false,
    throws: true,
  });
  for (const contender of contenders) {
    let prepared: Prepared | undefined;
    bench.add(taskName(contender), () => prepared!.run(), {
      async: contender.async ?? false,
      beforeAll: async () => {
        prepared = await contender.prepare();
        await warmUp(prepared, states.get(contender)!, settings);
      },
      afterAll: () => {
        prepared?.dispose();
        prepared = undefined;
      },
    });
  }
  await bench.run();
  const pristineNow = isPristine();
  const notes: string[] = [];
  for (const contender of contenders) {
    const result = bench.getTask(taskName(contender))!.result;
    if (result.state !== 'completed') {
      const reason = result.state === 'errored' ? result.error.message : result.state;
      throw new Error(`bench: ${taskName(contender)} on ${caseName(c)} did not complete: ${reason}`);
    }
    const state = states.get(contender)!;
    state.roundMedians.push(result.latency.p50);
    state.lastCallMs = result.latency.p50;
    state.samples += result.latency.samplesCount;
    state.pristine &&= pristineNow;
    notes.push(`${taskName(contender)} ${result.latency.p50.toPrecision(3)} ms`);
  }
  return notes;
}

interface Phase {
  name: string;
  includes(contender: Contender): boolean;
}

/** `phased`: late contenders after all others; `interleaved`: one phase, late last per case. */
function phasesOf(order: MeasureSettings['order']): Phase[] {
  if (order === 'interleaved') return [{ name: 'interleaved', includes: () => true }];
  return [
    { name: 'main phase', includes: (x) => !(x.late ?? false) },
    { name: 'late phase (tfjs-wasm)', includes: (x) => x.late ?? false },
  ];
}

/**
 * Measures every contender of every case (see the module comment for the order) and returns
 * one row per contender and case, in case order.
 */
export async function runCases(
  suite: string,
  cases: readonly BenchCase[],
  settings: MeasureSettings,
  notes: string[] = [],
): Promise<Row[]> {
  const states = new Map<Contender, RowState>();
  for (const c of cases) {
    for (const contender of c.contenders) {
      states.set(contender, { contender, roundMedians: [], samples: 0, pristine: true, lastCallMs: 0 });
    }
  }
  const references = new Map<BenchCase, OutputSample>();
  for (const phase of phasesOf(settings.order)) {
    // Phases are not interleaved in time: say how busy the machine was when each began.
    notes.push(
      `${phase.name} began at load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' / ')}`,
    );
    for (let round = 0; round < settings.rounds; round++) {
      for (const [index, c] of cases.entries()) {
        const inPhase = c.contenders.filter(phase.includes);
        if (inPhase.length === 0) continue;
        // Rotated every round; late contenders stay after the others of their case.
        const isLate = (x: Contender) => x.late ?? false;
        const contenders = [
          ...rotate(
            inPhase.filter((x) => !isLate(x)),
            round + index,
          ),
          ...rotate(inPhase.filter(isLate), round + index),
        ];
        if (round === 0) {
          // The first contender of a case (never late) defines the expected output.
          for (const contender of inPhase) await verify(c, states.get(contender)!, references);
        }
        const timings = await measureRound(c, contenders, settings, states);
        progress(
          `[${suite}] ${phase.name} round ${round + 1}/${settings.rounds} ${caseName(c)}: ${timings.join(', ')}`,
        );
      }
    }
  }
  return cases.flatMap((c) =>
    c.contenders.map((contender) => {
      const state = states.get(contender)!;
      const medianMs = median(state.roundMedians);
      return {
        suite,
        impl: contender.impl,
        op: c.op,
        shape: c.shape,
        ...(c.layout === undefined ? {} : { layout: c.layout }),
        threads: contender.threads,
        medianMs,
        ...(c.flops === undefined ? {} : { gflops: gflopsOf(c.flops, medianMs) }),
        ...(c.bytes === undefined ? {} : { gbps: gbpsOf(c.bytes, medianMs) }),
        ...(c.tokens === undefined ? {} : { tokensPerSecond: (1000 * c.tokens) / medianMs }),
        roundMediansMs: state.roundMedians,
        samples: state.samples,
        pristine: state.pristine,
      };
    }),
  );
}
