// `permasar <command> [options]`: dispatch, argument parsing, and the one place where errors
// become exit codes. User errors (InputError, bad options) print one line and exit 1; anything
// else is a bug and prints its stack (exit 2).
import { parseArgs } from 'node:util';
import { isInputError } from '../core/errors.ts';
import type { Command } from './command.ts';

/** Commands register here; each lives in its own module, loaded only when called. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  invert: async () => (await import('./cmd-invert.ts')).invertCommand,
  fit: async () => (await import('./cmd-fit.ts')).fitCommand,
  seasons: async () => (await import('./cmd-seasons.ts')).seasonsCommand,
  vertical: async () => (await import('./cmd-vertical.ts')).verticalCommand,
  compare: async () => (await import('./cmd-compare.ts')).compareCommand,
  alt: async () => (await import('./cmd-alt.ts')).altCommand,
  envelope: async () => (await import('./cmd-envelope.ts')).envelopeCommand,
  hazards: async () => (await import('./cmd-hazards.ts')).hazardsCommand,
  profile: async () => (await import('./cmd-profile.ts')).profileCommand,
  coupling: async () => (await import('./cmd-coupling.ts')).couplingCommand,
  corridor: async () => (await import('./cmd-corridor.ts')).corridorCommand,
  demo: async () => (await import('./cmd-demo.ts')).demoCommand,
};

export function registerCommand(name: string, load: () => Promise<Command>): void {
  COMMANDS[name] = load;
}

async function printHelp(): Promise<void> {
  const lines = ['usage: permasar <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    try {
      lines.push(`  ${name.padEnd(10)} ${(await load()).summary}`);
    } catch {
      lines.push(`  ${name}`);
    }
  }
  lines.push('', 'permasar <command> --help shows the options of a command.',
    '--verbose (any command) also shows the GPU driver\'s messages (dawn\'s adapter probe).');
  console.log(lines.join('\n'));
}

export async function main(argv: string[]): Promise<number> {
  // --verbose belongs to every command: it lets dawn's adapter-probe messages reach the terminal
  // (bin/permasar.mjs filters them otherwise); nothing else in a command depends on it.
  const [name, ...rest] = argv.filter((a) => a !== '--verbose');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await printHelp();
    return name ? 0 : 1;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`permasar: unknown command "${name}" (permasar --help lists them)`);
    return 1;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.usage}\n  --verbose               also show the GPU driver's messages (dawn's adapter probe)`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`permasar ${name}: ${(e as Error).message.split('\n')[0]}`);
    return 1;
  }
  const [minPos, maxPos] = command.positionals;
  if (parsed.positionals.length < minPos || parsed.positionals.length > maxPos) {
    console.error(`permasar ${name}: expected ${minPos === maxPos ? minPos : `${minPos}–${maxPos}`} path argument(s), got ${parsed.positionals.length} (permasar ${name} --help)`);
    return 1;
  }
  try {
    await command.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
    return 0;
  } catch (e) {
    if (isInputError(e)) {
      console.error(`permasar ${name}: ${oneLine(e.message)}`);
      return 1;
    }
    console.error(`permasar ${name}: internal error (a bug; please report it):`);
    console.error(e);
    return 2;
  }
}

/** The longest error line printed; a message quoting a whole bad file is cut (fuzzing, issue 11). */
const MAX_ERROR_CHARS = 400;

/**
 * An error message as one printable line: control characters a bad file put into it (NUL, line
 * breaks inside a quoted CSV field, binary garbage) are shown as \xNN, and it is cut at
 * MAX_ERROR_CHARS characters.
 */
export function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = message.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return printable.length > MAX_ERROR_CHARS ? `${printable.slice(0, MAX_ERROR_CHARS)}…` : printable;
}
