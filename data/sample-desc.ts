// The descending half of the bundled sample: data/sample/desc/timeseries.h5 and
// geometryGeo.h5, the descending track's view of the SAME motion field as the ascending sample
// (data/make-sample.ts; the field itself: data/sample-field.ts), on its own grid (other origin,
// 1.3× larger pixels, partial overlap).
// `npm run make-sample` writes both halves.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTrackMintpy } from './motion-field.ts';
import { sampleMotionField, SAMPLE_FIELD_OPTIONS } from './sample-field.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function makeDescendingSample(dir = path.join(here, 'sample', 'desc')): Promise<void> {
  const field = sampleMotionField();
  await writeTrackMintpy(dir, field, field.desc, SAMPLE_FIELD_OPTIONS);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await makeDescendingSample();
  console.log(`descending sample written to ${path.join(here, 'sample', 'desc')}`);
}
