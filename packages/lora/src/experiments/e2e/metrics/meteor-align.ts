/**
 * METEOR's word aligner, re-implemented from the behaviour of METEOR 1.5's `Aligner` for two
 * matching modules, exact (module 0) and Porter stem (module 1); METEOR 1.5 also has WordNet
 * synonym and paraphrase-table modules, which we do not have.
 *
 * 1. Candidate matches: every (hyp word, ref word) pair with equal words (exact), and every pair
 *    of different words with equal stems (stem). Identical sentences use exact matches only.
 * 2. A reference word with exactly one candidate, whose two words have no other candidate, is
 *    fixed in advance.
 * 3. Beam search (width 40) over reference positions, left to right: at each position a path
 *    either takes one of the position's candidates whose hypothesis word is still free, or
 *    skips it. Paths are ranked by (a) weighted matched words, hyp + ref, with exact 1.0 and
 *    stem 0.5 (METEOR's weights for alignment, not for scoring), more first; (b) chunks, fewer
 *    first; (c) a distance term, smaller first; ties keep insertion order (stable sort, like
 *    Java's). METEOR 1.5 adds each candidate's |ref pos − hyp pos| to the path it branches
 *    from rather than to the new path, so the distance term favours skipping and later
 *    candidates; we keep that behaviour because it decides ties as the official tool does.
 * A chunk is a maximal run of matches contiguous in both sentences.
 */

/** One word-to-word match. */
export interface WordMatch {
  /** Index in the reference. */
  refPos: number;
  /** Index in the hypothesis. */
  hypPos: number;
  /** 0 = exact, 1 = stem. */
  module: number;
}

/** The chosen alignment: at most one match per reference position. */
export interface WordAlignment {
  /** By reference position: the match there, or null. */
  matches: (WordMatch | null)[];
  chunks: number;
}

interface Path {
  matches: (WordMatch | null)[];
  hypUsed: boolean[];
  refUsed: boolean[];
  weighted: number;
  chunks: number;
  distance: number;
  /** Hypothesis index just after the last match of the open chunk, or -1 when none is open. */
  lastMatchEnd: number;
}

const ALIGNMENT_WEIGHTS = [1.0, 0.5];
export const METEOR_BEAM_SIZE = 40;

function copyPath(p: Path): Path {
  return { ...p, matches: p.matches.slice(), hypUsed: p.hypUsed.slice(), refUsed: p.refUsed.slice() };
}

function comparePaths(a: Path, b: Path): number {
  const matchDiff = b.weighted - a.weighted;
  if (matchDiff > 0) return 1;
  if (matchDiff < 0) return -1;
  if (a.chunks !== b.chunks) return a.chunks - b.chunks;
  return a.distance - b.distance;
}

/** Takes match `m` on `path` (updates counts and chunks). */
function take(path: Path, m: WordMatch): void {
  path.weighted += 2 * ALIGNMENT_WEIGHTS[m.module];
  if (path.lastMatchEnd !== -1 && m.hypPos !== path.lastMatchEnd) path.chunks++;
  path.lastMatchEnd = m.hypPos + 1;
}

/** Counts chunks of a finished alignment. */
export function countChunks(matches: readonly (WordMatch | null)[]): number {
  let chunks = 0;
  let lastMatchEnd = -1;
  for (const m of matches) {
    if (m === null) {
      if (lastMatchEnd !== -1) chunks++;
      lastMatchEnd = -1;
    } else {
      if (lastMatchEnd !== -1 && m.hypPos !== lastMatchEnd) chunks++;
      lastMatchEnd = m.hypPos + 1;
    }
  }
  return lastMatchEnd !== -1 ? chunks + 1 : chunks;
}

/**
 * Aligns hypothesis and reference tokens. `stem` maps a word to its stem (cached by the caller).
 */
export function meteorAlign(
  hyp: readonly string[],
  ref: readonly string[],
  stem: (word: string) => string,
  beamSize = METEOR_BEAM_SIZE,
): WordAlignment {
  const identical = hyp.length === ref.length && hyp.every((w, i) => w === ref[i]);
  const candidates: WordMatch[][] = ref.map(() => []);
  const hypCoverage = new Array<number>(hyp.length).fill(0);
  const refCoverage = new Array<number>(ref.length).fill(0);
  const add = (refPos: number, hypPos: number, module: number) => {
    candidates[refPos].push({ refPos, hypPos, module });
    hypCoverage[hypPos]++;
    refCoverage[refPos]++;
  };
  for (let j = 0; j < ref.length; j++)
    for (let i = 0; i < hyp.length; i++) if (hyp[i] === ref[j]) add(j, i, 0);
  if (!identical) {
    const hypStems = hyp.map(stem);
    const refStems = ref.map(stem);
    for (let j = 0; j < ref.length; j++) {
      for (let i = 0; i < hyp.length; i++) if (hypStems[i] === refStems[j] && hyp[i] !== ref[j]) add(j, i, 1);
    }
  }

  const start: Path = {
    matches: new Array<WordMatch | null>(ref.length).fill(null),
    hypUsed: new Array<boolean>(hyp.length).fill(false),
    refUsed: new Array<boolean>(ref.length).fill(false),
    weighted: 0,
    chunks: 0,
    distance: 0,
    lastMatchEnd: -1,
  };
  for (let j = 0; j < ref.length; j++) {
    if (candidates[j].length !== 1) continue;
    const m = candidates[j][0];
    if (refCoverage[j] === 1 && hypCoverage[m.hypPos] === 1) {
      start.matches[j] = m;
      start.refUsed[j] = true;
      start.hypUsed[m.hypPos] = true;
    }
  }

  let next: Path[] = [start];
  for (let current = 0; current <= ref.length; current++) {
    const paths = next.sort(comparePaths);
    next = [];
    for (let rank = 0; rank < beamSize && rank < paths.length; rank++) {
      const path = paths[rank];
      if (current === ref.length) {
        if (path.lastMatchEnd !== -1) path.chunks++;
        next.push(path);
        continue;
      }
      if (path.refUsed[current]) {
        // A match fixed in advance.
        const m = path.matches[current]!;
        take(path, m);
        path.distance += Math.abs(m.refPos - m.hypPos);
        next.push(path);
        continue;
      }
      for (const m of candidates[current]) {
        if (path.hypUsed[m.hypPos]) continue;
        const branch = copyPath(path);
        branch.matches[current] = m;
        branch.hypUsed[m.hypPos] = true;
        branch.refUsed[current] = true;
        take(branch, m);
        path.distance += Math.abs(m.refPos - m.hypPos);
        next.push(branch);
      }
      if (path.lastMatchEnd !== -1) {
        path.chunks++;
        path.lastMatchEnd = -1;
      }
      next.push(path);
    }
    if (next.length === 0) next.push(paths[0]);
  }
  const best = next.sort(comparePaths)[0];
  return { matches: best.matches, chunks: countChunks(best.matches) };
}
