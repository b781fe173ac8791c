/**
 * RFC 4180 CSV, read and written by hand: quoted fields, `""` for a quote inside a quoted field,
 * line breaks inside quoted fields, CRLF / LF / CR record ends, and a leading UTF-8 BOM.
 * The E2E files need all of these (mixed CRLF and LF, two references with an embedded CRLF).
 */
import { ArgumentError } from '@typegrad/tensor';

/** One record with the 1-based physical line on which it starts (for error messages). */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** Options for `parseCsv`. */
export interface ParseCsvOptions {
  /** Drop records that are a single empty field (blank lines). Default true. */
  skipBlankLines?: boolean;
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const CR = 13;
const LF = 10;

/**
 * Parses CSV text into records. `fileName` only labels errors, which read `file:line: problem`.
 * Strict where RFC 4180 is: a quote inside an unquoted field, text after a closing quote, and an
 * unterminated quoted field are errors.
 */
export function parseCsv(text: string, fileName: string, options: ParseCsvOptions = {}): CsvRecord[] {
  const skipBlank = options.skipBlankLines ?? true;
  const records: CsvRecord[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const fail = (at: number, problem: string): never => {
    throw new ArgumentError(`${fileName}:${at}: ${problem}`);
  };

  // Consumes one record end (CRLF, LF or CR) at `pos` if there is one; returns whether it did.
  const consumeRecordEnd = (): boolean => {
    const c = text.charCodeAt(pos);
    if (c === CR) {
      pos += text.charCodeAt(pos + 1) === LF ? 2 : 1;
      line++;
      return true;
    }
    if (c === LF) {
      pos++;
      line++;
      return true;
    }
    return false;
  };

  while (pos < text.length) {
    const recordLine = line;
    const fields: string[] = [];
    for (;;) {
      let value: string;
      if (text.charCodeAt(pos) === QUOTE) {
        const fieldLine = line;
        pos++;
        let out = '';
        let chunkStart = pos;
        for (;;) {
          if (pos >= text.length) fail(fieldLine, 'quoted field is not closed before the end of the file');
          const c = text.charCodeAt(pos);
          if (c === QUOTE) {
            out += text.slice(chunkStart, pos);
            if (text.charCodeAt(pos + 1) === QUOTE) {
              out += '"';
              pos += 2;
              chunkStart = pos;
              continue;
            }
            pos++;
            break;
          }
          // Line breaks inside quotes are data; count them so later errors name the right line.
          if (c === LF || (c === CR && text.charCodeAt(pos + 1) !== LF)) line++;
          pos++;
        }
        value = out;
        const next = text.charCodeAt(pos);
        if (pos < text.length && next !== COMMA && next !== CR && next !== LF) {
          fail(line, `unexpected character ${JSON.stringify(text[pos])} after a closing quote`);
        }
      } else {
        const start = pos;
        while (pos < text.length) {
          const c = text.charCodeAt(pos);
          if (c === COMMA || c === CR || c === LF) break;
          if (c === QUOTE)
            fail(line, 'a quote inside an unquoted field (quote the whole field and double the quote)');
          pos++;
        }
        value = text.slice(start, pos);
      }
      fields.push(value);
      if (pos < text.length && text.charCodeAt(pos) === COMMA) {
        pos++;
        continue;
      }
      consumeRecordEnd();
      break;
    }
    const blank = fields.length === 1 && fields[0] === '';
    if (!(blank && skipBlank)) records.push({ fields, line: recordLine });
  }
  return records;
}

/** Quotes a field when RFC 4180 requires it (comma, quote, CR or LF inside), doubling inner quotes. */
export function formatCsvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Formats records as CSV text with the given record end (default CRLF, as RFC 4180 says). */
export function formatCsv(rows: readonly (readonly string[])[], recordEnd: '\r\n' | '\n' = '\r\n'): string {
  return rows.map((row) => row.map(formatCsvField).join(',') + recordEnd).join('');
}
