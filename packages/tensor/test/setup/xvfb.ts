import { type ChildProcess, spawn } from 'node:child_process';

/*
 * Vitest global setup: headless-gl (the gpujs 'headlessgl' mode) needs an X display. When the
 * test run has none and Debian's Xvfb is installed, this starts one for the run, so that
 * `pnpm test` needs no xvfb-run around it; without Xvfb the headlessgl tests say why and skip.
 */

let server: ChildProcess | null = null;

export async function setup(): Promise<void> {
  if (process.env.DISPLAY || process.platform !== 'linux') return;
  const display = await startXvfb().catch((err: Error) => {
    console.warn(`test setup: no X display for headless-gl (${err.message}); its tests will be skipped`);
    return null;
  });
  if (display !== null) process.env.DISPLAY = `:${display}`;
}

export function teardown(): void {
  server?.kill();
  server = null;
}

/** Starts Xvfb on a free display (it writes the number to fd 3 once it accepts clients). */
function startXvfb(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '640x480x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('Xvfb did not report a display within 10 s'));
    }, 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run Xvfb: ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited with code ${code}`));
    });
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('\n')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      server = child;
      resolve(Number.parseInt(output, 10));
    });
  });
}
