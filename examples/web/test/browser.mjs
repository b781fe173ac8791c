/**
 * End-to-end test of the demo page in headless Chromium: builds it with Vite, serves dist/ on
 * loopback, opens it with Debian's Chromium through playwright-core, waits for the run to
 * finish and checks that the LoRA loss fell, text was generated, nothing was logged as an error,
 * and the loss plot and a screenshot (test/screenshot.png) are not blank.
 *
 * Run: pnpm --filter @typegrad/example-web test:browser
 * Env: TYPEGRAD_BROWSER_OPTIONAL=1 skips (exit 0) when Chromium is missing;
 *      TYPEGRAD_CHROMIUM=path uses another Chromium; TYPEGRAD_BROWSER_QUERY=backend=webasm adds
 *      a query string to the page's URL (a forced ?backend= must be the one that ran);
 *      TYPEGRAD_BROWSER_TIMEOUT_S=N waits N s for the page (default 75);
 *      TYPEGRAD_BROWSER_ISOLATED=0 serves the page without the COOP/COEP headers and checks that
 *      the cpu backend then runs its WebAssembly kernels on one thread.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { exitCodeWithoutChromium, openChromium } from './chromium.mjs';
import { countCanvasColours, measurePng } from './pixels.mjs';
import { serveStatic } from './static-server.mjs';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const distRoot = join(webRoot, 'dist');
const screenshotPath = join(webRoot, 'test', 'screenshot.png');
const PAGE_TIMEOUT_MS = 1000 * Number(process.env.TYPEGRAD_BROWSER_TIMEOUT_S ?? 75);
const isolated = process.env.TYPEGRAD_BROWSER_ISOLATED !== '0';
const query = process.env.TYPEGRAD_BROWSER_QUERY ?? '';
const asked = new URLSearchParams(query);
// The registered backend names that `?backend=` may run on (the page errors rather than fall back).
const BACKEND_NAMES = {
  cpu: /^cpu$/,
  webgpu: /^gpujs:webgpu$/,
  webasm: /^gpujs:webasm$/,
  webgl: /^gpujs:webgl2?$/,
};
// The page's colours for its two loss lines (src/main.ts).
const LINE_COLOURS = { pretraining: [0x8a, 0x8a, 0x8a], finetuning: [0xd9, 0x48, 0x0f] };

class TestFailure extends Error {}

function check(condition, message) {
  if (!condition) throw new TestFailure(message);
}

const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

async function main() {
  const skipped = exitCodeWithoutChromium('browser test');
  if (skipped !== null) return skipped;
  const started = performance.now();
  await build({ root: webRoot, logLevel: 'warn' });
  console.log(`browser test: built the page in ${seconds(started)}`);

  const server = await serveStatic(distRoot, { isolated });
  let browser;
  try {
    browser = await openChromium({ width: 900, height: 1000 });
    const { page } = browser;
    const problems = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      if (['warning', 'info'].includes(message.type()))
        console.log(`browser test: page said: ${message.text()}`);
    });
    page.on('requestfailed', (request) =>
      problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
    );

    const pageStarted = performance.now();
    await page.goto(`${server.url}${query ? `?${query}` : ''}`);
    await page
      .waitForSelector('#app[data-state="done"], #app[data-state="error"]', { timeout: PAGE_TIMEOUT_MS })
      .catch(async () => {
        const status = await page.textContent('#status');
        throw new TestFailure(
          `the page did not finish within ${PAGE_TIMEOUT_MS / 1000} s (status: ${status})`,
        );
      });
    const result = await page.evaluate(() => window.__typegrad);
    console.log(
      `browser test: page ran in ${seconds(pageStarted)} on ${result.backendLabel || '(no backend chosen)'} (${result.backendReason})`,
    );
    console.log(
      `browser test: ${result.pretrainMsPerStep.toFixed(0)} ms per pretraining step on ${result.pretrainBackend}, ${result.msPerStep.toFixed(0)} ms per fine-tuning step on ${result.backend}`,
    );
    check(result.state === 'done', `the page stopped with an error: ${result.error}`);
    const backend = asked.get('backend') ?? 'auto';
    if (backend !== 'auto')
      check(
        BACKEND_NAMES[backend]?.test(result.backend),
        `asked for ?backend=${backend}, the page ran on '${result.backend}' (${result.backendLabel})`,
      );
    if (backend === 'webgl')
      check(
        result.backendLabel === `gpu.js ${result.backend.slice('gpujs:'.length)}` &&
          /renderer ./.test(result.backendReason),
        `the page should say which WebGL ran and on which renderer: '${result.backendLabel}' (${result.backendReason})`,
      );
    check(
      result.pretrainBackend === (asked.get('pretrain-on') ?? result.backend),
      `pretraining ran on '${result.pretrainBackend}', expected ${asked.get('pretrain-on') ?? result.backend}`,
    );
    // Without COOP/COEP there is no shared memory: the cpu backend's WebAssembly kernels run on one thread.
    check(
      (await page.evaluate(() => globalThis.crossOriginIsolated)) === isolated,
      isolated
        ? 'the page is not cross-origin isolated'
        : 'the page is cross-origin isolated without the headers',
    );
    if (!isolated && result.backend === 'cpu')
      check(
        result.backendLabel === 'cpu: WebAssembly SIMD kernels, one thread',
        `without isolation the cpu backend should run its WebAssembly kernels on one thread, page says '${result.backendLabel}'`,
      );
    check(problems.length === 0, `the page reported problems:\n  ${problems.join('\n  ')}`);

    const { pretrainLosses, losses } = result;
    check(losses.length >= 10, `expected at least 10 fine-tuning losses, got ${losses.length}`);
    const [pretrainFirst, pretrainLast] = [mean(pretrainLosses.slice(0, 5)), mean(pretrainLosses.slice(-5))];
    const [first, last] = [mean(losses.slice(0, 5)), mean(losses.slice(-5))];
    console.log(`browser test: pretraining loss ${pretrainFirst.toFixed(3)} -> ${pretrainLast.toFixed(3)}`);
    console.log(
      `browser test: LoRA fine-tuning loss ${first.toFixed(3)} -> ${last.toFixed(3)} (means of 5 steps)`,
    );
    check(pretrainLast < pretrainFirst - 1, 'the pretraining loss did not fall by at least 1');
    check(last < 0.85 * first, `the LoRA fine-tuning loss did not fall by 15%: ${first} -> ${last}`);

    console.log(`browser test: after pretraining: ${JSON.stringify(result.baseText)}`);
    console.log(`browser test: after LoRA:        ${JSON.stringify(result.text)}`);
    check(
      result.text.startsWith('the ') && result.text.length >= 40,
      'no text was generated after fine-tuning',
    );
    check(result.text !== result.baseText, 'the fine-tuned model wrote exactly what the base model wrote');
    const shown = await page.textContent('#sample');
    check(shown === result.text, 'the generated text is not shown on the page');

    const lines = await countCanvasColours(page, '#loss-plot', LINE_COLOURS);
    check(
      lines.pretraining > 200 && lines.finetuning > 200,
      `the loss plot lines are missing: ${JSON.stringify(lines)} pixels`,
    );
    const png = await page.screenshot({ path: screenshotPath, fullPage: true });
    const shot = await measurePng(page, png);
    console.log(
      `browser test: screenshot ${shot.width}x${shot.height}, ${(100 * shot.nonBackgroundShare).toFixed(1)}% non-background, ${shot.colours} colours -> ${screenshotPath}`,
    );
    check(shot.nonBackgroundShare > 0.05 && shot.colours > 50, 'the screenshot looks blank');
  } finally {
    await browser?.close();
    await server.close();
  }
  console.log(`browser test: ok in ${seconds(started)}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`browser test: FAILED: ${error instanceof TestFailure ? error.message : error?.stack}`);
    process.exit(1);
  },
);
