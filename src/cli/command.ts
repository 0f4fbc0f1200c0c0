// What every `permasar <command>` module exports. Options are parsed with node:util parseArgs
// (strict), so an unknown flag is a one-line error like any other bad input.
import type { ParseArgsConfig } from 'node:util';

export interface Command {
  name: string;
  /** One line for `permasar --help`. */
  summary: string;
  /** Full usage text for `permasar <command> --help`. */
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Positional arguments allowed (min, max). */
  positionals: [number, number];
  /**
   * Runs the command. Throw InputError (core/errors.ts) for anything the user can fix; it is
   * printed on one line and the process exits with code 1.
   */
  run(values: Record<string, string | boolean | string[] | boolean[] | undefined>, positionals: string[]): Promise<void>;
}
