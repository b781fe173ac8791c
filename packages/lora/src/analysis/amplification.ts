import * as T from '@typegrad/tensor';
import type { LoRALinear } from '../layers/lora-linear.js';
import {
  type Dense,
  denseOf,
  firstCols,
  firstRows,
  frobenius,
  lowRankSvd,
  type MatrixLike,
  multiply,
  transpose,
  truncatedSvd,
} from './dense.js';

/** A frozen weight and one adapter pair on it; ΔW = scaling·B·A. */
export interface AmplificationInput {
  /** The frozen weight W as [out, in] (the Linear layout; transpose a Conv1D weight first). */
  W: MatrixLike;
  /** lora_A [r, in]. */
  A: MatrixLike;
  /** lora_B [out, r]. */
  B: MatrixLike;
  /** α/r (or α/√r for rsLoRA): the factor in the effective update. */
  scaling: number;
}

export interface AmplificationOptions {
  /** Seed of the Gaussian matrix whose singular vectors give the random baseline (default 0). */
  seed?: number;
  /** `linalg.svd(W)` computed once, to reuse across adapters (e.g. r = 4 and r = 64) on one W. */
  baseSvd?: { U: T.NDArray; S: T.NDArray; Vh: T.NDArray };
}

/**
 * Paper Table 7 for one W: how strongly W already expresses the directions ΔW adapts.
 * Every "projected" norm is ‖Uᵀ·W·Vᵀ‖_F with U [out, r] the top-r left singular vectors (columns)
 * and V [r, in] the top-r right singular vectors **as rows** (the paper's convention: V is Vh
 * cut to r rows), so Uᵀ·W·Vᵀ is [r, out]·[out, in]·[in, r] = [r, r].
 */
export interface AmplificationReport {
  /** Always true: ΔW is the effective update scaling·B·A, not B·A. */
  deltaIncludesScaling: true;
  scaling: number;
  /** Number of directions compared: the adapter's rank, capped at min(out, in). */
  r: number;
  /** ‖ΔW‖_F. */
  deltaNorm: number;
  /** ‖W‖_F, for context. */
  baseNorm: number;
  projectedNorm: {
    /** U, V from ΔW: how much of W lies along the adapted directions. */
    delta: number;
    /** U, V from W itself: √(σ1² + … + σr²) of W. */
    base: number;
    /** U, V from a seeded Gaussian matrix of W's shape: the chance level. */
    random: number;
  };
  /** ‖ΔW‖_F / projectedNorm.delta (Infinity when ΔW's directions miss W entirely). */
  amplification: number;
  randomSeed: number;
}

/**
 * The paper's amplification analysis (Hu et al. 2021, Section 7.3) for ΔW = scaling·B·A on the
 * frozen W (both [out, in]): ‖ΔW‖_F, ‖Uᵀ·W·Vᵀ‖_F for U, V the top-r singular vectors of ΔW, of W
 * and of a random matrix, and the amplification factor ‖ΔW‖_F / ‖Uᵀ·W·Vᵀ‖_F with ΔW's own
 * directions. The SVD of ΔW comes from its factors (cheap); W's and the random matrix's are full
 * SVDs in float64, cubic in the size of W.
 * @throws ShapeError when W, A, B are not 2-D or their shapes do not chain to [out, in].
 */
export function amplification(
  input: AmplificationInput,
  options: AmplificationOptions = {},
): AmplificationReport {
  const op = 'amplification';
  const W = denseOf(input.W, op, 'W');
  const A = denseOf(input.A, op, 'A');
  const B = denseOf(input.B, op, 'B');
  if (A.cols !== W.cols || B.rows !== W.rows || B.cols !== A.rows)
    throw new T.ShapeError(
      `amplification: W [${W.rows}, ${W.cols}], B [${B.rows}, ${B.cols}] and A [${A.rows}, ${A.cols}] do not form W + B·A`,
    );
  const r = Math.min(A.rows, W.rows, W.cols);
  const seed = options.seed ?? 0;
  const delta = lowRankSvd(B, A);
  const deltaNorm = Math.abs(input.scaling) * Math.hypot(...delta.S);
  const base = options.baseSvd ? fromSvd(options.baseSvd, r, W) : truncatedSvd(W, r);
  const random = T.tidy(() =>
    truncatedSvd(denseOf(T.randomNormal([W.rows, W.cols], { seed, dtype: 'float64' }), op, 'random'), r),
  );
  const projected = projectedNorm(W, firstCols(delta.U, r), firstRows(delta.Vh, r));
  return {
    deltaIncludesScaling: true,
    scaling: input.scaling,
    r,
    deltaNorm,
    baseNorm: frobenius(W),
    projectedNorm: {
      delta: projected,
      base: projectedNorm(W, base.U, base.Vh),
      random: projectedNorm(W, random.U, random.Vh),
    },
    amplification: deltaNorm / projected,
    randomSeed: seed,
  };
}

/**
 * `amplification` for adapter `adapterName` of a LoRALinear: W is the frozen weight (as
 * [out, in]) restricted to the pair's output slice (`sliceName`, needed only when the adapter has
 * several pairs). After PiSSA init the frozen weight is the residual, and that is what is used.
 * @throws ArgumentError while the layer is merged (its weight then includes ΔW) or when the slice
 * is ambiguous or missing.
 */
export function layerAmplification(
  layer: LoRALinear,
  adapterName = 'default',
  sliceName?: string,
  options: AmplificationOptions = {},
): AmplificationReport {
  if (layer.merged)
    throw new T.ArgumentError(`layerAmplification: unmerge first; the merged weight includes ΔW`);
  const adapter = layer.getAdapter(adapterName);
  const pair =
    sliceName === undefined
      ? adapter.pairs.length === 1
        ? adapter.pairs[0]
        : undefined
      : adapter.pairs.find((p) => p.slice.name === sliceName);
  if (!pair)
    throw new T.ArgumentError(
      `layerAmplification: adapter '${adapterName}' has pairs on ${adapter.pairs.map((p) => p.slice.name).join(', ')}; ` +
        (sliceName === undefined ? 'name one slice' : `none on '${sliceName}'`),
    );
  return T.tidy(() =>
    amplification(
      {
        W: layer.weightOutIn().slice([pair.slice.start, pair.slice.end]),
        A: pair.A,
        B: pair.B,
        scaling: adapter.scaling,
      },
      options,
    ),
  );
}

/** ‖Uᵀ·W·Vᵀ‖_F with U [out, r] as columns and V [r, in] as rows. */
function projectedNorm(W: Dense, U: Dense, V: Dense): number {
  return frobenius(multiply(multiply(transpose(U), W), transpose(V)));
}

function fromSvd(
  svd: { U: T.NDArray; S: T.NDArray; Vh: T.NDArray },
  r: number,
  W: Dense,
): { U: Dense; Vh: Dense } {
  const U = denseOf(svd.U, 'amplification', 'baseSvd.U');
  const Vh = denseOf(svd.Vh, 'amplification', 'baseSvd.Vh');
  if (U.rows !== W.rows || Vh.cols !== W.cols || U.cols < r || Vh.rows < r)
    throw new T.ShapeError(
      `amplification: baseSvd U [${U.rows}, ${U.cols}], Vh [${Vh.rows}, ${Vh.cols}] is not the SVD of a [${W.rows}, ${W.cols}] W with ${r} triplets`,
    );
  return { U: firstCols(U, r), Vh: firstRows(Vh, r) };
}
