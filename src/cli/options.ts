// What the option tables (src/jobs/<job>-options.ts) leave to the command line: the options a
// command requires. Everything else — conversion, range checks, defaults — is the table's.
import { optionError } from '../core/errors.ts';

type Values = Record<string, unknown>;

export function requiredString(values: Values, name: string): string {
  const raw = values[name];
  if (typeof raw !== 'string' || raw === '') throw optionError(name, 'is required');
  return raw;
}

/**
 * A repeatable option (kind files): every value in the order given, e.g.
 * `--features slumps.shp --features lakes.gpkg`. At least one is required.
 */
export function requiredStringList(values: Values, name: string): string[] {
  const raw = values[name];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length === 0) throw optionError(name, 'is required');
  if (list.some((v) => typeof v !== 'string' || v === '')) throw optionError(name, 'is empty');
  return list as string[];
}
