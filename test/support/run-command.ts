// The two ways the tests run `permasar`, in one place:
// - runCommand: in-process, through the CLI's main() (src/cli/main.ts), with console.log,
//   console.error and console.warn captured while it runs (and put back after, also when it
//   throws or times out). Fast, and a failure shows the stack of the test's own process.
// - runBin: the real bin (bin/permasar.mjs) in a child process, as a user runs it: its exit
//   status and its stdout/stderr as text (the bin's own stderr filter included).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

/** What an in-process run printed, one entry per console call (its arguments joined by spaces). */
export interface CommandResult<Code = number> {
  /** main()'s exit code; 'timeout' when a timeoutMs was given and passed first. */
  code: Code;
  /** console.log calls. */
  stdout: string[];
  /** console.error and console.warn calls, in the order they came (both go to stderr). */
  stderr: string[];
}

export interface RunCommandOptions {
  /**
   * Stop waiting after this many ms and answer code 'timeout' (the command is not stopped: it
   * runs on, its console no longer captured).
   */
  timeoutMs?: number;
}

const line = (args: unknown[]): string => args.map(String).join(' ');

/** `permasar <argv…>` in-process, its console captured. */
export function runCommand(argv: string[]): Promise<CommandResult>;
export function runCommand(argv: string[], options: RunCommandOptions): Promise<CommandResult<number | 'timeout'>>;
export async function runCommand(argv: string[], options: RunCommandOptions = {}): Promise<CommandResult<number | 'timeout'>> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { stdout.push(line(a)); });
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { stderr.push(line(a)); });
  const warn = vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => { stderr.push(line(a)); });
  let timer: NodeJS.Timeout | undefined;
  try {
    const run = main(argv);
    if (options.timeoutMs === undefined) return { code: await run, stdout, stderr };
    const limit = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), options.timeoutMs); });
    return { code: await Promise.race([run, limit]), stdout, stderr };
  } finally {
    clearTimeout(timer);
    log.mockRestore();
    err.mockRestore();
    warn.mockRestore();
  }
}

/** What the bin printed, as text. */
export interface BinResult { code: number; stdout: string; stderr: string }

const bin = path.resolve('bin/permasar.mjs');

/** `permasar <args…>` as a child process (bin/permasar.mjs, FORCE_COLOR=0); never rejects. */
export function runBin(args: string[]): Promise<BinResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, FORCE_COLOR: '0' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}
