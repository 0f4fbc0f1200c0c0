// One product map on a canvas, drawn by the same renderer as the CLI's PNG quicklooks
// (src/plot/raster.ts): title, colour bar or class legend with units, lon/lat labels. The
// renderer reports where the map landed; the page's one shared view (view-transform.ts) says
// which part of the raster the map box shows. Wheel zooms about the cursor, drag pans,
// double-click resets, click picks a pixel, shift+click sets the reference pixel; picking and
// the markers go through the same matrices as the drawing.
import { renderRasterQuicklook, type LonLatExtent, type RasterQuicklookOptions, type RasterQuicklook } from '../plot/raster.ts';
import {
  canvasTransformArgs, isIdentityView, panBy, pickPixel, rasterPointToCanvas, rasterToCanvas, visibleUnitWindow, wheelZoomFactor, zoomAbout, zoomOf,
  type MapBox, type SharedView,
} from './view-transform.ts';
import { formatLatitude, formatLongitude } from './format.ts';
import type { RasterGrid } from '../core/grid.ts';

/**
 * Lines drawn over a map (lines-view.ts: the profile's segments): polylines in continuous raster
 * coordinates of the map's grid, the segment of each, and the segment marked (or null).
 */
export interface LineOverlay {
  paths: Float64Array[];
  pathSegment: Int32Array;
  marked: number | null;
}

/** Where every map gets its lines from (one provider for the page: lines-view.ts). */
let overlayOf: ((grid: RasterGrid) => LineOverlay | null) | null = null;
const liveViews = new Set<MapView>();

/** Sets the lines of every map (null: none) and redraws the maps on the page. */
export function setLineOverlays(provider: ((grid: RasterGrid) => LineOverlay | null) | null): void {
  overlayOf = provider;
  for (const v of [...liveViews]) {
    if (!v.canvas.isConnected) liveViews.delete(v);
    else v.redraw();
  }
}

/** RGBA image of src/plot as canvas ImageData (copied: ImageData wants its own buffer). */
export function toImageData(img: { data: Uint8Array | Uint8ClampedArray; width: number; height: number }): ImageData {
  return new ImageData(new Uint8ClampedArray(img.data), img.width, img.height);
}

export interface PixelHit { row: number; col: number }

export interface MapViewEvents {
  onHover: (hit: PixelHit | null) => void;
  onClick: (hit: PixelHit) => void;
  /** Shift+click: make this pixel the reference (absent: shift+click is a plain click). */
  onReference?: (hit: PixelHit) => void;
}

/** Canvas pixels a press may travel and still be a click rather than a drag. */
const CLICK_SLOP_PX = 3;

export class MapView {
  readonly canvas: HTMLCanvasElement;
  private image: RasterQuicklook | null = null;
  private imageData: ImageData | null = null;
  /** The map at one canvas pixel per raster pixel, drawn through the view when zoomed. */
  private rasterImage: HTMLCanvasElement | null = null;
  private extent: LonLatExtent | undefined;
  private rasterWidth = 0;
  private rasterHeight = 0;
  private selected: PixelHit | null = null;
  private reference: PixelHit | null = null;
  private drag: { x: number; y: number; travelled: number } | null = null;
  private unsubscribe: (() => void) | null = null;
  /** The map grid of the raster shown, for the line overlay (absent: no lines drawn). */
  grid: RasterGrid | null = null;

