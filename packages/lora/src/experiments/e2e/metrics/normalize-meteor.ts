/**
 * METEOR 1.5's `-norm` normalisation (English, punctuation kept), which pycocoevalcap applies
 * on top of the PTB tokens. Re-implemented from Meteor's rules:
 * - every character that is not a letter/digit (Latin-1, Latin Extended-A, Cyrillic), space,
 *   `. ' ` , -` or a curly single quote is split off (so `£`, `&`, `/` become tokens);
 * - commas split off unless between digits; `` ` ‘ ’ `` become `'`, `“ ” ''` become `"`;
 *   `–` and `--` become `-`;
 * - a hyphen between two letters/digits (or after a dot) becomes a space, so `family-friendly`
 *   → `family friendly` and `20-25` → `20 25` (Meteor does this "so systems get partial credit");
 *   like Meteor's non-overlapping regex replace, `a-b-c` becomes `a b-c`;
 * - English apostrophes: `'s` → `' s`, `n't` → `n 't`, lone quotes split off;
 * - a word ending in `.`: dots dropped if the rest has a dot and a letter (`u.s.` → `us`), kept
 *   if the next word starts with a lowercase ASCII letter, else the dot is split off. (Meteor
 *   also consults a non-breaking-prefix list, which we do not have; after PTB tokenisation
 *   word-final dots are rare.)
 * Meteor's handling of runs of dots is not reproduced (PTB has already removed them).
 */

const ALPHA = 'A-Za-zŠŽšžŸÀ-ÖØ-öø-žЀ-ӿԀ-ԧꙀ-ꙮ꙾-ꚗᴀ-ᵿ';
const ALNUM = `0-9${ALPHA}`;

const SEPARATE_OTHER = new RegExp(`([^${ALNUM}\\s.'\`,\\-‘’])`, 'gu');
const COMMA_BOTH = /([^0-9]),([^0-9])/g;
const COMMA_AFTER_DIGIT = /([0-9]),([^0-9])/g;
const COMMA_BEFORE_DIGIT = /([^0-9]),([0-9])/g;
const INNER_DASH = new RegExp(`([${ALNUM}.])-([${ALNUM}])`, 'gu');
const APOS_LONE = new RegExp(`([^${ALPHA}])'([^${ALPHA}])`, 'gu');
const APOS_OPEN = new RegExp(`([^${ALPHA}0-9])'([${ALPHA}])`, 'gu');
const APOS_CLOSE = new RegExp(`([${ALPHA}])'([^${ALPHA}])`, 'gu');
const APOS_INNER = new RegExp(`([${ALPHA}])'([${ALPHA}])`, 'gu');
const APOS_DIGIT_S = /([0-9])'(s)/g;
const HAS_LETTER = new RegExp(`[${ALPHA}]`, 'u');

/** Applies the normalisation to a space-separated line and returns its tokens. */
export function meteorNormalize(line: string): string[] {
  let w = ` ${line} `;
  w = w.replace(SEPARATE_OTHER, ' $1 ');
  w = w
    .replace(COMMA_BOTH, '$1 , $2')
    .replace(COMMA_AFTER_DIGIT, '$1 , $2')
    .replace(COMMA_BEFORE_DIGIT, '$1 , $2');
  w = w.replace(/[`‘’]/g, "'").replace(/[“”]|''/g, ' " ');
  w = w.replaceAll('–', '-').replaceAll('--', '-');
  w = w.replace(INNER_DASH, '$1 $2');
  w = w.replace(APOS_LONE, "$1 ' $2");
  w = w.replace(APOS_OPEN, "$1 ' $2");
  w = w.replace(APOS_CLOSE, "$1 ' $2");
  w = w.replace(APOS_INNER, "$1 '$2");
  w = w.replace(APOS_DIGIT_S, "$1 '$2");
  const words = w.split(/\s+/).filter((x) => x !== '');
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word.length > 1 && word.endsWith('.')) {
      const pre = word.slice(0, -1);
      if (pre.includes('.') && HAS_LETTER.test(pre)) out.push(word.replaceAll('.', ''));
      else if (i < words.length - 1 && /^[a-z]/.test(words[i + 1])) out.push(word);
      else out.push(pre, '.');
    } else out.push(word);
  }
  return out;
}
