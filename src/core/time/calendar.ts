// Calendar arithmetic in an IANA time zone, without a date library: offsets come from Intl.
// Every zone in use today has an offset that is a multiple of 15 minutes, so usage grouped
// into 15-minute UTC slots can be folded exactly into local hours, days, weeks and months.

export type Granularity = 'hour' | 'day' | 'week' | 'month';
export const GRANULARITIES: readonly Granularity[] = ['hour', 'day', 'week', 'month'];
export const SLOT_MS = 15 * 60 * 1000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone to use: the given one if valid, else the machine's. Throws on an unknown name. */
export function resolveTimeZone(tz?: string): string {
  const zone = tz && tz.trim() ? tz.trim() : Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new Error(`Unknown time zone "${zone}" (use an IANA name such as Europe/Paris or UTC)`);
  }
  return zone;
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

export interface LocalTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
}

export function localTime(ts: number, tz: string): LocalTime {
  const parts = formatter(tz).formatToParts(new Date(ts));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') };
}

/** Offset of `tz` from UTC at instant `ts`, in ms (positive east of Greenwich). */
export function offsetMs(ts: number, tz: string): number {
  const l = localTime(ts, tz);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute);
  return asUtc - Math.floor(ts / 60000) * 60000;
}

const DAY_MS = 86_400_000;

/**
 * The instant of a local wall-clock time (ms on a UTC-based calendar), given the zone's offset at
 * any instant: the earlier one if it occurs twice, shifted forward if it is skipped. The offsets a
 * day either side are the only ones a local time near a transition can have.
 */
export function instantOfLocal(local: number, offsetAt: (utc: number) => number): number {
  const before = offsetAt(local - DAY_MS);
  const after = offsetAt(local + DAY_MS);
  let best: number | undefined;
  for (const o of before === after ? [before] : [before, after]) {
    const utc = local - o;
    if (offsetAt(utc) === o && (best === undefined || utc < best)) best = utc;
  }
  return best ?? local - before;
}

/** The instant of a local wall-clock time in `tz` (the earlier one if it occurs twice; shifted forward if skipped). */
export function fromLocal(year: number, month: number, day: number, hour: number, tz: string): number {
  return instantOfLocal(Date.UTC(year, month - 1, day, hour), (utc) => offsetMs(utc, tz));
}

/** Parses YYYY-MM-DD into its parts; throws a readable error otherwise. */
export function parseDate(text: string): { year: number; month: number; day: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : undefined;
  if (!m || !date || date.getUTCMonth() !== +m[2] - 1 || date.getUTCDate() !== +m[3]) {
    throw new Error(`Invalid date "${text}" (expected YYYY-MM-DD)`);
  }
  return { year: +m[1], month: +m[2], day: +m[3] };
}

/** Start of a local calendar day (YYYY-MM-DD) in `tz`, as UTC ms. */
export function startOfLocalDay(text: string, tz: string): number {
  const d = parseDate(text);
  return fromLocal(d.year, d.month, d.day, 0, tz);
}

/** Start of the local day after `text`: `until` dates include their whole day. */
export function endOfLocalDay(text: string, tz: string): number {
  const d = parseDate(text);
  const next = new Date(Date.UTC(d.year, d.month - 1, d.day + 1));
  return fromLocal(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, tz);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** ISO-8601 week (Monday first) of a calendar date: [weekYear, week]. */
export function isoWeek(year: number, month: number, day: number): [number, number] {
  const date = Date.UTC(year, month - 1, day);
  const dow = (new Date(date).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = date + (3 - dow) * 86400000; // the Thursday of this week decides its year
  const weekYear = new Date(thursday).getUTCFullYear();
  return [weekYear, 1 + Math.floor((thursday - Date.UTC(weekYear, 0, 1)) / (7 * 86400000))];
}

export interface Period {
  /** YYYY-MM-DD HH:00, YYYY-MM-DD, YYYY-Www or YYYY-MM. */
  key: string;
  /** First instant of the period (UTC ms). */
  start: number;
}

/** Maps instants to periods; memoised per 15-minute slot because reports fold thousands of slots. */
export function periodMapper(granularity: Granularity, tz: string): (ts: number) => Period {
  const cache = new Map<number, Period>();
  return (ts: number) => {
    const slot = Math.floor(ts / SLOT_MS);
    let p = cache.get(slot);
    if (!p) {
      p = periodOf(slot * SLOT_MS, granularity, tz);
      cache.set(slot, p);
    }
    return p;
  };
}

export function periodOf(ts: number, granularity: Granularity, tz: string): Period {
  const l = localTime(ts, tz);
  switch (granularity) {
    case 'hour':
      return { key: `${l.year}-${pad(l.month)}-${pad(l.day)} ${pad(l.hour)}:00`, start: fromLocal(l.year, l.month, l.day, l.hour, tz) };
    case 'day':
      return { key: `${l.year}-${pad(l.month)}-${pad(l.day)}`, start: fromLocal(l.year, l.month, l.day, 0, tz) };
    case 'week': {
      const [wy, w] = isoWeek(l.year, l.month, l.day);
      const dow = (new Date(Date.UTC(l.year, l.month - 1, l.day)).getUTCDay() + 6) % 7;
      const monday = new Date(Date.UTC(l.year, l.month - 1, l.day - dow));
      return { key: `${wy}-W${pad(w)}`, start: fromLocal(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), 0, tz) };
    }
    case 'month':
      return { key: `${l.year}-${pad(l.month)}`, start: fromLocal(l.year, l.month, 1, 0, tz) };
  }
}
