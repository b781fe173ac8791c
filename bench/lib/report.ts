/** Markdown tables and the JSON document of a benchmark run. */
import type { BenchArgs } from './cli.js';
import type { Environment } from './environment.js';
import { median, type Row } from './harness.js';

/** One acceptance check: a ratio of two rows against its target. */
export interface SummaryLine {
  suite: string;
  /** What is compared, e.g. `typegrad:cpu 1t / tfjs-wasm 1t (GFLOP/s)`. */
  check: string;
  shape: string;
  layout?: string;
  /** null when a row it needs was not measured in this run. */
  ratio: number | null;
  /** The ratio must be at least this. */
  target: number;
  pass: boolean | null;
}

/** Said when an ArrayBuffer was detached before the first measurement. */
export const NOT_PRISTINE_HINT =
  'an ArrayBuffer was detached before the first measurement, so plain-JS typed-array loops run ' +
  '30-45% slower in this process. Under `node --import tsx`, tsx lexes every CommonJS file (tfjs) ' +
  'with a WebAssembly lexer whose memory grows; run with `node --import tsx/esm` instead.';

/** Everything one run produced, per suite. */
export interface SuiteReport {
  name: string;
  rows: Row[];
  summary: SummaryLine[];
  notes: string[];
}

/** A Markdown table with padded columns. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length), 3));
  const line = (cells: readonly string[]) => `| ${cells.map((x, c) => x.padEnd(widths[c])).join(' | ')} |`;
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function fmt(value: number | undefined, digits = 3): string {
  if (value === undefined) return '';
  return value >= 10 ** digits ? value.toFixed(0) : value.toPrecision(digits);
}

/** Spread of the round medians around their median, in percent: (max - min) / median. */
export function spreadPercent(row: Row): number {
  const m = median(row.roundMediansMs);
  return (100 * (Math.max(...row.roundMediansMs) - Math.min(...row.roundMediansMs))) / m;
}

/** The rows as a Markdown table; columns no row fills are left out. */
export function rowsTable(rows: readonly Row[]): string {
  const columns: [string, (r: Row) => string][] = [
    ['impl', (r) => r.impl],
    ['threads', (r) => String(r.threads)],
    ['op', (r) => r.op],
    ['shape', (r) => r.shape],
    ['layout', (r) => r.layout ?? ''],
    ['median ms', (r) => fmt(r.medianMs)],
    ['GFLOP/s', (r) => fmt(r.gflops)],
    ['GB/s', (r) => fmt(r.gbps)],
    ['tokens/s', (r) => fmt(r.tokensPerSecond)],
    ['spread %', (r) => (r.roundMediansMs.length > 1 ? spreadPercent(r).toFixed(0) : '')],
    ['samples', (r) => String(r.samples)],
    ['pristine', (r) => (r.pristine ? 'yes' : 'no')],
  ];
  const used = columns.filter(([, cell]) => rows.some((r) => cell(r) !== ''));
  return markdownTable(
    used.map(([h]) => h),
    rows.map((r) => used.map(([, cell]) => cell(r))),
  );
}

export function summaryTable(lines: readonly SummaryLine[]): string {
  return markdownTable(
    ['check', 'shape', 'layout', 'ratio', 'target', 'result'],
    lines.map((s) => [
      s.check,
      s.shape,
      s.layout ?? '',
      s.ratio === null ? 'n/a' : s.ratio.toFixed(2),
      `>= ${s.target}`,
      s.pass === null ? 'not measured' : s.pass ? 'pass' : 'FAIL',
    ]),
  );
}

/** The human-readable report: environment, then per suite its table, summary and notes. */
export function markdownReport(env: Environment, args: BenchArgs, suites: readonly SuiteReport[]): string {
  const out: string[] = [
    `# typegrad benchmarks${args.quick ? ' (quick)' : ''}`,
    '',
    `- ${env.cpuModel}, ${env.logicalCpus} logical CPUs; Node ${env.node} (V8 ${env.v8}); tinybench ${env.tinybench}`,
    `- load average at start ${env.loadAverageStart.join(' / ')}, at end ${env.loadAverageEnd.join(' / ')}`,
    `- measured: ${args.measure.rounds} rounds x ${args.measure.timeMs} ms (min ${args.measure.minIterations} calls) per row, ` +
      `warm-up ${args.measure.warmupMs} ms (none once a call is slower); order ${args.measure.order}; ` +
      `median ms = median over rounds of each round's median`,
    `- typegrad cpu options at start: ${JSON.stringify(env.typegrad.cpuOptionsAtStart)}; tfjs ${JSON.stringify(env.tfjs)}`,
    `- pristine process (no ArrayBuffer detached) at start: ${env.pristineAtStart ? 'yes' : 'no'}, at end: ${env.pristineAtEnd ? 'yes' : 'no'}` +
      (env.detaches.length > 0
        ? ` (first detach: ${env.detaches[0].reason}, ${(env.detaches[0].atMs / 1000).toFixed(1)} s after process start)`
        : ''),
    `- ${env.durationS} s in all`,
  ];
  if (!env.pristineAtStart) out.push(`- **warning:** ${NOT_PRISTINE_HINT}`);
  for (const suite of suites) {
    out.push('', `## ${suite.name}`, '', rowsTable(suite.rows));
    if (suite.summary.length > 0) out.push('', summaryTable(suite.summary));
    if (suite.notes.length > 0) out.push('', ...suite.notes.map((n) => `- ${n}`));
  }
  return `${out.join('\n')}\n`;
}

function round4(x: number): number {
  return Number(x.toPrecision(4));
}

/** The one JSON document `--json` prints. */
export function jsonReport(env: Environment, args: BenchArgs, suites: readonly SuiteReport[]): string {
  const rows = suites.flatMap((s) =>
    s.rows.map((r) => ({
      ...r,
      medianMs: round4(r.medianMs),
      ...(r.gflops === undefined ? {} : { gflops: round4(r.gflops) }),
      ...(r.gbps === undefined ? {} : { gbps: round4(r.gbps) }),
      ...(r.tokensPerSecond === undefined ? {} : { tokensPerSecond: round4(r.tokensPerSecond) }),
      roundMediansMs: r.roundMediansMs.map(round4),
    })),
  );
  const summary = suites.flatMap((s) =>
    s.summary.map((l) => ({ ...l, ratio: l.ratio === null ? null : round4(l.ratio) })),
  );
  const notes = suites.flatMap((s) => s.notes.map((note) => ({ suite: s.name, note })));
  return `${JSON.stringify(
    {
      suites: suites.map((s) => s.name),
      quick: args.quick,
      measure: args.measure,
      env,
      rows,
      summary,
      notes,
    },
    null,
    2,
  )}\n`;
}
