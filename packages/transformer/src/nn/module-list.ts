import { Module } from './module.js';

/** Children named 0, 1, 2, ... (GPT-2's `h.0`, `h.1`, ...). */
export class ModuleList<M extends Module> extends Module {
  private items: M[];

  constructor(items: M[]) {
    super();
    this.items = items;
    for (const [i, m] of items.entries()) this.registerModule(String(i), m);
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    return this.items[i];
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }

  protected override onChildReplaced(name: string, m: Module): void {
    this.items[Number(name)] = m as M;
  }
}
