import type { Tensor } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';

/** Parameters that share settings (e.g. no weight decay for biases and LayerNorm). */
export interface ParamGroup {
  params: Tensor[];
  weightDecay?: number;
}

/**
 * Base of the optimizers: parameter groups, a learning rate the scheduler sets, per-parameter
 * state (named arrays) that checkpoints save and restore.
 */
export abstract class Optimizer {
  readonly groups: Required<ParamGroup>[];
  lr: number;
  stepCount = 0;
  protected readonly state = new Map<Tensor, Record<string, T.NDArray>>();

  constructor(params: Tensor[] | ParamGroup[], options: { lr: number; weightDecay?: number }) {
    const groups =
      params.length > 0 && !('params' in params[0])
        ? [{ params: params as Tensor[] }]
        : (params as ParamGroup[]);
    this.groups = groups.map((g) => ({
      params: g.params,
      weightDecay: g.weightDecay ?? options.weightDecay ?? 0,
    }));
    for (const g of this.groups) {
      for (const p of g.params) {
        if (!p.requiresGrad)
          throw new T.ArgumentError(
            `optimizer: parameter ${p.describe()} does not require grad (frozen parameters must not be given to the optimizer)`,
          );
      }
    }
    this.lr = options.lr;
  }

  params(): Tensor[] {
    return this.groups.flatMap((g) => g.params);
  }

  zeroGrad(): void {
    for (const p of this.params()) p.zeroGrad();
  }

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    this.stepCount++;
    for (const group of this.groups) {
      for (const p of group.params) {
        if (!p.grad) continue;
        const next = T.tidy(() => this.update(p, p.grad!.value, group.weightDecay));
        p.assign(next);
      }
    }
  }

  /** Returns the parameter's new value; may replace entries of its state (kept alive here). */
  protected abstract update(p: Tensor, grad: T.NDArray, weightDecay: number): T.NDArray;

  protected getState(p: Tensor, init: () => Record<string, T.NDArray>): Record<string, T.NDArray> {
    let s = this.state.get(p);
    if (!s) {
      s = init();
      for (const v of Object.values(s)) T.keep(v);
      this.state.set(p, s);
    }
    return s;
  }

  protected setState(p: Tensor, name: string, value: T.NDArray): void {
    const s = this.state.get(p)!;
    s[name].dispose();
    s[name] = T.keep(value);
  }

  /** Bytes held as optimizer state (the LoRA benchmark compares it with full fine-tuning). */
  stateBytes(): number {
    let n = 0;
    for (const s of this.state.values())
      for (const v of Object.values(s)) n += v.size * (v.dtype === 'float64' ? 8 : 4);
    return n;
  }

  /** State by parameter index (in `params()` order), for checkpoints. */
  stateDict(): { step: number; lr: number; state: Record<string, T.NDArray> } {
    const out: Record<string, T.NDArray> = {};
    this.params().forEach((p, i) => {
      for (const [k, v] of Object.entries(this.state.get(p) ?? {})) out[`${i}.${k}`] = v;
    });
    return { step: this.stepCount, lr: this.lr, state: out };
  }

  loadStateDict(dict: { step: number; lr: number; state: Record<string, T.NDArray> }): void {
    this.stepCount = dict.step;
    this.lr = dict.lr;
    const params = this.params();
    for (const [key, value] of Object.entries(dict.state)) {
      const dot = key.indexOf('.');
      const p = params[Number(key.slice(0, dot))];
      if (!p)
        throw new T.ArgumentError(
          `optimizer state: key '${key}' names parameter ${key.slice(0, dot)}, but there are ${params.length}`,
        );
      const s = this.state.get(p) ?? {};
      s[key.slice(dot + 1)]?.dispose();
      s[key.slice(dot + 1)] = T.keep(value.clone());
      this.state.set(p, s);
    }
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter) and bias correction. */
export class AdamW extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;

  constructor(
    params: Tensor[] | ParamGroup[],
    options: { lr: number; betas?: [number, number]; eps?: number; weightDecay?: number },
  ) {
    super(params, { lr: options.lr, weightDecay: options.weightDecay ?? 0.01 });
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
  }

  protected update(p: Tensor, g: T.NDArray, weightDecay: number): T.NDArray {
    const s = this.getState(p, () => ({ m: T.zerosLike(p.value), v: T.zerosLike(p.value) }));
    const m = T.add(T.mul(s.m, this.beta1), T.mul(g, 1 - this.beta1));
    const v = T.add(T.mul(s.v, this.beta2), T.mul(T.square(g), 1 - this.beta2));
    this.setState(p, 'm', m);
    this.setState(p, 'v', v);
    const t = this.stepCount;
    const stepSize = this.lr / (1 - this.beta1 ** t);
    const denom = T.add(T.div(T.sqrt(v), Math.sqrt(1 - this.beta2 ** t)), this.eps);
    const decayed = weightDecay > 0 ? T.mul(p.value, 1 - this.lr * weightDecay) : p.value;
    return T.sub(decayed, T.mul(T.div(m, denom), stepSize));
  }
}

/** Adam: like AdamW but weight decay is added to the gradient (L2), as torch.optim.Adam. */
export class Adam extends AdamW {
  constructor(
    params: Tensor[] | ParamGroup[],
    options: { lr: number; betas?: [number, number]; eps?: number; weightDecay?: number },
  ) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 0 });
  }

  protected override update(p: Tensor, g: T.NDArray, weightDecay: number): T.NDArray {
    const grad = weightDecay > 0 ? T.add(g, T.mul(p.value, weightDecay)) : g;
    return super.update(p, grad, 0);
  }
}

/** SGD with optional momentum (PyTorch's formulation: buf = μ·buf + g; p -= lr·buf). */
export class SGD extends Optimizer {
  readonly momentum: number;

  constructor(
    params: Tensor[] | ParamGroup[],
    options: { lr: number; momentum?: number; weightDecay?: number },
  ) {
    super(params, options);
    this.momentum = options.momentum ?? 0;
  }

  protected update(p: Tensor, g: T.NDArray, weightDecay: number): T.NDArray {
    let grad = weightDecay > 0 ? T.add(g, T.mul(p.value, weightDecay)) : g;
    if (this.momentum > 0) {
      const s = this.getState(p, () => ({ momentum: T.zerosLike(p.value) }));
      grad = this.stepCount === 1 ? grad : T.add(T.mul(s.momentum, this.momentum), grad);
      this.setState(p, 'momentum', grad.clone());
    }
    return T.sub(p.value, T.mul(grad, this.lr));
  }
}
