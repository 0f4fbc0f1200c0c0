// Row blocks of the raster jobs (issue 12, "Memory is bounded at corridor size"): compare and
// vertical read the rows a block needs, run the kernel on the block and hand the rows to the
// streaming COG writer (io/geotiff-write-node.ts), so memory follows the block, never the grid.
// Platform-free.

/** Default rows per block: the COG writer's row band (256 rows), so each band completes at once. */
export const DEFAULT_BLOCK_ROWS = 256;

/**
 * Rows per block: the job option, else PERMASAR_BLOCK_ROWS (tests run several blocks on small
 * rasters with it), else DEFAULT_BLOCK_ROWS. Results do not depend on it (test/blocks-jobs.test.ts).
 */
export function blockRowsOf(option: number | undefined, env: string | undefined): number {
  const given = option ?? (env !== undefined && env !== '' ? Number(env) : DEFAULT_BLOCK_ROWS);
  if (!(Number.isInteger(given) && given >= 1)) throw new Error(`block rows must be a whole number ≥ 1, got ${String(option ?? env)}`);
  return given;
}

/** The blocks [row0, row0 + nRows) covering `height` rows. */
export function rowBlocks(height: number, blockRows: number): { row0: number; nRows: number }[] {
  const out: { row0: number; nRows: number }[] = [];
  for (let row0 = 0; row0 < height; row0 += blockRows) out.push({ row0, nRows: Math.min(blockRows, height - row0) });
  return out;
}

/** Columns col0 … col0 + width − 1 of rows of `fullWidth` pixels. */
export function cropColumns(rows: Float32Array, fullWidth: number, col0: number, width: number): Float32Array {
  if (col0 === 0 && width === fullWidth) return rows;
  const nRows = rows.length / fullWidth;
  const out = new Float32Array(width * nRows);
  for (let r = 0; r < nRows; r++) out.set(rows.subarray(r * fullWidth + col0, r * fullWidth + col0 + width), r * width);
  return out;
}

/**
 * A quicklook's raster from a decimated read: every k-th row and column, k = ceil(long side /
 * maxSize), so the PNG never needs the whole raster (the quicklook shows at most maxSize pixels
 * along its long side anyway, plot/raster.ts). Rasters within maxSize are kept whole (k = 1), so
 * their quicklooks are what they were. Rows may come in any order, in blocks.
 */
export class DecimatedPlane {
  readonly step: number;
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;

  constructor(readonly fullWidth: number, readonly fullHeight: number, maxSize = 1000) {
    this.step = Math.max(1, Math.ceil(Math.max(fullWidth, fullHeight) / maxSize));
    this.width = Math.ceil(fullWidth / this.step);
    this.height = Math.ceil(fullHeight / this.step);
    this.data = new Float32Array(this.width * this.height).fill(Number.NaN);
  }

  /** Rows row0 … of the full raster (whole rows). */
  add(row0: number, rows: ArrayLike<number>): void {
    const nRows = rows.length / this.fullWidth;
    const k = this.step;
    for (let r = Math.ceil(row0 / k) * k; r < row0 + nRows; r += k) {
      const from = (r - row0) * this.fullWidth;
      const to = (r / k) * this.width;
      for (let c = 0, j = 0; c < this.fullWidth; c += k, j++) this.data[to + j] = rows[from + c];
    }
  }
}
