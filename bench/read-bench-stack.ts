// Reads a stack once, tile by tile, as `permasar fit` does, and does nothing else: the floor
// of the end-to-end benchmark.
import { openStack } from '../src/io/stack-node.ts';

const stack = await openStack(process.argv[2]);
const rowsPerTile = Math.max(1, Math.floor((64 << 20) / (4 * stack.dates.length * stack.grid.width)));
let sum = 0;
for (let row0 = 0; row0 < stack.grid.height; row0 += rowsPerTile) {
  const tile = await stack.readRows(row0, Math.min(rowsPerTile, stack.grid.height - row0));
  sum += tile[0] || 0;
}
stack.close();
console.log(sum);
