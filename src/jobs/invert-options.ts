// The option table of `permasar invert` (MintPy's ifgram_inversion options, INVERSION.md §2.1),
// read by the CLI, --help and the corridor manifest's "invert" block. Platform-free.
import { optionError } from '../core/errors.ts';
import { WEIGHT_FUNCTIONS, type ObservationMask, type WeightFunction } from '../core/inversion.ts';
import { RAMP_TYPES, type RampType } from '../core/corrections.ts';
import { STACK_CHOICE_OPTIONS } from './fit-options.ts';
import { DEVICE_OPTION, OUT_OPTION, OVERWRITE_OPTION, QUIET_OPTION, readOptions, type OptionTable } from './support/option-table.ts';

/** MintPy's defaults (defaults/smallbaselineApp_auto.cfg, cli/ifgram_inversion.py). */
export const DEFAULT_INVERT_OPTIONS = {
  weightFunction: 'var' as WeightFunction,
  maskDataset: 'none' as ObservationMask,
  maskThreshold: 0.4,
  minRedundancy: 1,
  /** The study's (§2.1); MintPy's default mintpy.networkInversion.minTempCoh is 0.7. */
  minTemporalCoherence: 0.6,
};

/** --deramp values: MintPy's mintpy.deramp names ('no' is none). */
export const DERAMP_CHOICES: readonly (RampType | 'none')[] = ['none', ...RAMP_TYPES];

/** --mask-dataset values: MintPy's names, and 'none' for its 'no'. */
export const MASK_DATASET_CHOICES: readonly ObservationMask[] = ['none', 'connectComponent', 'coherence'];

const refOption = (name: 'ref-yx' | 'ref-lalo') => {
  const spec = STACK_CHOICE_OPTIONS.find((s) => s.name === name)!;
  return {
    ...spec,
    manifest: true,
    help: name === 'ref-yx'
      ? ['reference pixel by row and column (0-based), instead of the file\'s REF_Y/REF_X']
      : ['reference pixel by latitude,longitude (geocoded stacks), instead of REF_Y/REF_X', '(--ref-lalo=-LAT,LON for a negative latitude)'],
  };
};

