import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import * as vega from 'vega';
import { afterAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../src/experiments/config.js';
import { heatmapSpec, lossCurvesSpec, metricsVsRankSpec } from '../src/experiments/report/figure-specs.js';
import { deriveFindings, type Finding } from '../src/experiments/report/findings/index.js';
import { headlessView, renderSvg } from '../src/experiments/report/render-svg.js';
import { reproduceCommand } from '../src/experiments/report/reproduce-command.js';
import { findingsSection } from '../src/experiments/report/sections/findings.js';
import { similaritySection } from '../src/experiments/report/sections/similarity.js';
import { renderReport, writeReport } from '../src/experiments/report/write-report.js';
import type { ExperimentResults, RunResult } from '../src/experiments/results.js';

const FIXTURE = new URL('./fixtures/report/results-small.json', import.meta.url);
/** A fresh deep copy of the fixture (tests mutate it). */
const fixture = (): ExperimentResults => JSON.parse(readFileSync(FIXTURE, 'utf8')) as ExperimentResults;
const run = (r: ExperimentResults, id: string): RunResult => {
  const found = r.runs.find((x) => x.id === id);
  if (!found) throw new Error(`fixture has no run ${id}`);
  return found;
};
const finding = (r: ExperimentResults, id: string): Finding => {
  const found = deriveFindings(r).find((f) => f.id === id);
  if (!found) throw new Error(`no finding ${id}`);
  return found;
};
/** Row-major φ(1,1) of a grid. */
const phi11 = (grid: number[]) => grid[0];

const rendered = renderReport(fixture());
const md = rendered.markdown;

describe('renderReport: tables', () => {
  it('puts the sections in the order the report promises', () => {
    const headings = [
      '# LoRA rank experiments in miniature',
      '## How to reproduce',
      '## Rank sweep (Table 6 / Table 18 analogue)',
      '## Which weights to adapt under a fixed budget (Table 5 analogue)',
      '## Baselines',
      '## Subspace similarity (Figures 3 and 4)',
      '## How ΔW relates to W (Table 7 analogue)',
      '## What matches the paper and what does not',
      '## Sample generations',
      '## Notes on definitions',
    ];
    const at = headings.map((h) => md.indexOf(`${h}\n`));
    expect(at.every((k) => k >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('Table 6/18 analogue: target sets × ranks, cells val loss / BLEU from the results', () => {
    const r = fixture();
    expect(md).toContain('| adapted | r=1 | r=2 | r=4 | r=8 | r=64 |');
    const cells = [1, 2, 4, 8, 64].map((k) => {
      const x = run(r, `lora-qv-r${k}`);
      return `${x.valLoss.toFixed(3)} / ${(100 * x.scores.bleu).toFixed(2)}`;
    });
    expect(md).toContain(`| {Wq, Wv} | ${cells.join(' | ')} |`);
    expect(md).toContain('| {Wq, Wk, Wv, Wo} | 1.270 / 36.80 |');
  });

  it('the all-metrics table has every metric of a run, and the paper rows sit next to it', () => {
    expect(md).toContain('| adapted | r | trainable | val loss | BLEU | NIST | METEOR | ROUGE-L | CIDEr |');
    expect(md).toContain('| {Wq} | 8 | 1,024 | 1.395 | 30.90 | 4.2360 | 0.3030 | 0.4545 | 1.1180 |');
    // Table 18 (GPT-2 Medium, E2E) and Table 6 (GPT-3, WikiSQL / MultiNLI)
    expect(md).toContain('| {Wq, Wv} | 4 | — | 1.18 | 70.38 | 8.8439 | 0.4689 | 0.7186 | 2.5349 |');
    expect(md).toContain('| {Wq} | 68.8 / 90.7 | 69.6 / 90.9 | 70.5 / 91.1 | 70.4 / 90.7 | 70.0 / 90.7 |');
    expect(md).toContain('the paper also has r = 16, 32, 128, 256, 512, 1024');
  });

  it('Table 5 analogue: placements as columns, trainable params and the paper row', () => {
    expect(md).toContain('|  | {Wq} | {Wk} | {Wv} | {Wo} | {Wq, Wk} | {Wq, Wv} | {Wq, Wk, Wv, Wo} |');
    expect(md).toContain('| rank r | 8 | 8 | 8 | 8 | 4 | 4 | 2 |');
    expect(md).toContain('| trainable params | 1,024 | 1,024 | 1,024 | 1,024 | 1,024 | 1,024 | 1,024 |');
    expect(md).toContain('| val loss (ours) | 1.395 | 1.430 | 1.330 | 1.340 | 1.400 | 1.296 | 1.268 |');
    expect(md).toContain('| WikiSQL % (paper, ±0.5%) | 70.4 | 70.0 | 73.0 | 73.2 | 71.4 | 73.7 | 73.7 |');
    expect(md).toContain('| MultiNLI % (paper, ±0.1%) | 91.0 | 90.8 | 91.0 | 91.3 | 91.3 | 91.3 | 91.7 |');
  });

  it('baselines: trainable share, optimizer bytes and tokens/s', () => {
    expect(md).toContain('| full fine-tuning | 44,000 | 100% | 344 KiB | 1,280 | 30 s | 1.250 | 37.50 |');
    expect(md).toContain('| bias-only (BitFit) | 900 | 2.0% | 7.03 KiB | 3,840 | 10 s | 1.450 | 28.00 |');
    expect(md).toContain('| frozen base | 0 | 0% | 0 B | — | 0.0 s | 2.900 | 2.00 |');
    expect(md).toContain(
      '22 of 22 fine-tuned runs reach a lower validation loss than the frozen base (2.900).',
    );
  });

  it('Figures 3/4: φ(1,1) and the top-left block mean come from the grid', () => {
    const sim = fixture().similarity.find((s) => s.kind === 'seeds' && s.layer === 1 && s.matrix === 'v')!;
    let sum = 0;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) sum += sim.grid[i * sim.cols + j];
    expect(md).toContain(
      `| ΔWv | 1 | lora-qv-r64 vs lora-qv-r64-s1 | 32 × 32 | ${phi11(sim.grid).toFixed(3)} | ${(sum / 16).toFixed(3)} | 0.031 / 0.098 |`,
    );
    expect(md).toContain('![φ heatmap, ranks, ΔWq layer 0](figures/phi-ranks-layer0-q.svg)');
  });

  it('Table 7 analogue next to the paper numbers', () => {
    expect(md).toContain('| ΔWq | 0 | 8 | lora-qv-r8 | 0.420 | 5.600 | 0.065 | 3.100 | 0.020 | 6.50 |');
    expect(md).toContain('| ΔWq | 48 (of 96) | 4 | GPT-3 175B | 6.91 | 61.95 | 0.32 | 21.67 | 0.02 | 21.6 |');
    expect(md).toContain('| ΔWq | 48 (of 96) | 64 | GPT-3 175B | 3.57 | 61.95 | 1.90 | 37.71 | 0.33 | 1.9 |');
  });

  it('samples of the best-BLEU run, with MR markup escaped', () => {
    expect(md).toContain('From the run with the highest BLEU, full fine-tuning (BLEU ×100 37.50)');
    expect(md).toContain('**MR:** name\\[The Eagle\\], eatType\\[coffee shop\\]');
    expect(md).toContain(
      '**reference:** The Eagle is a moderately priced coffee shop that serves French food.',
    );
  });

  it('states that ΔW includes the scaling and that φ uses right singular vectors of lora_A', () => {
    expect(md).toContain('ΔW = (α/r)·B·A includes the LoRA scaling');
    expect(md).toContain('φ uses the right singular vectors of lora_A');
  });
});

describe('renderReport: data source and command', () => {
  it('warns about synthetic data only when the data is synthetic', () => {
    expect(md).toContain('NOT the real E2E NLG Challenge data');
    expect(md).toContain('built-in synthetic E2E-format generator');
    const real = fixture();
    real.data = {
      source: 'path',
      path: '/data/e2e',
      trainPairs: 42061,
      droppedLong: 0,
      devMRs: 64,
      testMRs: 48,
    };
    real.config.dataDir = '/data/e2e';
    const text = renderReport(real).markdown;
    expect(text).not.toMatch(/synthetic/i);
    expect(text).toContain('the E2E NLG Challenge files in `/data/e2e`');
    expect(text).toContain('--data-dir /data/e2e');
  });

  it('the reproduce command has the preset, the flags and a --set for every other change', () => {
    // The fixture was recorded under an older small preset: align it with today's so only
    // the deliberate differences below show up.
    const c = fixture().config;
    c.pretrain = { ...structuredClone(PRESETS.small.pretrain), nEmbd: 32 };
    c.finetune = structuredClone(PRESETS.small.finetune);
    expect(reproduceCommand(c)).toBe('pnpm reproduce --preset small --set pretrain.nEmbd=32');
    c.rankSweep.ranks = [1, 8];
    c.corpus = 'my corpus.txt';
    c.seed = 3;
    expect(reproduceCommand(c, 'runs/x')).toBe(
      "pnpm reproduce --preset small --corpus 'my corpus.txt' --seed 3 --set pretrain.nEmbd=32 --set 'rankSweep.ranks=[1,8]' --out runs/x",
    );
  });
});

describe('figures', () => {
  const parse = (svg: string) =>
    new DOMParser({
      onError: (level: string, message: string) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(svg, 'image/svg+xml');

  it('renders one heatmap per similarity grid, one loss chart per target set, and the metrics chart', () => {
    expect(Object.keys(rendered.figures).sort()).toEqual(
      [
        ...['ranks', 'seeds'].flatMap((k) =>
          [0, 1].flatMap((l) => ['q', 'v'].map((m) => `phi-${k}-layer${l}-${m}.svg`)),
        ),
        'loss-curves-q.svg',
        'loss-curves-qv.svg',
        'loss-curves-qkvo.svg',
        'metrics-vs-rank.svg',
      ].sort(),
    );
  });

  it('every SVG parses as XML with an <svg> root', () => {
    for (const [name, svg] of Object.entries(rendered.figures)) {
      const doc = parse(svg);
      expect(doc.documentElement?.nodeName, name).toBe('svg');
      expect(doc.documentElement?.getAttribute('xmlns'), name).toBe('http://www.w3.org/2000/svg');
    }
  });

  it('a heatmap has one rect per grid cell, coloured by value', () => {
    const svg = rendered.figures['phi-ranks-layer0-q.svg'];
    const marks = parse(svg).getElementsByTagName('g');
    const rects = Array.from({ length: marks.length }, (_, k) => marks.item(k)!).find((g) =>
      (g.getAttribute('class') ?? '').includes('mark-rect role-mark'),
    );
    expect(rects?.getElementsByTagName('path').length).toBe(8 * 32);
  });

  it('the synchronous renderer gives exactly what Vega`s own async toSVG gives', async () => {
    const specs = [
      heatmapSpec({
        title: 't',
        subtitle: 's',
        rows: 2,
        cols: 3,
        cells: [0, 1, 2, 3, 4, 5].map((k) => ({ i: 1 + Math.floor(k / 3), j: 1 + (k % 3), phi: k / 5 })),
        iLabel: 'i',
        jLabel: 'j',
      }),
      lossCurvesSpec({
        title: 'loss',
        points: [1, 2, 3].flatMap((step) => [1, 8].map((r) => ({ step, r, loss: 2 / step + r / 100 }))),
      }),
      metricsVsRankSpec({
        title: 'm',
        points: [1, 8].map((r) => ({ r, targets: '{Wq}', valLoss: 1 + 1 / r, bleu: 30 + r })),
        ranks: [1, 8],
        targetOrder: ['{Wq}'],
      }),
    ];
    for (const spec of specs) {
      const sync = renderSvg(spec);
      vega.resetSVGDefIds();
      const view = headlessView(spec);
      const official = await view.toSVG();
      view.finalize();
      expect(sync).toBe(official);
    }
  });
});

describe('derived findings follow the numbers', () => {
  it('small r vs large r: flips with the r=1 loss', () => {
    const r = fixture();
    expect(finding(r, 'small-r-qv').verdict).toBe('matches');
    expect(finding(r, 'small-r-qv').text).toContain('within seed noise');
    run(r, 'lora-qv-r1').valLoss = 1.5; // 15.8% worse than r=64, beyond Table 18's 6.0%
    const worse = finding(r, 'small-r-qv');
    expect(worse.verdict).toBe('differs');
    expect(worse.text).toContain('validation loss 1.500 at r=1 vs 1.295 at r=64 (r=1 minus r=64: +0.205');
    expect(worse.text).toContain('clearly worse');
    run(r, 'lora-qv-r1').valLoss = 1.2;
    const better = finding(r, 'small-r-qv');
    expect(better.verdict).toBe('matches');
    expect(better.text).toContain('r=1 minus r=64: −0.095');
    expect(better.text).toContain('the lowest loss is at r=1');
  });

  it('the sentence in the report changes with it', () => {
    const r = fixture();
    const before = findingsSection(r);
    run(r, 'lora-qv-r1').valLoss = 1.5;
    const after = findingsSection(r);
    expect(before).toContain('**Matches the paper** (small-r-qv)');
    expect(after).toContain('**Differs from the paper** (small-r-qv)');
  });

  it('Table 5: more types at lower rank vs one type at higher rank', () => {
    const r = fixture();
    expect(finding(r, 'budget-more-types').verdict).toBe('matches');
    run(r, 'lora-v-r8').valLoss = 1.1; // a single type now wins by far
    const f = finding(r, 'budget-more-types');
    expect(f.verdict).toBe('differs');
    expect(f.text).toContain('the best placement is {Wv} r=8 (validation loss 1.100)');
  });

  it('Figure 3: the top-direction overlap follows φ(1,1)', () => {
    const r = fixture();
    expect(finding(r, 'figure3-top-direction').verdict).toBe('matches');
    for (const s of r.similarity.filter((x) => x.kind === 'ranks')) s.grid[0] = 0.01;
    const f = finding(r, 'figure3-top-direction');
    expect(f.verdict).toBe('differs');
    expect(f.text).toContain('0 of 4 grids have φ(1,1) > 0.5');
    expect(similaritySection(r)).toContain(
      'ΔWq, layer 0: φ(1,1) = 0.010 (two random subspaces of R^32 would give 0.031)',
    );
    expect(similaritySection(r)).toContain('do not overlap noticeably beyond chance');
    r.similarity.filter((x) => x.kind === 'ranks')[0].grid[0] = 0.9;
    expect(finding(r, 'figure3-top-direction').verdict).toBe('mixed');
  });

  it('Figure 4: ΔWq vs ΔWv across seeds', () => {
    const r = fixture();
    expect(finding(r, 'figure4-q-vs-v').verdict).toBe('matches');
    for (const s of r.similarity.filter((x) => x.kind === 'seeds')) s.matrix = s.matrix === 'q' ? 'v' : 'q';
    expect(finding(r, 'figure4-q-vs-v').verdict).toBe('differs');
  });

  it('Table 7: amplification above 1, and larger at lower r', () => {
    const r = fixture();
    expect(finding(r, 'table7-amplification').verdict).toBe('matches');
    expect(finding(r, 'table7-low-rank-amplifies-more').verdict).toBe('matches');
    for (const row of r.deltaW) row.amplification = row.r === 8 ? 0.5 : 0.9;
    const f = finding(r, 'table7-amplification');
    expect(f.verdict).toBe('differs');
    expect(f.text).toContain('0 of 8 exceed 1');
    expect(finding(r, 'table7-low-rank-amplifies-more').verdict).toBe('differs');
  });

  it('Table 7: rows where r spans the whole matrix are flagged and left out', () => {
    const r = fixture();
    for (const row of r.deltaW.filter((x) => x.r === 64)) {
      row.projectionDelta = row.projectionWeight = row.projectionRandom = row.weightNorm;
      row.amplification = 0.5; // would make the findings differ if it were counted
    }
    const f = finding(r, 'table7-amplification');
    expect(f.verdict).toBe('matches');
    expect(f.text).toContain('4 of 4 exceed 1 (4 rows left out: r is as large as the matrix');
    expect(deriveFindings(r).some((x) => x.id === 'table7-low-rank-amplifies-more')).toBe(false);
    expect(renderReport(r).markdown).toContain('Those rows compare nothing');
    expect(md).not.toContain('Those rows compare nothing');
  });

  it('a difference that prints as zero is a tie, whatever the seed spread', () => {
    const r = fixture();
    run(r, 'lora-qv-r64-s1').valLoss = run(r, 'lora-qv-r64').valLoss; // spread 0
    run(r, 'lora-qv-r1').valLoss = run(r, 'lora-qv-r64').valLoss + 0.0002;
    const f = finding(r, 'small-r-qv');
    expect(f.verdict).toBe('matches');
    expect(f.text).toContain('no difference at 3 decimals');
  });

  it('LoRA vs full fine-tuning', () => {
    const r = fixture();
    expect(finding(r, 'lora-vs-full').verdict).toBe('differs');
    run(r, 'full').valLoss = 1.3;
    expect(finding(r, 'lora-vs-full').verdict).toBe('matches');
  });

  it('without a second seed the report says it cannot tell noise', () => {
    const r = fixture();
    r.runs = r.runs.filter((x) => x.id !== 'lora-qv-r64-s1');
    expect(findingsSection(r)).toContain('no second seed was run');
    expect(finding(r, 'small-r-qv').text).toContain(
      'only one seed per configuration, so we cannot tell whether this is noise',
    );
  });
});

describe('writeReport', () => {
  const dir = mkdtempSync(join(tmpdir(), 'typegrad-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes REPORT.md and the figures, leaves no temp files, and returns the path', () => {
    const results = fixture();
    const path = writeReport(dir, results);
    expect(path).toBe(join(dir, 'REPORT.md'));
    const expected = renderReport(results, dir);
    expect(readFileSync(path, 'utf8')).toBe(expected.markdown);
    expect(readFileSync(path, 'utf8')).toContain(`--out ${dir}`);
    for (const [name, svg] of Object.entries(expected.figures)) {
      expect(readFileSync(join(dir, 'figures', name), 'utf8')).toBe(svg);
    }
    const all = [...readdirSync(dir), ...readdirSync(join(dir, 'figures'))];
    expect(all.filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('replaces files by rename and keeps the old report when rendering fails', () => {
    const path = join(dir, 'REPORT.md');
    const before = readFileSync(path, 'utf8');
    const inode = statSync(path).ino;
    writeReport(dir, fixture());
    expect(statSync(path).ino).not.toBe(inode); // a new file renamed over, not rewritten in place
    const broken = fixture() as unknown as { runs?: unknown };
    delete broken.runs;
    expect(() => writeReport(dir, broken as ExperimentResults)).toThrow();
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});
