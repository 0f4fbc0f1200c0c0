// The option table of `permasar seasons`: every option of fit (fit-options.ts), then the
// per-year rules. Read by the CLI and --help; platform-free.
import { optionError } from '../core/errors.ts';
import { DEFAULT_SEASONS_OPTIONS, seasonsOptionProblem, type SeasonsOptions } from '../core/seasons.ts';
import { FIT_OPTIONS, fitOptionsFrom, type DateFileAccess, type FitTableOptions } from './fit-options.ts';
import { readOptions, type OptionTable } from './support/option-table.ts';

/** The per-year options (in --help's second group). */
export const SEASONS_YEAR_OPTIONS: OptionTable = [
  { name: 'min-year-epochs', kind: 'number', value: 'N', default: DEFAULT_SEASONS_OPTIONS.minYearEpochs, help: 'a year needs N valid epochs' },
  { name: 'min-year-months', kind: 'number', value: 'N', default: DEFAULT_SEASONS_OPTIONS.minYearMonths, help: '… in at least N distinct calendar months' },
  { name: 'min-trend-years', kind: 'number', value: 'N', default: DEFAULT_SEASONS_OPTIONS.minTrendYears, help: 'the amplitude trend needs N valid years' },
];

export const SEASONS_OPTIONS: OptionTable = [...FIT_OPTIONS, ...SEASONS_YEAR_OPTIONS];

const OPTION_NAMES: Record<keyof SeasonsOptions, string> = {
  minYearEpochs: 'min-year-epochs',
  minYearMonths: 'min-year-months',
  minTrendYears: 'min-trend-years',
};

/** The seasons job's options: fit's, and the per-year ones (checked together by core/seasons.ts). */
export function seasonsOptionsFrom(values: Record<string, unknown>, files: DateFileAccess): FitTableOptions & SeasonsOptions {
  const fit = fitOptionsFrom(values, files);
  const v = readOptions(SEASONS_YEAR_OPTIONS, values);
  const seasons: SeasonsOptions = {
    minYearEpochs: v['min-year-epochs'] as number,
    minYearMonths: v['min-year-months'] as number,
    minTrendYears: v['min-trend-years'] as number,
  };
  const problem = seasonsOptionProblem(seasons);
  if (problem) throw optionError(OPTION_NAMES[problem.option], problem.problem);
  return { ...fit, ...seasons };
}
