import { ArgumentError } from './errors.js';
import { getBackend } from './kernels.js';
import type { NDArray } from './ndarray.js';

/**
 * Process-wide state: the default backend, the stack of `tidy` scopes, and counters of live
 * arrays and storages (what leak tests assert on).
 */
let currentBackend = 'cpu';
const scopes: Set<NDArray>[] = [];
const live = { arrays: 0, storages: new Map<string, number>() };

/** Backend that new arrays are created on. */
export function getDefaultBackend(): string {
  return currentBackend;
}

export function setDefaultBackend(name: string): void {
  getBackend(name); // fails early on an unknown name
  currentBackend = name;
}

/** Called by the NDArray constructor. */
export function trackArray(x: NDArray): void {
  live.arrays++;
  scopes[scopes.length - 1]?.add(x);
}

export function untrackArray(x: NDArray): void {
  live.arrays--;
  for (const scope of scopes) scope.delete(x);
}

/** Called when an array was garbage collected without dispose(). */
export function forgetCollectedArray(): void {
  live.arrays--;
}

export function trackStorage(backend: string, delta: 1 | -1): void {
  live.storages.set(backend, (live.storages.get(backend) ?? 0) + delta);
}

/** Live NDArrays and storages per backend. */
export function memory(): { arrays: number; storages: Record<string, number> } {
  return { arrays: live.arrays, storages: Object.fromEntries(live.storages) };
}

/** Keeps `x` alive past the `tidy` scope it was made in. */
export function keep<T extends NDArray>(x: T): T {
  for (const scope of scopes) scope.delete(x);
  return x;
}

/**
 * Runs `fn` and disposes every NDArray it created except those reachable from its result
 * (through arrays, Maps and plain or class objects). Scopes nest.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new ArgumentError('tidy: expected a function');
  const scope = new Set<NDArray>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const x of scope) x.dispose(); // nothing made by a failed fn survives it
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) throw new ArgumentError('tidy: fn must be synchronous; await outside tidy');
  const kept = new Set<NDArray>();
  collectArrays(result, kept, new Set());
  const parent = scopes[scopes.length - 1];
  for (const x of scope) {
    if (kept.has(x)) parent?.add(x);
    else x.dispose();
  }
  return result;
}

function collectArrays(value: unknown, out: Set<NDArray>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isNDArray(value)) {
    out.add(value);
    return;
  }
  if (ArrayBuffer.isView(value)) return;
  const children =
    value instanceof Map ? value.values() : Array.isArray(value) ? value : Object.values(value);
  for (const child of children) collectArrays(child, out, seen);
}

function isNDArray(value: object): value is NDArray {
  return (value as { isNDArray?: unknown }).isNDArray === true;
}
