// Errors a user can act on. The CLI prints `message` on one line and exits non-zero, with no
// stack trace; any other Error is our bug and is printed with its stack.

export class InputError extends Error {
  /** @param file the file or folder at fault (or an option name such as "--unit"). */
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'InputError';
  }
}

export function isInputError(e: unknown): e is InputError {
  return e instanceof Error && e.name === 'InputError';
}
