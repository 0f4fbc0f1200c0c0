// Writes the synthetic fit pair the compare memory bench runs on (bench/README.md, "compare in
// row blocks"): node bin/run-ts.mjs bench/compare-rss.ts DIR [SIZE=4000]; then
// /usr/bin/time -v node bin/permasar.mjs compare DIR/fit-asc DIR/fit-desc --out DIR/out --device cpu
import { writeFitPair } from '../data/fit-pair.ts';

const [dir, size = '4000'] = process.argv.slice(2);
if (!dir) throw new Error('usage: compare-rss.ts DIR [SIZE]');
const n = Number(size);
const started = Date.now();
await writeFitPair(dir, n, n, 12);
console.log(`fit pair ${n}×${n} in ${dir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
