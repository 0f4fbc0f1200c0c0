// One option table per job (issue 20): each option's name, kind, default, range check and help,
// declared once next to the job (src/jobs/<job>-options.ts). Everything that takes a job's
// options reads it from there:
//   - the CLI: parseArgs declarations (argvConfig) and the `--help` lines (usageLines);
//   - the corridor manifest: which keys an option block takes, which are paths (manifestKeys),
//     and the same conversion and checks (readOptions accepts JSON numbers, lists and booleans
//     as well as argv text);
//   - the web app: the panel defaults (optionDefault).
// Platform-free (the web bundle imports the tables): no node: imports here or in the tables.
import { optionError } from '../../core/errors.ts';
import { DEVICE_CHOICES } from '../../pipeline/devices.ts';

/**
 * - number / integer: a finite number (text or JSON number); integer also whole.
 * - text: any non-empty string; choice: one of `choices`.
 * - flag: a boolean switch (no value on the command line).
 * - numbers: comma-separated numbers, or a JSON list of numbers.
 * - file: a path; files: a repeatable path (--features A --features B, or a JSON list).
 * - file-or-number: a constant (number) or a path, e.g. --incidence FILE|DEG.
 * - custom: text given to `parse`, which returns the value or throws optionError.
 */
export type OptionKind = 'number' | 'integer' | 'text' | 'choice' | 'flag' | 'numbers' | 'file' | 'files' | 'file-or-number' | 'custom';

export type OptionValue = number | string | boolean | number[] | string[] | null | unknown;

export interface OptionSpec {
  /** kebab-case, as the command line spells it (`mask-min` for --mask-min). */
  name: string;
  kind: OptionKind;
  /** The value's placeholder in --help (`X`, `N`, `FILE`, `m|cm|mm|rad`). */
  value?: string;
  /** Applied when the option is absent; shown in --help as "(default …)" unless `defaultText`. */
  default?: number | string | boolean | number[] | null;
  /** What --help says the default is, when it is not a literal (e.g. "the file's UNIT attribute"). */
  defaultText?: string;
  /** Help: the first line, then continuation lines. */
  help: string | readonly string[];
  choices?: readonly string[];
  /** A problem with the converted value, or null. */
  check?: (value: never) => string | null;
  /** kind custom: raw (text, or the JSON value of a manifest; a list for repeatable options) → value. */
  parse?: (raw: unknown) => unknown;
  /** The command line may repeat it (kind files, or custom). */
  multiple?: boolean;
  /**
   * Whether a corridor manifest's block may give it (default true). False for what the corridor
   * sets or wires itself: out, overwrite, device, quiet, per-frame inputs, the mosaics.
   */
  manifest?: boolean;
}

export type OptionTable = readonly OptionSpec[];

/** The options every job's command takes and the corridor sets itself. */
export const OUT_OPTION: OptionSpec = { name: 'out', kind: 'text', value: 'DIR', help: 'output folder (refused if it exists, unless --overwrite)', manifest: false };
export const OVERWRITE_OPTION: OptionSpec = { name: 'overwrite', kind: 'flag', help: 'replace an existing output folder (only once the new one is complete)', manifest: false };
export const QUIET_OPTION: OptionSpec = { name: 'quiet', kind: 'flag', help: 'no progress or result lines on the terminal', manifest: false };
export const DEVICE_OPTION: OptionSpec = {
  name: 'device', kind: 'choice', value: 'gpu|cpu|auto', choices: DEVICE_CHOICES, default: 'auto',
  defaultText: 'auto: GPU if an adapter exists', help: 'where the kernels run', manifest: false,
};

/** node:util parseArgs declarations of a table. */
export function argvConfig(table: OptionTable): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  const out: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const spec of table) {
    out[spec.name] = spec.kind === 'flag' ? { type: 'boolean' } : spec.multiple || spec.kind === 'files' ? { type: 'string', multiple: true } : { type: 'string' };
  }
  return out;
}

const HELP_COLUMN = 26;

function defaultShown(spec: OptionSpec): string | null {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.default === undefined || spec.default === null || spec.kind === 'flag') return null;
  return Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
}

