// Write time and file size of one float32 product as a Cloud-Optimized GeoTIFF
// (src/io/geotiff-write-node.ts), streamed in 64-row blocks as `fit` streams its products.
// The field looks like a rate map: a smooth pattern (±10 mm/yr), noise (σ 0.5 mm/yr, seeded)
// and 10 % NaN pixels. The uncompressed size is what the old strip writer wrote (header + 4
// bytes a pixel).
//   node bin/run-ts.mjs bench/cog-bench.ts [--width 2000] [--height 2000]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeNormal, makeRandom } from '../data/synthetic.ts';
import { createGeoTiffFile } from '../src/io/geotiff-write-node.ts';

const { values: args } = parseArgs({ options: { width: { type: 'string', default: '2000' }, height: { type: 'string', default: '2000' } } });
const width = Number(args.width), height = Number(args.height);
const random = makeRandom(7);
const normal = makeNormal(random);
const data = new Float32Array(width * height);
for (let r = 0; r < height; r++) {
  for (let c = 0; c < width; c++) {
    data[r * width + c] = random() < 0.1 ? Number.NaN : 10 * Math.sin(c / 150) * Math.cos(r / 210) + 0.5 * normal();
  }
}
const dir = mkdtempSync(join(tmpdir(), 'permasar-cog-bench-'));
try {
  const path = join(dir, 'rate.tif');
  const started = performance.now();
  const w = await createGeoTiffFile(path, { width, height, geoTransform: [92, 0.001, 0, 35, 0, -0.001], epsg: 4326 }, { sampleType: 'float32' });
  for (let r = 0; r < height; r += 64) await w.writeRows(r, data.subarray(r * width, Math.min(height, r + 64) * width));
  await w.close();
  const seconds = (performance.now() - started) / 1000;
  const bytes = statSync(path).size;
  console.log(`${width}×${height} float32 COG: ${seconds.toFixed(2)} s, ${(bytes / 2 ** 20).toFixed(2)} MiB (uncompressed ${(4 * width * height / 2 ** 20).toFixed(2)} MiB, ratio ${(4 * width * height / bytes).toFixed(2)})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
