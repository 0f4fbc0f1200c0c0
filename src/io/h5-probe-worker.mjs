// The HDF5 metadata probe (io/h5-node.ts probeHdf5Metadata): opens one file with h5wasm in this
// worker thread and reads everything a permasar reader will read of its metadata — every
// attribute's value (variable-length strings live in global heaps), every dataset's layout, the
// small datasets whole and one element of the large ones (a chunk index lookup) — then says
// 'done'. HDF5 itself can loop forever on some damaged files (a global-heap free-space object of
// size 0 is one: its parser makes no progress), and a synchronous wasm call on the main thread
// cannot be interrupted; here the parent can terminate the thread. Errors are not reported: the
// real open on the main thread turns them into the one-line message. Plain JS: no transpiler.
import { parentPort, workerData } from 'node:worker_threads';
import fs from 'node:fs';

// HDF5's error traces go to fd 2 through fs.writeSync: silence them here.
const writeSync = fs.writeSync;
fs.writeSync = function (fd, ...rest) {
  if (fd === 2) {
    const b = rest[0];
    return typeof b === 'string' ? Buffer.byteLength(b) : (typeof rest[2] === 'number' ? rest[2] : b.byteLength);
  }
  return writeSync.call(fs, fd, ...rest);
};

const MAX_OBJECTS = 2000;
const SMALL_ELEMENTS = 1 << 20;

try {
  const { default: h5wasm } = await import('h5wasm/node');
  await h5wasm.ready;
  const file = new h5wasm.File(workerData.path, 'r');
  if (file.file_id >= 0n) {
    let seen = 0;
    const readAttributes = (obj) => {
      for (const attribute of Object.values(obj.attrs ?? {})) {
        try { void attribute.value; } catch { /* the real open reports it */ }
      }
    };
    const walk = (group, depth) => {
      readAttributes(group);
      if (depth > 4) return;
      for (const name of group.keys()) {
        if (++seen > MAX_OBJECTS) return;
        let child;
        try { child = group.get(name); } catch { continue; }
        if (!child) continue;
        if (child.type === 'Group') { walk(child, depth + 1); continue; }
        if (child.type !== 'Dataset') continue;
        try {
          readAttributes(child);
          const shape = child.shape ?? [];
          void child.metadata;
          const elements = shape.reduce((a, b) => a * b, 1);
          if (elements <= SMALL_ELEMENTS) void child.value;
          else if (shape.length > 0) void child.slice(shape.map(() => [0, 1]));
        } catch { /* the real open reports it */ }
      }
    };
    try { walk(file, 0); } finally { try { file.close(); } catch { /* read-only */ } }
  }
} catch {
  // not readable at all: the real open says why
}
parentPort.postMessage('done');
