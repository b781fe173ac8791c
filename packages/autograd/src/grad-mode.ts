/** Whether ops record a graph. Off inside `noGrad` (and during a plain backward pass). */
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs `fn` without recording a graph: results do not require grad. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

export function withGradMode<T>(on: boolean, fn: () => T): T {
  const before = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = before;
  }
}
