// --exclude-date's files read with Node's fs (jobs/fit-options.ts takes the reader).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { InputError } from '../../core/errors.ts';
import type { DateFileAccess } from '../fit-options.ts';

export const NODE_DATE_FILES: DateFileAccess = {
  isFile: (p) => existsSync(p) && statSync(p).isFile(),
  read: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch (e) {
      throw new InputError(p, `--exclude-date: neither dates nor a readable file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  },
};
