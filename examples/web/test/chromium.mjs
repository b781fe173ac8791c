/**
 * Debian's Chromium through playwright-core, as the browser tests start it (no browser download):
 * headless, no GPU, so WebGL runs on SwiftShader.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const executablePath = process.env.TYPEGRAD_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  // No GPU here: WebGL runs on SwiftShader, which this flag keeps allowed in Chromium versions
  // that no longer fall back to it on their own (Chromium 156 gives it even with --disable-gpu).
  '--disable-gpu',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * null when Chromium is installed; else the exit code of a test that cannot run: 0 (skipped)
 * with TYPEGRAD_BROWSER_OPTIONAL=1, otherwise 1, after saying which.
 * @param {string} test the test's name, for the message
 */
export function exitCodeWithoutChromium(test) {
  if (existsSync(executablePath)) return null;
  const missing = `${executablePath} not installed (apt-get install chromium)`;
  if (process.env.TYPEGRAD_BROWSER_OPTIONAL === '1') {
    console.log(`skipped: ${missing}`);
    return 0;
  }
  console.error(`${test}: FAILED: ${missing}; TYPEGRAD_BROWSER_OPTIONAL=1 skips instead`);
  return 1;
}

/**
 * Starts Chromium with a fresh profile; `close()` stops it and removes the profile.
 * @param {{ width: number, height: number }} viewport
 */
export async function openChromium(viewport) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'typegrad-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const close = async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    };
    return { page, close };
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
}
