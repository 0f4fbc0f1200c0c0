// The hazards job (`permasar hazards`): thermokarst features (thaw slumps, thaw lakes) within
// buffers of infrastructure lines (railway, highway), the study's Fig. 10b, with distances on
// the WGS 84 ellipsoid (core/geodesy.ts). Outputs go through a staging folder and appear only
// when complete.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, optionError } from '../core/errors.ts';
import { antimeridianMarginProblem, countHazards, DEFAULT_NEAREST_SEARCH_M, type HazardCounts, type HazardFeature } from '../core/hazards.ts';
import { featuresFromFeatures, linesFromFeatures, nearFeaturesGeoJson, type GeoJsonLayer, type NearestAnnotation } from '../io/geojson.ts';
import { readVectorLayer } from '../io/vector-node.ts';
import { withOutput } from '../io/output-dir-node.ts';
import { writeCsv, writeJson } from '../io/text-files-node.ts';
import { encodePng } from '../plot/png.ts';
import { barChart } from '../plot/charts.ts';
import type { JobContext } from './support/context.ts';

export { DEFAULT_BUFFERS_M } from './hazards-options.ts';
import { DEFAULT_BUFFERS_M } from './hazards-options.ts';

export interface HazardsJobInputs {
  /** LineString/MultiLineString layer (FILE.geojson|.json, FILE.shp, FILE.gpkg[:NAME]). */
  lines: string;
  /** Point/Polygon layers, counted as one, in the order given. */
  features: string[];
}

export interface HazardsJobOptions {
  /** Property of a line holding its class (default "class"). */
  classProperty?: string;
  /** Property of a feature holding its type (default "type"). */
  typeProperty?: string;
  /** Buffer distances, metres (default 500, 1000, 1500, 2000). */
  buffersM?: number[];
  /** How far to look for a feature's nearest line beyond the largest buffer (default DEFAULT_NEAREST_SEARCH_M). */
  nearestSearchM?: number;
  overwrite?: boolean;
}

/** hazards.json, the job's summary. */
export type HazardsJobSummary = ReturnType<typeof hazardsTableJson>;

/** hazards.json: the Fig. 10b table, per class and type, plus what it was computed from. */
export function hazardsTableJson(result: HazardCounts, inputs: { lines: string; features: string[]; class_property: string; type_property: string }, lineSummary: Record<string, { lines: number; edges: number }>) {
  const byBuffer = (values: number[]): Record<string, number> => Object.fromEntries(result.buffersM.map((b, i) => [String(b), values[i]]));
  const table: Record<string, Record<string, Record<string, number>>> = {};
  result.lineClasses.forEach((lineClass, c) => {
    table[lineClass] = {};
    result.featureTypes.forEach((featureType, t) => {
      table[lineClass][featureType] = byBuffer(result.buffersM.map((_, b) => result.counts[b][c][t]));
    });
  });
  const anyClass: Record<string, Record<string, number>> = {};
  result.featureTypes.forEach((featureType, t) => {
    anyClass[featureType] = byBuffer(result.buffersM.map((_, b) => result.countsAnyClass[b][t]));
  });
  return {
    description: 'Features of each type within each buffer distance (m) of each line class; the study\'s Fig. 10b. A feature counts once per class when any part of it is within the distance.',
    buffers_m: result.buffersM,
    line_classes: result.lineClasses,
    feature_types: result.featureTypes,
    counts: table,
    counts_any_line_class: anyClass,
    feature_totals: Object.fromEntries(result.featureTypes.map((t, i) => [t, result.featureTotals[i]])),
    lines: lineSummary,
    inputs,
    distance_method: 'geodesic on WGS 84: ECEF chord lengthened to the arc; each edge is the chord projected onto the ellipsoid along its normals (within mm of the geodesic for edges up to 200 km, 1 m up to 1,000 km, checked against GeographicLib); buffers inclusive (distance ≤ buffer)',
  };
}

