import type { Placement } from '../../config.js';
import type { ExperimentResults } from '../../results.js';
import { fixed, isNumber, signed } from '../format.js';
import { TABLE18 } from '../paper-numbers.js';
import { loraRun, targetLabel } from '../run-lookup.js';
import { type Noise, noiseClause, withinNoise } from './noise.js';
import type { Finding } from './types.js';

type Targets = Placement['targets'];

/** Validation loss of each swept rank for one target set (finite values only). */
function lossByRank(results: ExperimentResults, targets: Targets): { r: number; loss: number }[] {
  return results.config.rankSweep.ranks
    .map((r) => ({ r, loss: loraRun(results, targets, r)?.valLoss ?? Number.NaN }))
    .filter((p) => isNumber(p.loss));
}

/** Table 18's relative val-loss gap between its smallest and largest rank in our sweep. */
function paperGap(rLow: number, rHigh: number): { low: number; high: number; relative: number } | undefined {
  const low = TABLE18.find((row) => row.r === rLow);
  const high = TABLE18.find((row) => row.r === rHigh);
  if (!low || !high) return undefined;
  return { low: low.valLoss, high: high.valLoss, relative: (low.valLoss - high.valLoss) / high.valLoss };
}

/**
 * Table 6 / Table 18: is a very small r competitive? Per target set, the smallest against the
 * largest swept rank, judged against the seed spread and against Table 18's own gap on GPT-2 Medium.
 */
export function smallRankFindings(results: ExperimentResults, noise: Noise): Finding[] {
  const out: Finding[] = [];
  for (const targets of results.config.rankSweep.targetSets) {
    const points = lossByRank(results, targets);
    if (points.length < 2) continue;
    const low = points[0];
    const high = points[points.length - 1];
    const best = points.reduce((a, b) => (b.loss < a.loss ? b : a));
    const gap = low.loss - high.loss;
    const relative = gap / high.loss;
    const paper = paperGap(low.r, high.r);
    const label = targetLabel(targets);
    const head = `${label}: validation loss ${fixed(low.loss, 3)} at r=${low.r} vs ${fixed(high.loss, 3)} at r=${high.r} (r=${low.r} minus r=${high.r}: ${signed(gap, 3)}, ${signed(100 * relative, 1)}%; ${noiseClause(gap, noise.valLoss, 3, noise.r)}); the lowest loss is at r=${best.r}.`;
    const paperText = paper
      ? ` The paper's Table 18 (GPT-2 Medium, E2E) has ${paper.low.toFixed(2)} at r=${low.r} vs ${paper.high.toFixed(2)} at r=${high.r} (${signed(100 * paper.relative, 1)}%), and Table 6 (GPT-3) finds r=1 already competitive.`
      : ' The paper (Table 6, GPT-3) finds a very small r already competitive.';
    let verdict: Finding['verdict'];
    let judgement: string;
    if (withinNoise(gap, noise.valLoss, 3) === true || gap <= 0) {
      verdict = 'matches';
      judgement = ` So the smallest rank is as good as the largest here, as the paper found.`;
    } else if (paper && relative <= paper.relative) {
      verdict = 'matches';
      judgement = ` The smallest rank is worse, but by no more than in the paper's own GPT-2 Medium sweep.`;
    } else {
      verdict = 'differs';
      judgement = ` The smallest rank is clearly worse here: the loss keeps falling with r${paper ? ' more steeply than in Table 18' : ''}, unlike the paper's finding that a tiny r suffices.`;
    }
    out.push({ id: `small-r-${targets.join('')}`, verdict, text: head + paperText + judgement });
  }
  return out;
}

/**
 * Table 6: "a rank as small as one suffices for adapting both Wq and Wv ... while training Wq
 * alone needs a larger r", and {Wq, Wv} beats {Wq} at every r. Compares what raising r from the
 * smallest swept rank gains for {Wq} and for {Wq, Wv}, and counts the ranks where {Wq, Wv} wins.
 */
export function queryOnlyFinding(results: ExperimentResults, noise: Noise): Finding | undefined {
  const q = lossByRank(results, ['q']);
  const qv = lossByRank(results, ['q', 'v']);
  if (q.length < 2 || qv.length < 2) return undefined;
  const gain = (points: { loss: number }[]) => points[0].loss - Math.min(...points.map((p) => p.loss));
  const gainQ = gain(q);
  const gainQV = gain(qv);
  const shared = q.filter((p) => qv.some((o) => o.r === p.r));
  const qvWins = shared.filter((p) => qv.find((o) => o.r === p.r)!.loss < p.loss).length;
  const noiseText =
    noise.valLoss === undefined ? 'one seed per configuration' : `seed spread ${fixed(noise.valLoss, 3)}`;
  const text =
    `Raising r above r=${q[0].r} lowers the validation loss by at most ${fixed(gainQ, 3)} for {Wq} and ${fixed(gainQV, 3)} for {Wq, Wv} (${noiseText}); ` +
    `{Wq, Wv} has the lower loss at ${qvWins} of ${shared.length} ranks. The paper's Table 6 finds that {Wq} alone needs a larger r while {Wq, Wv} works at r=1, and that {Wq, Wv} beats {Wq} at every r.`;
  const bothNoise =
    withinNoise(gainQ, noise.valLoss, 3) === true && withinNoise(gainQV, noise.valLoss, 3) === true;
  const rankClaim = gainQ > gainQV;
  const winsClaim = qvWins === shared.length;
  const verdict: Finding['verdict'] = bothNoise
    ? 'inconclusive'
    : rankClaim && winsClaim
      ? 'matches'
      : rankClaim || winsClaim
        ? 'mixed'
        : 'differs';
  const tail = bothNoise ? ' Both gains are within seed noise, so this sweep cannot separate the two.' : '';
  return { id: 'query-only-needs-higher-r', verdict, text: text + tail };
}
