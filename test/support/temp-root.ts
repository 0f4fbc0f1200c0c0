// vitest globalSetup: every temporary file of a test run goes under one fresh directory, removed
// when the run ends. Tests (and the CLI processes and browsers they start) make their folders with
// mkdtemp(os.tmpdir() …); os.tmpdir() follows TMPDIR, which the test workers and their children
// inherit from here. Many tests remove their own folders, some did not, and a worker torn down
// mid-test never can: each full run used to leave a few dozen folders in /tmp.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(path.join(os.tmpdir(), 'permasar-test-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
