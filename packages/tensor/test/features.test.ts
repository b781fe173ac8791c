/**
 * FEATURES.md stays true: it is regenerated from the live registries (kernels per backend, the
 * op lists, the dtypes each op accepts) and must equal the committed file.
 */
import { readFileSync } from 'node:fs';
import * as T from '@typegrad/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { FEATURES_FILE, registerFeatureBackends, renderFeatures } from '../../../scripts/features.js';

describe('FEATURES.md', () => {
  beforeAll(registerFeatureBackends);

  it('matches what scripts/features.ts generates from the registries', () => {
    const committed = readFileSync(FEATURES_FILE, 'utf8');
    const generated = renderFeatures();
    expect(
      generated === committed,
      'FEATURES.md is out of date: run `pnpm build && node --import tsx/esm scripts/features.ts` and commit the result',
    ).toBe(true);
  });

  it('has a row for every unary and binary op and a column for every backend and dtype', () => {
    const text = renderFeatures();
    for (const op of [...T.UNARY_OPS, ...T.BINARY_OPS])
      expect(text).toMatch(new RegExp(`\\| \`${op}\` +\\|`));
    for (const backend of T.registeredBackends()) expect(text).toContain(`## Ops × dtypes on \`${backend}\``);
    for (const dtype of T.DTYPES) expect(text).toMatch(new RegExp(`\\| ${dtype} +\\|`));
  });

  it('reads what the kernels accept rather than a hand-written list', () => {
    const matmul = T.getKernel('cpu', 'matmul');
    const before = renderFeatures();
    // A kernel that refuses float64: the matmul row must change from f64 to a refusal.
    T.registerKernel('cpu', 'matmul', (a, b, outDtype) => {
      if (outDtype === 'float64') throw new T.DTypeError('matmul: float64 refused by this test kernel');
      return matmul(a, b, outDtype);
    });
    try {
      const after = renderFeatures();
      expect(after).not.toBe(before);
      expect(after).toMatch(/\| `matmul` +\| `matmul` +\| f32 +\| — +\| — +\| — +\|/);
    } finally {
      T.registerKernel('cpu', 'matmul', matmul);
    }
    expect(renderFeatures()).toBe(before);
  });
});