/** The --help lines of a table: `  --name VALUE` then the help, aligned; "(default …)" added. */
export function usageLines(table: OptionTable): string {
  const lines: string[] = [];
  for (const spec of table) {
    const head = `  --${spec.name}${spec.value ? ` ${spec.value}` : ''}`;
    const help = typeof spec.help === 'string' ? [spec.help] : [...spec.help];
    const shown = defaultShown(spec);
    if (shown !== null && !help.join(' ').includes('(default')) help[help.length - 1] += ` (default ${shown})`;
    const pad = head.length + 1 > HELP_COLUMN ? `${head}\n${' '.repeat(HELP_COLUMN)}` : head.padEnd(HELP_COLUMN);
    lines.push(`${pad}${help[0]}`);
    for (const more of help.slice(1)) lines.push(`${' '.repeat(HELP_COLUMN)}${more}`);
  }
  return lines.join('\n');
}

/** The default of one option of a table (web panel defaults, summaries). */
export function optionDefault<T = unknown>(table: OptionTable, name: string): T {
  const spec = table.find((s) => s.name === name);
  if (!spec) throw new Error(`no option --${name} in this table`);
  return spec.default as T;
}

function numberFrom(spec: OptionSpec, raw: unknown): number {
  const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(v)) throw optionError(spec.name, `not a number: "${String(raw)}"`);
  if (spec.kind === 'integer' && !Number.isInteger(v)) throw optionError(spec.name, `must be a whole number, got ${String(raw)}`);
  return v;
}

function textFrom(spec: OptionSpec, raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') throw optionError(spec.name, raw === '' ? 'is empty' : `expected text, got ${JSON.stringify(raw)}`);
  return raw;
}

/** One option's value from argv text or a manifest's JSON value, checked. */
export function convertOption(spec: OptionSpec, raw: unknown): unknown {
  let value: unknown;
  switch (spec.kind) {
    case 'number':
    case 'integer':
      value = numberFrom(spec, raw);
      break;
    case 'text':
    case 'file':
      value = textFrom(spec, raw);
      break;
    case 'choice':
      if (!spec.choices!.includes(raw as string)) throw optionError(spec.name, `expected one of ${spec.choices!.join('|')}, got "${String(raw)}"`);
      value = raw;
      break;
    case 'flag':
      if (typeof raw !== 'boolean') throw optionError(spec.name, 'is a switch (true or false)');
      value = raw;
      break;
    case 'numbers': {
      const parts = Array.isArray(raw) ? raw : String(raw).split(',').map((s) => s.trim()).filter(Boolean);
      const list = parts.map((p) => (typeof p === 'number' ? p : typeof p === 'string' && p.trim() !== '' ? Number(p) : NaN));
      if (!parts.length || list.some((v) => !Number.isFinite(v))) throw optionError(spec.name, `expected comma-separated numbers, got "${Array.isArray(raw) ? raw.join(',') : String(raw)}"`);
      value = list;
      break;
    }
    case 'files': {
      const list = Array.isArray(raw) ? raw : [raw];
      if (list.length === 0) throw optionError(spec.name, 'is empty');
      value = list.map((item) => textFrom(spec, item));
      break;
    }
    case 'file-or-number':
      if (typeof raw === 'number') value = numberFrom(spec, raw);
      else {
        const s = textFrom(spec, raw);
        value = s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s;
      }
      break;
    case 'custom':
      value = spec.parse!(raw);
      break;
  }
  const problem = spec.check?.(value as never);
  if (problem) throw optionError(spec.name, problem);
  return value;
}

/**
 * A table's values, converted and checked: `values` is parseArgs' output (text and booleans) or a
 * manifest block (JSON values, kebab-case keys). Absent options take their default (undefined
 * when the table gives none). Errors are optionError(name, problem): one line naming the option.
 */
export function readOptions(table: OptionTable, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of table) {
    const raw = values[spec.name];
    if (raw === undefined) out[spec.name] = spec.default === undefined ? undefined : spec.default;
    else out[spec.name] = convertOption(spec, raw);
  }
  return out;
}

/** The keys a corridor manifest's block takes for this table, and which hold paths. */
export function manifestKeys(table: OptionTable): { keys: string[]; files: string[]; fileLists: string[]; fileOrNumber: string[] } {
  const allowed = table.filter((s) => s.manifest !== false);
  return {
    keys: allowed.map((s) => s.name),
    files: allowed.filter((s) => s.kind === 'file').map((s) => s.name),
    fileLists: allowed.filter((s) => s.kind === 'files').map((s) => s.name),
    fileOrNumber: allowed.filter((s) => s.kind === 'file-or-number').map((s) => s.name),
  };
}
