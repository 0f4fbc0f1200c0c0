// `npm run make-sample`: regenerates every bundled sample in data/sample/ (committed, so
// `npm start` needs no step before it). Order matters: the descending track and the ALT inputs
// are built from the ascending sample's field and truth; the interferogram stacks
// (ifgramStack.h5 + ERA5.h5 in asc/ and desc/, data/sample-ifgrams.ts) encode the same series as
// the timeseries.h5 beside them.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSample, makeTemperatureSample } from './make-sample.ts';
import { makeDescendingSample } from './sample-desc.ts';
import { makeAltSample } from './sample-alt.ts';
import { makeSampleIfgramStacks } from './sample-ifgrams.ts';

const sampleDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sample');
await makeSample(sampleDir);
await makeDescendingSample(path.join(sampleDir, 'desc'));
await makeAltSample(path.join(sampleDir, 'alt'), path.join(sampleDir, 'asc', 'truth.json'));
await makeTemperatureSample(path.join(sampleDir, 'temperature'));
await makeSampleIfgramStacks(sampleDir);
console.log(`samples written to ${sampleDir}`);
