// Opens MintPy's ifgramStack.h5 by path in Node (ifgram-stack.ts reads it). Node-only: the file
// goes through openH5Node, so a truncated or damaged file is refused in one line (superblock
// check, metadata probe in a worker with a time limit) before h5wasm reads it on this thread.

import { openH5Node } from './h5-node.ts';
import { ifgramStackFromH5, type IfgramStackReader } from './ifgram-stack.ts';

export type { IfgramStackInfo, IfgramStackReader, IfgramDatasetName } from './ifgram-stack.ts';

export async function openIfgramStackNode(path: string): Promise<IfgramStackReader> {
  const h5 = await openH5Node(path);
  return ifgramStackFromH5(h5, path);
}
