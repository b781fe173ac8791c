/**
 * The conformance suite of packages/tensor in headless Chromium, on the gpu.js modes only a
 * browser has (WebGL 2 and WebGL 1, on SwiftShader here): builds the pages, opens
 * conformance.html, and fails unless every case of every mode agrees with the cpu reference
 * within the mode's stated tolerance and every mode left no device storage behind.
 *
 * Run: pnpm --filter @typegrad/example-web test:conformance
 * Env: TYPEGRAD_BROWSER_OPTIONAL=1 skips (exit 0) when Chromium is missing;
 *      TYPEGRAD_CONFORMANCE_MODES=webgl2,webgl picks the modes (default both).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { exitCodeWithoutChromium, openChromium } from './chromium.mjs';
import { serveStatic } from './static-server.mjs';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const modes = process.env.TYPEGRAD_CONFORMANCE_MODES ?? 'webgl2,webgl';
const TIMEOUT_MS = 300_000;
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

async function main() {
  const skipped = exitCodeWithoutChromium('browser conformance');
  if (skipped !== null) return skipped;
  const started = performance.now();
  await build({ root: webRoot, logLevel: 'warn' });
  const server = await serveStatic(join(webRoot, 'dist'));
  let browser;
  const problems = [];
  try {
    browser = await openChromium({ width: 900, height: 700 });
    const { page } = browser;
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    await page.goto(`${server.url}conformance.html?modes=${modes}`);
    await page.waitForSelector('#app[data-state="done"]', { timeout: TIMEOUT_MS });
    const result = await page.evaluate(() => window.__conformance);
    if (result.error) problems.push(`the page failed: ${result.error}`);
    for (const r of result.reports) {
      if (r.backend === null) {
        problems.push(`${r.mode} could not run: ${r.error}`);
        continue;
      }
      console.log(
        `browser conformance: ${r.backend} on ${r.renderer}: ${r.passed} passed, ${r.failures.length} failed in ${r.seconds.toFixed(1)} s`,
      );
      for (const f of r.failures) problems.push(`${r.backend}: ${f}`);
      if (r.passed === 0) problems.push(`${r.backend}: no case ran`);
      if (r.leftStorages !== 0)
        problems.push(`${r.backend}: ${r.leftStorages} device storages left after the cases`);
    }
  } finally {
    await browser?.close();
    await server.close();
  }
  if (problems.length > 0) {
    console.error(`browser conformance: FAILED:\n  ${problems.join('\n  ')}`);
    return 1;
  }
  console.log(`browser conformance: ok in ${seconds(started)}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`browser conformance: FAILED: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
