// Calendar helpers for the charts and the table, in the user's time zone setting (InitData.timeZone),
// reusing the host's period arithmetic so a bar's period is exactly what the host grouped.
import type { RangeSpec } from '../../core/queries/types';
import { localTime, periodOf, type Granularity } from '../../core/time/calendar';

export interface Period {
  key: string;
  start: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** YYYY-MM-DD of an instant in `tz`. */
export function localDate(ts: number, tz: string): string {
  const l = localTime(ts, tz);
  return `${l.year}-${pad(l.month)}-${pad(l.day)}`;
}

// Starting from a period's start, this far ahead always lands inside the next period (DST included).
const STEP: Record<Granularity, number> = { hour: 3600_000, day: 36 * 3600_000, week: 7.5 * 86400_000, month: 32 * 86400_000 };
const MAX_FILLED = 5000;

/** The period after the one starting at `start`. */
export function nextPeriod(start: number, g: Granularity, tz: string): Period {
  return periodOf(start + STEP[g], g, tz);
}

/**
 * Every period from the range's start to its end (or to now, for ranges reaching into the future),
 * so a day without usage shows as zero instead of being skipped. Unbounded ranges span the data.
 */
export function fillPeriods(points: readonly Period[], g: Granularity, tz: string, from: number | null, to: number | null, now = Date.now()): Period[] {
  if (!points.length && (from === null || to === null)) return [];
  const first = from ?? points[0].start;
  const endCap = Math.min(to ?? Infinity, periodOf(now, g, tz).start + 1);
  const last = Math.max(endCap, points.length ? points[points.length - 1].start + 1 : -Infinity);
  const out: Period[] = [];
  for (let p = periodOf(first, g, tz); p.start < last; p = nextPeriod(p.start, g, tz)) {
    out.push(p);
    if (out.length > MAX_FILLED) return [...points];
  }
  return out;
}

/** Hourly charts cover at most this many days: beyond, thousands of hours are one blur (and megabytes). */
export const MAX_HOURLY_DAYS = 62;

/** About how many days a range spans (all time: from the first usage until now). */
export function rangeDays(range: RangeSpec, firstTs: number | null, now = Date.now()): number {
  if ('from' in range) return (Date.parse(range.to) - Date.parse(range.from)) / 86_400_000 + 1;
  switch (range.preset) {
    case 'today':
      return 1;
    case '7d':
      return 7;
    case '30d':
      return 30;
    case 'thisMonth':
    case 'lastMonth':
      return 31;
    case 'all':
      return firstTs === null ? 0 : (now - firstTs) / 86_400_000;
  }
}

/** The granularity to show a range in: the one asked for, unless that is hours over too many days. */
export function fitGranularity(g: Granularity, range: RangeSpec, firstTs: number | null, now = Date.now()): Granularity {
  return g === 'hour' && rangeDays(range, firstTs, now) > MAX_HOURLY_DAYS ? 'day' : g;
}

/** A custom range: local calendar days, both included. */
export interface DayRange {
  from: string;
  to: string;
}

/** The local days a period covers (an hour narrows to its day). */
export function periodRange(start: number, g: Granularity, tz: string): DayRange {
  const from = localDate(start, tz);
  if (g === 'hour' || g === 'day') return { from, to: from };
  const next = nextPeriod(start, g, tz).start;
  return { from, to: localDate(next - 1, tz) };
}

/** The days between two period starts (both periods whole). */
export function periodsRange(firstStart: number, lastStart: number, g: Granularity, tz: string): DayRange {
  return { from: periodRange(firstStart, g, tz).from, to: periodRange(lastStart, g, tz).to };
}

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function fmt(tz: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const k = tz + JSON.stringify(opts);
  let f = fmtCache.get(k);
  if (!f) fmtCache.set(k, (f = new Intl.DateTimeFormat('en-US', { timeZone: tz, ...opts })));
  return f;
}

/** Short axis/tooltip label of a period: "14:00", "Nov 28", "Week of Nov 24", "Nov 2026". */
export function periodLabel(p: Period, g: Granularity, tz: string, long = false): string {
  switch (g) {
    case 'hour':
      return long ? fmt(tz, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(p.start) : p.key.slice(11);
    case 'day':
      return fmt(tz, long ? { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' } : { month: 'short', day: 'numeric' }).format(p.start);
    case 'week':
      return `${long ? 'Week of ' : ''}${fmt(tz, { month: 'short', day: 'numeric' }).format(p.start)}`;
    case 'month':
      return fmt(tz, { month: 'short', year: 'numeric' }).format(p.start);
  }
}

/** Table date: "2026-11-28 14:05" in the user's zone. */
export function formatDateTime(ts: number, tz: string): string {
  const l = localTime(ts, tz);
  return `${l.year}-${pad(l.month)}-${pad(l.day)} ${pad(l.hour)}:${pad(l.minute)}`;
}

/** Full date for hovers: "Sat, Nov 28, 2026, 14:05:09 EST". */
export function formatFullDateTime(ts: number, tz: string): string {
  return fmt(tz, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).format(ts);
}

/** "5 minutes ago", "yesterday": for last-import times. */
export function formatAgo(ts: number, now = Date.now()): string {
  const s = Math.round((ts - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  const a = Math.abs(s);
  if (a < 45) return 'just now';
  if (a < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (a < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}
