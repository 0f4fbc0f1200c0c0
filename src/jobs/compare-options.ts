// The option table of `permasar compare` (Table 1's thresholds and the two geometries), read by
// the CLI, --help and the corridor manifest's "compare" block. Platform-free.
import { optionError } from '../core/errors.ts';
import { checkDirectionThresholds, DEFAULT_DIRECTION_THRESHOLDS, type DirectionThresholds } from '../core/direction.ts';
import { DEVICE_OPTION, OUT_OPTION, OVERWRITE_OPTION, QUIET_OPTION, readOptions, type OptionTable } from './support/option-table.ts';

const T = DEFAULT_DIRECTION_THRESHOLDS;
const nonNegative = (v: number) => (v >= 0 ? null : 'must be ≥ 0');

export const COMPARE_OPTIONS: OptionTable = [
  OUT_OPTION,
  OVERWRITE_OPTION,
  { name: 'rate-threshold', kind: 'number', value: 'X', default: T.rateMmPerYear, help: 'rates similar when their magnitudes differ by ≤ X mm/yr', check: nonNegative },
  { name: 'amplitude-threshold', kind: 'number', value: 'X', default: T.amplitudeMm, help: 'amplitudes similar when they differ by ≤ X mm', check: nonNegative },
  { name: 'in-phase-days', kind: 'number', value: 'X', default: T.inPhaseDays, help: 'in phase when the peak days are ≤ X days apart', check: nonNegative },
  { name: 'anti-phase-days', kind: 'number', value: 'X', default: T.antiPhaseDays, help: 'out of phase centre, days', check: (v: number) => (v > 0 && v <= 182.625 ? null : 'must be in (0, 182.625] days') },
  { name: 'anti-phase-tolerance', kind: 'number', value: 'X', default: T.antiPhaseToleranceDays, help: 'out of phase when |Δday − centre| ≤ X days', check: nonNegative },
  { name: 'asc-geometry', kind: 'file', value: 'FILE', help: 'MintPy geometryGeo.h5 of the ascending track (incidenceAngle, azimuthAngle)', manifest: false },
  {
    name: 'desc-geometry', kind: 'file', value: 'FILE', manifest: false,
    help: ['the same for the descending track; with both, rate_up/rate_east etc.',
      '(default: incidence.tif + azimuth.tif kept by fit --geometry, if both folders have them)'],
  },
  DEVICE_OPTION,
  QUIET_OPTION,
];

/** Table 1's thresholds from the table's values, checked together. */
export function directionThresholdsFrom(values: Record<string, unknown>): DirectionThresholds {
  const v = readOptions(COMPARE_OPTIONS, values);
  const t: DirectionThresholds = {
    rateMmPerYear: v['rate-threshold'] as number,
    amplitudeMm: v['amplitude-threshold'] as number,
    inPhaseDays: v['in-phase-days'] as number,
    antiPhaseDays: v['anti-phase-days'] as number,
    antiPhaseToleranceDays: v['anti-phase-tolerance'] as number,
  };
  const problem = checkDirectionThresholds(t);
  if (problem) throw optionError('in-phase-days', problem);
  return t;
}
