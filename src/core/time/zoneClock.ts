// A time zone's offsets as a list of transitions, so that turning thousands of 15-minute slots
// into local hours, days, weeks and months is arithmetic, not one Intl call each. Offsets come
// from Intl once per day of each year in use; a change between two days is pinned to its
// 15-minute slot by bisection (every zone in use changes offset on a 15-minute boundary).
import { instantOfLocal, offsetMs } from './calendar';

const DAY = 86_400_000;
const SLOT = 15 * 60_000;

interface Transition {
  /** UTC ms from which `offset` applies. */
  at: number;
  offset: number;
}

const clocks = new Map<string, ZoneClock>();

export class ZoneClock {
  /** Sorted; the first entry of each computed year starts at that year's first instant. */
  private readonly transitions: Transition[] = [];
  private readonly years = new Set<number>();

  private constructor(readonly tz: string) {}

  static of(tz: string): ZoneClock {
    let c = clocks.get(tz);
    if (!c) clocks.set(tz, (c = new ZoneClock(tz)));
    return c;
  }

  private ensureYear(year: number): void {
    if (this.years.has(year)) return;
    this.years.add(year);
    const start = Date.UTC(year, 0, 1);
    const end = Date.UTC(year + 1, 0, 1);
    const found: Transition[] = [{ at: start, offset: offsetMs(start, this.tz) }];
    let prev = found[0].offset;
    for (let day = start + DAY; day <= end; day += DAY) {
      const o = offsetMs(day, this.tz);
      if (o === prev) continue;
      let lo = day - DAY; // offset prev
      let hi = day; // offset o
      while (hi - lo > SLOT) {
        const mid = lo + Math.floor((hi - lo) / 2 / SLOT) * SLOT;
        if (mid <= lo) break;
        if (offsetMs(mid, this.tz) === prev) lo = mid;
        else hi = mid;
      }
      if (hi < end) found.push({ at: hi, offset: o });
      prev = o;
    }
    this.transitions.push(...found);
    this.transitions.sort((a, b) => a.at - b.at);
  }

  /** Offset from UTC at instant `utc` (ms, positive east). */
  offsetAt(utc: number): number {
    this.ensureYear(new Date(utc).getUTCFullYear());
    const t = this.transitions;
    let lo = 0;
    let hi = t.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (t[mid].at <= utc) lo = mid;
      else hi = mid - 1;
    }
    return t[lo].offset;
  }

  /** Local wall-clock time as ms on a UTC-based calendar. */
  toLocal(utc: number): number {
    return utc + this.offsetAt(utc);
  }

  /** The instant of a local wall-clock time: the earlier one if it occurs twice; shifted forward if skipped. */
  fromLocal(local: number): number {
    return instantOfLocal(local, (utc) => this.offsetAt(utc));
  }

  /** Offsets in effect within [from, to), as (from which instant, offset) pairs: the first starts at `from`. */
  offsetsBetween(from: number, to: number): Transition[] {
    for (let y = new Date(from).getUTCFullYear(); y <= new Date(to).getUTCFullYear(); y++) this.ensureYear(y);
    const out: Transition[] = [{ at: from, offset: this.offsetAt(from) }];
    for (const t of this.transitions) {
      if (t.at > from && t.at < to && t.offset !== out[out.length - 1].offset) out.push(t);
    }
    return out;
  }
}
