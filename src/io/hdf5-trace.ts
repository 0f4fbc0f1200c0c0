// What the HDF5 library prints when it fails, turned from stderr noise into error detail.
//
// HDF5 (inside h5wasm) reports failures by printing a many-line "HDF5-DIAG" trace to stderr,
// then h5wasm throws "error - name not defined!" or returns an invalid id. The user would see
// forty lines above our one-line error. h5wasm calls are synchronous, so a platform module can
// capture stderr for exactly the duration of one call (h5-node.ts does, for Node) and the
// innermost message of the trace ("truncated file: eof = …") becomes part of our error.

export type Hdf5CallOutcome<T> = { ok: true; value: T; trace: string } | { ok: false; error: unknown; trace: string };

/** Runs one synchronous h5wasm call, capturing what HDF5 prints meanwhile. */
export type Hdf5TraceCapture = <T>(fn: () => T) => Hdf5CallOutcome<T>;

const passThrough: Hdf5TraceCapture = <T>(fn: () => T): Hdf5CallOutcome<T> => {
  try {
    return { ok: true, value: fn(), trace: '' };
  } catch (error) {
    return { ok: false, error, trace: '' };
  }
};

let capture: Hdf5TraceCapture = passThrough;

/** Installed once by the platform's opener (Node: h5-node.ts). */
export function setHdf5TraceCapture(c: Hdf5TraceCapture): void {
  capture = c;
}

export function callHdf5<T>(fn: () => T): Hdf5CallOutcome<T> {
  return capture(fn);
}

/**
 * The most specific message of an HDF5 error trace: the last "#NNN: file line N in func():
 * message" entry, e.g. "truncated file: eof = 3204, sblock->base_addr = 0, stored_eof = 6408".
 */
export function innermostHdf5Message(trace: string): string | null {
  let last: string | null = null;
  for (const m of trace.matchAll(/#\d+:.*?\(\): (.+)$/gm)) last = m[1].trim();
  return last;
}
