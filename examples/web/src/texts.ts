/**
 * The two built-in texts: prose for the base model's short pretraining, and a tiny grammar of
 * sentences ("the owl eats figs.") that the LoRA adapters learn. Different on purpose, so that
 * the adapters have something to learn.
 */
import { uniformAt } from '@typegrad/tensor';

/**
 * Prose written for this demo (no outside source), a little over 1,000 bytes. It uses the
 * grammar's words, so the base model knows them and the adapters only learn the new form.
 */
export const PRETRAIN_TEXT = `On the farm by the harbour the morning starts early. The cat
sleeps on the warm stones and wakes when the boats bring in the fish. The dog runs along the
quay and barks at the gulls, then eats the rice that the old woman leaves by the door. An owl
lives in the barn; at night it hunts, and by day it sits still and watches the fields of corn.
A fox comes down from the hill when the wind is cold. It looks for nuts under the trees and
for figs that fell in the grass, and runs away when the dog sees it. The bee works all day in
the garden, from the kale to the flowers by the wall, and the ant carries crumbs of bread to
its nest under the path. In the evening the lamps are lit, the fish is cooked with rice and
kale, and the children eat figs and nuts by the fire while the cat eats the last of the fish.
Then the farm is quiet again, and only the owl is awake. `.replace(/\n/g, ' ');

const ANIMALS = ['cat', 'dog', 'owl', 'fox', 'bee', 'ant'];
const FOODS = ['fish', 'rice', 'corn', 'figs', 'nuts', 'kale'];

/**
 * `count` sentences "the <animal> eats <food>." drawn from the seeded stream `seed`. Separated
 * by spaces, not newlines: the frozen base never saw a newline byte, and rank-4 adapters on
 * attention alone learn a new byte slowly.
 */
export function grammarText(count: number, seed: number): string {
  const pick = (list: readonly string[], draw: number) =>
    list[Math.floor(uniformAt(seed, draw) * list.length)];
  const sentences: string[] = [];
  for (let i = 0; i < count; i++)
    sentences.push(`the ${pick(ANIMALS, 2 * i)} eats ${pick(FOODS, 2 * i + 1)}.`);
  return `${sentences.join(' ')} `;
}
