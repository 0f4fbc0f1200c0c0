// The options of the mosaic stage (a corridor manifest's "mosaic" block; there is no mosaic
// command). Platform-free.
import { readOptions, type OptionTable } from './support/option-table.ts';

export const MOSAIC_OPTIONS: OptionTable = [
  { name: 'block-rows', kind: 'integer', value: 'N', default: 256, help: 'union rows per block (one COG tile row)', check: (v: number) => (v > 0 ? null : 'must be > 0') },
  { name: 'max-overlap-samples', kind: 'integer', value: 'N', default: 1_000_000, help: 'at most this many overlap pixels enter one overlap\'s median', check: (v: number) => (v > 0 ? null : 'must be > 0') },
];

export function mosaicOptionsFrom(values: Record<string, unknown>): { blockRows: number; maxOverlapSamples: number } {
  const v = readOptions(MOSAIC_OPTIONS, values);
  return { blockRows: v['block-rows'] as number, maxOverlapSamples: v['max-overlap-samples'] as number };
}
