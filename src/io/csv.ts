// CSV reading and writing, platform-free. Used for in-situ ALT sites, ground temperature
// series and the hazard/summary tables.
//
// Reading: the first non-empty line is the header; the delimiter is a comma or a semicolon
// (whichever the header has more of outside quotes); fields may be quoted with "", with ""
// for a quote inside and delimiters or line breaks inside. Every row keeps its line number so
// an error can say "line 17, column alt_m: "1.2m" is not a number".

import { InputError } from '../core/errors.ts';

export interface CsvTable {
  /** The file (or label) named in errors. */
  file: string;
  delimiter: ',' | ';';
  header: string[];
  /** Data rows, each as long as the header. */
  rows: string[][];
  /** 1-based line number in the text where each row starts. */
  lineNumbers: number[];
}

/** Splits text into records of fields, honouring quotes; each with its starting line. */
function records(text: string, delimiter: string, file: string): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let quotedField = false;
  let line = 1;
  let recordLine = 1;
  const endRecord = (): void => {
    fields.push(field);
    // A line with nothing on it is skipped, not read as a row of one empty field.
    if (!(fields.length === 1 && fields[0].trim() === '' && !quotedField)) out.push({ fields, line: recordLine });
    fields = [];
    field = '';
    quotedField = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field.trim() === '') {
      inQuotes = true;
      quotedField = true;
      field = '';
    } else if (ch === delimiter) {
      fields.push(field);
      field = '';
      quotedField = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
    }
  }
  if (inQuotes) throw new InputError(file, `line ${recordLine}: quote opened and never closed`);
  if (field !== '' || fields.length > 0 || quotedField) endRecord();
  return out;
}

function countOutsideQuotes(line: string, ch: string): number {
  let n = 0;
  let inQuotes = false;
  for (const c of line) {
    if (c === '"') inQuotes = !inQuotes;
    else if (c === ch && !inQuotes) n++;
  }
  return n;
}

/** Parses CSV text. `file` names the source in errors. */
export function parseCsv(text: string, file: string): CsvTable {
  const clean = text.replace(/^\uFEFF/, ''); // a byte-order mark from spreadsheet exports
  const firstLine = clean.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const delimiter = countOutsideQuotes(firstLine, ';') > countOutsideQuotes(firstLine, ',') ? ';' : ',';
  const all = records(clean, delimiter, file);
  if (all.length === 0) throw new InputError(file, 'empty CSV (no header row)');
  const header = all[0].fields.map((h) => h.trim());
  const seen = new Set<string>();
  header.forEach((h, i) => {
    if (h === '') throw new InputError(file, `line ${all[0].line}: column ${i + 1} has no name`);
    if (seen.has(h)) throw new InputError(file, `line ${all[0].line}: column "${h}" appears twice`);
    seen.add(h);
  });
  const rows: string[][] = [];
  const lineNumbers: number[] = [];
  for (const r of all.slice(1)) {
    // Spreadsheets pad rows with trailing empty cells; drop those beyond the header.
    while (r.fields.length > header.length && r.fields[r.fields.length - 1].trim() === '') r.fields.pop();
    if (r.fields.length !== header.length) {
      throw new InputError(file, `line ${r.line}: ${r.fields.length} fields, the header has ${header.length}`);
    }
    rows.push(r.fields.map((f) => f.trim()));
    lineNumbers.push(r.line);
  }
  return { file, delimiter, header, rows, lineNumbers };
}

/** Index of a column; InputError listing the columns when absent. Case-insensitive fallback. */
export function csvColumnIndex(table: CsvTable, column: string): number {
  let index = table.header.indexOf(column);
  if (index < 0) index = table.header.findIndex((h) => h.toLowerCase() === column.toLowerCase());
  if (index < 0) throw new InputError(table.file, `no column "${column}" (columns: ${table.header.join(', ')})`);
  return index;
}

/**
 * Parses one number. Empty, "nan" and "NA" are NaN (missing). With ";" as delimiter a decimal
 * comma ("1,25") is accepted, as European spreadsheets write it.
 */
export function parseCsvNumber(text: string, delimiter: ',' | ';'): number | null {
  const t = text.trim();
  if (t === '' || /^(nan|na|n\/a|null)$/i.test(t)) return Number.NaN;
  const normal = delimiter === ';' && /^[+-]?\d*,\d+([eE][+-]?\d+)?$/.test(t) ? t.replace(',', '.') : t;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(normal) && !/^[+-]?inf(inity)?$/i.test(normal)) return null;
  return /inf/i.test(normal) ? (normal.startsWith('-') ? -Infinity : Infinity) : Number(normal);
}

/** A numeric column; InputError "line N, column C: "x" is not a number" on the first bad cell. */
export function csvNumbers(table: CsvTable, column: string, opts: { allowMissing?: boolean } = {}): Float64Array {
  const index = csvColumnIndex(table, column);
  const out = new Float64Array(table.rows.length);
  table.rows.forEach((row, i) => {
    const value = parseCsvNumber(row[index], table.delimiter);
    if (value === null) {
      throw new InputError(table.file, `line ${table.lineNumbers[i]}, column ${table.header[index]}: "${row[index]}" is not a number`);
    }
    if (Number.isNaN(value) && opts.allowMissing === false) {
      throw new InputError(table.file, `line ${table.lineNumbers[i]}, column ${table.header[index]}: value missing`);
    }
    out[i] = value;
  });
  return out;
}

/** A text column. */
export function csvStrings(table: CsvTable, column: string): string[] {
  const index = csvColumnIndex(table, column);
  return table.rows.map((r) => r[index]);
}

function formatField(value: string | number | null | undefined, delimiter: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isNaN(value) ? '' : String(value);
  return /["\r\n]/.test(value) || value.includes(delimiter) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * CSV text with a header row; NaN and null are written as empty cells (read back as NaN by
 * parseCsv, pandas and GDAL alike). Lines end with "\n".
 */
export function formatCsv(header: string[], rows: (string | number | null | undefined)[][], delimiter: ',' | ';' = ','): string {
  const lines = [header, ...rows].map((r, i) => {
    if (i > 0 && r.length !== header.length) throw new Error(`formatCsv: row ${i} has ${r.length} fields, header ${header.length}`);
    return r.map((v) => formatField(v, delimiter)).join(delimiter);
  });
  return lines.join('\n') + '\n';
}
