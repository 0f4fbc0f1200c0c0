// One measurement of a benchmark, in its own process: wall clock from here, peak resident memory
// from GNU time -v (/usr/bin/time; without it, no RSS). Shared by bench/fit-e2e-bench.ts and
// bench/invert-bench.ts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const GNU_TIME = '/usr/bin/time';

export interface MeasuredRun {
  label: string;
  seconds: number;
  maxRssMiB: number | null;
  stdout: string;
}

/** Runs `command args` (throws with its stderr's tail when it fails). */
export function measure(label: string, command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): MeasuredRun {
  const env = opts.env ?? process.env;
  const { cwd } = opts;
  const started = process.hrtime.bigint();
  const r = existsSync(GNU_TIME)
    ? spawnSync(GNU_TIME, ['-v', command, ...args], { encoding: 'utf8', env, cwd, maxBuffer: 256 << 20 })
    : spawnSync(command, args, { encoding: 'utf8', env, cwd, maxBuffer: 256 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status}): ${(r.stderr ?? '').slice(-2000)}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '');
  return { label, seconds, maxRssMiB: rss ? Number(rss[1]) / 1024 : null, stdout: r.stdout ?? '' };
}
