import { type ExperimentConfig, PRESETS } from '../config.js';

/** Settings that have their own flag on the command line (cli/reproduce.ts). */
const FLAGS: Partial<Record<keyof ExperimentConfig, string>> = {
  dataDir: '--data-dir',
  baseRun: '--base',
  corpus: '--corpus',
  backend: '--backend',
  seed: '--seed',
};

/** Quotes a shell word when it holds anything beyond a safe set of characters. */
function shellWord(word: string): string {
  return /^[\w./:=,+@-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `--set key=value` assignments for every leaf where `config` differs from `preset` (arrays whole). */
function differences(config: unknown, preset: unknown, path: string[]): string[] {
  const isObject = (x: unknown): x is Record<string, unknown> =>
    !!x && typeof x === 'object' && !Array.isArray(x);
  if (isObject(config) && isObject(preset)) {
    return Object.keys(config).flatMap((key) => differences(config[key], preset[key], [...path, key]));
  }
  if (config === undefined || JSON.stringify(config) === JSON.stringify(preset)) return [];
  return [`--set ${shellWord(`${path.join('.')}=${JSON.stringify(config)}`)}`];
}

/**
 * The exact command that reruns this experiment: the preset, the flags for data, base, corpus,
 * backend and seed, and a `--set` for every other setting that differs from the preset.
 */
export function reproduceCommand(config: ExperimentConfig, outDir?: string): string {
  const preset = PRESETS[config.preset];
  const parts = ['pnpm reproduce', `--preset ${config.preset}`];
  for (const [key, flag] of Object.entries(FLAGS) as [keyof ExperimentConfig, string][]) {
    const value = config[key];
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(preset?.[key])) {
      parts.push(`${flag} ${shellWord(String(value))}`);
    }
  }
  const rest: Record<string, unknown> = { ...config };
  for (const key of ['preset', ...Object.keys(FLAGS)]) delete rest[key];
  parts.push(...differences(rest, preset, []));
  if (outDir) parts.push(`--out ${shellWord(outDir)}`);
  return parts.join(' ');
}
