// The page's state, in one object: what main.ts used to keep in module-level variables. Every
// job of the page (tracks-panel.ts, run.ts, results-view.ts, downloads.ts, messages.ts) takes
// it explicitly, so who reads and who writes what is visible at the call.
import type { FitProductKey } from '../core/fit-types.ts';
import type { MapView, PixelHit } from './map-view.ts';
import type { FitOutcome } from './protocol.ts';
import { SharedView } from './view-transform.ts';
import type { LinesLayer } from './lines-view.ts';

/** One orbit track: its input files, its fit worker and, once fitted, its outcome. */
export interface Track {
  index: 1 | 2;
  stackFiles: File[];
  maskFile: File | null;
  incidenceFile: File | null;
  worker: Worker | null;
  outcome: FitOutcome | null;
  /** The reference pixel the rate map and the series are shown relative to (reference.ts), or null. */
  reference: PixelHit | null;
  running: boolean;
  el: { card: HTMLElement; stackName: HTMLElement; maskName: HTMLElement; incidenceName: HTMLElement; incidenceDeg: HTMLInputElement; orbit: HTMLElement };
}

/** A track's maps, or the direction of motion from the two tracks. */
export type ViewId = 1 | 2 | 'direction';

export interface AppState {
  tracks: Track[];
  activeView: ViewId;
  /** The clicked pixel, kept across tabs and re-renders. */
  selected: PixelHit | null;
  /** Id of the latest pixel-series request; older answers are dropped. */
  seriesRequestId: number;
  /** The map views of the track on show, by product. */
  mapViews: Map<FitProductKey | 'amplitudeByYear', MapView>;
  /** The by-year plot canvas of the track on show, when it has one. */
  yearsPlot: HTMLCanvasElement | null;
  /** The one pan/zoom of every map pane (view-transform.ts). */
  view: SharedView;
  /** The lines layer, chained into routes and segments (lines-view.ts), or null. */
  lines: LinesLayer | null;
  /** The segment marked on the maps and the profile (index into lines.segments), or null. */
  markedSegment: number | null;
}

export function createState(): AppState {
  return { tracks: [], activeView: 1, selected: null, seriesRequestId: 0, mapViews: new Map(), yearsPlot: null, view: new SharedView(), lines: null, markedSegment: null };
}

/** The element with this id; a missing one is a bug in index.html, said by name. */
export const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page is missing #${id}`);
  return el as T;
};
