import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCsv, parseCsv } from '../src/experiments/e2e/csv.js';

const fields = (text: string) => parseCsv(text, 'mem.csv').map((r) => r.fields);

describe('parseCsv', () => {
  it('reads plain and quoted fields, with "" as an escaped quote', () => {
    expect(fields('a,b\n"x, y","say ""hi"""\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
    ]);
  });

  it('accepts CRLF, LF and CR record ends, and a last record without one', () => {
    expect(fields('a,b\r\nc,d\ne,f\rg,h')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
      ['g', 'h'],
    ]);
  });

  it('keeps line breaks inside quoted fields and numbers records by their first line', () => {
    const records = parseCsv('mr,ref\r\n"m1","one\r\n  two"\r\n"m2",three\r\n', 'mem.csv');
    expect(records.map((r) => r.fields)).toEqual([
      ['mr', 'ref'],
      ['m1', 'one\r\n  two'],
      ['m2', 'three'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('strips a UTF-8 BOM and skips blank lines', () => {
    expect(fields('\uFEFFmr,ref\n\nx,y\n')).toEqual([
      ['mr', 'ref'],
      ['x', 'y'],
    ]);
  });

  it('keeps empty fields', () => {
    expect(fields(',a,\n"",""\n')).toEqual([
      ['', 'a', ''],
      ['', ''],
    ]);
  });

  it('names the file and line of an unterminated quoted field', () => {
    expect(() => parseCsv('a,b\nc,"open\nstill open', 'data.csv')).toThrow(
      /data\.csv:2: quoted field is not closed/,
    );
  });

  it('names the file and line of text after a closing quote', () => {
    expect(() => parseCsv('a,b\n"x"y,z\n', 'data.csv')).toThrow(
      /data\.csv:2: unexpected character "y" after a closing quote/,
    );
  });

  it('names the file and line of a bare quote in an unquoted field', () => {
    expect(() => parseCsv('a,b\n"multi\nline",ok\nbad"field,z\n', 'data.csv')).toThrow(
      /data\.csv:4: a quote inside an unquoted field/,
    );
  });
});

describe('formatCsv', () => {
  it('quotes only where RFC 4180 requires it', () => {
    expect(
      formatCsv(
        [
          ['mr', 'ref'],
          ['a, b', 'say "x"'],
          ['plain', 'two\nlines'],
        ],
        '\n',
      ),
    ).toBe('mr,ref\n"a, b","say ""x"""\nplain,"two\nlines"\n');
  });

  it('round-trips through parseCsv (property: parse(format(rows)) == rows)', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é', '£') });
    const row = fc.array(field, { minLength: 2, maxLength: 4 });
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('\r\n' as const, '\n' as const),
        (rows, end) => {
          const parsed = parseCsv(formatCsv(rows, end), 'prop.csv', { skipBlankLines: false }).map(
            (r) => r.fields,
          );
          expect(parsed).toEqual(rows);
        },
      ),
      { numRuns: 200, seed: 42 },
    );
  });
});
