// CSV parsing (delimiters, quotes, line numbers in errors) and the JSON/CSV file helpers.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvNumbers, csvStrings, formatCsv, parseCsv } from '../src/io/csv.ts';
import { readCsv, readJson, writeCsv, writeJson } from '../src/io/text-files-node.ts';

describe('parseCsv', () => {
  it('reads comma CSV with quotes, embedded delimiters, line breaks and CRLF', () => {
    const text = '\uFEFFsite,lon,lat,alt_m,note\r\n' +
      'BLH,92.9,34.8,2.1,"plain"\r\n' +
      '\r\n' +
      '"QT, 2",93.1,35.6,,"said ""hi""\nover two lines"\r\n' +
      'WD,91.5,35.1,NaN,x\r\n';
    const t = parseCsv(text, 'sites.csv');
    expect(t.delimiter).toBe(',');
    expect(t.header).toEqual(['site', 'lon', 'lat', 'alt_m', 'note']);
    expect(csvStrings(t, 'site')).toEqual(['BLH', 'QT, 2', 'WD']);
    expect(csvStrings(t, 'note')[1]).toBe('said "hi"\nover two lines');
    expect(t.lineNumbers).toEqual([2, 4, 6]);
    const alt = csvNumbers(t, 'alt_m');
    expect(alt[0]).toBe(2.1);
    expect(Number.isNaN(alt[1]) && Number.isNaN(alt[2])).toBe(true);
    expect(Array.from(csvNumbers(t, 'LON'))).toEqual([92.9, 93.1, 91.5]);
  });

  it('reads semicolon CSV with decimal commas', () => {
    const t = parseCsv('date;temperature_K\n20150101;251,5\n20150113;-1.5e2\n', 'gt.csv');
    expect(t.delimiter).toBe(';');
    expect(Array.from(csvNumbers(t, 'temperature_K'))).toEqual([251.5, -150]);
  });

  it('names the file, line and column of bad input', () => {
    const t = parseCsv('a,b\n1,2\n3,4x\n', 'f.csv');
    expect(() => csvNumbers(t, 'b')).toThrow('f.csv: line 3, column b: "4x" is not a number');
    expect(() => csvNumbers(t, 'c')).toThrow('f.csv: no column "c" (columns: a, b)');
    expect(() => parseCsv('a,b\n1,2,3\n', 'g.csv')).toThrow('g.csv: line 2: 3 fields, the header has 2');
    expect(() => parseCsv('a,b\n1,"2\n', 'h.csv')).toThrow('h.csv: line 2: quote opened and never closed');
    expect(() => parseCsv('\n\n', 'e.csv')).toThrow('e.csv: empty CSV (no header row)');
    expect(() => parseCsv('a,a\n', 'd.csv')).toThrow('d.csv: line 1: column "a" appears twice');
    expect(() => csvNumbers(parseCsv('a\n\n"" \n', 'm.csv'), 'a', { allowMissing: false })).toThrow(/line 3, column a: value missing/);
  });

  it('round-trips through formatCsv', () => {
    const text = formatCsv(['name', 'value'], [['a,b', 1.5], ['say "x"', Number.NaN], [' pad', null]]);
    const t = parseCsv(text, 'rt.csv');
    expect(t.rows).toEqual([['a,b', '1.5'], ['say "x"', ''], ['pad', '']]);
  });
});

describe('text files', () => {
  it('writes and reads JSON and CSV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'permasar-io-csv-'));
    await writeJson(join(dir, 's.json'), { rate: Number.NaN, n: 3 });
    expect(readFileSync(join(dir, 's.json'), 'utf8')).toBe('{\n  "rate": null,\n  "n": 3\n}\n');
    expect(await readJson(join(dir, 's.json'))).toEqual({ rate: null, n: 3 });
    writeFileSync(join(dir, 'bad.json'), '{"a": 1,}');
    await expect(readJson(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json: not valid JSON/);
    await writeCsv(join(dir, 't.csv'), ['buffer_m', 'slumps'], [[500, 3], [1000, 7]]);
    const t = await readCsv(join(dir, 't.csv'));
    expect(Array.from(csvNumbers(t, 'slumps'))).toEqual([3, 7]);
    await expect(readCsv(join(dir, 'missing.csv'))).rejects.toThrow(/missing\.csv: not found/);
  });
});
