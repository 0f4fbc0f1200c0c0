// Writes a width × height × dates MintPy timeseries.h5 for the end-to-end benchmark: a
// 128 × 128 synthetic block with truth (data/synthetic.ts) repeated to fill the grid, streamed
// to disk 16 rows at a time (chunks of 16 rows × all dates, as before), so a stack of any size is
// written in the memory of one block.
// `complete` (5th argument): no gaps, no NaN pixels, no short series, for MintPy, which
// fails a whole block on any NaN epoch.
import { generateStack, regularDates } from '../data/synthetic.ts';
import { writeMintpyTimeseriesRows } from '../src/io/mintpy-h5-write-node.ts';

const [file, w, h, d, mode] = process.argv.slice(2);
const width = Number(w), height = Number(h), nDates = Number(d);
const dates = regularDates('20160101', '20300101', 12).slice(0, nDates);
const complete = mode === 'complete' ? { gapFraction: 0, nanPixelFraction: 0, fewEpochFraction: 0 } : {};
const block = generateStack({ seed: 99, width: 128, height: 128, dates, ...complete });
await writeMintpyTimeseriesRows(file, {
  grid: { width, height, geoTransform: [92, 0.001, 0, 35, 0, -0.001], epsg: 4326 },
  dates, unit: 'm', blockRows: 16,
  // MintPy's timeseries2velocity needs a reference pixel (the side-by-side run of bench:e2e).
  attributes: { REF_Y: '0', REF_X: '0' },
}, (row0, nRows) => {
  const values = new Float32Array(nDates * nRows * width);
  for (let t = 0; t < nDates; t++) {
    for (let r = 0; r < nRows; r++) {
      const blockRow = ((row0 + r) % 128) * 128;
      for (let c = 0; c < width; c++) {
        values[(t * nRows + r) * width + c] = block.values[t * 128 * 128 + blockRow + (c % 128)] / 1000;
      }
    }
  }
  return values;
});
