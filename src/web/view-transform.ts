// Pan and zoom of the map panes: ONE view transform shared by every map of the page (rate,
// amplitude, timing, seasonal, years, direction), kept as a gl-matrix mat3 (the design's package
// for small matrix maths). Pixel picking and the markers go through the same matrices, so what
// is under the cursor is what gets picked. Pure maths here (testable in Node); map-view.ts wires
// it to the canvases.
//
// Coordinate spaces:
//   raster     (col, row), continuous: pixel (c, r) covers [c, c+1) × [r, r+1).
//   unit       (col / width, row / height): the raster's extent as [0, 1]²; panes of rasters of
//              different sizes (the direction maps' overlap grid) share the view through it.
//   view       unit after the shared matrix V = [s 0 tx; 0 s ty] (uniform zoom s ≥ 1, then shift):
//              [0, 1]² of view space is what the map box shows. V = identity shows the whole raster.
//   canvas     a pane's own pixels: box.x + box.width · view.x, box.y + box.height · view.y, where
//              box is the map area that the renderer (src/plot/raster.ts) reported.
// gl-matrix's mat3 is column-major: [m00, m10, 0, m01, m11, 0, tx, ty, 1].
import { mat3, vec2 } from 'gl-matrix';

// gl-matrix allocates float32 by default; the page's matrices are float64 (its functions take
// any array of 9 or 2 numbers), since a 10 000-pixel-wide raster at zoom 512 asks for more than
// float32's seven digits when a click is turned back into a pixel.
function newMat3(): mat3 {
  const m = new Float64Array(9);
  m[0] = m[4] = m[8] = 1;
  return m;
}

function newVec2(x = 0, y = 0): vec2 {
  return Float64Array.of(x, y);
}

/** The map area of a pane, in canvas pixels (src/plot/raster.ts RasterQuicklook.map). */
export interface MapBox { x: number; y: number; width: number; height: number }

export interface RasterPoint { col: number; row: number }

/** Zoom per 100 px of wheel travel (one notch of a mouse wheel is ±100 in Chrome). */
export const WHEEL_ZOOM_PER_100PX = 1.25;

/**
 * Deepest zoom: a view 512 times smaller than the whole raster, so even an 11 000-pixel-wide
 * frame shown in 560 canvas pixels reaches ~25 canvas pixels per raster pixel.
 */
export const MAX_ZOOM = 512;

/** Zoom factor of a wheel event: > 1 (in) for a wheel turned away from the user (deltaY < 0). */
export function wheelZoomFactor(deltaY: number): number {
  return Math.pow(WHEEL_ZOOM_PER_100PX, -deltaY / 100);
}

export function identityView(): mat3 {
  return newMat3();
}

/** The zoom s of a view (its uniform scale). */
export function zoomOf(view: mat3): number {
  return view[0];
}

export function isIdentityView(view: mat3): boolean {
  return view[0] === 1 && view[4] === 1 && view[6] === 0 && view[7] === 0;
}

/**
 * The view brought into bounds: zoom in [1, maxZoom], and shifted so that the raster still
 * covers the whole map box (tx in [1 − s, 0]: no empty margin is ever panned into view).
 */
export function clampView(view: mat3, maxZoom = MAX_ZOOM): mat3 {
  const s = Math.min(maxZoom, Math.max(1, view[0]));
  const clampShift = (t: number) => Math.min(0, Math.max(1 - s, t));
  return Float64Array.of(s, 0, 0, 0, s, 0, clampShift(view[6]), clampShift(view[7]), 1);
}

/** Canvas point → view space of a pane. */
function canvasToView(box: MapBox, x: number, y: number): vec2 {
  return newVec2((x - box.x) / box.width, (y - box.y) / box.height);
}

/**
 * The view zoomed by `factor` about the canvas point (x, y) of a pane: the raster point under
 * the cursor stays under it (V' = T(p) · S(f) · T(−p) · V), within the bounds of clampView.
 * At the zoom limits the factor shrinks to what is left, so the point under the cursor still
 * stays put.
 */
