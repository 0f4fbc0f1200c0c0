// The option table of `permasar corridor` (the command's own options; the manifest's option
// blocks take the tables of the jobs they name, manifest.ts). Platform-free.
import { optionError } from '../../core/errors.ts';
import { DEVICE_OPTION, QUIET_OPTION, type OptionTable } from '../support/option-table.ts';

export interface Shard {
  index: number;
  count: number;
}

/** "I/N" → { index: I, count: N }, 0 ≤ I < N; InputError naming --shard otherwise. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw optionError('shard', `"${text}" is not I/N (e.g. --shard 0/8, or --shard $SLURM_ARRAY_TASK_ID/8)`);
  const index = Number(m[1]), count = Number(m[2]);
  if (count < 1) throw optionError('shard', `N must be ≥ 1 in "${text}"`);
  if (index >= count) throw optionError('shard', `I must be in 0 … ${count - 1} for N = ${count} (shards are numbered from 0: sbatch --array=0-${count - 1}); got "${text}"`);
  return { index, count };
}

export const CORRIDOR_OPTIONS: OptionTable = [
  { name: 'out', kind: 'text', value: 'DIR', help: 'output folder; shared by shards, reruns skip finished frames' },
  DEVICE_OPTION,
  {
    name: 'shard', kind: 'custom', value: 'I/N', parse: (raw) => parseShard(String(raw)),
    help: ['run only the work units (frames, inversion bands) with index % N = I',
      '(I = 0 … N−1, e.g. $SLURM_ARRAY_TASK_ID with sbatch --array=0-(N-1)) and',
      'stop; a run without --shard then finds them done and merges'],
  },
  { name: 'force', kind: 'flag', help: 'redo the units of this run (invert, refit) even when their inputs and options are unchanged' },
  QUIET_OPTION,
];
