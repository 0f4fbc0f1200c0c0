// One product map on a canvas, drawn by the same renderer as the CLI's PNG quicklooks
// (src/plot/raster.ts): title, colour bar or class legend with units, lon/lat labels. The
// renderer reports where the map landed, which is all hover and click need to find the pixel.
import { renderRasterQuicklook, type RasterQuicklookOptions, type RasterQuicklook } from '../plot/raster.ts';

/** RGBA image of src/plot as canvas ImageData (copied: ImageData wants its own buffer). */
export function toImageData(img: { data: Uint8Array | Uint8ClampedArray; width: number; height: number }): ImageData {
  return new ImageData(new Uint8ClampedArray(img.data), img.width, img.height);
}

export interface PixelHit { row: number; col: number }

export class MapView {
  readonly canvas: HTMLCanvasElement;
  private image: RasterQuicklook | null = null;
  private imageData: ImageData | null = null;
  private rasterWidth = 0;
  private rasterHeight = 0;

  constructor(readonly productKey: string, onHover: (hit: PixelHit | null) => void, onClick: (hit: PixelHit) => void) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'map-canvas';
    this.canvas.dataset.product = productKey;
    this.canvas.addEventListener('mousemove', (e) => onHover(this.hitTest(e)));
    this.canvas.addEventListener('mouseleave', () => onHover(null));
    this.canvas.addEventListener('click', (e) => {
      const hit = this.hitTest(e);
      if (hit) onClick(hit);
    });
  }

  render(opts: RasterQuicklookOptions): void {
    this.image = renderRasterQuicklook(opts);
    this.rasterWidth = opts.width;
    this.rasterHeight = opts.height;
    this.canvas.width = this.image.width;
    this.canvas.height = this.image.height;
    this.imageData = toImageData(this.image);
    this.canvas.getContext('2d')!.putImageData(this.imageData, 0, 0);
  }

  /** Canvas-pixel box of a raster pixel (for tests and the marker). */
  pixelBox(hit: PixelHit): { x: number; y: number; size: number } | null {
    if (!this.image) return null;
    const { map } = this.image;
    return { x: map.x + hit.col * map.scale, y: map.y + hit.row * map.scale, size: Math.max(1, map.scale) };
  }

  /** Redraws the map with a marker on the selected pixel (null: no marker). */
  mark(hit: PixelHit | null): void {
    if (!this.imageData) return;
    const g = this.canvas.getContext('2d')!;
    g.putImageData(this.imageData, 0, 0);
    const box = hit && this.pixelBox(hit);
    if (!box) return;
    const r = Math.max(6, box.size / 2 + 4);
    const cx = box.x + box.size / 2;
    const cy = box.y + box.size / 2;
    g.lineWidth = 3;
    g.strokeStyle = '#ffffff';
    g.strokeRect(cx - r, cy - r, 2 * r, 2 * r);
    g.lineWidth = 1.5;
    g.strokeStyle = '#111827';
    g.strokeRect(cx - r, cy - r, 2 * r, 2 * r);
  }

  private hitTest(e: MouseEvent): PixelHit | null {
    if (!this.image) return null;
    const rect = this.canvas.getBoundingClientRect();
    // The canvas may be shown smaller than its pixel size (max-width: 100%).
    const x = ((e.clientX - rect.left) * this.canvas.width) / rect.width;
    const y = ((e.clientY - rect.top) * this.canvas.height) / rect.height;
    const { map } = this.image;
    if (x < map.x || y < map.y || x >= map.x + map.width || y >= map.y + map.height) return null;
    const col = Math.min(this.rasterWidth - 1, Math.floor((x - map.x) / map.scale));
    const row = Math.min(this.rasterHeight - 1, Math.floor((y - map.y) / map.scale));
    return { row, col };
  }

  /** Page coordinates (CSS px, relative to the canvas) of a raster pixel's centre; tests click there. */
  cssPointOf(hit: PixelHit): { x: number; y: number } | null {
    const box = this.pixelBox(hit);
    if (!box) return null;
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: ((box.x + box.size / 2) * rect.width) / this.canvas.width,
      y: ((box.y + box.size / 2) * rect.height) / this.canvas.height,
    };
  }
}
