/**
 * Live memory of this process, for the LoRA benchmark's peak-memory figures: V8's heap in use
 * plus ArrayBuffer backing stores (typegrad's cpu arrays are typed arrays; WebAssembly memories
 * count too), read right after forced full garbage collections so that only reachable
 * objects are counted. Collecting takes milliseconds: never call this inside a timed call.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let collect: (() => void) | null = null;

/** A full GC; `--expose-gc` is switched on at run time when node was not started with it. */
export function collectGarbage(): void {
  if (!collect) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) collect = exposed;
    else {
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    }
  }
  collect();
}

/**
 * Collects garbage and lets the FinalizationRegistry callbacks it queued run (typegrad returns
 * the WebAssembly blocks of collected arrays to its allocator there), so that a timed row does
 * not pay for the cleanup of the row before it.
 */
export async function settleGarbage(): Promise<void> {
  for (let pass = 0; pass < 2; pass++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Bytes reachable now: heapUsed + arrayBuffers after two full GCs. ArrayBuffer backing stores
 * that one GC finds dead are freed by a sweeper that may still be running when it returns
 * (one GC read up to 250 MiB too high now and then); the next GC completes that sweep first.
 */
export function liveBytes(): number {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Megabytes with one decimal, for notes. */
export function megabytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
