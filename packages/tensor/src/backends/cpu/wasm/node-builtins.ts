/**
 * Synchronous access to Node built-in modules from code that also runs in browsers:
 * `process.getBuiltinModule` (Node >= 20.16) needs no import statement, so bundlers for the
 * web see nothing to resolve. Returns undefined outside Node or on older Node versions.
 */
interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?: (name: string) => unknown;
}

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node ? p : undefined;
}

/** True when running in Node.js. */
export function isNode(): boolean {
  return nodeProcess() !== undefined;
}

/** The built-in module `name` (e.g. 'node:os'), or undefined where it cannot be loaded synchronously. */
export function nodeBuiltin<T>(name: string): T | undefined {
  try {
    return nodeProcess()?.getBuiltinModule?.(name) as T | undefined;
  } catch {
    return undefined;
  }
}

/** Logical cores available to this process: os.availableParallelism() in Node, navigator elsewhere. */
export function availableCores(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}
