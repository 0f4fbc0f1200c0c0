// The stages the corridor runs: the typed jobs of src/jobs/ (invert — whole, by row bands and
// their merge —, fit, compare, vertical, alt, hazards), each writing a complete folder through its own staging and returning its summary.
// The manifest's option blocks carry the commands' option names; they become the jobs' typed
// options through the converters of the jobs' option tables (fit-options.ts, compare-options.ts,
// alt-options.ts, hazards-options.ts, invert-options.ts), the same the commands use, so a value is checked by the
// same rule and its error names the manifest and the key ("corridor.json: "fit.mask-min": must be
// …") before anything runs.
import { fitOptionsFrom } from '../fit-options.ts';
import { invertOptionsFrom } from '../invert-options.ts';
import { invertBandJob, invertBands, invertJob, mergeInvertBandsJob, type InvertRunOptions } from '../invert.ts';
import { openIfgramStackNode } from '../../io/ifgram-stack-node.ts';
import { directionThresholdsFrom } from '../compare-options.ts';
import { altOptionsFrom } from '../alt-options.ts';
import { hazardsOptionsFrom } from '../hazards-options.ts';
import { NODE_DATE_FILES } from '../support/date-files-node.ts';
import { fitJob, type FitJobOptions } from '../fit.ts';
import { compareJob, type CompareJobOptions } from '../compare.ts';
import { verticalJob } from '../vertical.ts';
import { altJob, type AltJobOptions } from '../alt.ts';
import { hazardsJob, type HazardsJobOptions } from '../hazards.ts';
import { profileJob } from '../profile.ts';
import type { JobContext } from '../support/context.ts';
import { optionsOfBlock, type CorridorManifest } from './manifest.ts';

/** An `ifgrams` frame's inversion inputs (absolute paths) and its network-selection cache. */
export interface InvertFrameInput {
  ifgrams: string;
  troposphere: string | null;
  waterMask: string | null;
  geometry: string | null;
  /** JSON file where the coherence-based network selection is kept for the frame's bands and merge (null: none). */
  networkSelectionCache: string | null;
}

export interface InvertBandRows { index: number; count: number; row0: number; row1: number }

/** How the corridor runs each stage; every one writes a complete folder at `outDir`. */
export interface CorridorStages {
  /** The whole inversion of a frame (`permasar invert`). */
  invert(input: InvertFrameInput, outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
  /** The row bands of a frame's stack for `count` bands (whole HDF5 chunks; fewer when the stack has fewer chunk rows). */
  bandRows(ifgrams: string, count: number): Promise<InvertBandRows[]>;
  /** Rows [row0, row1) of a frame's inversion. */
  invertBand(input: InvertFrameInput, band: { row0: number; row1: number }, outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
  /** The bands merged and corrected: what `invert` writes, the same values. */
  mergeBands(input: InvertFrameInput, bandDirs: string[], outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
  fit(input: { stack: string; geometry: string | null; mask: string | null }, outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
  compare(ascDir: string, descDir: string, outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
  vertical(fitDir: string, outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
  alt(amplitudeFile: string, outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
  hazards(outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
  /** Along the hazards' lines, on every product the corridor made in `corridorDir` (issue 23). */
  profile?(corridorDir: string, outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
}


/** A constant (number, or number as text) or a path, as the commands' FILE|DEG options. */
function numberOrPathValue(v: unknown): string | number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  const s = String(v);
  return s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s;
}

/** The jobs with the manifest's options, converted and checked now (before anything runs). */
export function jobStages(manifest: CorridorManifest): CorridorStages {
  const invertBlock = optionsOfBlock(manifest, 'invert', () => invertOptionsFrom(manifest.invert));
  const invertOptions = (input: InvertFrameInput): InvertRunOptions => ({
    ...invertBlock,
    waterMask: input.waterMask, troposphere: input.troposphere, geometry: input.geometry,
    networkSelectionCache: input.networkSelectionCache,
    overwrite: true,
  });
  const fitOptions: FitJobOptions = { ...optionsOfBlock(manifest, 'fit', () => fitOptionsFrom(manifest.fit, NODE_DATE_FILES)), overwrite: true };
  const compareOptions: CompareJobOptions = { thresholds: optionsOfBlock(manifest, 'compare', () => directionThresholdsFrom(manifest.compare ?? {})), overwrite: true };
  const altOptions: AltJobOptions | null = manifest.alt ? { ...optionsOfBlock(manifest, 'alt', () => altOptionsFrom(manifest.alt!)), overwrite: true } : null;
  const hazardsOptions: HazardsJobOptions | null = manifest.hazards ? { ...optionsOfBlock(manifest, 'hazards', () => hazardsOptionsFrom(manifest.hazards!)), overwrite: true } : null;
  const fitIncidence = numberOrPathValue(manifest.fit.incidence);
  const verticalIncidence = numberOrPathValue(manifest.vertical?.incidence);
  return {
    invert: async (input, outDir, ctx) => (await invertJob({ stack: input.ifgrams }, invertOptions(input), outDir, ctx)) as unknown as Record<string, unknown>,
    bandRows: async (ifgrams, count) => {
      const reader = await openIfgramStackNode(ifgrams);
      try {
        return invertBands(reader.info.length, count, reader.info.chunkRows);
      } finally {
        reader.close();
      }
    },
    invertBand: async (input, band, outDir, ctx) => (await invertBandJob({ stack: input.ifgrams }, invertOptions(input), band, outDir, ctx)) as unknown as Record<string, unknown>,
    mergeBands: async (input, bandDirs, outDir, ctx) => (await mergeInvertBandsJob({ stack: input.ifgrams }, invertOptions(input), bandDirs, outDir, ctx)) as unknown as Record<string, unknown>,
    fit: (input, outDir, ctx) => fitJob({
      stack: input.stack, mask: input.mask, geometry: input.geometry,
      maskDataset: manifest.fit['mask-dataset'] !== undefined ? String(manifest.fit['mask-dataset']) : undefined,
      incidence: fitIncidence,
    }, fitOptions, outDir, ctx) as unknown as Promise<Record<string, unknown>>,
    compare: (ascDir, descDir, outDir, ctx) => compareJob({ ascending: ascDir, descending: descDir }, compareOptions, outDir, ctx),
    vertical: (fitDir, outDir, ctx) => verticalJob({ fit: fitDir, incidence: verticalIncidence }, { overwrite: true }, outDir, ctx),
    alt: (amplitude, outDir, ctx) => altJob({
      amplitude, moisture: numberOrPathValue(manifest.alt!.moisture)!,
      sites: manifest.alt!.sites !== undefined ? String(manifest.alt!.sites) : null,
    }, altOptions!, outDir, ctx),
    hazards: async (outDir, ctx) => (await hazardsJob({ lines: String(manifest.hazards!.lines), features: (manifest.hazards!.features as string[]).map(String) }, hazardsOptions!, outDir, ctx)) as unknown as Record<string, unknown>,
    // The hazards' lines, classes and features, per segment of every route: the profile's
    // defaults otherwise (the manifest has no "profile" block).
    profile: async (corridorDir, outDir, ctx) => (await profileJob(
      { lines: String(manifest.hazards!.lines), from: corridorDir, features: (manifest.hazards!.features as string[]).map(String) },
      { classProperty: hazardsOptions!.classProperty, typeProperty: hazardsOptions!.typeProperty, buffersM: hazardsOptions!.buffersM, overwrite: true },
      outDir, ctx)) as unknown as Record<string, unknown>,
  };
}
