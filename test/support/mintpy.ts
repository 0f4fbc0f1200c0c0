// MintPy itself as the oracle: Debian's python3-mintpy (MintPy 1.5.1, with h5py and numpy) run by
// Debian's /usr/bin/python3 — not a virtualenv's python, which lacks the Debian packages.
// .ci/run installs it and sets PERMASAR_REQUIRE_MINTPY=1, so there a missing MintPy fails the
// run. Elsewhere the MintPy checks skip with a loud note (as test/support/gdal.ts).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's interpreter, where apt's python3-mintpy lives. */
export const MINTPY_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export const MINTPY_AVAILABLE: boolean = (() => {
  try {
    execFileSync(MINTPY_PYTHON, ['-c', 'import mintpy, h5py, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.PERMASAR_REQUIRE_MINTPY === '1') throw new Error(`PERMASAR_REQUIRE_MINTPY=1 but ${MINTPY_PYTHON} cannot import mintpy (Debian: python3-mintpy)`);
    console.warn(`\n${'!'.repeat(78)}\n!! MINTPY CHECKS SKIPPED: ${MINTPY_PYTHON} cannot import mintpy (Debian: apt-get install python3-mintpy).\n!! Set PERMASAR_REQUIRE_MINTPY=1 to make this a failure.\n${'!'.repeat(78)}\n`);
    return false;
  }
})();

/**
 * Runs `script` (Python source) with `args` as sys.argv[1:] and returns its stdout; a failure
 * throws with Python's stderr. `cwd` matters to MintPy: ifgram_inversion picks up a
 * ./waterMask.h5 by itself.
 */
export function runPython(script: string, args: readonly string[] = [], options: { cwd?: string; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(MINTPY_PYTHON, ['-c', script, ...args], {
      encoding: 'utf8',
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 256 * 1024 * 1024,
      // One thread: MintPy sets it for its workers; here it keeps timings and results steady.
      env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', PYTHONWARNINGS: 'ignore' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`python failed: ${(err.stderr || err.message).slice(-3000)}`);
  }
}

/** runPython whose script prints one JSON document (the last line of stdout). */
export function runPythonJson<T = any>(script: string, args: readonly string[] = [], options: { cwd?: string; timeoutMs?: number } = {}): T {
  const out = runPython(script, args, options).trim().split('\n');
  return JSON.parse(out[out.length - 1]) as T;
}
