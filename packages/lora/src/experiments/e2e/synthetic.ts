/**
 * A seeded generator of E2E-format data, for runs without the real dataset (which this repo
 * cannot ship). MRs draw the real attributes and values (./synthetic-values.ts) with the real
 * presence rates; each MR gets several references built from varied templates: different
 * openings, clause orders, phrasings per value, and sentence splits. The text is synthetic and
 * much more regular than the crowd-sourced references, so scores on it are not comparable to
 * scores on the real E2E.
 */
import { ArgumentError, uniformAt } from '@typegrad/tensor';
import { formatCsv } from './csv.js';
import type { E2EInstance } from './dataset.js';
import { E2E_SLOTS, type E2ESlot, formatMR, type SlotValue } from './mr.js';
import { E2E_PRESENCE, E2E_VALUES } from './synthetic-values.js';

/** Options for the synthetic generator. */
export interface SyntheticE2EOptions {
  seed: number;
  /** Distinct MRs per split (MRs never repeat across splits). */
  trainMRs: number;
  devMRs: number;
  testMRs: number;
  /** Inclusive range of references per MR. Default [2, 8]. */
  refsPerMR?: [number, number];
}

/** The three splits as CSV texts in the official format, plus the grouped instances. */
export interface SyntheticE2E {
  files: { 'trainset.csv': string; 'devset.csv': string; 'testset_w_refs.csv': string };
  train: E2EInstance[];
  dev: E2EInstance[];
  test: E2EInstance[];
}

/** Deterministic stream of uniforms over (seed, counter), from the tensor package's RNG. */
class Draws {
  private counter = 0;
  constructor(private readonly seed: number) {}
  uniform(): number {
    return uniformAt(this.seed, this.counter++);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.uniform() * items.length)];
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

const FOOD_WORD: Record<string, string> = { 'Fast food': 'fast food' };
const foodWord = (food: string): string => FOOD_WORD[food] ?? food;

/** Ways to say each value as a clause about the venue ("It ..."). */
function clauseVariants(slot: E2ESlot, value: string): string[] {
  switch (slot) {
    case 'food':
      return [
        `serves ${foodWord(value)} food`,
        `offers ${foodWord(value)} cuisine`,
        `has ${foodWord(value)} dishes on the menu`,
      ];
    case 'priceRange':
      return (
        {
          cheap: ['is cheap', 'has low prices', 'is inexpensive'],
          moderate: ['is moderately priced', 'has moderate prices', 'is mid-priced'],
          high: ['is expensive', 'has high prices', 'is in the high price range'],
          'less than £20': ['costs less than £20', 'has prices under £20', 'is priced below £20'],
          '£20-25': ['costs £20-25', 'has prices of £20-25', 'is in the £20-25 price range'],
          'more than £30': ['costs more than £30', 'has prices over £30', 'is priced above £30'],
        }[value] ?? [`has a price range of ${value}`]
      );
    case 'customer rating':
      return /out of/.test(value)
        ? [
            `is rated ${value} by customers`,
            `has a customer rating of ${value}`,
            `scores ${value} with diners`,
          ]
        : [`has a ${value} customer rating`, `is rated ${value} by customers`, `has ${value} reviews`];
    case 'area':
      return value === 'riverside'
        ? ['is by the riverside', 'is located in the riverside area', 'sits on the river']
        : ['is in the city centre', 'is located in the centre of the city', 'is in the city center'];
    case 'familyFriendly':
      return value === 'yes'
        ? ['is family friendly', 'is kid friendly', 'welcomes children']
        : ['is not family friendly', 'is not kid friendly', 'does not welcome children'];
    case 'near':
      return [`is near ${value}`, `is close to ${value}`, `is located near ${value}`];
    case 'eatType':
      return [`is a ${value}`];
    case 'name':
      return [`is called ${value}`];
  }
}

/** "a" or "an" before a word. */
function article(word: string): string {
  return /^[aeiouAEIOU]/.test(word) ? 'an' : 'a';
}

