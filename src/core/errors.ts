// Errors a user can act on. The CLI prints `message` on one line and exits non-zero, with no
// stack trace; any other Error is our bug and is printed with its stack.

export class InputError extends Error {
  /**
   * @param file the file or folder at fault, or for an option its command-line spelling ("--unit").
   * @param about whether `file` names a file or an option: callers that re-word an option's
   *   error (the corridor manifest names "block.key") test this, never the spelling.
   * @param option the option's name without dashes ("unit"), when about is 'option'.
   */
  constructor(readonly file: string, readonly problem: string, readonly about: 'file' | 'option' = 'file', readonly option: string | null = null) {
    super(`${file}: ${problem}`);
    this.name = 'InputError';
  }
}

/** An error about option `name` (kebab-case, no dashes): printed as "--name: problem". */
export function optionError(name: string, problem: string): InputError {
  return new InputError(`--${name}`, problem, 'option', name);
}

export function isInputError(e: unknown): e is InputError {
  return e instanceof Error && e.name === 'InputError';
}
