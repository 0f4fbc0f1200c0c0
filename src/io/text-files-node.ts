// Reading CSV and writing JSON/CSV files (Node). Writes go into an output staging folder
// (output-dir-node.ts), so they need no atomic-rename dance of their own. Node-only.

import { readFile, writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.ts';
import { fileSizeOrThrow } from './files-node.ts';
import { formatCsv, parseCsv, type CsvTable } from './csv.ts';

/** Reads and parses a CSV file (UTF-8); errors name the file and the line. */
export async function readCsv(path: string): Promise<CsvTable> {
  await fileSizeOrThrow(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseCsv(text, path);
}

/** Reads and parses a JSON file; a syntax error becomes a one-line InputError. */
export async function readJson(path: string): Promise<unknown> {
  await fileSizeOrThrow(path);
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(path, `not valid JSON: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
}

/** Pretty JSON (2-space indent, trailing newline). NaN/Infinity become null, as JSON has none. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, JSON.stringify(value, null, 2) + '\n');
}

export async function writeCsv(path: string, header: string[], rows: (string | number | null | undefined)[][], delimiter: ',' | ';' = ','): Promise<void> {
  await writeFile(path, formatCsv(header, rows, delimiter));
}
