// `permasar corridor MANIFEST --out DIR`: every frame of a corridor fitted (frames given as
// interferograms inverted first, issue 22), mosaicked per orbit direction without seams, then
// compare, vertical, alt and hazards on the mosaics (issue 12).
// The job itself is src/jobs/corridor/corridor.ts; this parses, prints and draws the progress.
import { runCorridor, type DeviceChoice } from '../jobs/corridor/corridor.ts';
import { CORRIDOR_OPTIONS, type Shard } from '../jobs/corridor/corridor-options.ts';
import { argvConfig, readOptions, usageLines } from '../jobs/support/option-table.ts';
import { ProgressBar, formatSeconds } from './progress.ts';
import { requiredString } from './options.ts';
import { deviceOption } from './job-context.ts';
import type { Command } from './command.ts';

const USAGE = `usage: permasar corridor MANIFEST --out DIR [--device gpu|cpu|auto] [--shard I/N] [--force]

MANIFEST is a JSON file (paths relative to its folder):
  {"ascending":  [{"name": "a0", "stack": "asc/frame0/timeseries.h5", "geometry": "asc/frame0/geometryGeo.h5",
                   "mask": "asc/frame0/temporalCoherence.h5"}, ...],
   "descending": [{"name": "d0", "ifgrams": "desc/frame0/ifgramStack.h5", "geometry": "...",
                   "troposphere": "desc/frame0/ERA5.h5", "waterMask": "desc/frame0/waterMask.h5",
                   "bands": 4}, ...],
   "invert": {"min-coherence": 0.6, "min-temp-coh": 0.6, "deramp": "linear"},
   "fit": {"mask-min": 0.6}, "mosaic": {"block-rows": 256}, "compare": {}, "vertical": {},
   "alt": {"moisture": "smap_october.tif", "sites": "alt_sites.csv"},
   "hazards": {"lines": "lines.geojson", "features": ["slumps.geojson"]},
   "reference": {"lalo": [34.8, 92.9]}}
A frame gives "stack" (its series) or "ifgrams" (an ifgramStack.h5: inverted as permasar invert
with the "invert" block, then fitted; "bands": N splits its inversion into N row bands, each a
work unit that any shard may run). Option blocks take the options of the command of the same
name (permasar invert --help, permasar fit --help, ...), kebab-case or camelCase. A stage whose
inputs are absent is skipped and says so.

Outputs: OUT/inversions/<name>/ (an "ifgrams" frame's inversion), OUT/frames/<name>/ (each frame's fit), OUT/asc/ and OUT/desc/ (fit's products mosaicked,
each frame's reference offset removed), OUT/direction/, OUT/asc-vertical/, OUT/desc-vertical/,
OUT/alt/, OUT/hazards/, OUT/summary.json.

options:
${usageLines(CORRIDOR_OPTIONS)}`;

export const corridorCommand: Command = {
  name: 'corridor',
  summary: 'every frame of a corridor: fit, seamless mosaics per direction, later stages (shardable)',
  usage: USAGE,
  positionals: [1, 1],
  options: argvConfig(CORRIDOR_OPTIONS),
  async run(values, positionals) {
    const quiet = Boolean(values.quiet);
    const out = requiredString(values, 'out');
    const device: DeviceChoice = deviceOption(values);
    const shard = (readOptions(CORRIDOR_OPTIONS, values).shard as Shard | undefined) ?? null;
    const bar = new ProgressBar('corridor', !quiet && Boolean(process.stderr.isTTY));
    const say = (line: string) => {
      if (quiet) return;
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      console.log(line);
    };
    const summary = await runCorridor(positionals[0], out, {
      device, shard, force: Boolean(values.force), log: say,
      progress: (done, total) => bar.update(done, total),
    });
    bar.done();
    if (shard) return;
    const asc = summary.mosaics.asc, desc = summary.mosaics.desc;
    const offsets = [asc, desc].filter(Boolean).flatMap((m) => m!.frames.map((f) => `${f.name} ${f.offsetMmPerYear >= 0 ? '+' : ''}${f.offsetMmPerYear.toFixed(2)}`));
    const inverted = summary.frames.filter((f) => f.status === 'fitted' && f.inversion && f.inversion.status !== 'reused').length;
    say(`corridor: ${summary.frames.length} frames (${inverted ? `${inverted} inverted, ` : ''}${summary.frames.filter((f) => f.status === 'fitted').length} fitted, ${summary.frames.filter((f) => f.status === 'skipped').length} done before); offsets mm/yr: ${offsets.join(', ')}; ${formatSeconds(summary.seconds.total)} → ${out}`);
  },
};