/** One reference for the MR: an opening sentence naming the venue, then the other values. */
function realize(pairs: readonly SlotValue[], draws: Draws): string {
  const get = (slot: E2ESlot) => pairs.find((p) => p.slot === slot)?.value;
  const name = get('name')!;
  const eatType = get('eatType');
  const food = get('food');
  const noun = eatType ?? draws.pick(['place', 'venue', 'establishment']);
  const useFoodAdjective = food !== undefined && draws.uniform() < 0.5;
  const headNoun = useFoodAdjective ? `${foodWord(food)} ${noun}` : noun;
  const rest = pairs.filter(
    (p) => p.slot !== 'name' && p.slot !== 'eatType' && !(useFoodAdjective && p.slot === 'food'),
  );
  const clauses = draws.shuffle(rest.map((p) => draws.pick(clauseVariants(p.slot, p.value))));
  const openings = [
    `${name} is ${article(headNoun)} ${headNoun}`,
    `There is ${article(headNoun)} ${headNoun} called ${name}`,
  ];
  // The appositive opening ("X, a pub, ...") needs a clause to finish the sentence.
  if (clauses.length > 0) openings.push(`${name}, ${article(headNoun)} ${headNoun},`);
  const opening = draws.pick(openings);
  // Split the clauses between the opening sentence and one or two follow-up sentences.
  const inFirst = opening.endsWith(',')
    ? Math.max(1, Math.min(clauses.length, draws.int(1, 2)))
    : draws.int(0, 2);
  const first = clauses.slice(0, inFirst);
  const later = clauses.slice(inFirst);
  const joinClauses = (cs: string[]) =>
    cs.length <= 1 ? cs.join('') : `${cs.slice(0, -1).join(', ')} and ${cs[cs.length - 1]}`;
  let text = opening;
  if (first.length > 0) text += `${opening.endsWith(',') ? ' ' : ' that '}${joinClauses(first)}`;
  text += '.';
  const subject = draws.pick(['It', 'The venue', 'This place']);
  if (later.length > 0) {
    const split = later.length >= 3 && draws.uniform() < 0.5 ? draws.int(1, later.length - 1) : later.length;
    text += ` ${subject} ${joinClauses(later.slice(0, split))}.`;
    if (split < later.length) text += ` It also ${joinClauses(later.slice(split))}.`;
  }
  return text;
}

/** Draws a random MR: `name` always, other attributes at their real presence rates, 3–8 pairs. */
function drawMR(draws: Draws): SlotValue[] {
  for (;;) {
    const pairs: SlotValue[] = [];
    for (const slot of E2E_SLOTS) {
      if (draws.uniform() < E2E_PRESENCE[slot]) pairs.push({ slot, value: draws.pick(E2E_VALUES[slot]) });
    }
    if (pairs.length >= 3) return pairs;
  }
}

function checkCount(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new ArgumentError(`generateSyntheticE2E: ${what} must be a positive integer, got ${n}`);
}

/**
 * Generates the three splits. Same options → same bytes. MRs are distinct across all splits;
 * train rows are shuffled (as in the real trainset), dev/test rows are grouped by MR.
 */
export function generateSyntheticE2E(options: SyntheticE2EOptions): SyntheticE2E {
  const { seed, trainMRs, devMRs, testMRs } = options;
  const [minRefs, maxRefs] = options.refsPerMR ?? [2, 8];
  checkCount('trainMRs', trainMRs);
  checkCount('devMRs', devMRs);
  checkCount('testMRs', testMRs);
  checkCount('refsPerMR[0]', minRefs);
  if (!Number.isInteger(maxRefs) || maxRefs < minRefs) {
    throw new ArgumentError(
      `generateSyntheticE2E: refsPerMR must be [min, max] with min <= max, got [${minRefs}, ${maxRefs}]`,
    );
  }
  const draws = new Draws(seed >>> 0);
  const seen = new Set<string>();
  const makeSplit = (count: number): E2EInstance[] => {
    const out: E2EInstance[] = [];
    let attempts = 0;
    while (out.length < count) {
      if (++attempts > count * 1000) {
        throw new ArgumentError(
          `generateSyntheticE2E: could not draw ${count} distinct MRs (${seen.size} so far)`,
        );
      }
      const pairs = drawMR(draws);
      const mr = formatMR(pairs);
      if (seen.has(mr)) continue;
      seen.add(mr);
      const refs = new Set<string>();
      const want = draws.int(minRefs, maxRefs);
      for (let tries = 0; refs.size < want && tries < want * 20; tries++) refs.add(realize(pairs, draws));
      out.push({ mr, refs: [...refs] });
    }
    return out;
  };
  const train = makeSplit(trainMRs);
  const dev = makeSplit(devMRs);
  const test = makeSplit(testMRs);
  const rows = (instances: E2EInstance[]) =>
    instances.flatMap(({ mr, refs }) => refs.map((ref) => [mr, ref]));
  return {
    files: {
      'trainset.csv': formatCsv([['mr', 'ref'], ...draws.shuffle(rows(train))]),
      'devset.csv': formatCsv([['mr', 'ref'], ...rows(dev)]),
      'testset_w_refs.csv': formatCsv([['mr', 'ref'], ...rows(test)]),
    },
    train,
    dev,
    test,
  };
}
