/**
 * Tokenisation for BLEU and NIST as the E2E metrics script gets it: the script writes each text
 * into an SGML `<seg>` and runs NIST's mteval-v13a (default, non-international tokenisation,
 * without `-c`, so text is lowercased). Re-implemented from the definition:
 *
 * 1. whitespace runs become one space (the SGML reader joins records), `<skipped>` is dropped,
 *    and the entities &quot; &amp; &lt; &gt; are decoded;
 * 2. ASCII A–Z are lowercased (mteval's `tr/[A-Z]/[a-z]/`; other letters keep their case);
 * 3. the ASCII symbols { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ / are split off;
 * 4. `.` and `,` are split off unless both neighbours are digits (4.5 and 1,000 stay whole);
 * 5. `-` after a digit is split off (`20-25` → `20 - 25`; `family-friendly` stays one token);
 * 6. split on whitespace.
 * Apostrophes stay inside words (`it's` is one token) and non-ASCII symbols such as `£` stay
 * attached (`£20`). The texts are not SGML-escaped first, as in the official script.
 */

// mteval's class [\{-\~\[-\` -\&\(-\+\:-\@\/], spelled with code points.
const SYMBOLS = /[\x7B-\x7E\x5B-\x60\x20-\x26\x28-\x2B\x3A-\x40/]/g;

/** Splits a text into BLEU/NIST tokens as mteval-v13a does in the E2E script. */
export function mtevalTokenize(text: string): string[] {
  let t = text.replace(/\s+/g, ' ');
  t = t.replaceAll('<skipped>', '');
  t = t.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  t = ` ${t} `;
  t = t.replace(/[A-Z]/g, (c) => c.toLowerCase());
  t = t.replace(SYMBOLS, ' $& ');
  t = t.replace(/([^0-9])([.,])/g, '$1 $2 ');
  t = t.replace(/([.,])([^0-9])/g, ' $1 $2');
  t = t.replace(/([0-9])(-)/g, '$1 $2 ');
  t = t.trim();
  return t === '' ? [] : t.split(/\s+/);
}
