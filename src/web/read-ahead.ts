// Read-ahead for files HDF5 reads through Emscripten's WORKERFS (open-files.ts).
//
// Why: WORKERFS turns every read() of the HDF5 library into one FileReaderSync call, and HDF5
// reads a row block of a [date, row, col] dataset as one small piece per date (a row segment of
// each date plane: ~2 kB for a 500-pixel row), so a block of a 2 000-date stack is thousands of
// synchronous calls into the browser, each costing about a millisecond: 48 MB took 29 s in
// chromium where Node's direct reads take 0.5 s. Reads are served from recently fetched
// segments instead, and a miss just past the previous segment (HDF5 walking forward through a
// chunk) doubles the read-ahead, up to MAX_READ_AHEAD, while a jump (the next date plane of a
// contiguous dataset, far away) goes back to MIN_READ_AHEAD, so scattered small reads are not
// inflated much either. Memory: at most CACHE_BYTES per open file, in JS (not the wasm heap).
// As the OS page cache's read-ahead does, and as h5wasm's own lazy-file examples recommend.

export const MIN_READ_AHEAD = 64 * 1024;
export const MAX_READ_AHEAD = 8 * 1024 * 1024;
export const CACHE_BYTES = 48 * 1024 * 1024;

/** Synchronously reads bytes [start, end) of the file (FileReaderSync in a worker). */
export type ReadRange = (start: number, end: number) => Uint8Array;

export interface ReadAheadStats { fetches: number; bytesFetched: number; reads: number }

export class ReadAheadFile {
  /** Fetched segments, least recently used first. */
  private segments: { start: number; bytes: Uint8Array }[] = [];
  private cachedBytes = 0;
  private readAhead = MIN_READ_AHEAD;
  private lastFetchEnd = -1;
  readonly stats: ReadAheadStats = { fetches: 0, bytesFetched: 0, reads: 0 };

  constructor(readonly size: number, private readonly readRange: ReadRange) {}

  /** Copies bytes [position, position + length) into dest at offset; returns the count (short at EOF). */
  read(dest: Uint8Array, offset: number, length: number, position: number): number {
    this.stats.reads++;
    const end = Math.min(this.size, position + length);
    let pos = position;
    while (pos < end) {
      let segment = this.find(pos);
      if (!segment) segment = this.fetch(pos, end);
      const from = pos - segment.start;
      const n = Math.min(end - pos, segment.bytes.length - from);
      dest.set(segment.bytes.subarray(from, from + n), offset + (pos - position));
      pos += n;
    }
    return Math.max(0, end - position);
  }

  private find(pos: number): { start: number; bytes: Uint8Array } | null {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i];
      if (pos >= s.start && pos < s.start + s.bytes.length) {
        if (i !== this.segments.length - 1) {
          this.segments.splice(i, 1);
          this.segments.push(s);
        }
        return s;
      }
    }
    return null;
  }

  private fetch(pos: number, wantedEnd: number): { start: number; bytes: Uint8Array } {
    // Walking forward (this miss starts within one read-ahead of the last fetch's end)?
    const forward = this.lastFetchEnd >= 0 && pos >= this.lastFetchEnd - this.readAhead && pos <= this.lastFetchEnd + this.readAhead;
    this.readAhead = forward ? Math.min(MAX_READ_AHEAD, this.readAhead * 2) : MIN_READ_AHEAD;
    const end = Math.min(this.size, Math.max(wantedEnd, pos + this.readAhead));
    const bytes = this.readRange(pos, end);
    if (bytes.length !== end - pos) throw new Error(`short read: ${bytes.length} of ${end - pos} bytes at ${pos}`);
    this.stats.fetches++;
    this.stats.bytesFetched += bytes.length;
    this.lastFetchEnd = end;
    const segment = { start: pos, bytes };
    this.segments.push(segment);
    this.cachedBytes += bytes.length;
    while (this.cachedBytes > CACHE_BYTES && this.segments.length > 1) {
      this.cachedBytes -= this.segments.shift()!.bytes.length;
    }
    return segment;
  }
}
