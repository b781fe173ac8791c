import { availableCores } from './wasm/node-builtins.js';

/**
 * Settings of the cpu backend. `fast` switches the WebAssembly SIMD kernels on or off (off runs
 * only the plain-TypeScript reference kernels, for debugging); `threads` is how many threads
 * large kernels may split across (1 = the calling thread only).
 */
export interface CpuOptions {
  fast: boolean;
  threads: number;
}

// Node 20 has no global `navigator`: availableCores asks node:os there.
const defaultThreads = () => Math.max(1, Math.min(availableCores(), 8));

const options: CpuOptions = { fast: true, threads: defaultThreads() };

export function getCpuOptions(): Readonly<CpuOptions> {
  return options;
}

export function setCpuOptions(changes: Partial<CpuOptions>): void {
  if (changes.threads !== undefined && (!Number.isInteger(changes.threads) || changes.threads < 1)) {
    throw new RangeError(`setCpuOptions: threads must be a positive integer, got ${changes.threads}`);
  }
  Object.assign(options, changes);
}
