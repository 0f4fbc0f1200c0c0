// Which acquisitions of a stack enter the fit, named as MintPy names the choice
// (timeseries2velocity.py --start-date/--end-date/--exclude-date, modify_network.py): a date
// range, inclusive at both ends, minus a list of excluded dates. Pure: the caller reads the
// exclude file and prints the warnings.
import { parseYmd, type DateYmd } from './time.ts';

export interface DateSelectionOptions {
  /** First date kept (inclusive), YYYYMMDD. */
  startDate?: DateYmd | null;
  /** Last date kept (inclusive), YYYYMMDD. */
  endDate?: DateYmd | null;
  /** Dates dropped, YYYYMMDD. */
  excludeDates?: DateYmd[];
}

export interface DateSelection {
  /** Indices into the stack's dates of the dates kept, ascending. */
  indices: number[];
  dates: DateYmd[];
  /** Excluded dates that are not in the stack at all (the caller warns, naming them). */
  excludedNotInStack: DateYmd[];
  /** Stack dates dropped by the range or the exclude list. */
  dropped: DateYmd[];
}

/**
 * A date as the user may type it: YYYYMMDD or YYYY-MM-DD (MintPy takes both). Null when it is
 * neither or not a real calendar date.
 */
export function normaliseDateText(text: string): DateYmd | null {
  const t = text.trim();
  const compact = /^\d{4}-\d{2}-\d{2}$/.test(t) ? t.replace(/-/g, '') : t;
  return parseYmd(compact) ? compact : null;
}

/** The dates kept by the options, in the stack's order. YYYYMMDD text compares as dates. */
export function selectDates(stackDates: DateYmd[], options: DateSelectionOptions): DateSelection {
  const excluded = new Set(options.excludeDates ?? []);
  const inStack = new Set(stackDates);
  const indices: number[] = [];
  const dropped: DateYmd[] = [];
  stackDates.forEach((d, i) => {
    const keep = (!options.startDate || d >= options.startDate) && (!options.endDate || d <= options.endDate) && !excluded.has(d);
    if (keep) indices.push(i);
    else dropped.push(d);
  });
  return {
    indices,
    dates: indices.map((i) => stackDates[i]),
    excludedNotInStack: [...excluded].filter((d) => !inStack.has(d)).sort(),
    dropped,
  };
}

/** Whether the options select anything other than every date. */
export function selectsSomething(options: DateSelectionOptions): boolean {
  return Boolean(options.startDate || options.endDate || (options.excludeDates && options.excludeDates.length));
}
