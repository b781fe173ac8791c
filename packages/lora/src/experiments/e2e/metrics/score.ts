/**
 * The five E2E metrics, corpus level and multi-reference, with the tokenisation each gets in the
 * official E2E script (tuetschek/e2e-metrics `measure_scores.py`): BLEU and NIST through
 * mteval-v13a, METEOR / ROUGE-L / CIDEr through pycocoevalcap. See METRICS.md for every choice
 * and for what is approximated.
 */
import { ArgumentError } from '@typegrad/tensor';
import { corpusBleu } from './bleu.js';
import { corpusCiderD } from './cider.js';
import { corpusMeteor } from './meteor.js';
import { corpusNist } from './nist.js';
import { meteorNormalize } from './normalize-meteor.js';
import { corpusRougeL } from './rouge.js';
import { mtevalTokenize } from './tokenize-mteval.js';
import { ptbTokenize } from './tokenize-ptb.js';

/**
 * Scores on the official script's scales: BLEU, METEOR and ROUGE-L are fractions in [0, 1]
 * (papers print them ×100), NIST is around 8–9 and CIDEr around 2–3 for good E2E systems.
 */
export interface E2EScores {
  bleu: number;
  nist: number;
  meteor: number;
  rougeL: number;
  cider: number;
}

/** The metric names in the order the E2E script prints them. */
export const E2E_SCORE_KEYS = ['bleu', 'nist', 'meteor', 'rougeL', 'cider'] as const;

/** Tokens of a text as each metric family sees it. */
export interface E2ETokens {
  /** mteval-v13a tokens (BLEU, NIST). */
  mteval: string[];
  /** PTB-like tokens without punctuation (ROUGE-L, CIDEr). */
  ptb: string[];
  /** PTB tokens after METEOR's `-norm` normalisation (METEOR). */
  meteor: string[];
}

/** Tokenises one text for every metric. */
export function tokenizeForMetrics(text: string): E2ETokens {
  const ptb = ptbTokenize(text);
  return { mteval: mtevalTokenize(text), ptb, meteor: meteorNormalize(ptb.join(' ')) };
}

/**
 * Scores system outputs against reference sets: `hypotheses[i]` is scored against
 * `references[i]` (one or more strings). Raw, untokenised text in, as the official script takes.
 */
export function scoreE2E(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
): E2EScores {
  if (hypotheses.length !== references.length) {
    throw new ArgumentError(
      `scoreE2E: ${hypotheses.length} hypotheses but ${references.length} reference sets; they must pair up`,
    );
  }
  if (hypotheses.length === 0) throw new ArgumentError('scoreE2E: nothing to score (0 hypotheses)');
  references.forEach((refs, i) => {
    if (refs.length === 0)
      throw new ArgumentError(`scoreE2E: reference set ${i} is empty; every segment needs one`);
  });
  const hyp = hypotheses.map(tokenizeForMetrics);
  const refs = references.map((set) => set.map(tokenizeForMetrics));
  const pick = <K extends keyof E2ETokens>(key: K) => ({
    hyps: hyp.map((t) => t[key]),
    refs: refs.map((set) => set.map((t) => t[key])),
  });
  const mteval = pick('mteval');
  const ptb = pick('ptb');
  const meteor = pick('meteor');
  return {
    bleu: corpusBleu(mteval.hyps, mteval.refs),
    nist: corpusNist(mteval.hyps, mteval.refs),
    meteor: corpusMeteor(meteor.hyps, meteor.refs),
    rougeL: corpusRougeL(ptb.hyps, ptb.refs),
    cider: corpusCiderD(ptb.hyps, ptb.refs),
  };
}
