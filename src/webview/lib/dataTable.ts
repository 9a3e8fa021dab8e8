// The rows of a chart's screen-reader table (the chart's data in words). A table of hundreds of
// rows helps nobody and costs the page thousands of elements, so long ranges are listed in
// coarser periods: a year of days becomes weeks, a year of hours becomes days or weeks.
import { periodOf, type Granularity } from '../../core/time/calendar';
import { nextPeriod, periodLabel, type Period } from './periods';

export interface DataTable {
  /** The granularity of the rows (coarser than the chart's when it had too many periods). */
  granularity: Granularity;
  rows: { key: string; label: string; values: number[] }[];
}

/** At most this many rows, unless even months are more. */
export const MAX_TABLE_ROWS = 100;
const COARSER: Record<Granularity, Granularity | null> = { hour: 'day', day: 'week', week: 'month', month: null };

/** `values[i]` belongs to `periods[i]`; periods whose values are all zero are left out. */
export function dataTable(periods: readonly Period[], values: readonly number[][], g: Granularity, tz: string, max = MAX_TABLE_ROWS): DataTable {
  let granularity = g;
  let groups = group(periods, values, g, tz, false);
  for (let next = COARSER[granularity]; groups.length > max && next; next = COARSER[granularity]) {
    granularity = next;
    groups = group(periods, values, granularity, tz, true);
  }
  return { granularity, rows: groups.map(({ period, values }) => ({ key: period.key, label: periodLabel(period, granularity, tz, true), values })) };
}

function group(periods: readonly Period[], values: readonly number[][], g: Granularity, tz: string, regroup: boolean) {
  const out: { period: Period; values: number[] }[] = [];
  // Periods come in order: the calendar is asked only where a coarser period ends.
  let end = -Infinity;
  periods.forEach((p, i) => {
    const v = values[i];
    if (!v.some((x) => x)) return;
    const last = out[out.length - 1];
    if (last && (!regroup ? last.period.key === p.key : p.start < end)) return v.forEach((x, j) => (last.values[j] += x));
    const period = regroup ? periodOf(p.start, g, tz) : p;
    if (regroup) end = nextPeriod(period.start, g, tz).start;
    out.push({ period, values: [...v] });
  });
  return out;
}
