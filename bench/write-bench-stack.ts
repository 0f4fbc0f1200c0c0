// Writes a width × height × dates MintPy timeseries.h5 for the end-to-end benchmark: a
// 128 × 128 synthetic block with truth (data/synthetic.ts) repeated to fill the grid.
// `complete` (5th argument): no gaps, no NaN pixels, no short series, for MintPy, which
// fails a whole block on any NaN epoch.
import { generateStack, regularDates } from '../data/synthetic.ts';
import { writeMintpyTimeseries } from '../src/io/mintpy-h5-write-node.ts';

const [file, w, h, d, mode] = process.argv.slice(2);
const width = Number(w), height = Number(h), nDates = Number(d);
const dates = regularDates('20160101', '20300101', 12).slice(0, nDates);
const complete = mode === 'complete' ? { gapFraction: 0, nanPixelFraction: 0, fewEpochFraction: 0 } : {};
const block = generateStack({ seed: 99, width: 128, height: 128, dates, ...complete });
const values = new Float32Array(width * height * nDates);
for (let t = 0; t < nDates; t++) {
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      values[(t * height + r) * width + c] = block.values[t * 128 * 128 + (r % 128) * 128 + (c % 128)] / 1000;
    }
  }
}
await writeMintpyTimeseries(file, {
  grid: { width, height, geoTransform: [92, 0.001, 0, 35, 0, -0.001], epsg: 4326 },
  dates, values, unit: 'm', chunks: [nDates, 16, width],
  // MintPy's timeseries2velocity needs a reference pixel (the side-by-side run of bench:e2e).
  attributes: { REF_Y: '0', REF_X: '0' },
});