  constructor(readonly productKey: string, private readonly view: SharedView, events: MapViewEvents) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'map-canvas';
    this.canvas.dataset.product = productKey;
    this.canvas.addEventListener('mousemove', (e) => {
      if (this.drag) return;
      events.onHover(this.hitTest(e));
    });
    this.canvas.addEventListener('mouseleave', () => events.onHover(null));
    this.canvas.addEventListener('wheel', (e) => {
      const box = this.box();
      if (!box) return;
      const p = this.canvasPoint(e);
      if (!inside(box, p.x, p.y)) return;
      e.preventDefault();
      this.view.set(zoomAbout(this.view.matrix, box, p.x, p.y, wheelZoomFactor(e.deltaY)));
    }, { passive: false });
    this.canvas.addEventListener('mousedown', (e) => {
      const box = this.box();
      if (!box || e.button !== 0) return;
      const p = this.canvasPoint(e);
      if (!inside(box, p.x, p.y)) return;
      e.preventDefault(); // no text selection while dragging
      this.drag = { x: p.x, y: p.y, travelled: 0 };
      const move = (m: MouseEvent): void => {
        const d = this.drag;
        const b = this.box();
        if (!d || !b) return;
        const q = this.canvasPoint(m);
        d.travelled += Math.hypot(q.x - d.x, q.y - d.y);
        this.view.set(panBy(this.view.matrix, b, q.x - d.x, q.y - d.y));
        d.x = q.x;
        d.y = q.y;
      };
      const up = (u: MouseEvent): void => {
        window.removeEventListener('mousemove', move);
        window.removeEventListener('mouseup', up);
        const d = this.drag;
        this.drag = null;
        if (!d || d.travelled > CLICK_SLOP_PX) return; // a pan, not a click
        const hit = this.hitTest(u);
        if (!hit) return;
        if (u.shiftKey && events.onReference) events.onReference(hit);
        else events.onClick(hit);
      };
      window.addEventListener('mousemove', move);
      window.addEventListener('mouseup', up);
    });
    this.canvas.addEventListener('dblclick', () => this.view.reset());
  }

  render(opts: RasterQuicklookOptions): void {
    this.image = renderRasterQuicklook(opts);
    this.rasterWidth = opts.width;
    this.rasterHeight = opts.height;
    this.extent = opts.extent;
    this.canvas.width = this.image.width;
    this.canvas.height = this.image.height;
    this.imageData = toImageData(this.image);
    // The same renderer at one canvas pixel per raster pixel (same data, so the same colour
    // range): its map box is what a zoomed view scales, nearest neighbour, as the quicklook does.
    const long = Math.max(opts.width, opts.height);
    const full = renderRasterQuicklook({ ...opts, maxSize: long, minSize: long });
    const raster = document.createElement('canvas');
    raster.width = opts.width;
    raster.height = opts.height;
    const m = full.map;
    raster.getContext('2d')!.putImageData(toImageData(full), -m.x, -m.y, m.x, m.y, opts.width, opts.height);
    this.rasterImage = raster;
    liveViews.add(this);
    this.unsubscribe ??= this.view.subscribe(() => {
      // A pane that left the page stops listening.
      if (!this.canvas.isConnected && this.unsubscribe) {
        this.unsubscribe();
        this.unsubscribe = null;
        return;
      }
      this.redraw();
    });
    this.redraw();
  }

  /** The map box in canvas pixels (null before the first render). */
  box(): MapBox | null {
    if (!this.image) return null;
    const { x, y, width, height } = this.image.map;
    return { x, y, width, height };
  }

  /** Canvas-pixel box of a raster pixel under the current view (for tests and the markers). */
  pixelBox(hit: PixelHit): { x: number; y: number; size: number } | null {
    const box = this.box();
    if (!box) return null;
    const p = rasterPointToCanvas(this.view.matrix, box, this.rasterWidth, this.rasterHeight, hit.col, hit.row);
    const size = (box.width / this.rasterWidth) * zoomOf(this.view.matrix);
    return { x: p.x, y: p.y, size: Math.max(1, size) };
  }

  /** Marks the selected pixel (null: no marker). */
  mark(hit: PixelHit | null): void {
    this.selected = hit;
    this.redraw();
  }

  /** Marks the reference pixel (null: none). */
  markReference(hit: PixelHit | null): void {
    this.reference = hit;
    this.redraw();
  }

  redraw(): void {
    if (!this.imageData || !this.image) return;
    const g = this.canvas.getContext('2d')!;
    g.putImageData(this.imageData, 0, 0);
    const box = this.box()!;
    const view = this.view.matrix;
    const zoomed = !isIdentityView(view);
    this.canvas.dataset.zoom = zoomOf(view).toFixed(4);
    if (zoomed && this.rasterImage) {
      g.save();
      g.beginPath();
      g.rect(box.x, box.y, box.width, box.height);
      g.clip();
      g.imageSmoothingEnabled = false;
      g.setTransform(...canvasTransformArgs(rasterToCanvas(view, box, this.rasterWidth, this.rasterHeight)));
      g.drawImage(this.rasterImage, 0, 0);
      g.restore();
      this.drawZoomedAxes(g, box);
    }
    g.save();
    g.beginPath();
    g.rect(box.x, box.y, box.width, box.height);
    g.clip();
    this.drawLines(g, box);
    if (this.selected) this.drawSelection(g, this.selected);
    if (this.reference) this.drawReference(g, this.reference);
    g.restore();
  }

  /** The lines overlay: dark lines with a white casing, the marked segment thick red. */
  private drawLines(g: CanvasRenderingContext2D, box: MapBox): void {
    const overlay = overlayOf && this.grid ? overlayOf(this.grid) : null;
    this.canvas.dataset.lines = String(overlay?.paths.length ?? 0);
    if (overlay?.marked !== null && overlay?.marked !== undefined) this.canvas.dataset.markedSegment = String(overlay.marked);
    else delete this.canvas.dataset.markedSegment;
    if (!overlay) return;
    const m = rasterToCanvas(this.view.matrix, box, this.rasterWidth, this.rasterHeight);
    const trace = (path: Float64Array): void => {
      g.beginPath();
      for (let i = 0; i < path.length; i += 2) {
        const x = m[0] * path[i] + m[3] * path[i + 1] + m[6];
        const y = m[1] * path[i] + m[4] * path[i + 1] + m[7];
        if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
      }
    };
    g.lineJoin = 'round';
    g.lineCap = 'round';
    for (const [width, colour] of [[4, '#ffffff'], [2, '#111827']] as const) {
      g.lineWidth = width;
      g.strokeStyle = colour;
      overlay.paths.forEach((path, k) => { if (overlay.pathSegment[k] !== overlay.marked) { trace(path); g.stroke(); } });
    }
    overlay.paths.forEach((path, k) => {
      if (overlay.pathSegment[k] !== overlay.marked) return;
      g.lineWidth = 7;
      g.strokeStyle = '#ffffff';
      trace(path);
      g.stroke();
      g.lineWidth = 4;
      g.strokeStyle = '#d62728';
      trace(path);
      g.stroke();
    });
  }

  /**
   * The renderer's lon/lat ticks describe the whole raster; zoomed, they are covered and the
   * corners of the visible window are written instead (lon/lat grids), with the zoom.
   */
  private drawZoomedAxes(g: CanvasRenderingContext2D, box: MapBox): void {
    const below = box.y + box.height + 2;
    g.fillStyle = '#ffffff';
    g.fillRect(0, box.y - 8, box.x - 1, box.height + 16);
    g.fillRect(box.x - 40 < 0 ? 0 : box.x - 40, below, box.width + 80, 24);
    g.fillStyle = '#333333';
    g.font = '12px sans-serif';
    const zoomText = `zoom ×${zoomOf(this.view.matrix).toFixed(1)} · double-click resets`;
    const e = this.extent;
    if (e) {
      const [u0, v0, u1, v1] = visibleUnitWindow(this.view.matrix);
      const lon = (u: number) => e.west + u * (e.east - e.west);
      const lat = (v: number) => e.north - v * (e.north - e.south);
      g.textBaseline = 'top';
      g.textAlign = 'left';
      g.fillText(`${formatLongitude(lon(u0))}, ${formatLatitude(lat(v0))}`, box.x, below + 4);
      g.textAlign = 'right';
      g.fillText(`${formatLongitude(lon(u1))}, ${formatLatitude(lat(v1))}`, box.x + box.width, below + 4);
      g.textAlign = 'center';
      g.fillText(zoomText, box.x + box.width / 2, below + 4);
    } else {
      g.textBaseline = 'top';
      g.textAlign = 'center';
      g.fillText(zoomText, box.x + box.width / 2, below + 4);
    }
  }

  private drawSelection(g: CanvasRenderingContext2D, hit: PixelHit): void {
    const b = this.pixelBox(hit);
    if (!b) return;
    const r = Math.max(6, b.size / 2 + 4);
    const cx = b.x + b.size / 2;
    const cy = b.y + b.size / 2;
    g.lineWidth = 3;
    g.strokeStyle = '#ffffff';
    g.strokeRect(cx - r, cy - r, 2 * r, 2 * r);
    g.lineWidth = 1.5;
    g.strokeStyle = '#111827';
    g.strokeRect(cx - r, cy - r, 2 * r, 2 * r);
  }

  /** The reference: a black square with a white rim, filled (MintPy's view.py marks it so). */
  private drawReference(g: CanvasRenderingContext2D, hit: PixelHit): void {
    const b = this.pixelBox(hit);
    if (!b) return;
    const r = Math.max(4, b.size / 2);
    const cx = b.x + b.size / 2;
    const cy = b.y + b.size / 2;
    g.fillStyle = '#ffffff';
    g.fillRect(cx - r - 2, cy - r - 2, 2 * r + 4, 2 * r + 4);
    g.fillStyle = '#000000';
    g.fillRect(cx - r, cy - r, 2 * r, 2 * r);
  }

  /** A mouse event's position in canvas pixels (the canvas may be shown smaller than its size). */
  private canvasPoint(e: MouseEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - rect.left) * this.canvas.width) / rect.width,
      y: ((e.clientY - rect.top) * this.canvas.height) / rect.height,
    };
  }

  private hitTest(e: MouseEvent): PixelHit | null {
    const box = this.box();
    if (!box) return null;
    const p = this.canvasPoint(e);
    return pickPixel(this.view.matrix, box, this.rasterWidth, this.rasterHeight, p.x, p.y);
  }

  /** Page coordinates (CSS px, relative to the canvas) of a raster pixel's centre; tests click there. */
  cssPointOf(hit: PixelHit): { x: number; y: number } | null {
    const box = this.box();
    if (!box) return null;
    const p = rasterPointToCanvas(this.view.matrix, box, this.rasterWidth, this.rasterHeight, hit.col + 0.5, hit.row + 0.5);
    const rect = this.canvas.getBoundingClientRect();
    return { x: (p.x * rect.width) / this.canvas.width, y: (p.y * rect.height) / this.canvas.height };
  }

  /** The map box in CSS px relative to the canvas (tests compute expected picks from it). */
  cssBox(): MapBox | null {
    const box = this.box();
    if (!box) return null;
    const rect = this.canvas.getBoundingClientRect();
    const sx = rect.width / this.canvas.width;
    const sy = rect.height / this.canvas.height;
    return { x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy };
  }
}

function inside(box: MapBox, x: number, y: number): boolean {
  return x >= box.x && y >= box.y && x < box.x + box.width && y < box.y + box.height;
}
