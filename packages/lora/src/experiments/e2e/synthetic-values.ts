/**
 * The value set of every E2E attribute, and how often each optional attribute appears.
 *
 * Extracted once (by hand, with a throwaway script) from the official E2E CSVs — trainset.csv,
 * devset.csv and testset_w_refs.csv of tuetschek/e2e-dataset v1.0.0 (CC BY-SA 4.0, Novikova,
 * Dušek & Rieser 2017) — by collecting every `attr[value]` over all rows of the three files.
 * Presence rates are the share of the 4,862 distinct training MRs that carry the attribute.
 * Only this small table of attribute values is kept; no text of the dataset is.
 */
import type { E2ESlot } from './mr.js';

/** Every value each attribute takes in train+dev+test, sorted as the extraction listed them. */
export const E2E_VALUES: Readonly<Record<E2ESlot, readonly string[]>> = {
  name: [
    'Alimentum',
    'Aromi',
    'Bibimbap House',
    'Blue Spice',
    'Browns Cambridge',
    'Clowns',
    'Cocum',
    'Cotto',
    'Fitzbillies',
    'Giraffe',
    'Green Man',
    'Loch Fyne',
    'Midsummer House',
    'Strada',
    'Taste of Cambridge',
    'The Cambridge Blue',
    'The Cricketers',
    'The Dumpling Tree',
    'The Eagle',
    'The Golden Curry',
    'The Golden Palace',
    'The Mill',
    'The Olive Grove',
    'The Phoenix',
    'The Plough',
    'The Punter',
    'The Rice Boat',
    'The Twenty Two',
    'The Vaults',
    'The Waterman',
    'The Wrestlers',
    'Travellers Rest Beefeater',
    'Wildwood',
    'Zizzi',
  ],
  eatType: ['coffee shop', 'pub', 'restaurant'],
  food: ['Chinese', 'English', 'Fast food', 'French', 'Indian', 'Italian', 'Japanese'],
  priceRange: ['cheap', 'high', 'less than £20', 'moderate', 'more than £30', '£20-25'],
  'customer rating': ['1 out of 5', '3 out of 5', '5 out of 5', 'average', 'high', 'low'],
  area: ['city centre', 'riverside'],
  familyFriendly: ['no', 'yes'],
  near: [
    'All Bar One',
    'Avalon',
    'Burger King',
    'Café Adriatic',
    'Café Brazil',
    'Café Rouge',
    'Café Sicilia',
    'Clare Hall',
    'Crowne Plaza Hotel',
    'Express by Holiday Inn',
    'Rainbow Vegetarian Café',
    'Raja Indian Cuisine',
    'Ranch',
    'The Bakers',
    'The Portland Arms',
    'The Rice Boat',
    'The Six Bells',
    'The Sorrento',
    'Yippee Noodle Bar',
  ],
};

/** Share of distinct training MRs carrying each attribute (`name` is always present). */
export const E2E_PRESENCE: Readonly<Record<E2ESlot, number>> = {
  name: 1,
  eatType: 0.465,
  food: 0.869,
  priceRange: 0.733,
  'customer rating': 0.702,
  area: 0.632,
  familyFriendly: 0.633,
  near: 0.487,
};
