// Claude Code's plan-limit hits: the synthetic assistant line it appends when a plan limit refuses
// a request (limits-and-plans.md §4). The rules, in order:
//  1. only lines with `isApiErrorMessage: true`, or `error: "rate_limit"` with `apiErrorStatus: 429`;
//  2. `quotaLimits.resetsAt` (epoch s) when present, with `rateLimitType` as the kind;
//  3. `Claude AI usage limit reached|<epoch s>` (2025 builds; ccusage's rule, values ≤ 0 ignored);
//  4. `… limit · resets [at] [Apr 23 at | Mon] 3:45pm [(Area/City)]`, resolved in that zone (else
//     the machine's) to the first such moment after the line's timestamp;
//  5. anything else (throttling, "Server is temporarily limiting requests", spend limits) is not a hit.
import type { LimitHit } from '../model';
import { fromLocal, localTime } from '../time/calendar';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const PIPE = /Claude AI usage limit reached\|(\d+)/;
// The separator is U+00B7 or U+2219 (both seen); the zone is an IANA name in parentheses.
const RESETS =
  /resets\s+(?:at\s+)?(?:(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:,?\s+at)?\s+|(sun|mon|tue|wed|thu|fri|sat)[a-z]*\.?\s+(?:at\s+)?)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)(?:\s*\(([A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*)\))?/i;

/** All text blocks of a message's content. */
function messageText(msg: any): string {
  const c = msg?.content;
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  return c
    .map((b: any) => (b && typeof b === 'object' && typeof b.text === 'string' ? b.text : ''))
    .filter(Boolean)
    .join('\n');
}

/** What kind of limit the banner names (the words before the separator). */
export function hitKind(text: string): string {
  const head = text.split(/[·∙]/)[0].toLowerCase();
  if (/\bsession\b/.test(head)) return 'session';
  if (/\bweekly\b|\bweek\b/.test(head)) return 'weekly';
  if (/\bopus\b/.test(head)) return 'opus';
  if (/\bsonnet\b/.test(head)) return 'sonnet';
  if (/5-hour|five.hour/.test(head)) return 'five_hour';
  return 'generic';
}

function validZone(tz: string | undefined): string | undefined {
  if (!tz) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    return undefined;
  }
}

/** The instant of local `hour:minute` on a local date in `tz`. */
function at(y: number, m: number, d: number, hour: number, minute: number, tz: string): number {
  const t = new Date(Date.UTC(y, m - 1, d));
  return fromLocal(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), hour, tz) + minute * 60_000;
}

/** Resolves "resets …" text to the first matching instant after `after` (UTC ms); undefined if the text has no reset time. */
export function resetTimeOf(text: string, after: number, defaultZone: string): number | undefined {
  const m = RESETS.exec(text);
  if (!m) return undefined;
  const [, mon, dayOfMonth, weekday, hh, mm, ampm, zone] = m;
  let hour = Number(hh) % 12;
  if (ampm.toLowerCase() === 'pm') hour += 12;
  const minute = mm ? Number(mm) : 0;
  if (hour > 23 || minute > 59) return undefined;
  const tz = validZone(zone) ?? defaultZone;
  const now = localTime(after, tz);
  if (mon) {
    const month = MONTHS.indexOf(mon.toLowerCase()) + 1;
    const day = Number(dayOfMonth);
    for (const year of [now.year, now.year + 1]) {
      const t = at(year, month, day, hour, minute, tz);
      if (t > after) return t;
    }
    return undefined;
  }
  const wd = weekday ? WEEKDAYS.indexOf(weekday.toLowerCase()) : -1;
  for (let k = 0; k <= 8; k++) {
    const date = new Date(Date.UTC(now.year, now.month - 1, now.day + k));
    if (wd >= 0 && date.getUTCDay() !== wd) continue;
    const t = at(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hour, minute, tz);
    if (t > after) return t;
  }
  return undefined;
}

/** The plan-limit hit a transcript line reports, or null (see the rules above). */
export function claudeLimitHit(obj: any, ts: number, defaultZone: string): LimitHit | null {
  const isError = obj?.isApiErrorMessage === true || (obj?.error === 'rate_limit' && obj?.apiErrorStatus === 429);
  if (!isError || Number.isNaN(ts)) return null;
  const text = messageText(obj.message).trim();
  const quota = obj.quotaLimits;
  if (quota && typeof quota === 'object' && typeof quota.resetsAt === 'number' && quota.resetsAt > 0) {
    const kind = typeof quota.rateLimitType === 'string' && quota.rateLimitType ? quota.rateLimitType : hitKind(text);
    return { source: 'claude-code', ts, resetsAt: quota.resetsAt * 1000, kind, text: text || kind };
  }
  const pipe = PIPE.exec(text);
  if (pipe) {
    const s = Number(pipe[1]);
    return s > 0 ? { source: 'claude-code', ts, resetsAt: s * 1000, kind: 'generic', text: 'Claude AI usage limit reached' } : null;
  }
  if (!/limit/i.test(text)) return null;
  const resetsAt = resetTimeOf(text, ts, defaultZone);
  return resetsAt === undefined ? null : { source: 'claude-code', ts, resetsAt, kind: hitKind(text), text };
}