export function zoomAbout(view: mat3, box: MapBox, x: number, y: number, factor: number, maxZoom = MAX_ZOOM): mat3 {
  const s = view[0];
  const target = Math.min(maxZoom, Math.max(1, s * factor));
  const f = target / s;
  const p = canvasToView(box, x, y);
  const about = newMat3();
  mat3.translate(about, about, p);
  mat3.scale(about, about, newVec2(f, f));
  mat3.translate(about, about, vec2.negate(newVec2(), p));
  return clampView(mat3.multiply(newMat3(), about, view), maxZoom);
}

/** The view panned by (dx, dy) canvas pixels of a pane (a drag), within bounds. */
export function panBy(view: mat3, box: MapBox, dx: number, dy: number, maxZoom = MAX_ZOOM): mat3 {
  const shift = mat3.fromTranslation(newMat3(), newVec2(dx / box.width, dy / box.height));
  return clampView(mat3.multiply(newMat3(), shift, view), maxZoom);
}

/**
 * Raster → canvas matrix of a pane: T(box) · S(box size) · V · S(1/width, 1/height). Its six
 * numbers are what CanvasRenderingContext2D.setTransform takes (canvasTransformArgs).
 */
export function rasterToCanvas(view: mat3, box: MapBox, width: number, height: number): mat3 {
  const m = mat3.fromTranslation(newMat3(), newVec2(box.x, box.y));
  mat3.scale(m, m, newVec2(box.width, box.height));
  mat3.multiply(m, m, view);
  mat3.scale(m, m, newVec2(1 / width, 1 / height));
  return m;
}

/** setTransform(a, b, c, d, e, f) of a column-major mat3. */
export function canvasTransformArgs(m: mat3): [number, number, number, number, number, number] {
  return [m[0], m[1], m[3], m[4], m[6], m[7]];
}

/** Canvas point → continuous raster coordinates (the inverse of rasterToCanvas). */
export function canvasToRaster(view: mat3, box: MapBox, width: number, height: number, x: number, y: number): RasterPoint {
  const inverse = mat3.invert(newMat3(), rasterToCanvas(view, box, width, height));
  if (!inverse) throw new Error('singular view transform');
  const p = vec2.transformMat3(newVec2(), newVec2(x, y), inverse);
  return { col: p[0], row: p[1] };
}

/**
 * The raster pixel under a canvas point, or null outside the map box (or outside the raster,
 * which clampView makes the same). Row and column are whole numbers.
 */
export function pickPixel(view: mat3, box: MapBox, width: number, height: number, x: number, y: number): { row: number; col: number } | null {
  if (x < box.x || y < box.y || x >= box.x + box.width || y >= box.y + box.height) return null;
  const p = canvasToRaster(view, box, width, height, x, y);
  const col = Math.floor(p.col);
  const row = Math.floor(p.row);
  if (col < 0 || row < 0 || col >= width || row >= height) return null;
  return { row, col };
}

/** Canvas point of a continuous raster point (a pixel's centre is (col + 0.5, row + 0.5)). */
export function rasterPointToCanvas(view: mat3, box: MapBox, width: number, height: number, col: number, row: number): { x: number; y: number } {
  const p = vec2.transformMat3(newVec2(), newVec2(col, row), rasterToCanvas(view, box, width, height));
  return { x: p[0], y: p[1] };
}

/** The part of the raster a view shows, in unit coordinates [u0, v0, u1, v1] (for axis labels). */
export function visibleUnitWindow(view: mat3): [number, number, number, number] {
  const s = view[0];
  return [-view[6] / s, -view[7] / s, (1 - view[6]) / s, (1 - view[7]) / s];
}

/** The one shared view of the page: a mat3 and the panes that redraw when it changes. */
export class SharedView {
  private current: mat3 = identityView();
  private readonly listeners = new Set<() => void>();

  get matrix(): mat3 {
    return this.current;
  }

  set(view: mat3): void {
    if (mat3.exactEquals(view, this.current)) return;
    this.current = view;
    for (const listener of [...this.listeners]) listener();
  }

  reset(): void {
    this.set(identityView());
  }

  /** Calls `listener` on every change until the returned function is called. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
