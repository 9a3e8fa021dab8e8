// Turns what the dashboard's filter bar says into a database filter, and answers the whole
// dashboard (metrics, charts) in one call, so the webview never does arithmetic on dates.
import type { Catalog } from '../store/catalog';
import { aggregate, costByModelOf, modelNames, periodRows, seriesOf, slotBounds, totalAndModels, totalsOf, type PeriodRow } from './aggregate';
import { resolveFilter } from './filter';
import { endOfLocalDay, fromLocal, localTime, startOfLocalDay } from '../time/calendar';
import type { DashboardData, RangeSpec, Totals, UsageFilter, ViewQuery } from './types';

export interface ResolvedRange {
  /** UTC ms, inclusive; null = unbounded. */
  from: number | null;
  /** UTC ms, exclusive; null = unbounded. */
  to: number | null;
  label: string;
}

const DAY_FMT = new Map<string, Intl.DateTimeFormat>();
function dayFormatter(tz: string): Intl.DateTimeFormat {
  let f = DAY_FMT.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, month: 'short', day: 'numeric', year: 'numeric' });
    DAY_FMT.set(tz, f);
  }
  return f;
}

/** "Oct 1 – Oct 30, 2026": the days a range includes, first and last whole. */
export function rangeLabel(from: number, toExclusive: number, tz: string): string {
  const f = dayFormatter(tz);
  const last = toExclusive - 1;
  const a = f.formatToParts(from);
  const b = f.formatToParts(last);
  const part = (p: Intl.DateTimeFormatPart[], t: string) => p.find((x) => x.type === t)?.value ?? '';
  const md = (p: Intl.DateTimeFormatPart[]) => `${part(p, 'month')} ${part(p, 'day')}`;
  if (f.format(from) === f.format(last)) return f.format(from);
  if (part(a, 'year') === part(b, 'year')) return `${md(a)} – ${md(b)}, ${part(b, 'year')}`;
  return `${f.format(from)} – ${f.format(last)}`;
}

function addDays(y: number, m: number, d: number, n: number): [number, number, number] {
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
}

/** Resolves a range relative to `now` in `tz`. "Last 7 days" is today and the 6 days before it. */
export function resolveRange(range: RangeSpec, now: number, tz: string): ResolvedRange {
  if ('from' in range) {
    const from = startOfLocalDay(range.from, tz);
    const to = endOfLocalDay(range.to, tz);
    return { from, to, label: rangeLabel(from, to, tz) };
  }
  const l = localTime(now, tz);
  const dayStart = (y: number, m: number, d: number) => fromLocal(y, m, d, 0, tz);
  const tomorrow = dayStart(...addDays(l.year, l.month, l.day, 1));
  let from: number;
  let to = tomorrow;
  switch (range.preset) {
    case 'all':
      return { from: null, to: null, label: 'All time' };
    case 'today':
      from = dayStart(l.year, l.month, l.day);
      return { from, to, label: `Today, ${rangeLabel(from, to, tz)}` };
    case '7d':
      from = dayStart(...addDays(l.year, l.month, l.day, -6));
      break;
    case '30d':
      from = dayStart(...addDays(l.year, l.month, l.day, -29));
      break;
    case 'thisMonth':
      from = dayStart(l.year, l.month, 1);
      break;
    case 'lastMonth': {
      const [py, pm] = l.month === 1 ? [l.year - 1, 12] : [l.year, l.month - 1];
      from = dayStart(py, pm, 1);
      to = dayStart(l.year, l.month, 1);
      break;
    }
  }
  return { from, to, label: rangeLabel(from, to, tz) };
}

export function filterOfView(view: ViewQuery, range: ResolvedRange): UsageFilter {
  return {
    from: range.from ?? undefined,
    to: range.to ?? undefined,
    projects: view.projects,
    models: view.models,
    sources: view.sources,
    branches: view.branches,
  };
}

/**
 * Everything above the table, for one view: one pass over the rollups in range, grouped by local
 * period and model, gives the totals, both charts and the model shares; the previous period's
 * totals are a second, plain sum.
 */
export function dashboardData(cat: Catalog, view: ViewQuery, tz: string, now: number): DashboardData {
  const range = resolveRange(view.range, now, tz);
  const filter = resolveFilter(cat, filterOfView(view, range));
  let previousTotals = null;
  if (range.from !== null && range.to !== null) {
    const span = range.to - range.from;
    previousTotals = totalsOf(aggregate(cat, resolveFilter(cat, { ...filterOfView(view, range), from: range.from - span, to: range.from }), tz));
  }
  return dashboardFromPeriods(range, periodRows(cat, filter, view.granularity, tz, true), modelNames(cat), previousTotals, () => slotBounds(cat, filter));
}

/**
 * The dashboard's answer from period rows grouped by model (this store's, or the team
 * database's). `bounds` finds the first and last slot with usage when the rows do not carry them.
 */
export function dashboardFromPeriods(
  range: ResolvedRange,
  rows: PeriodRow[],
  names: Map<number, string>,
  previousTotals: Totals | null,
  bounds?: () => { min: number | null; max: number | null },
): DashboardData {
  const { total, models } = totalAndModels(rows, names);
  if (total.rows && bounds) {
    const b = bounds();
    total.minSlot = b.min;
    total.maxSlot = b.max;
  }
  const series = seriesOf(rows);
  return {
    totals: totalsOf(total),
    previousTotals,
    series,
    costByModel: costByModelOf(rows, names, series),
    models,
    from: range.from,
    to: range.to,
    rangeLabel: range.label,
  };
}
