import { add, concat, matmul, mul, noGrad, Tensor } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { Dropout, type Linear, Module } from '@typegrad/transformer';
import {
  type Adapter,
  type AdapterOptions,
  freshPair,
  type LowRankPair,
  type OutputSlice,
  pissaPair,
  scalingOf,
} from './adapter.js';

/**
 * A Linear layer with low-rank adapters (Hu et al. 2021): y = x·W0ᵀ + b + Σ scaling·(x·Aᵀ)·Bᵀ.
 * W0 and b are the wrapped layer's own tensors, registered under the same names, so the model's
 * state dict keys do not change. Output slices let one fused projection (GPT-2's c_attn = q|k|v)
 * carry adapters on some slices only, as loralib's MergedLinear with enable_lora=[True, False, True].
 */
export class LoRALinear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly slices: OutputSlice[];
  readonly adapters = new Map<string, Adapter>();
  /** Adapters used by forward and merge, with their mixing weights. */
  active: { name: string; weight: number }[] = [];
  /** When true, forward runs the frozen layer alone. */
  disabled = false;
  /** loralib's merge_weights: merge on eval(), unmerge on train(). */
  mergeOnEval = false;
  private original: T.NDArray | null = null;
  private readonly generator: T.Generator;

  constructor(
    readonly base: Linear,
    options: { slices?: OutputSlice[]; seed?: number } = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', base.weight);
    this.bias = base.bias ? this.registerParameter('bias', base.bias) : null;
    this.slices = options.slices ?? [{ name: 'all', start: 0, end: base.outFeatures }];
    this.generator = new T.Generator(options.seed ?? 0);
    this.training = base.training;
  }

  get inFeatures(): number {
    return this.base.inFeatures;
  }
  get outFeatures(): number {
    return this.base.outFeatures;
  }
  /** True while adapters are folded into the weight. */
  get merged(): boolean {
    return this.original !== null;
  }

  /**
   * Adds adapter `name` and activates it: one pair per named output slice (loralib's MergedLinear),
   * or, without `sliceNames`, one pair over all outputs (PEFT's LoRA on a whole fused c_attn).
   * `init: 'pissa'` also replaces W0 by its residual on those outputs (see `pissaPair`); deleting
   * the adapter later leaves the residual in place, as PEFT does.
   */
  addAdapter(name: string, options: AdapterOptions, sliceNames?: readonly string[]): Adapter {
    if (this.adapters.has(name)) throw new T.ArgumentError(`LoRALinear: adapter '${name}' already exists`);
    if (this.merged) throw new T.ArgumentError(`LoRALinear: unmerge before adding adapter '${name}'`);
    const chosen = sliceNames ? sliceNames.map((s) => this.sliceNamed(s)) : [this.wholeOutput()];
    if (options.useDora && (chosen.length !== 1 || chosen[0].end - chosen[0].start !== this.outFeatures)) {
      throw new T.ArgumentError(`LoRALinear: DoRA needs one adapter over all ${this.outFeatures} outputs`);
    }
    const dtype = this.weight.dtype;
    const generator = options.seed === undefined ? this.generator : new T.Generator(options.seed);
    const pairs =
      options.init === 'pissa'
        ? this.pissaPairs(chosen, options)
        : chosen.map((slice) => freshPair(slice, this.inFeatures, options, generator, dtype));
    const adapter: Adapter = {
      name,
      options: {
        r: options.r,
        alpha: options.alpha,
        dropout: options.dropout ?? 0,
        useRslora: options.useRslora ?? false,
        init: options.init ?? 'kaiming',
        useDora: options.useDora ?? false,
        seed: options.seed ?? 0,
      },
      scaling: scalingOf(options),
      pairs,
      dropout: new Dropout(options.dropout ?? 0, generator),
      magnitude: null,
    };
    // A layer already in eval mode must not start with its adapter's dropout in training mode.
    adapter.dropout.training = this.training;
    this.adapters.set(name, adapter);
    if (adapter.options.useDora) {
      // ‖W0 + ΔW‖ per output row (PEFT's dora_init): ‖W0‖ for a zero B, the full weight's norm for PiSSA.
      adapter.magnitude = new Tensor(
        T.tidy(() => rowNorms(T.add(this.weightOutIn(), this.deltaWeight(name)))),
        { requiresGrad: true },
      );
    }
    this.registerAdapterParameters(adapter);
    this.active = [...this.active, { name, weight: 1 }];
    return adapter;
  }

  private registerAdapterParameters(a: Adapter): void {
    for (const p of a.pairs) {
      const suffix = this.pairKey(a, p.slice);
      this.registerParameter(`lora_A.${suffix}`, p.A);
      this.registerParameter(`lora_B.${suffix}`, p.B);
    }
    if (a.magnitude) this.registerParameter(`lora_magnitude.${a.name}`, a.magnitude);
  }

  /** `default` for a pair over all outputs, `default.q` for one on slice q. */
  pairKey(a: Adapter, slice: OutputSlice): string {
    return slice.start === 0 && slice.end === this.outFeatures ? a.name : `${a.name}.${slice.name}`;
  }

  /** The slice covering every output: the only slice of a plain layer, 'all' for a fused one. */
  wholeOutput(): OutputSlice {
    const only = this.slices.length === 1 ? this.slices[0] : null;
    return only && only.start === 0 && only.end === this.outFeatures
      ? only
      : { name: 'all', start: 0, end: this.outFeatures };
  }

  /** PiSSA pairs for `chosen`, writing each slice's residual into W0 (float64 math, stored in W0's dtype). */
  private pissaPairs(chosen: readonly OutputSlice[], options: AdapterOptions): LowRankPair[] {
    const cols = this.inFeatures;
    const w = Float64Array.from(this.weightOutIn().dataSync()); // [out, in]
    const pairs = chosen.map((slice) => {
      const w0 = T.fromTyped(w.slice(slice.start * cols, slice.end * cols), [slice.end - slice.start, cols]);
      const { pair, residual } = pissaPair(slice, w0, options, this.weight.dtype);
      w.set(residual.dataSync(), slice.start * cols);
      w0.dispose();
      residual.dispose();
      return pair;
    });
    const updated = T.tidy(() => {
      const outIn = T.cast(T.fromTyped(w, [this.outFeatures, cols]), this.weight.dtype);
      return this.base.layout === 'linear' ? outIn : outIn.T.contiguous();
    });
    this.weight.assign(updated);
    return pairs;
  }

  sliceNamed(name: string): OutputSlice {
    const s = this.slices.find((x) => x.name === name);
    if (!s)
      throw new T.ArgumentError(
        `LoRALinear: no output slice '${name}' (slices: ${this.slices.map((x) => x.name).join(', ')})`,
      );
    return s;
  }

  getAdapter(name: string): Adapter {
    const a = this.adapters.get(name);
    if (!a)
      throw new T.ArgumentError(
        `LoRALinear: no adapter '${name}' (adapters: ${[...this.adapters.keys()].join(', ') || 'none'})`,
      );
    return a;
  }

  deleteAdapter(name: string): void {
    const a = this.getAdapter(name);
    if (this.merged) throw new T.ArgumentError(`LoRALinear: unmerge before deleting adapter '${name}'`);
    for (const p of a.pairs) {
      this.unregisterParameter(`lora_A.${this.pairKey(a, p.slice)}`);
      this.unregisterParameter(`lora_B.${this.pairKey(a, p.slice)}`);
      p.A.dispose();
      p.B.dispose();
    }
    if (a.magnitude) this.unregisterParameter(`lora_magnitude.${name}`);
    this.adapters.delete(name);
    this.active = this.active.filter((x) => x.name !== name);
  }

  /** Chooses which adapters forward and merge use, optionally with mixing weights. */
  setActive(names: readonly string[], weights?: readonly number[]): void {
    if (this.merged) throw new T.ArgumentError('LoRALinear: unmerge before switching adapters');
    this.active = names.map((name, i) => {
      this.getAdapter(name);
      return { name, weight: weights?.[i] ?? 1 };
    });
    if (this.active.filter((x) => this.getAdapter(x.name).magnitude).length > 1) {
      throw new T.ArgumentError('LoRALinear: at most one DoRA adapter can be active');
    }
  }

  /** The stored weight as [out, in] (a view in the conv1d layout): W0, or the merged weight while merged. */
  weightOutIn(): T.NDArray {
    return this.base.layout === 'linear' ? this.weight.value : this.weight.value.T;
  }

  /** The effective update ΔW = weight·scaling·B·A as [out, in], zero outside the adapter's slices. */
  deltaWeight(name: string, mix = 1): T.NDArray {
    const a = this.getAdapter(name);
    return T.tidy(() => {
      const pieces: T.NDArray[] = [];
      let at = 0;
      for (const p of [...a.pairs].sort((x, y) => x.slice.start - y.slice.start)) {
        if (p.slice.start > at)
          pieces.push(T.zeros([p.slice.start - at, this.inFeatures], { dtype: this.weight.dtype }));
        pieces.push(T.mul(T.matmul(p.B.value, p.A.value), a.scaling * mix));
        at = p.slice.end;
      }
      if (at < this.outFeatures)
        pieces.push(T.zeros([this.outFeatures - at, this.inFeatures], { dtype: this.weight.dtype }));
      return pieces.length === 1 ? pieces[0] : T.concat(pieces, 0);
    });
  }

  /** The weight the active adapters amount to, as [out, in] (DoRA rescales rows to its magnitude). */
  private mergedWeightOutIn(): T.NDArray {
    return T.tidy(() => {
      let w = this.weightOutIn();
      for (const { name, weight } of this.active) w = T.add(w, this.deltaWeight(name, weight));
      const dora = this.active.map((x) => this.getAdapter(x.name)).find((a) => a.magnitude);
      if (dora) w = T.mul(w, T.div(dora.magnitude!.value, rowNorms(w)).reshape([-1, 1]));
      return w;
    });
  }

  /** Folds the active adapters into the weight; the exact original is kept for unmerge. */
  merge(): void {
    if (this.merged || this.active.length === 0) return;
    const merged = this.mergedWeightOutIn();
    const value = this.base.layout === 'linear' ? merged : T.tidy(() => merged.T.contiguous());
    if (value !== merged) merged.dispose();
    this.original = this.weight.value;
    this.weight.value = T.keep(value);
  }

  /** Restores the exact original weight (bit for bit). */
  unmerge(): void {
    if (!this.original) return;
    this.weight.value.dispose();
    this.weight.value = this.original;
    this.original = null;
  }

  protected override setTraining(on: boolean): void {
    this.training = on;
    for (const a of this.adapters.values()) a.dropout.training = on;
    if (!this.mergeOnEval) return;
    if (on) this.unmerge();
    else this.merge();
  }

  forward(x: T.NDArray | Tensor): Tensor {
    const input = x instanceof Tensor ? x : new Tensor(x);
    const frozen = matmul(input, this.base.layout === 'linear' ? this.weight.T : this.weight); // [..., out]
    if (this.merged || this.disabled || this.active.length === 0)
      return this.bias ? add(frozen, this.bias) : frozen;
    let y = frozen;
    let dora: Adapter | null = null;
    for (const { name, weight } of this.active) {
      const a = this.getAdapter(name);
      if (a.magnitude) dora = a;
      y = add(y, this.adapterOutput(a, input, weight));
    }
    if (dora) {
      // DoRA §4.3: the norm is treated as a constant, so only the magnitude gets its gradient.
      const norm = noGrad(
        () => new Tensor(T.tidy(() => rowNorms(T.add(this.weightOutIn(), this.deltaWeight(dora.name))))),
      );
      y = mul(y, mul(dora.magnitude!, new Tensor(T.reciprocal(norm.value))));
    }
    return this.bias ? add(y, this.bias) : y;
  }

  /** (scaling·dropout(x)·Aᵀ)·Bᵀ per slice, laid out over all outputs (zeros elsewhere). */
  private adapterOutput(a: Adapter, x: Tensor, mix: number): Tensor {
    const xd = a.dropout.forward(x);
    const lead = x.shape.slice(0, -1);
    const pieces: Tensor[] = [];
    let at = 0;
    for (const p of [...a.pairs].sort((u, v) => u.slice.start - v.slice.start)) {
      if (p.slice.start > at) pieces.push(zerosPiece(lead, p.slice.start - at, x.dtype));
      // The scale is applied to the narrow [..., r] product, not the [..., out] result: same
      // update, one less full-width array per step.
      const scale = a.scaling * mix;
      const down = matmul(xd, p.A.T); // [..., r]
      pieces.push(matmul(scale === 1 ? down : mul(down, scale), p.B.T)); // [..., sliceOut]
      at = p.slice.end;
    }
    if (at < this.outFeatures) pieces.push(zerosPiece(lead, this.outFeatures - at, x.dtype));
    return pieces.length === 1 ? pieces[0] : concat(pieces, -1);
  }
}

function zerosPiece(lead: readonly number[], width: number, dtype: T.DType): Tensor {
  return new Tensor(T.zeros([...lead, width], { dtype }));
}

/** L2 norm of each row of [out, in]. */
function rowNorms(w: T.NDArray): T.NDArray {
  return T.sqrt(T.sum(T.square(w), 1));
}
