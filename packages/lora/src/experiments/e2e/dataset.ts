/**
 * The E2E NLG dataset in memory: rows of (MR, reference) read from the official CSV format, and
 * the multi-reference view used for evaluation (rows grouped by the exact MR string).
 * Browser-safe: reading the files from disk is `loadE2E` in ./node.ts.
 */
import { ArgumentError } from '@typegrad/tensor';
import { parseCsv } from './csv.js';
import { parseMR } from './mr.js';

/** One CSV row: an MR and one human reference for it. */
export interface E2EPair {
  mr: string;
  ref: string;
}

/** One MR with all its references, in file order. */
export interface E2EInstance {
  mr: string;
  refs: string[];
}

/** The three splits, grouped by MR, plus the flat training pairs (one per train row, file order). */
export interface E2EData {
  train: E2EInstance[];
  dev: E2EInstance[];
  test: E2EInstance[];
  trainPairs: E2EPair[];
}

/** The CSV texts of the three splits, with the names used in error messages. */
export interface E2ESources {
  train: { text: string; name: string };
  dev: { text: string; name: string };
  test: { text: string; name: string };
}

/** Official file names of the splits with references. */
export const E2E_FILES = { train: 'trainset.csv', dev: 'devset.csv', test: 'testset_w_refs.csv' } as const;

/**
 * Reads the rows of one E2E CSV file (header `mr,ref`, quoted or not). Every row must have
 * exactly two fields, a well-formed MR and a non-empty reference; errors name `fileName:line`.
 */
export function parseE2ECsv(text: string, fileName: string): E2EPair[] {
  const records = parseCsv(text, fileName);
  if (records.length === 0)
    throw new ArgumentError(`${fileName}: the file is empty (expected a header mr,ref)`);
  const header = records[0].fields.map((f) => f.trim().toLowerCase());
  if (header.length !== 2 || header[0] !== 'mr' || header[1] !== 'ref') {
    throw new ArgumentError(
      `${fileName}:${records[0].line}: expected the header mr,ref but found ${JSON.stringify(records[0].fields)}`,
    );
  }
  const pairs: E2EPair[] = [];
  for (let i = 1; i < records.length; i++) {
    const { fields, line } = records[i];
    const where = `${fileName}:${line}`;
    if (fields.length !== 2)
      throw new ArgumentError(`${where}: expected 2 fields (mr, ref) but found ${fields.length}`);
    const [mr, ref] = fields;
    parseMR(mr, where);
    if (ref.trim() === '') throw new ArgumentError(`${where}: the reference is empty`);
    pairs.push({ mr, ref });
  }
  return pairs;
}

/**
 * Groups rows by the exact MR string: one instance per distinct MR, ordered by first appearance,
 * with its references in file order. (Dev and test keep each MR's rows together, so this equals
 * the official script's grouping of consecutive rows; train rows are shuffled, so grouping must
 * be global.)
 */
export function groupByMR(pairs: readonly E2EPair[]): E2EInstance[] {
  const byMR = new Map<string, E2EInstance>();
  for (const { mr, ref } of pairs) {
    const instance = byMR.get(mr);
    if (instance === undefined) byMR.set(mr, { mr, refs: [ref] });
    else instance.refs.push(ref);
  }
  return [...byMR.values()];
}

/** Parses and groups the three splits. */
export function parseE2E(sources: E2ESources): E2EData {
  const trainPairs = parseE2ECsv(sources.train.text, sources.train.name);
  return {
    train: groupByMR(trainPairs),
    dev: groupByMR(parseE2ECsv(sources.dev.text, sources.dev.name)),
    test: groupByMR(parseE2ECsv(sources.test.text, sources.test.name)),
    trainPairs,
  };
}
