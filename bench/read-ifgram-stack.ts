// The floor of `permasar invert` end to end: every byte the inversion reads, read once through
// the same reader in the same tiles (unwrapPhase and coherence of the kept interferograms; `-w
// var` reads both), and nothing else. Prints the bytes and seconds. Used by bench/invert-bench.ts.
import { openIfgramStackNode } from '../src/io/ifgram-stack-node.ts';
import { planInversion } from '../src/pipeline/invert.ts';
import { tileRowsFor } from '../src/jobs/invert.ts';
import { DEFAULT_INVERT_OPTIONS } from '../src/jobs/invert-options.ts';

const file = process.argv[2];
const started = process.hrtime.bigint();
const reader = await openIfgramStackNode(file);
const { info } = reader;
const plan = planInversion({ ...info, file: info.file }, { ...DEFAULT_INVERT_OPTIONS });
const rows = tileRowsFor(reader, plan, null);
let bytes = 0;
let checksum = 0;
for (let row0 = 0; row0 < info.length; row0 += rows) {
  const n = Math.min(rows, info.length - row0);
  for (const dataset of ['unwrapPhase', 'coherence'] as const) {
    const block = reader.readRows(dataset, plan.keptIfgrams, row0, n);
    bytes += block.byteLength;
    checksum += block[block.length >> 1];
  }
}
reader.close();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`read ${(bytes / 2 ** 30).toFixed(2)} GiB in ${seconds.toFixed(1)} s (${rows} rows a tile; checksum ${checksum.toFixed(3)})`);
