/**
 * Turning an E2E pair into language-model text, as the LoRA paper's GPT-2 E2E setup does:
 * `prompt + separator + reference + eos`, with the loss on the reference and eos only.
 *
 * Prompt format (documented contract, tested):
 *   `name : The Eagle | eatType : coffee shop | food : French | customer rating : 3 out of 5`
 * i.e. each pair as `attribute : value`, pairs joined by ` | `, in the MR's own order, with the
 * dataset's attribute names and values verbatim. (The LoRA repo's files use the same ` : ` and
 * ` | ` joins but rename three attributes and space-tokenise values; we keep the raw strings so
 * a byte-level model sees the same text the metrics score.)
 */
import { ArgumentError } from '@typegrad/tensor';
import { parseMR } from './mr.js';

/** The part of a tokenizer this module needs (structurally a @typegrad/transformer Tokenizer). */
export interface TextEncoderLike {
  encode(text: string): number[];
  readonly eosId?: number;
}

/** Token ids that frame the reference. */
export interface ExampleMarkers {
  /** Ids between the prompt and the reference (no loss). */
  separatorIds: number[];
  /** Ids after the reference (with loss, so the model learns to stop). */
  eosIds: number[];
  /** Text put before the reference before encoding (GPT-2 BPE expects a leading space). */
  refPrefix: string;
}

/** A tokenised training example. */
export interface TrainingExample {
  /** prompt ++ separator ++ reference ++ eos. */
  ids: number[];
  /**
   * Per position of `ids`: 1 where the token is a reference or eos token (a prediction target),
   * 0 for prompt and separator tokens. For next-token training use inputs `ids[0..n-2]`,
   * targets `ids[1..n-1]` and mask `lossMask[1..n-1]`.
   */
  lossMask: number[];
  /** Number of prompt + separator ids, i.e. the index of the first reference token. */
  contextLength: number;
}

/** Linearises an MR string into the prompt text (format above). */
export function linearize(mr: string): string {
  return parseMR(mr)
    .map(({ slot, value }) => `${slot} : ${value}`)
    .join(' | ');
}

/**
 * The markers the LoRA repo uses when the tokenizer has an end-of-text id (GPT-2: 50256 serves as
 * both separator and eos, the reference gets a leading space). Without one (byte-level), a
 * newline plays both roles: references never contain one after `normalizeReference`.
 */
export function defaultMarkers(tokenizer: TextEncoderLike): ExampleMarkers {
  if (tokenizer.eosId !== undefined) {
    return { separatorIds: [tokenizer.eosId], eosIds: [tokenizer.eosId], refPrefix: ' ' };
  }
  const newline = tokenizer.encode('\n');
  return { separatorIds: newline, eosIds: newline, refPrefix: '' };
}

/**
 * Collapses whitespace runs (the two train references with an embedded CRLF, double spaces) to
 * one space and trims, so a reference is one line of text.
 */
export function normalizeReference(ref: string): string {
  return ref.replace(/\s+/g, ' ').trim();
}

/** Prompt ids for generation: linearised MR followed by the separator. */
export function promptIds(
  mr: string,
  tokenizer: TextEncoderLike,
  markers = defaultMarkers(tokenizer),
): number[] {
  return [...tokenizer.encode(linearize(mr)), ...markers.separatorIds];
}

/** Builds the paper-style training example for one (MR, reference) pair. */
export function buildTrainingExample(
  mr: string,
  ref: string,
  tokenizer: TextEncoderLike,
  markers = defaultMarkers(tokenizer),
): TrainingExample {
  const reference = normalizeReference(ref);
  if (reference === '')
    throw new ArgumentError(`buildTrainingExample: empty reference for MR ${JSON.stringify(mr)}`);
  const context = promptIds(mr, tokenizer, markers);
  const target = [...tokenizer.encode(markers.refPrefix + reference), ...markers.eosIds];
  return {
    ids: [...context, ...target],
    lossMask: [...context.map(() => 0), ...target.map(() => 1)],
    contextLength: context.length,
  };
}
