// The stages the corridor runs, on the functions the commands run (fit, compare, vertical, alt,
// hazards), each writing a complete folder through its own staging and returning the summary it
// wrote. Option blocks of the manifest carry the commands' option names, so they pass through as
// the commands' own values (numbers as text, as a command line gives them, lists joined by commas;
// `features` stays a list, as repeated --features).
//
// Interim wiring: once the typed job functions of src/pipeline/jobs/ exist, these call them
// instead (the corridor itself only sees CorridorStages).
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { CorridorStages } from './corridor.ts';
import type { OptionBlock } from './corridor-manifest.ts';

type Values = Record<string, string | boolean | string[] | undefined>;

function toValues(block: OptionBlock, listKeys: string[] = []): Values {
  const values: Values = {};
  for (const [k, v] of Object.entries(block)) {
    if (listKeys.includes(k)) values[k] = (Array.isArray(v) ? v : [v]).map(String);
    else if (Array.isArray(v)) values[k] = v.join(',');
    else if (typeof v === 'boolean') values[k] = v;
    else values[k] = String(v);
  }
  return values;
}

async function summaryOf(dir: string, file = 'summary.json'): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export function commandStages(): CorridorStages {
  return {
    async fit(input, options, outDir, device) {
      const { runFitCommand } = await import('../cli/cmd-fit.ts');
      await runFitCommand({
        ...toValues(options), out: outDir, overwrite: true, quiet: true, device,
        ...(input.geometry ? { geometry: input.geometry } : {}),
        ...(input.mask ? { mask: input.mask } : {}),
      }, input.stack);
      return summaryOf(outDir);
    },
    async compare(ascDir, descDir, options, outDir, device) {
      const { runCompareCommand } = await import('../cli/cmd-compare.ts');
      await runCompareCommand({ ...toValues(options), out: outDir, overwrite: true, quiet: true, device }, ascDir, descDir);
      return summaryOf(outDir);
    },
    async vertical(fitDir, options, outDir, device) {
      const { runVerticalCommand } = await import('../cli/cmd-vertical.ts');
      await runVerticalCommand({ ...toValues(options), out: outDir, overwrite: true, quiet: true, device }, fitDir);
      return summaryOf(outDir);
    },
    async alt(amplitudeFile, options, outDir, device) {
      const { runAltCommand } = await import('../cli/cmd-alt.ts');
      await runAltCommand({ ...toValues(options), amplitude: amplitudeFile, out: outDir, overwrite: true, quiet: true, device });
      return summaryOf(outDir);
    },
    async hazards(options, outDir) {
      const { hazardsCommand } = await import('../cli/cmd-hazards.ts');
      await hazardsCommand.run({ ...toValues(options, ['features']), out: outDir, overwrite: true, quiet: true }, []);
      return summaryOf(outDir, 'hazards.json');
    },
  };
}
