// The motion field every bundled sample is made from (data/motion-field.ts with the sample's
// options), in its own module so that each half of the sample reads it from here: the
// ascending stack (data/make-sample.ts), the descending one (data/sample-desc.ts) and the ALT
// inputs (data/sample-alt.ts), none of them importing another.
import { makeMotionField, type MotionField, type MotionFieldOptions } from './motion-field.ts';
import type { RasterGrid } from '../src/core/grid.ts';

/**
 * The sample's field: a patch of the Qinghai–Tibet corridor near Beiluhe (92.9°E, 34.85°N),
 * 0.001° ascending pixels, 0.0013° descending ones, 12-pixel cells, 2 mm noise, the study's
 * span every 12 days.
 */
export const SAMPLE_FIELD_OPTIONS: MotionFieldOptions = { seed: 20251, cellDeg: 0.012, noiseMm: 2 };

export function sampleMotionField(): MotionField {
  return makeMotionField(SAMPLE_FIELD_OPTIONS);
}

/** The ascending sample's grid. */
export const SAMPLE_ASC_GRID: RasterGrid = sampleMotionField().asc.grid;
