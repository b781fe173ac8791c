import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentResults } from '../results.js';
import { type RenderedReport, renderReport } from './render-report.js';

export { type RenderedReport, renderReport };

/** Writes a file through a temporary sibling and a rename, so a reader never sees half a file. */
function writeAtomic(path: string, content: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(temp, content);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/**
 * Renders the report of a reproduction and writes `REPORT.md` and `figures/*.svg` into `outDir`.
 * Everything is rendered before anything is written, so a failure leaves an earlier report
 * intact; each file is replaced atomically, figures first, so REPORT.md never links to a missing
 * figure. Returns the path of REPORT.md.
 */
export function writeReport(outDir: string, results: ExperimentResults): string {
  const { markdown, figures } = renderReport(results, outDir);
  const figureDir = join(outDir, 'figures');
  mkdirSync(figureDir, { recursive: true });
  for (const [name, svg] of Object.entries(figures)) writeAtomic(join(figureDir, name), svg);
  const reportPath = join(outDir, 'REPORT.md');
  writeAtomic(reportPath, markdown);
  return reportPath;
}
