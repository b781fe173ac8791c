import type { DeltaWRow, ExperimentResults } from '../../results.js';
import { fixed, isNumber } from '../format.js';
import { TABLE7 } from '../paper-numbers.js';
import type { Finding } from './types.js';

const where = (row: DeltaWRow) => `ΔW${row.matrix} layer ${row.layer} r=${row.r}`;

function verdictOf(agree: number, total: number): Finding['verdict'] {
  return agree === total ? 'matches' : agree === 0 ? 'differs' : 'mixed';
}

/**
 * True when r is at least the matrix's smaller dimension: the top-r directions of ΔW, of W and of a
 * random matrix then all span the whole space, every ‖UᵀWVᵀ‖_F equals ‖W‖_F and the row compares
 * nothing (the amplification degenerates to ‖ΔW‖_F / ‖W‖_F). Detected from the numbers themselves.
 */
export function spansWholeSpace(row: DeltaWRow): boolean {
  const same = (x: number) => Math.abs(x - row.weightNorm) <= 1e-6 * Math.max(row.weightNorm, 1e-30);
  return same(row.projectionDelta) && same(row.projectionWeight) && same(row.projectionRandom);
}

const paperLow = TABLE7.rows[0];
const paperHigh = TABLE7.rows[TABLE7.rows.length - 1];
const paperFactor = (row: (typeof TABLE7.rows)[number]) => row.deltaNorm / row.projectionDelta;

/**
 * Table 7: ΔW amplifies directions of W (factor > 1), a lower r amplifies more, and ΔW's directions
 * are more present in W than random ones but far less than W's own top directions.
 */
export function deltaWFindings(results: ExperimentResults): Finding[] {
  const finite = results.deltaW.filter((row) => isNumber(row.amplification));
  const rows = finite.filter((row) => !spansWholeSpace(row));
  const skipped = finite.length - rows.length;
  const skippedNote =
    skipped > 0
      ? ` (${skipped} row${skipped > 1 ? 's' : ''} left out: r is as large as the matrix, so all directions are taken and the row compares nothing)`
      : '';
  if (rows.length === 0) {
    return finite.length === 0
      ? []
      : [
          {
            id: 'table7-amplification',
            verdict: 'inconclusive',
            text: `No Table 7 row is informative${skippedNote}.`,
          },
        ];
  }
  const out: Finding[] = [];

  const amplified = rows.filter((row) => row.amplification > 1).length;
  out.push({
    id: 'table7-amplification',
    verdict: verdictOf(amplified, rows.length),
    text:
      `Amplification ‖ΔW‖_F / ‖UᵀWVᵀ‖_F: ${rows.map((row) => `${where(row)} ${fixed(row.amplification, 2)}`).join('; ')}. ` +
      `${amplified} of ${rows.length} exceed 1${skippedNote}. The paper's Table 7 (GPT-3 layer 48, Wq) gives ${paperLow.deltaNorm} / ${paperLow.projectionDelta} ≈ ${paperFactor(paperLow).toFixed(1)} at r=${paperLow.r} and about ${paperFactor(paperHigh).toFixed(1)} at r=${paperHigh.r}.`,
  });

  const pairs: { low: DeltaWRow; high: DeltaWRow }[] = [];
  for (const low of rows) {
    const high = rows.find((o) => o.layer === low.layer && o.matrix === low.matrix && o.r > low.r);
    if (high) pairs.push({ low, high });
  }
  if (pairs.length > 0) {
    const agree = pairs.filter((p) => p.low.amplification > p.high.amplification).length;
    out.push({
      id: 'table7-low-rank-amplifies-more',
      verdict: verdictOf(agree, pairs.length),
      text:
        `Lower r amplifies more at ${agree} of ${pairs.length} layer/matrix pairs (` +
        pairs
          .map(
            (p) =>
              `ΔW${p.low.matrix} layer ${p.low.layer}: ${fixed(p.low.amplification, 2)} at r=${p.low.r} vs ${fixed(p.high.amplification, 2)} at r=${p.high.r}`,
          )
          .join('; ') +
        `); in the paper's Table 7 the factor falls from about ${paperFactor(paperLow).toFixed(1)} (r=${paperLow.r}) to about ${paperFactor(paperHigh).toFixed(1)} (r=${paperHigh.r}).`,
    });
  }

  const between = rows.filter(
    (row) => row.projectionDelta > row.projectionRandom && row.projectionDelta < row.projectionWeight,
  ).length;
  out.push({
    id: 'table7-correlation',
    verdict: verdictOf(between, rows.length),
    text:
      `‖UᵀWVᵀ‖_F with ΔW's directions lies between the random-direction and W's-own-direction values at ${between} of ${rows.length} rows (` +
      rows
        .map(
          (row) =>
            `${where(row)}: random ${fixed(row.projectionRandom, 3)}, ΔW ${fixed(row.projectionDelta, 3)}, W ${fixed(row.projectionWeight, 3)}`,
        )
        .join('; ') +
      `). The paper (Table 7, r=${paperLow.r}: ${paperLow.projectionRandom} < ${paperLow.projectionDelta} < ${paperLow.projectionWeight}) reads this as ΔW amplifying features already in W that W does not emphasise.`,
  });
  return out;
}
