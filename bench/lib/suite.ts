/**
 * A benchmark suite (a set of cases plus its acceptance summary) and the entry point that runs
 * suites from the command line: parse flags, run, print a Markdown report or one JSON document.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type BenchArgs, parseBenchArgs, USAGE } from './cli.js';
import { finishEnvironment, startEnvironment } from './environment.js';
import { type BenchCase, progress, type Row, runCases } from './harness.js';
import {
  jsonReport,
  markdownReport,
  NOT_PRISTINE_HINT,
  type SuiteReport,
  type SummaryLine,
} from './report.js';

export interface Suite {
  name: string;
  /** The cases to measure under these flags; `notes` collects what the report should say. */
  cases(args: BenchArgs, notes: string[]): BenchCase[] | Promise<BenchCase[]>;
  /** Acceptance checks computed from the measured rows. */
  summarize?(rows: readonly Row[]): Omit<SummaryLine, 'suite'>[];
}

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === moduleUrl;
  } catch {
    return false;
  }
}

/**
 * In JSON mode stdout must carry the document only: anything else (library banners, Emscripten
 * prints) is sent to stderr. Returns the original stdout writer.
 */
function divertStdout(): (text: string) => void {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  return (text) => {
    write(text);
  };
}

/** Runs `suites` in order under the flags in `argv` and prints their report. */
export async function runSuites(suites: readonly Suite[], argv = process.argv.slice(2)): Promise<void> {
  const parsed = parseBenchArgs(argv);
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const args = parsed;
  const print = args.json ? divertStdout() : (text: string) => process.stdout.write(text);
  const started = startEnvironment();
  if (!started.pristineAtStart) progress(`warning: ${NOT_PRISTINE_HINT}`);
  const reports: SuiteReport[] = [];
  for (const suite of suites) {
    const notes: string[] = [];
    const cases = await suite.cases(args, notes);
    progress(`[${suite.name}] ${cases.length} cases, ${args.measure.rounds} rounds`);
    const rows = await runCases(suite.name, cases, args.measure, notes);
    const summary = (suite.summarize?.(rows) ?? []).map((line) => ({ suite: suite.name, ...line }));
    reports.push({ name: suite.name, rows, summary, notes });
  }
  const env = await finishEnvironment(started);
  print(args.json ? jsonReport(env, args, reports) : markdownReport(env, args, reports));
}

/** Entry-point wrapper: runs the suites and turns an error into a message and exit code 1. */
export async function main(suites: readonly Suite[]): Promise<void> {
  try {
    await runSuites(suites);
  } catch (error) {
    // The harness's own errors explain themselves; anything else gets its stack.
    const own = error instanceof Error && error.message.startsWith('bench:');
    process.stderr.write(`${own || !(error instanceof Error) ? String(error) : (error.stack ?? error)}\n`);
    process.exitCode = 1;
  }
}
