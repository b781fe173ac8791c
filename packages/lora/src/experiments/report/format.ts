/** Number and Markdown formatting shared by the report sections. */

/** Shown where a value is missing or not a finite number (a run that did not happen, a NaN loss). */
export const MISSING = '—';

/** True for a finite number (results read back from JSON carry `null` where a NaN was written). */
export function isNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** A score on the 0..1 scale as papers print it (×100); NaN when missing, so it prints as MISSING. */
export function percentScore(x: number | null | undefined): number {
  return isNumber(x) ? 100 * x : Number.NaN;
}

/** Fixed decimals, or MISSING. */
export function fixed(x: number | null | undefined, digits: number): string {
  return isNumber(x) ? x.toFixed(digits) : MISSING;
}

/** An integer with thousands separators (1,234,567), or MISSING. */
export function count(x: number | null | undefined): string {
  return isNumber(x) ? Math.round(x).toLocaleString('en-US') : MISSING;
}

/** A share as a percentage with two significant digits below 10% (0.37%, 4.2%, 43%, 100%). */
export function percent(part: number | null | undefined, whole: number | null | undefined): string {
  if (!isNumber(part) || !isNumber(whole) || whole <= 0) return MISSING;
  const p = (100 * part) / whole;
  return `${p === 0 || p >= 10 ? p.toFixed(0) : p.toPrecision(2)}%`;
}

/** Bytes in B / KiB / MiB / GiB with three significant digits. */
export function bytes(x: number | null | undefined): string {
  if (!isNumber(x)) return MISSING;
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = x;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toPrecision(3)} ${units[unit]}`;
}

/** Seconds as `42 s`, `3 min 05 s` or `1 h 02 min`. */
export function duration(seconds: number | null | undefined): string {
  if (!isNumber(seconds)) return MISSING;
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** A signed difference with fixed decimals: +0.012 / −0.034, and no sign when it prints as zero. */
export function signed(x: number, digits: number): string {
  const text = Math.abs(x).toFixed(digits);
  if (Number(text) === 0) return text;
  return x < 0 ? `−${text}` : `+${text}`;
}

/** Escapes characters that Markdown would read as markup (table pipes, emphasis, links, HTML). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
}

/** A GitHub-flavoured Markdown table; cells are used as given (escape text cells first). */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly ('l' | 'r')[],
): string {
  const rule = header.map((_, k) => ((align?.[k] ?? 'r') === 'l' ? ':---' : '---:'));
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}
