// The stages the corridor runs: the typed jobs of src/jobs/ (fit, compare, vertical,
// alt, hazards), each writing a complete folder through its own staging and returning its summary.
// The manifest's option blocks carry the commands' option names; they become the jobs' typed
// options through the same converters the commands use (fit-options.ts, thresholdsFrom,
// altOptionsFromArgv), so a value is checked by the same rule and its error names the manifest
// and the key ("corridor.json: "fit.mask-min": must be …") before anything runs.
import { InputError, isInputError } from '../../core/errors.ts';
import { fitOptionsFromArgv } from '../../cli/fit-options.ts';
import { thresholdsFrom } from '../../cli/cmd-compare.ts';
import { altOptionsFromArgv } from '../../cli/cmd-alt.ts';
import { numberListOption, numberOption } from '../../cli/options.ts';
import { DEFAULT_FROZEN_WATER_CONTENT } from '../../core/alt.ts';
import { fitJob, type FitJobOptions } from '../fit.ts';
import { compareJob, type CompareJobOptions } from '../compare.ts';
import { verticalJob } from '../vertical.ts';
import { altJob, type AltJobOptions } from '../alt.ts';
import { hazardsJob, DEFAULT_BUFFERS_M, type HazardsJobOptions } from '../hazards.ts';
import { DEFAULT_NEAREST_SEARCH_M } from '../../core/hazards.ts';
import type { JobContext } from '../support/context.ts';
import type { CorridorManifest, OptionBlock } from './manifest.ts';

/** How the corridor runs each stage; every one writes a complete folder at `outDir`. */
export interface CorridorStages {
  fit(input: { stack: string; geometry: string | null; mask: string | null }, outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
  compare(ascDir: string, descDir: string, outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
  vertical(fitDir: string, outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
  alt(amplitudeFile: string, outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
  hazards(outDir: string, ctx: JobContext): Promise<Record<string, unknown>>;
}

/** A block's values as a command line gives them (text; lists joined by commas). */
function argv(block: OptionBlock | null): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(block ?? {})) values[k] = Array.isArray(v) ? v.join(',') : typeof v === 'boolean' ? v : String(v);
  return values;
}

/** Runs a converter; its "--option: problem" errors become "manifest: "block.option": problem". */
function inBlock<T>(manifest: CorridorManifest, block: string, convert: () => T): T {
  try {
    return convert();
  } catch (e) {
    if (isInputError(e) && e.file.startsWith('--')) throw new InputError(manifest.file, `"${block}.${e.file.slice(2)}": ${e.problem}`);
    throw e;
  }
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
  const fitValues = argv(manifest.fit);
  const fitOptions: FitJobOptions = { ...inBlock(manifest, 'fit', () => fitOptionsFromArgv(fitValues)), overwrite: true };
  const compareOptions: CompareJobOptions = { thresholds: inBlock(manifest, 'compare', () => thresholdsFrom(argv(manifest.compare))), overwrite: true };
  let altOptions: AltJobOptions | null = null;
  if (manifest.alt) {
    const values = argv(manifest.alt);
    altOptions = inBlock(manifest, 'alt', () => {
      if (values.sites !== undefined && values.n !== undefined) throw new InputError('--n', 'give "sites" (n solved at the sites) or "n" (a constant), not both');
      return {
        ...altOptionsFromArgv(values),
        constantN: numberOption(values, 'n', DEFAULT_FROZEN_WATER_CONTENT, (v) => (v >= 0 && v < 1 ? null : 'must be a volumetric water content in [0, 1)')),
        overwrite: true,
      };
    });
  }
  let hazardsOptions: HazardsJobOptions | null = null;
  if (manifest.hazards) {
    const values = argv(manifest.hazards);
    hazardsOptions = inBlock(manifest, 'hazards', () => ({
      classProperty: typeof values['class-property'] === 'string' ? values['class-property'] : 'class',
      typeProperty: typeof values['type-property'] === 'string' ? values['type-property'] : 'type',
      buffersM: numberListOption(values, 'buffers', DEFAULT_BUFFERS_M),
      nearestSearchM: numberOption(values, 'nearest-search', DEFAULT_NEAREST_SEARCH_M, (v) => (v >= 0 && v <= 200_000 ? null : 'must be between 0 and 200000 m')),
      overwrite: true,
    }));
  }
  const fitIncidence = numberOrPathValue(manifest.fit.incidence);
  const verticalIncidence = numberOrPathValue(manifest.vertical?.incidence);
  return {
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
  };
}
