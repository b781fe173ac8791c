/**
 * The conformance suite of packages/tensor (its cases, inputs and tolerances, unchanged) run in
 * the browser on gpu.js modes that only a browser has: WebGL 2 and WebGL 1 (`?modes=`). Each
 * case runs on the mode and on the cpu backend's reference kernels and is compared with the
 * mode's stated tolerance. Results go to `window.__conformance` and `#app[data-state]` for
 * test/conformance.mjs.
 */
import * as T from '@typegrad/tensor';
import { registerGpujsBackend } from '@typegrad/tensor/gpujs';
import { conformanceCases } from '../../../packages/tensor/test/conformance/cases.js';
import { checkCase } from '../../../packages/tensor/test/conformance/run-case.js';

type BrowserMode = 'webgl2' | 'webgl' | 'webgpu';

export interface ModeReport {
  mode: BrowserMode;
  /** The registered backend, or null when the mode could not run here (see `error`). */
  backend: string | null;
  renderer: string;
  passed: number;
  failures: string[];
  /** Device storages left after the cases (each case frees what it made: 0 expected). */
  leftStorages: number;
  seconds: number;
  error: string | null;
}

declare global {
  interface Window {
    __conformance?: { done: boolean; reports: ModeReport[]; error: string | null };
  }
}

function modesFrom(search: string): BrowserMode[] {
  const modes = (new URLSearchParams(search).get('modes') ?? 'webgl2,webgl').split(',');
  for (const m of modes) {
    if (m !== 'webgl2' && m !== 'webgl' && m !== 'webgpu')
      throw new Error(`?modes= lists '${m}': use webgl2, webgl, webgpu`);
  }
  return modes as BrowserMode[];
}

async function runMode(mode: BrowserMode, report: (line: string) => void): Promise<ModeReport> {
  const started = performance.now();
  const result: ModeReport = {
    mode,
    backend: null,
    renderer: '',
    passed: 0,
    failures: [],
    leftStorages: 0,
    seconds: 0,
    error: null,
  };
  try {
    const info = await registerGpujsBackend({ mode });
    result.backend = info.name;
    result.renderer = info.detail;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    return result;
  }
  const backend = result.backend;
  const before = T.memory().storages[backend] ?? 0;
  const cases = conformanceCases();
  for (const [index, c] of cases.entries()) {
    const problem = await checkCase(c, index, backend).catch(
      (err: Error) => `${c.name}: threw ${err.message}`,
    );
    if (problem === null) result.passed++;
    else result.failures.push(problem);
    if (index % 50 === 49) report(`${backend}: ${index + 1} of ${cases.length} cases`);
  }
  result.leftStorages = (T.memory().storages[backend] ?? 0) - before;
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

async function main(): Promise<void> {
  const app = document.getElementById('app') as HTMLElement;
  const out = document.getElementById('report') as HTMLElement;
  const lines: string[] = [];
  const report = (line: string) => {
    lines.push(line);
    out.textContent = lines.join('\n');
  };
  window.__conformance = { done: false, reports: [], error: null };
  try {
    for (const mode of modesFrom(location.search)) {
      const r = await runMode(mode, report);
      window.__conformance.reports.push(r);
      report(
        r.backend === null
          ? `${mode}: could not run here: ${r.error}`
          : `${r.backend} on ${r.renderer}: ${r.passed} passed, ${r.failures.length} failed, in ${r.seconds.toFixed(1)} s${r.failures.map((f) => `\n  ${f}`).join('')}`,
      );
    }
  } catch (err) {
    window.__conformance.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    report(`error: ${window.__conformance.error}`);
  }
  window.__conformance.done = true;
  app.dataset.state = 'done';
}

void main();
