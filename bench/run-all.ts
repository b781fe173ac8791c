/**
 * `pnpm bench`: every suite in order, one report (or one JSON document with --json).
 * To add a suite, add its module here: it must export `suite` (see lib/suite.ts).
 */
import './lib/detach-probe.js'; // first: must see every WebAssembly instantiation

import { main, type Suite } from './lib/suite.js';

const SUITE_MODULES = ['./matmul.bench.js', './ops.bench.js', './train-step.bench.js', './lora.bench.js'];

const suites: Suite[] = [];
for (const path of SUITE_MODULES) {
  const module = (await import(path)) as { suite?: Suite };
  if (!module.suite || typeof module.suite.cases !== 'function') {
    throw new Error(`bench: ${path} does not export a suite (see bench/lib/suite.ts)`);
  }
  suites.push(module.suite);
}
await main(suites);
