// Parsing of option values shared by commands: numbers and lists with one-line errors.
import { InputError } from '../core/errors.ts';

type Values = Record<string, unknown>;

export function numberOption(values: Values, name: string, fallback: number, check?: (v: number) => string | null): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v)) throw new InputError(`--${name}`, `not a number: "${String(raw)}"`);
  const problem = check?.(v);
  if (problem) throw new InputError(`--${name}`, problem);
  return v;
}

export function optionalNumberOption(values: Values, name: string, check?: (v: number) => string | null): number | null {
  return values[name] === undefined ? null : numberOption(values, name, 0, check);
}

export function numberListOption(values: Values, name: string, fallback: number[]): number[] {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const parts = String(raw).split(',').map((s) => s.trim()).filter(Boolean);
  const list = parts.map(Number);
  if (!parts.length || list.some((v) => !Number.isFinite(v))) throw new InputError(`--${name}`, `expected comma-separated numbers, got "${String(raw)}"`);
  return list;
}

export function requiredString(values: Values, name: string): string {
  const raw = values[name];
  if (typeof raw !== 'string' || raw === '') throw new InputError(`--${name}`, 'is required');
  return raw;
}

export function choiceOption<T extends string>(values: Values, name: string, choices: readonly T[], fallback: T): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (!choices.includes(raw as T)) throw new InputError(`--${name}`, `expected one of ${choices.join('|')}, got "${String(raw)}"`);
  return raw as T;
}

/**
 * A repeatable option (declared `multiple: true` for parseArgs): every value in the order
 * given, e.g. `--features slumps.shp --features lakes.gpkg`. At least one is required.
 */
export function requiredStringList(values: Values, name: string): string[] {
  const raw = values[name];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length === 0) throw new InputError(`--${name}`, 'is required');
  if (list.some((v) => typeof v !== 'string' || v === '')) throw new InputError(`--${name}`, 'is empty');
  return list as string[];
}
