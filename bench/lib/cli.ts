import { parseArgs } from 'node:util';

/** The gpu.js modes a `gpujs:<mode>` backend can ask for (headlessgl needs gl built and an X display). */
export const GPUJS_MODES = ['webgpu', 'webasm', 'cpu', 'headlessgl'] as const;
export type GpujsModeName = (typeof GPUJS_MODES)[number];

/** A typegrad backend the suites measure: the cpu backend, or gpujs in one gpu.js mode. */
export type BenchBackend = 'cpu' | `gpujs:${GpujsModeName}`;

/** `--backends all`: the cpu backend and every gpu.js mode (those that fail to load are skipped). */
export const ALL_BACKENDS: readonly BenchBackend[] = [
  'cpu',
  ...GPUJS_MODES.map((m) => `gpujs:${m}` as const),
];

/** How long and how often each implementation is measured. */
export interface MeasureSettings {
  /** Rounds over all cases; the reported median is the median of the per-round medians. */
  rounds: number;
  /** Time budget of one implementation on one case in one round (ms). */
  timeMs: number;
  /** Warm-up budget before each round's measurement (ms; at least one call). */
  warmupMs: number;
  /** Minimum measured calls per implementation, case and round. */
  minIterations: number;
  /** Where late contenders (tfjs-wasm) run: after everything else, or last within each case. */
  order: 'phased' | 'interleaved';
}

/** Parsed command line of every benchmark entry point. */
export interface BenchArgs {
  /** Print one JSON document to stdout and nothing else. */
  json: boolean;
  /** Fewer cases and shorter budgets: a smoke test for CI. */
  quick: boolean;
  /** Shapes asked for with --shapes (suite-specific syntax), or null for the suite's default. */
  shapes: string[] | null;
  /** typegrad backends to measure (--backends; default cpu only), without repeats, in the order given. */
  backends: BenchBackend[];
  measure: MeasureSettings;
}

const FULL: MeasureSettings = { rounds: 3, timeMs: 200, warmupMs: 50, minIterations: 3, order: 'phased' };
const QUICK: MeasureSettings = { rounds: 2, timeMs: 25, warmupMs: 10, minIterations: 2, order: 'phased' };

export const USAGE = `options:
  --json            print one JSON document to stdout (progress goes to stderr)
  --quick           fewer shapes, shorter budgets (CI smoke test)
  --shapes LIST     matmul shapes, comma-separated: N (N x N x N) or MxKxN, e.g. 512,1024,2048x256x768
  --backends LIST   typegrad backends, comma-separated (default cpu): cpu, gpujs:webgpu, gpujs:webasm,
                    gpujs:cpu, gpujs:headlessgl, or all; a gpu.js mode that cannot load here is skipped
                    with one line saying why. With gpujs:webgpu (else gpujs:headlessgl) the matmul suite adds the small-size
                    crossover cases (matmul N = 16..512, add 1e2..1e6 elements)
  --rounds N        rounds over all cases (default ${FULL.rounds}, quick ${QUICK.rounds})
  --time MS         time budget per implementation, case and round (default ${FULL.timeMs}, quick ${QUICK.timeMs})
  --order ORDER     phased (default): tfjs-wasm after all other rows, which stay pristine;
                    interleaved: tfjs-wasm last within each case and round (rows after its
                    first memory growth are not pristine)
  --help            this text`;

function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`bench: ${flag} must be a positive integer, got '${text}'`);
  }
  return value;
}

/** Parses `--backends`: a comma-separated list of BenchBackend names, or `all`. */
export function parseBackends(text: string | undefined): BenchBackend[] {
  if (text === undefined) return ['cpu'];
  const known = new Set<string>(ALL_BACKENDS);
  const chosen: BenchBackend[] = [];
  for (const item of text.split(',').map((s) => s.trim())) {
    if (item === '') continue;
    const names = item === 'all' ? ALL_BACKENDS : [item];
    for (const name of names) {
      if (!known.has(name)) {
        throw new RangeError(
          `bench: --backends: unknown backend '${name}'; expected cpu, ${GPUJS_MODES.map((m) => `gpujs:${m}`).join(', ')} or all`,
        );
      }
      if (!chosen.includes(name as BenchBackend)) chosen.push(name as BenchBackend);
    }
  }
  if (chosen.length === 0) throw new RangeError('bench: --backends names no backend');
  return chosen;
}

function orderOf(text: string | undefined): MeasureSettings['order'] | undefined {
  if (text === undefined || text === 'phased' || text === 'interleaved') return text;
  throw new RangeError(`bench: --order must be 'phased' or 'interleaved', got '${text}'`);
}

/** Parses `argv` (without node and the script); throws with the usage on unknown flags. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs | 'help' {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new Error(`bench: ${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const base = quick ? QUICK : FULL;
  const shapes = values.shapes
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return {
    json: values.json ?? false,
    quick,
    shapes: shapes && shapes.length > 0 ? shapes : null,
    backends: parseBackends(values.backends),
    measure: {
      ...base,
      rounds: positiveInteger('--rounds', values.rounds) ?? base.rounds,
      timeMs: positiveInteger('--time', values.time) ?? base.timeMs,
      order: orderOf(values.order) ?? base.order,
    },
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    // `pnpm run x -- --flag` may pass the separator through.
    args: argv[0] === '--' ? argv.slice(1) : [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      json: { type: 'boolean' },
      quick: { type: 'boolean' },
      shapes: { type: 'string' },
      backends: { type: 'string' },
      rounds: { type: 'string' },
      time: { type: 'string' },
      order: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
}
