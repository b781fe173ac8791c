/**
 * Keeps docs/*.md and the package READMEs honest: every TypeScript block is an excerpt of a runnable example (which
 * examples.test.ts runs), every shell block runs an example that exists, every output block
 * names its example, and every relative link (with its line range) points at what it names.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeBlocks, docFiles, excerpts, normalizeCode, relativeLinks, repoRoot } from './docs-blocks.js';

const examplesDir = join(repoRoot, 'examples');
const examples = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ name: `examples/${f}`, text: normalizeCode(readFileSync(join(examplesDir, f), 'utf8')) }));

const where = (file: string, line: number) => `${relative(repoRoot, file)}:${line}`;
const files = docFiles();
const blocks = files.flatMap(codeBlocks);

describe('docs/*.md', () => {
  it('has a guided tour', () => {
    expect(files.map((f) => relative(repoRoot, f))).toContain(join('docs', 'tour.md'));
    expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThan(10);
  });

  it('every ts block is an excerpt of an example file (pieces separated by `// ...`)', () => {
    const orphans = blocks
      .filter((b) => b.lang === 'ts')
      .flatMap((b) => excerpts(b.body).map((piece) => ({ b, piece })))
      .filter(({ piece }) => !examples.some((e) => e.text.includes(piece)))
      .map(({ b, piece }) => `${where(b.file, b.line)}: not found verbatim in examples/*.ts:\n${piece}`);
    expect(orphans, orphans.join('\n\n')).toEqual([]);
  });

  it('every shell block runs only examples that exist', () => {
    const problems: string[] = [];
    for (const b of blocks.filter((x) => x.lang === 'bash')) {
      for (const m of b.body.matchAll(/node --import tsx\/esm (\S+)/g)) {
        if (!existsSync(join(repoRoot, m[1])))
          problems.push(`${where(b.file, b.line)}: ${m[1]} does not exist`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('every output block names the example that prints it', () => {
    const problems = blocks
      .filter((b) => b.lang === 'text')
      .filter((b) => !b.outputOf || !examples.some((e) => e.name === b.outputOf))
      .map(
        (b) => `${where(b.file, b.line)}: output block without <!-- output: examples/NAME.ts --> above it`,
      );
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('has no code block in another language (it could not be checked)', () => {
    const other = blocks
      .filter((b) => !['ts', 'bash', 'text'].includes(b.lang))
      .map((b) => `${where(b.file, b.line)}: \`\`\`${b.lang}`);
    expect(other, other.join('\n')).toEqual([]);
  });

  it('every relative link resolves, and a line range starts at the code its text names', () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const link of relativeLinks(file)) {
        const [path, anchor] = link.target.split('#');
        const target = resolve(dirname(file), path);
        const at = where(file, link.line);
        if (!existsSync(target)) {
          problems.push(`${at}: ${link.target} does not exist`);
          continue;
        }
        const range = anchor ? /^L(\d+)(?:-L(\d+))?$/.exec(anchor) : null;
        if (!range) continue;
        const lines = readFileSync(target, 'utf8').split('\n');
        const [first, last] = [Number(range[1]), Number(range[2] ?? range[1])];
        // The link text names the code: `name`, `Class.method`, `merge()`, `export function binary`.
        const code = /^`([^`]+)`$/.exec(link.text)?.[1];
        if (!code) {
          problems.push(`${at}: a link with a line range needs \`code\` as its text, got ${link.text}`);
          continue;
        }
        const name = code
          .replace(/\(\)?$/, '')
          .split('.')
          .pop()!;
        if (first > last || last > lines.length) {
          problems.push(`${at}: ${link.target} is outside ${path} (${lines.length} lines)`);
        } else if (!lines[first - 1].includes(name)) {
          const now = lines.findIndex((l) => l.includes(name));
          problems.push(
            `${at}: line ${first} of ${path} does not contain '${name}'${now >= 0 ? ` (first found at line ${now + 1})` : ''}`,
          );
        }
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