export const INVERT_OPTIONS: OptionTable = [
  OUT_OPTION,
  OVERWRITE_OPTION,
  {
    name: 'weight-func', kind: 'choice', value: 'var|fim|coh|no', choices: WEIGHT_FUNCTIONS, default: DEFAULT_INVERT_OPTIONS.weightFunction,
    help: ['weights from coherence (MintPy -w): var = 1/phase variance of a distributed', 'scatterer, fim = Fisher information, coh = coherence, no = unweighted'],
  },
  {
    name: 'mask-dataset', kind: 'choice', value: 'none|connectComponent|coherence', choices: MASK_DATASET_CHOICES, default: DEFAULT_INVERT_OPTIONS.maskDataset,
    help: ['observations left out where connectComponent is 0, or coherence is below', '--mask-threshold (MintPy --md)'],
  },
  {
    name: 'mask-threshold', kind: 'number', value: 'X', default: DEFAULT_INVERT_OPTIONS.maskThreshold,
    help: 'coherence below which an observation is left out, with --mask-dataset coherence (MintPy --mt)',
    check: (v: number) => (v >= 0 && v <= 1 ? null : 'must be between 0 and 1'),
  },
  {
    name: 'min-redundancy', kind: 'number', value: 'N', default: DEFAULT_INVERT_OPTIONS.minRedundancy,
    help: ['a pixel is inverted only when every date has at least this many valid', 'interferograms (MintPy --mr)'],
    check: (v: number) => (v >= 0 ? null : 'must be ≥ 0'),
  },
  {
    name: 'water-mask', kind: 'file', value: 'FILE', manifest: false,
    help: ['pixels where this mask is 0 are not inverted: MintPy\'s waterMask.h5 (1 = land)', 'or a GeoTIFF on the stack\'s grid (MintPy -m)'],
  },
  refOption('ref-yx'),
  refOption('ref-lalo'),
  {
    name: 'min-coherence', kind: 'number', value: 'X',
    help: ['network selection (MintPy modify_network, coherence-based): drop interferograms',
      'whose spatial mean coherence is below X, unless the minimum spanning tree',
      '(1/mean coherence) needs them; the study: 0.6, 0.45 where the network is thin'],
    check: (v: number) => (v > 0 && v <= 1 ? null : 'must be in (0, 1]'),
  },
  {
    name: 'min-temp-coh', kind: 'number', value: 'X', default: DEFAULT_INVERT_OPTIONS.minTemporalCoherence,
    help: ['maskTempCoh.h5 keeps pixels with temporal coherence ≥ X (the study: 0.6;', 'MintPy\'s default 0.7); the ramp is fitted on it and `permasar fit DIR` uses it'],
    check: (v: number) => (v >= 0 && v <= 1 ? null : 'must be between 0 and 1'),
  },
  {
    name: 'troposphere', kind: 'file', value: 'FILE', manifest: false,
    help: ['ERA5.h5 as MintPy\'s tropo_pyaps3 writes it (absolute delay, m): re-referenced to', 'the series\' point and date and subtracted (diff.py) → timeseries_ERA5.h5'],
  },
  {
    name: 'deramp', kind: 'choice', value: 'none|linear|quadratic', choices: DERAMP_CHOICES, default: 'none',
    help: ['remove a ramp per date, fitted on maskTempCoh (remove_ramp.py) → …_ramp.h5'],
  },
  {
    name: 'geometry', kind: 'file', value: 'FILE', manifest: false,
    help: 'geometryRadar.h5/geometryGeo.h5: pixels where its shadowMask is 1 leave maskTempCoh',
  },
  { name: 'tile-rows', kind: 'integer', value: 'N', help: 'rows per tile (default: ≤ 64 MiB of interferograms, whole HDF5 chunks)', check: (v: number) => (v >= 1 ? null : 'must be ≥ 1') },
  DEVICE_OPTION,
  QUIET_OPTION,
];

/** Typed options of the invert job. */
export interface InvertTableOptions {
  weightFunction: WeightFunction;
  maskDataset: ObservationMask;
  maskThreshold: number;
  minRedundancy: number;
  waterMask: string | null;
  refYx: [number, number] | null;
  refLalo: [number, number] | null;
  tileRows: number | null;
  overwrite: boolean;
  /** Network selection threshold; null: no selection. */
  minCoherence: number | null;
  minTemporalCoherence: number;
  troposphere: string | null;
  deramp: RampType | null;
  geometry: string | null;
}

export function invertOptionsFrom(values: Record<string, unknown>): InvertTableOptions {
  const v = readOptions(INVERT_OPTIONS, values);
  const refLalo = (v['ref-lalo'] as [number, number] | undefined) ?? null;
  const refYx = (v['ref-yx'] as [number, number] | undefined) ?? null;
  if (refLalo && refYx) throw optionError('ref-lalo', 'give --ref-lalo or --ref-yx, not both');
  return {
    weightFunction: v['weight-func'] as WeightFunction,
    maskDataset: v['mask-dataset'] as ObservationMask,
    maskThreshold: v['mask-threshold'] as number,
    minRedundancy: v['min-redundancy'] as number,
    waterMask: (v['water-mask'] as string | undefined) ?? null,
    refYx,
    refLalo,
    tileRows: (v['tile-rows'] as number | undefined) ?? null,
    overwrite: Boolean(v.overwrite),
    minCoherence: (v['min-coherence'] as number | undefined) ?? null,
    minTemporalCoherence: v['min-temp-coh'] as number,
    troposphere: (v.troposphere as string | undefined) ?? null,
    deramp: v.deramp === 'none' || v.deramp === undefined ? null : (v.deramp as RampType),
    geometry: (v.geometry as string | undefined) ?? null,
  };
}
