/**
 * Reads the fenced code blocks and relative links of the Markdown files in docs/, for the tests
 * that keep the tour runnable (docs.test.ts) and its printed outputs true (examples.test.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const docsDir = join(repoRoot, 'docs');

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  body: string;
  /** `examples/NAME.ts` from an `<!-- output: examples/NAME.ts -->` comment just above the fence. */
  outputOf: string | null;
}

export interface Link {
  file: string;
  line: number;
  text: string;
  target: string;
}

/** The Markdown files of docs/ (not the generated API pages under docs/api) and the package READMEs. */
export function docFiles(): string[] {
  const docs = readdirSync(docsDir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(docsDir, f));
  const packagesDir = join(repoRoot, 'packages');
  const readmes = readdirSync(packagesDir)
    .sort()
    .map((p) => join(packagesDir, p, 'README.md'))
    .filter((f) => existsSync(f));
  return [...docs, ...readmes];
}

/** The excerpts of a code block: a line `// ...` separates pieces cut from different places. */
export function excerpts(body: string): string[] {
  return body
    .split(/^\s*\/\/ \.\.\.$/m)
    .map(normalizeCode)
    .filter((piece) => piece !== '');
}

export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]);
    const above = start > 0 ? /^<!-- output: (\S+) -->$/.exec(lines[start - 1]) : null;
    blocks.push({
      file,
      line: start + 1,
      lang: open[1],
      body: body.join('\n'),
      outputOf: above?.[1] ?? null,
    });
  }
  return blocks;
}

/** Inline links `[text](target)` outside code blocks, with relative targets only. */
export function relativeLinks(file: string): Link[] {
  const links: Link[] = [];
  let inCode = false;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.startsWith('```')) inCode = !inCode;
      if (inCode) return;
      for (const m of text.matchAll(/\[([^\]]+)\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:|^#/.test(m[2])) continue; // external or in-page
        links.push({ file, line: i + 1, text: m[1], target: m[2] });
      }
    });
  return links;
}

/**
 * Drops indentation, trailing spaces and surrounding blank lines, so excerpts compare by their
 * text (an excerpt from inside a loop loses its indentation when the Markdown is formatted).
 */
export function normalizeCode(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

/** A line of an output block as a pattern: `…` stands for any text (numbers that vary). */
export function outputLinePattern(line: string): RegExp {
  const parts = line.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 'm');
}
