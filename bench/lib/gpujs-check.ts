/**
 * The check a gpujs row passes before it is timed: its whole result against the cpu backend's
 * reference kernels (fast kernels off, as in the conformance suite), element by element, with
 * the conformance suite's tolerance for that backend and class of op. The largest difference
 * per row is reported in the suite's notes.
 */
import {
  firstMismatch,
  TOLERANCES,
  type Tolerance,
  type ToleranceClass,
} from '../../packages/tensor/test/conformance/tolerances.js';
import { getTypegradCpuOptions, setTypegradCpuOptions } from './typegrad-cpu.js';

export type { Tolerance, ToleranceClass };

/** The conformance suite's matmul tolerance is stated for dot products of up to this length. */
const CONFORMANCE_MAX_K = 64;

/** What a case's result is checked with. */
export interface CheckClass {
  tol: ToleranceClass;
  /** Dot-product length of a matmul: atol grows linearly with it beyond the conformance suite's K. */
  k?: number;
}

/** The conformance tolerance of `backend` for `check` (atol scaled by K/64 for long dot products). */
export function conformanceTolerance(backend: string, check: CheckClass): Tolerance {
  const stated = TOLERANCES[backend];
  if (!stated) throw new Error(`bench: the conformance suite states no tolerances for backend '${backend}'`);
  const base = stated.classes[check.tol];
  const scale = check.tol === 'matmul' ? Math.max(1, (check.k ?? 1) / CONFORMANCE_MAX_K) : 1;
  return { atol: base.atol * scale, rtol: base.rtol };
}

/** Largest |got - want| over finite pairs (NaN and infinities are left to firstMismatch). */
export function maxAbsDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (Number.isFinite(d) && d > worst) worst = d;
  }
  return worst;
}

/** `fn` on the cpu backend's reference kernels (single-threaded), then the previous options again. */
export function withCpuReferenceKernels<R>(fn: () => R): R {
  const previous = getTypegradCpuOptions();
  if (previous) setTypegradCpuOptions({ threads: 1, fast: false });
  try {
    return fn();
  } finally {
    if (previous) setTypegradCpuOptions(previous);
  }
}

interface RowRecord {
  checked: number;
  worst: number;
  worstCase: string;
  noteIndex: number;
}

/**
 * Checks results against the cpu reference and keeps one note per row name in `notes`
 * (updated in place as more cases pass): how many results were checked, the largest
 * difference seen and where.
 */
export class CheckLedger {
  private readonly rows = new Map<string, RowRecord>();

  constructor(private readonly notes: string[]) {}

  /**
   * Throws (naming the row, case, element and tolerance) unless every element of `got` is within
   * `tolerance` of `want`; otherwise records the largest difference.
   */
  check(
    impl: string,
    caseName: string,
    got: ArrayLike<number>,
    want: ArrayLike<number>,
    tolerance: Tolerance,
  ): void {
    const miss = firstMismatch(got, want, tolerance);
    if (miss !== null) {
      throw new Error(
        `bench: ${impl} on ${caseName} differs from the cpu reference: ${miss} (conformance tolerance atol ${tolerance.atol}, rtol ${tolerance.rtol})`,
      );
    }
    const diff = maxAbsDiff(got, want);
    let row = this.rows.get(impl);
    if (!row) {
      row = { checked: 0, worst: -1, worstCase: '', noteIndex: this.notes.push('') - 1 };
      this.rows.set(impl, row);
    }
    row.checked++;
    if (diff > row.worst) {
      row.worst = diff;
      row.worstCase = caseName;
    }
    this.notes[row.noteIndex] =
      `${impl}: ${row.checked} result${row.checked === 1 ? '' : 's'} checked in full against the cpu reference kernels ` +
      `before timing: within the conformance tolerance; largest max |diff| ${row.worst.toExponential(1)} (${row.worstCase})`;
  }
}
