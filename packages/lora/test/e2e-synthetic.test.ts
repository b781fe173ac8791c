import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { E2E_SLOTS, parseMR } from '../src/experiments/e2e/mr.js';
import { loadE2E, writeSyntheticE2E } from '../src/experiments/e2e/node.js';
import { generateSyntheticE2E } from '../src/experiments/e2e/synthetic.js';
import { E2E_VALUES } from '../src/experiments/e2e/synthetic-values.js';

const options = { seed: 7, trainMRs: 60, devMRs: 12, testMRs: 10 };
const tmp = mkdtempSync(path.join(tmpdir(), 'e2e-synth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('generateSyntheticE2E', () => {
  const data = generateSyntheticE2E(options);

  it('is deterministic in the seed', () => {
    expect(generateSyntheticE2E(options).files).toEqual(data.files);
    expect(generateSyntheticE2E({ ...options, seed: 8 }).files['devset.csv']).not.toBe(
      data.files['devset.csv'],
    );
  });

  it('draws real attributes and values only, 3–8 pairs, name first, MRs distinct across splits', () => {
    const all = [...data.train, ...data.dev, ...data.test];
    expect(new Set(all.map((g) => g.mr)).size).toBe(all.length);
    for (const { mr } of all) {
      const pairs = parseMR(mr);
      expect(pairs.length).toBeGreaterThanOrEqual(3);
      expect(pairs[0].slot).toBe('name');
      const order = pairs.map((p) => E2E_SLOTS.indexOf(p.slot));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      for (const { slot, value } of pairs) expect(E2E_VALUES[slot]).toContain(value);
    }
    const used = new Set(all.flatMap((g) => parseMR(g.mr).map((p) => p.slot)));
    expect(used.size).toBe(8);
  });

  it('gives several distinct references per MR that mention the name and the near landmark', () => {
    for (const { mr, refs } of [...data.train, ...data.dev]) {
      expect(refs.length).toBeGreaterThanOrEqual(2);
      expect(new Set(refs).size).toBe(refs.length);
      const pairs = parseMR(mr);
      for (const ref of refs) {
        for (const { slot, value } of pairs)
          if (slot === 'name' || slot === 'near') expect(ref).toContain(value);
        expect(ref).toMatch(/\.$/);
      }
    }
    const openings = new Set(data.dev.flatMap((g) => g.refs.map((r) => r.split(' ').slice(0, 2).join(' '))));
    expect(openings.size).toBeGreaterThan(5);
  });

  it('rejects bad counts', () => {
    expect(() => generateSyntheticE2E({ ...options, devMRs: 0 })).toThrow(
      /devMRs must be a positive integer/,
    );
    expect(() => generateSyntheticE2E({ ...options, refsPerMR: [4, 2] })).toThrow(/refsPerMR/);
  });
});

describe('writeSyntheticE2E', () => {
  it('writes the official CSV format that loadE2E reads back', async () => {
    const dir = path.join(tmp, 'data');
    await writeSyntheticE2E(dir, options);
    expect(readFileSync(path.join(dir, 'devset.csv'), 'utf8').startsWith('mr,ref\r\n"name[')).toBe(true);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toMatch(/not the real E2E/);
    const loaded = await loadE2E(dir);
    const generated = generateSyntheticE2E(options);
    expect(loaded.dev).toEqual(generated.dev);
    expect(loaded.test).toEqual(generated.test);
    // Train rows are shuffled, so compare MRs and reference sets ignoring order.
    const canonical = (xs: { mr: string; refs: string[] }[]) =>
      xs.map((g) => ({ mr: g.mr, refs: [...g.refs].sort() })).sort((a, b) => a.mr.localeCompare(b.mr));
    expect(canonical(loaded.train)).toEqual(canonical(generated.train));
    expect(loaded.trainPairs).toHaveLength(generated.train.reduce((n, g) => n + g.refs.length, 0));
  });

  it('refuses to overwrite existing files', async () => {
    const dir = path.join(tmp, 'twice');
    await writeSyntheticE2E(dir, options);
    await expect(writeSyntheticE2E(dir, options)).rejects.toThrow(/already has trainset\.csv/);
  });

  it('makes loadE2E name a missing file', async () => {
    await expect(loadE2E(path.join(tmp, 'nowhere'))).rejects.toThrow(/trainset\.csv does not exist/);
  });
});
