import type { Tensor } from '@typegrad/autograd';
import { ArgumentError, cast, type NDArray, ShapeError } from '@typegrad/tensor';

/**
 * Base of every layer: named parameters and child modules (so a model's weights have stable
 * dotted names like `h.0.attn.c_attn.weight`), train/eval mode, and state dicts.
 */
export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Registers a parameter under `name` and returns it. */
  protected registerParameter(name: string, p: Tensor): Tensor {
    this.params.set(name, p);
    p.name ??= name;
    return p;
  }

  /** Removes a parameter registered under `name` (deleting a LoRA adapter). */
  protected unregisterParameter(name: string): void {
    this.params.delete(name);
  }

  /** Registers (or replaces) a child module under `name` and returns it. */
  registerModule<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** The child registered as `name` (undefined if none). */
  getChild(name: string): Module | undefined {
    return this.children.get(name);
  }

  /** Looks a module up by dotted path (`h.0.attn.c_attn`). */
  getSubmodule(path: string): Module {
    let m: Module = this;
    for (const part of path === '' ? [] : path.split('.')) {
      const next = m.children.get(part);
      if (!next) throw new ArgumentError(`getSubmodule: no module '${part}' in '${path}'`);
      m = next;
    }
    return m;
  }

  /** Replaces the module at a dotted path (used to swap a Linear for a LoRALinear). */
  setSubmodule(path: string, replacement: Module): void {
    const dot = path.lastIndexOf('.');
    const parent = dot < 0 ? this : this.getSubmodule(path.slice(0, dot));
    const name = path.slice(dot + 1);
    if (!parent.children.has(name)) throw new ArgumentError(`setSubmodule: no module at '${path}'`);
    parent.children.set(name, replacement);
    parent.onChildReplaced(name, replacement);
  }

  /** Hook for modules that keep typed references to their children. */
  protected onChildReplaced(_name: string, _replacement: Module): void {}

  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.children) yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  *namedParameters(prefix = ''): Generator<[string, Tensor]> {
    for (const [name, p] of this.params) yield [prefix ? `${prefix}.${name}` : name, p];
    for (const [name, child] of this.children)
      yield* child.namedParameters(prefix ? `${prefix}.${name}` : name);
  }

  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  /** Parameters that will be trained (requiresGrad). */
  trainableParameters(): Tensor[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  /** Counts elements of all (or only trainable) parameters. */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    return this.parameters()
      .filter((p) => !options.trainableOnly || p.requiresGrad)
      .reduce((n, p) => n + p.size, 0);
  }

  /** Sets training mode here and in every child (dropout is active only in training). */
  train(on = true): this {
    for (const [, m] of this.namedModules()) m.setTraining(on);
    return this;
  }

  /** Sets this module's own mode; LoRA layers override it to merge on eval. */
  protected setTraining(on: boolean): void {
    this.training = on;
  }

  eval(): this {
    return this.train(false);
  }

  /** Name → value of every parameter. The arrays are the live values, not copies. */
  stateDict(): Map<string, NDArray> {
    return new Map([...this.namedParameters()].map(([name, p]) => [name, p.value]));
  }

  /**
   * Loads values by name. Strict mode (default) refuses missing, unexpected or mis-shaped keys
   * and lists all of them in one error; non-strict loads what fits and returns the lists.
   */
  loadStateDict(
    dict: Map<string, NDArray> | Record<string, NDArray>,
    options: { strict?: boolean } = {},
  ): { missing: string[]; unexpected: string[]; misshaped: string[] } {
    const entries = dict instanceof Map ? dict : new Map(Object.entries(dict));
    const params = new Map(this.namedParameters());
    const missing = [...params.keys()].filter((k) => !entries.has(k));
    const unexpected = [...entries.keys()].filter((k) => !params.has(k));
    const misshaped: string[] = [];
    for (const [name, value] of entries) {
      const p = params.get(name);
      if (p && (p.shape.length !== value.shape.length || p.shape.some((d, i) => d !== value.shape[i]))) {
        misshaped.push(`${name}: expected [${p.shape.join(', ')}], got [${value.shape.join(', ')}]`);
      }
    }
    const strict = options.strict ?? true;
    if (strict && (missing.length || unexpected.length || misshaped.length)) {
      const parts = [
        missing.length ? `missing keys: ${missing.join(', ')}` : '',
        unexpected.length ? `unexpected keys: ${unexpected.join(', ')}` : '',
        misshaped.length ? `shape mismatches: ${misshaped.join('; ')}` : '',
      ].filter(Boolean);
      throw new ShapeError(`loadStateDict: ${parts.join('. ')}`);
    }
    for (const [name, value] of entries) {
      const p = params.get(name);
      if (p && !misshaped.some((m) => m.startsWith(`${name}:`))) {
        p.assign(value.dtype === p.dtype ? value.clone() : cast(value, p.dtype));
      }
    }
    return { missing, unexpected, misshaped };
  }

  /** Sets requiresGrad on every parameter (freeze = false). */
  requiresGrad(on: boolean): this {
    for (const p of this.parameters()) p.requiresGrad = on;
    return this;
  }
}
