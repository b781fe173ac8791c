/**
 * E2E meaning representations: `name[The Eagle], eatType[coffee shop], ...` — attribute–value
 * pairs `attr[value]` joined by `, `, in the order the row gives them.
 */
import { ArgumentError } from '@typegrad/tensor';

/** The eight E2E attributes, in the order the dataset always lists them. */
export const E2E_SLOTS = [
  'name',
  'eatType',
  'food',
  'priceRange',
  'customer rating',
  'area',
  'familyFriendly',
  'near',
] as const;

/** One of the eight E2E attributes. */
export type E2ESlot = (typeof E2E_SLOTS)[number];

/** One attribute–value pair of an MR. */
export interface SlotValue {
  slot: E2ESlot;
  value: string;
}

const SLOT_SET: ReadonlySet<string> = new Set(E2E_SLOTS);
// One pair: an attribute of word characters and spaces, then a bracketed value without brackets.
const PAIR = /^(\w[\w ]*?)\[([^[\]]*)\]$/;

/**
 * Parses an MR string into ordered slot/value pairs. Throws ArgumentError naming the MR (and
 * `where`, e.g. `devset.csv:12`, when given) for an unknown attribute, a repeated attribute, a
 * malformed pair, or a missing `name`.
 */
export function parseMR(mr: string, where?: string): SlotValue[] {
  const label = where === undefined ? '' : `${where}: `;
  const fail = (problem: string): never => {
    throw new ArgumentError(`${label}MR ${JSON.stringify(mr)}: ${problem}`);
  };
  if (mr.trim() === '') fail('is empty');
  const pairs: SlotValue[] = [];
  const seen = new Set<string>();
  for (const part of mr.split(', ')) {
    const m = PAIR.exec(part.trim());
    if (m === null) fail(`${JSON.stringify(part)} is not of the form attr[value]`);
    const [, slot, value] = m!;
    if (!SLOT_SET.has(slot))
      fail(`unknown attribute ${JSON.stringify(slot)} (known: ${E2E_SLOTS.join(', ')})`);
    if (seen.has(slot)) fail(`attribute ${JSON.stringify(slot)} appears twice`);
    if (value.trim() === '') fail(`attribute ${JSON.stringify(slot)} has an empty value`);
    seen.add(slot);
    pairs.push({ slot: slot as E2ESlot, value });
  }
  if (!seen.has('name')) fail('has no name attribute');
  return pairs;
}

/** Formats slot/value pairs back into the dataset's MR string (inverse of `parseMR`). */
export function formatMR(pairs: readonly SlotValue[]): string {
  return pairs.map(({ slot, value }) => `${slot}[${value}]`).join(', ');
}