export async function hazardsJob(inputs: HazardsJobInputs, options: HazardsJobOptions, outDir: string, ctx: JobContext): Promise<HazardsJobSummary> {
  const { lines: linesPath, features: featuresPaths } = inputs;
  const classProperty = options.classProperty ?? 'class';
  const typeProperty = options.typeProperty ?? 'type';
  const buffersM = options.buffersM ?? DEFAULT_BUFFERS_M;
  if (buffersM.length === 0 || buffersM.some((b) => !(b > 0) || b > 500_000)) throw optionError('buffers', `distances must be > 0 and ≤ 500000 m, got ${buffersM.join(',')}`);
  if (new Set(buffersM).size !== buffersM.length) throw optionError('buffers', `repeated distance in ${buffersM.join(',')}`);
  const nearestSearchM = options.nearestSearchM ?? DEFAULT_NEAREST_SEARCH_M;
  if (!(nearestSearchM >= 0 && nearestSearchM <= 200_000)) throw optionError('nearest-search', 'must be between 0 and 200000 m');
  if (featuresPaths.length === 0) throw optionError('features', 'is required');

  const linesLayer = await readVectorLayer(linesPath);
  const lines = linesFromFeatures(linesLayer.features, linesLayer.file, classProperty);
  // Several --features layers are validated one by one (errors name their file), then counted
  // as one layer; near_features.geojson lists them in the order given.
  const features: GeoJsonLayer<HazardFeature> = { items: [], raw: [] };
  for (const featuresPath of featuresPaths) {
    const layer = await readVectorLayer(featuresPath);
    const read = featuresFromFeatures(layer.features, layer.file, typeProperty);
    features.items.push(...read.items);
    features.raw.push(...read.raw);
  }
  const searchM = Math.max(Math.max(...buffersM), nearestSearchM);
  const nearSeam = antimeridianMarginProblem(lines.items, searchM);
  if (nearSeam) throw new InputError(linesLayer.file, nearSeam);

  return await withOutput(outDir, { overwrite: Boolean(options.overwrite) }, async (out) => {
    const result = countHazards(lines.items, features.items, { buffersM, nearestSearchM });
    const lineSummary: Record<string, { lines: number; edges: number }> = {};
    for (const line of lines.items) {
      const s = (lineSummary[line.lineClass] ??= { lines: 0, edges: 0 });
      s.lines++;
      for (const part of line.parts) s.edges += part.length / 2 - 1;
    }

    // hazards.csv, long form: one row per (class, type, buffer), values as in the inputs.
    const rows: (string | number)[][] = [];
    result.lineClasses.forEach((lineClass, c) => {
      result.featureTypes.forEach((featureType, t) => {
        result.buffersM.forEach((b, bi) => rows.push([lineClass, featureType, b, result.counts[bi][c][t]]));
      });
    });
    await writeCsv(join(out.dir, 'hazards.csv'), ['line_class', 'feature_type', 'buffer_m', 'count'], rows);
    const summary = hazardsTableJson(result, { lines: linesPath, features: featuresPaths, class_property: classProperty, type_property: typeProperty }, lineSummary);
    await writeJson(join(out.dir, 'hazards.json'), summary);

    // Grouped bars like Fig. 10b: one group per buffer, one bar per (class, type).
    const series = result.lineClasses.flatMap((lineClass, c) =>
      result.featureTypes.map((featureType, t) => ({ label: `${featureType} near ${lineClass}`, values: result.buffersM.map((_, b) => result.counts[b][c][t]) })));
    const chart = barChart({
      title: 'Features within buffers of each line class',
      categories: result.buffersM.map((b) => `${b} m`),
      series,
      xLabel: 'buffer distance',
      yLabel: 'features',
    });
    await writeFile(join(out.dir, 'hazards.png'), encodePng(chart));

    const annotations: NearestAnnotation[] = result.proximity.map((p) => ({
      nearestM: Number.isFinite(p.nearestM) ? Math.round(p.nearestM * 100) / 100 : null,
      nearestLineClass: p.nearestLine >= 0 ? lines.items[p.nearestLine].lineClass : null,
      nearestLineId: p.nearestLine >= 0 ? lines.items[p.nearestLine].id : null,
      nearestMByClass: Object.fromEntries(result.lineClasses.map((lineClass, c) => [lineClass, Number.isFinite(p.nearestByClassM[c]) ? Math.round(p.nearestByClassM[c] * 100) / 100 : null])),
    }));
    await writeFile(join(out.dir, 'near_features.geojson'), nearFeaturesGeoJson(features.raw, annotations, searchM));
    await out.commit();

    {
      const last = result.buffersM.length - 1;
      for (const [c, lineClass] of result.lineClasses.entries()) {
        const parts = result.featureTypes.map((t, ti) => `${result.counts[last][c][ti]} ${t}`);
        ctx.log(`within ${result.buffersM[last]} m of ${lineClass}: ${parts.join(', ')}`);
      }
      ctx.log(`wrote ${out.outDir}: hazards.csv, hazards.json, hazards.png, near_features.geojson`);
    }
    return summary;
  });
}
