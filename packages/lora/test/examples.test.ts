/**
 * Runs every examples/*.ts as a user would (`node --import tsx/esm examples/NAME.ts`, package
 * names resolved to the built dist/ folders) and checks that each exits 0, prints the line
 * that shows it worked, and prints the output that docs/*.md shows for it. The packages are built first (incremental: seconds when up to date), so
 * the examples never run against a stale build.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeBlocks, docFiles, outputLinePattern } from './docs-blocks.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const examplesDir = join(root, 'examples');
const PACKAGES = ['tensor', 'autograd', 'transformer', 'lora'];

/** The line each example prints when it did what it promises (each also throws when a check fails). */
const EXPECTED: Record<string, RegExp> = {
  '01-ndarray.ts': /^01-ndarray: ok$/m,
  '02-autograd.ts': /^02-autograd: ok$/m,
  '03-fit-mlp.ts': /^loss fell from [\d.]+ to [\d.]+$/m,
  '04-gpt-generate.ts': /^04-gpt-generate: ok$/m,
  '05-lora.ts': /^merged == unmerged: ok$/m,
  '06-gpujs.ts': /^06-gpujs: ok$/m,
  'train-tiny-gpt.ts': /^step {2}59 {2}loss [\d.]+/m,
};

/** Each example finishes in under 30 s on one core; this leaves room for a loaded machine. */
const EXAMPLE_TIMEOUT_MS = 120_000;

function runExample(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx/esm', join('examples', file)],
      { cwd: root, timeout: EXAMPLE_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
    child.stdin?.end();
  });
}

/** The train-tiny-gpt demo prints "step N  loss L"; its last loss must be below its first. */
function demoLossFell(output: string): boolean {
  const losses = [...output.matchAll(/^step +\d+ +loss ([\d.]+)/gm)].map((m) => Number(m[1]));
  return losses.length >= 2 && losses[losses.length - 1] < losses[0];
}

/** Lines the docs show as an example's output (`<!-- output: examples/NAME.ts -->` blocks). */
function documentedOutput(file: string): string[] {
  return docFiles()
    .flatMap(codeBlocks)
    .filter((b) => b.lang === 'text' && b.outputOf === `examples/${file}`)
    .flatMap((b) => b.body.split('\n'))
    .filter((line) => line.trim() !== '');
}

const examples = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.ts'))
  .sort();

describe('examples/*.ts', () => {
  beforeAll(() => {
    const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-b', ...PACKAGES.map((p) => join('packages', p))], {
      cwd: root,
      stdio: 'pipe',
      timeout: 300_000,
    });
    for (const p of PACKAGES) {
      expect(
        existsSync(join(root, 'packages', p, 'dist', 'index.js')),
        `packages/${p}/dist was not built`,
      ).toBe(true);
    }
  }, 300_000);

  it('every example has an expected line', () => {
    const missing = examples.filter((f) => !EXPECTED[f]);
    expect(missing, 'add the line these examples print on success to EXPECTED').toEqual([]);
    expect(examples).toEqual(expect.arrayContaining(Object.keys(EXPECTED)));
  });

  // Concurrent: the examples are independent processes, and the long ones overlap on two cores.
  describe.concurrent('runs', () => {
    for (const file of examples) {
      it(
        file,
        async () => {
          const started = performance.now();
          const { code, output } = await runExample(file);
          const seconds = ((performance.now() - started) / 1000).toFixed(1);
          expect(code, `examples/${file} failed after ${seconds} s:\n${output}`).toBe(0);
          expect(output, `examples/${file} did not print its success line:\n${output}`).toMatch(
            EXPECTED[file] ?? /$^/,
          );
          if (file === 'train-tiny-gpt.ts') expect(demoLossFell(output), output).toBe(true);
          const stale = documentedOutput(file).filter((line) => !outputLinePattern(line).test(output));
          expect(stale, `docs show output that examples/${file} no longer prints:\n${output}`).toEqual([]);
        },
        EXAMPLE_TIMEOUT_MS + 10_000,
      );
    }
  });
});
