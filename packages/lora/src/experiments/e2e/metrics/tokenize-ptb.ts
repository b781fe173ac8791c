/**
 * Tokenisation for METEOR, ROUGE-L and CIDEr as the E2E script gets it: pycocoevalcap runs
 * Stanford CoreNLP 3.4.1's PTBTokenizer (`-preserveLines -lowerCase`) and then drops the tokens
 * '' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ;
 *
 * PTBTokenizer is a large JFlex lexer in Java; this is an APPROXIMATION of it written for the
 * kind of text E2E has (plain English with `£`, hyphens, clitics, a few quotes and brackets):
 * - newlines become spaces, text is lowercased (full Unicode), curly quotes become straight;
 * - `"`, brackets, `; ! ? %`, currency symbols (£ $ € ¥) and backquotes are split off;
 *   `...` / `…` is split off as one token; `,` and `:` are split off unless between digits;
 *   `--` is split off;
 * - a word-final period is split off unless the word is a letter-dot abbreviation (`e.g.`,
 *   `u.s.`) or one of a few title abbreviations (`mr.`, `st.`, ...); inner periods stay
 *   (`4.5`, `rouge.the`);
 * - clitics are split as PTB does: `it's` → `it 's`, `don't` → `do n't`, `can't` → `ca n't`,
 *   `'re 've 'll 'd 'm`, `cannot` → `can not`; other leading/trailing apostrophes are split off;
 * - hyphenated words stay whole (`family-friendly`, `20-25`); leading/trailing hyphens split off;
 * - then the punctuation tokens above (and the raw bracket/quote characters PTB would have
 *   rewritten into them) are removed.
 * Not reproduced: PTB's Americanize spelling rewrite, `\/` and `\*` escaping, and its many rarer
 * rules (URLs, emoticons, SGML, ...). See METRICS.md.
 */

const DROPPED = new Set([
  "''",
  "'",
  '``',
  '`',
  '-LRB-',
  '-RRB-',
  '-LCB-',
  '-RCB-',
  '.',
  '?',
  '!',
  ',',
  ':',
  '-',
  '--',
  '...',
  ';',
  // What PTB rewrites into the names above, in the raw form this tokenizer keeps them:
  '"',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
]);

const TITLE_ABBREVIATIONS = new Set([
  'mr.',
  'mrs.',
  'ms.',
  'dr.',
  'st.',
  'jr.',
  'sr.',
  'prof.',
  'vs.',
  'etc.',
]);
const CLITIC = /^(.+?)('s|'re|'ve|'ll|'d|'m)$/;
const NEGATION = /^(.+?)(n't)$/;
const BARE_CLITIC = /^('s|'re|'ve|'ll|'d|'m|n't)$/;

/** Splits one whitespace-free chunk into PTB-like tokens (punctuation still included). */
function splitChunk(chunk: string): string[] {
  let c = chunk.replace(/\.{3,}|…/g, ' ... ');
  c = c.replace(/["()[\]{};!?£$€¥%`]/g, ' $& ');
  c = c.replace(/,(?![0-9])|(?<![0-9]),/g, ' , ');
  c = c.replace(/:(?![0-9])|(?<![0-9]):/g, ' : ');
  c = c.replace(/--+/g, ' -- ');
  const out: string[] = [];
  for (let piece of c.split(' ')) {
    if (piece === '') continue;
    if (piece === '...' || piece === '--') {
      out.push(piece);
      continue;
    }
    const trailing: string[] = [];
    // Leading and trailing hyphens and apostrophes that are not part of a clitic.
    while (/^[-']/.test(piece) && piece.length > 1 && !BARE_CLITIC.test(piece.replace(/[-'.]+$/, ''))) {
      out.push(piece[0]);
      piece = piece.slice(1);
    }
    for (;;) {
      if (
        piece.length > 1 &&
        piece.endsWith('.') &&
        !/^([a-z]\.)+$/.test(piece) &&
        !TITLE_ABBREVIATIONS.has(piece)
      ) {
        trailing.unshift('.');
        piece = piece.slice(0, -1);
      } else if (piece.length > 1 && /[-']$/.test(piece)) {
        trailing.unshift(piece[piece.length - 1]);
        piece = piece.slice(0, -1);
      } else break;
    }
    if (piece === 'cannot') out.push('can', 'not');
    else {
      const neg = NEGATION.exec(piece);
      const clitic = neg === null ? CLITIC.exec(piece) : null;
      if (neg !== null) out.push(neg[1], neg[2]);
      else if (clitic !== null) out.push(clitic[1], clitic[2]);
      else out.push(piece);
    }
    out.push(...trailing);
  }
  return out;
}

/** PTB-like tokens with pycocoevalcap's punctuation removed; lowercased. */
export function ptbTokenize(text: string): string[] {
  const normalized = text.replace(/[‘’]/g, "'").replace(/[“”]/g, '"').toLowerCase();
  const tokens: string[] = [];
  for (const chunk of normalized.split(/\s+/)) {
    if (chunk === '') continue;
    for (const token of splitChunk(chunk)) if (!DROPPED.has(token)) tokens.push(token);
  }
  return tokens;
}
