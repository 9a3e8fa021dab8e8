// Sums from the 15-minute rollups: totals, breakdowns, and sums per local hour, day, week or
// month in any time zone. The zone's offsets become a CASE over slot ranges, so SQL groups the
// rollups straight into local periods: the cost follows the number of rollup rows in range, never
// the number of stored requests.
import type { SqlValue } from 'sql.js';
import type { Catalog } from '../store/catalog';
import { NANO } from '../store/storedRow';
import { resolveFilter, rollupSource, rollupWhere, type ResolvedFilter } from './filter';
import { isoWeek, type Granularity } from '../time/calendar';
import type { GroupBy, GroupRow, ModelCostSeries, SeriesPoint, Sums, Totals, UsageFilter } from './types';
import { ZoneClock } from '../time/zoneClock';
import { localBucketSql, SLOT_MS, SLOTS_PER_DAY, SLOTS_PER_HOUR } from '../time/zoneSql';

/** The columns every sum query selects (11), read back by `aggAt`; slot and day rollups have them all. */
const AGG_SQL = `COALESCE(SUM(r.rows), 0), COALESCE(SUM(r.requests), 0), COALESCE(SUM(r.input), 0), COALESCE(SUM(r.output), 0),
  COALESCE(SUM(r.cache_read), 0), COALESCE(SUM(r.cache_write), 0), COALESCE(SUM(r.reasoning), 0), COALESCE(SUM(r.cost), 0),
  COALESCE(SUM(r.reported_cost), 0), COALESCE(SUM(r.unpriced), 0), COALESCE(SUM(r.approximate), 0)`;

/** Raw sums: tokens, nano-USD, counts, and the first and last slot. */
export interface Agg {
  rows: number;
  requests: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  cost: number;
  reported: number;
  unpriced: number;
  approximate: number;
  minSlot: number | null;
  maxSlot: number | null;
}

export function emptyAgg(): Agg {
  return { rows: 0, requests: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, cost: 0, reported: 0, unpriced: 0, approximate: 0, minSlot: null, maxSlot: null };
}

function aggAt(v: SqlValue[], at: number): Agg {
  return {
    rows: Number(v[at]),
    requests: Number(v[at + 1]),
    input: Number(v[at + 2]),
    output: Number(v[at + 3]),
    cacheRead: Number(v[at + 4]),
    cacheWrite: Number(v[at + 5]),
    reasoning: Number(v[at + 6]),
    cost: Number(v[at + 7]),
    reported: Number(v[at + 8]),
    unpriced: Number(v[at + 9]),
    approximate: Number(v[at + 10]),
    minSlot: null,
    maxSlot: null,
  };
}

export function addAgg(into: Agg, a: Agg): void {
  into.rows += a.rows;
  into.requests += a.requests;
  into.input += a.input;
  into.output += a.output;
  into.cacheRead += a.cacheRead;
  into.cacheWrite += a.cacheWrite;
  into.reasoning += a.reasoning;
  into.cost += a.cost;
  into.reported += a.reported;
  into.unpriced += a.unpriced;
  into.approximate += a.approximate;
  if (a.minSlot !== null && (into.minSlot === null || a.minSlot < into.minSlot)) into.minSlot = a.minSlot;
  if (a.maxSlot !== null && (into.maxSlot === null || a.maxSlot > into.maxSlot)) into.maxSlot = a.maxSlot;
}

export function emptySums(): Sums {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: 0, cost: 0, messages: 0 };
}

export function sumsOf(a: Agg): Sums {
  return {
    inputTokens: a.input,
    outputTokens: a.output,
    cacheReadTokens: a.cacheRead,
    cacheWriteTokens: a.cacheWrite,
    totalTokens: a.input + a.output + a.cacheRead + a.cacheWrite,
    cost: a.cost / NANO,
    messages: a.requests,
  };
}

export function totalsOf(a: Agg): Totals {
  const s = sumsOf(a);
  return {
    ...s,
    tokensSent: s.inputTokens + s.cacheReadTokens + s.cacheWriteTokens,
    tokensReceived: s.outputTokens,
    reasoningTokens: a.reasoning,
    unpricedMessages: a.unpriced,
    approximateMessages: a.approximate,
    reportedCost: a.reported / NANO,
    estimatedCost: (a.cost - a.reported) / NANO,
    // Slot precision: the start of the first and the end of the last 15 minutes with usage.
    firstTs: a.minSlot === null ? null : a.minSlot * SLOT_MS,
    lastTs: a.maxSlot === null ? null : (a.maxSlot + 1) * SLOT_MS - 1,
  };
}

/**
 * The first and last slot with usage under `f`: the UTC day rollups find the days, the slot
 * rollups the slots within them (two small range reads each).
 */
export function slotBounds(cat: Catalog, f: ResolvedFilter): { min: number | null; max: number | null } {
  const days = rollupSource(cat, { ...f, fromSlot: f.fromSlot === null ? null : Math.floor(f.fromSlot / SLOTS_PER_DAY) * SLOTS_PER_DAY, toSlot: f.toSlot === null ? null : Math.ceil(f.toSlot / SLOTS_PER_DAY) * SLOTS_PER_DAY });
  const [lo, hi] = cat.all(`SELECT MIN(r.day), MAX(r.day) FROM day_rollup r ${days.where.sql} AND r.rows > 0`, days.where.params)[0];
  if (lo === null || f.none) return { min: null, max: null };
  const within = (day: number, fn: 'MIN' | 'MAX') => {
    const w = rollupWhere(f, { from: day * SLOTS_PER_DAY, to: (day + 1) * SLOTS_PER_DAY }, 'r.');
    const v = cat.all(`SELECT ${fn}(r.slot) FROM rollup r ${w.sql} AND r.rows > 0`, w.params)[0][0];
    return v === null ? null : Number(v);
  };
  return { min: within(Number(lo), 'MIN'), max: within(Number(hi), 'MAX') };
}

/** Sums of everything `f` matches, with its first and last slot. */
export function aggregate(cat: Catalog, f: ResolvedFilter, tz?: string): Agg {
  const src = rollupSource(cat, f, tz);
  const agg = aggAt(cat.all(`SELECT ${AGG_SQL} FROM ${src.table} r ${src.where.sql}`, src.where.params)[0], 0);
  if (agg.rows) Object.assign(agg, ((b) => ({ minSlot: b.min, maxSlot: b.max }))(slotBounds(cat, f)));
  return agg;
}

/** Row counts only (the table's total): no bounds needed. */
export function rowCount(cat: Catalog, f: ResolvedFilter): number {
  if (!f.none && f.fromSlot === null && f.toSlot === null && !f.projects && !f.models && !f.sources && !f.branches) return cat.rowCount();
  const src = rollupSource(cat, f);
  return Number(cat.all(`SELECT COALESCE(SUM(r.rows), 0) FROM ${src.table} r ${src.where.sql}`, src.where.params)[0][0]);
}

export function totals(cat: Catalog, f: UsageFilter, tz?: string): Totals {
  return totalsOf(aggregate(cat, resolveFilter(cat, f), tz));
}

const GROUP_KEYS: Record<Exclude<GroupBy, 'session'>, { key: string; join: string }> = {
  model: { key: 'd.model', join: 'JOIN models d ON d.id = r.model' },
  project: { key: 'd.path', join: 'JOIN projects d ON d.id = r.project' },
  source: { key: 'd.name', join: 'JOIN sources d ON d.id = r.source' },
  branch: { key: "COALESCE(d.name, '')", join: 'LEFT JOIN branches d ON d.id = r.branch' },
};

/** Group rows' order: most expensive first, then most messages, then by key. */
export const byCost = (a: GroupRow, b: GroupRow): number => b.cost - a.cost || b.messages - a.messages || a.key.localeCompare(b.key);

export function groupRowOf(key: string, a: Agg): GroupRow {
  return { key, ...sumsOf(a), unpricedMessages: a.unpriced, lastTs: a.maxSlot === null ? 0 : (a.maxSlot + 1) * SLOT_MS - 1 };
}

/** Sums per model, project, source or branch, most expensive first. `lastTs` is day precision (the end of the last day with usage). */
export function groupBy(cat: Catalog, f: UsageFilter, by: Exclude<GroupBy, 'session'>, tz?: string): GroupRow[] {
  const g = GROUP_KEYS[by];
  const src = rollupSource(cat, resolveFilter(cat, f), tz);
  const last = src.table === 'day_rollup' ? `MAX(r.day) * ${SLOTS_PER_DAY} + ${SLOTS_PER_DAY - 1}` : 'MAX(r.slot)';
  return cat
    .all(`SELECT ${g.key}, ${AGG_SQL}, ${last} FROM ${src.table} r ${g.join} ${src.where.sql} GROUP BY 1`, src.where.params)
    .map((v) => groupRowOf(String(v[0]), { ...aggAt(v, 1), maxSlot: v[12] === null ? null : Number(v[12]) }))
    .sort(byCost);
}

// ---- local periods ------------------------------------------------------------------------

const HOUR = 3_600_000;
const DAY = 86_400_000;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export interface Period {
  key: string;
  /** First instant of the period (UTC ms). */
  start: number;
}

/** The local period of a bucket (a local hour or day number, as `bucketSql` makes them). */
export function periodMapper(clock: ZoneClock, granularity: Granularity): (bucket: number) => Period {
  const cache = new Map<number, Period>();
  return (bucket) => {
    let p = cache.get(bucket);
    if (p) return p;
    const local = bucket * (granularity === 'hour' ? HOUR : DAY);
    const d = new Date(local);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    switch (granularity) {
      case 'hour':
        p = { key: `${y}-${pad(m)}-${pad(day)} ${pad(d.getUTCHours())}:00`, start: clock.fromLocal(local) };
        break;
      case 'day':
        p = { key: `${y}-${pad(m)}-${pad(day)}`, start: clock.fromLocal(local) };
        break;
      case 'week': {
        const [wy, w] = isoWeek(y, m, day);
        const dow = (d.getUTCDay() + 6) % 7;
        p = { key: `${wy}-W${pad(w)}`, start: clock.fromLocal(local - dow * DAY) };
        break;
      }
      case 'month':
        p = { key: `${y}-${pad(m)}`, start: clock.fromLocal(Date.UTC(y, m - 1, 1)) };
        break;
    }
    cache.set(bucket, p);
    return p;
  };
}

export interface PeriodRow {
  period: Period;
  /** Raw model id (catalog), when grouped by model. */
  model: number;
  agg: Agg;
}

/** Sums per local period (and per raw model id when `byModel`), unordered. */
export function periodRows(cat: Catalog, f: ResolvedFilter, granularity: Granularity, tz: string, byModel: boolean): PeriodRow[] {
  if (f.none) return [];
  const clock = ZoneClock.of(tz);
  const toPeriod = periodMapper(clock, granularity);
  let table: string;
  let where: { sql: string; params: SqlValue[] };
  let bucket: string;
  const days = granularity === 'hour' ? undefined : rollupSource(cat, f, tz, true);
  if (days?.table === 'day_rollup') {
    ({ table, where } = days);
    bucket = 'r.day';
  } else {
    // The whole history's bounds are two index probes; the filter's range, when it has one, is narrower.
    const [lo, hi] = cat.all('SELECT MIN(slot), MAX(slot) FROM rollup')[0];
    if (lo === null) return [];
    const from = Math.max(f.fromSlot ?? -Infinity, Number(lo));
    const to = Math.min(f.toSlot ?? Infinity, Number(hi) + 1);
    if (from >= to) return [];
    table = 'rollup';
    where = rollupWhere(f, undefined, 'r.');
    bucket = localBucketSql(clock, 'r.slot', from, to, granularity === 'hour' ? SLOTS_PER_HOUR : SLOTS_PER_DAY);
  }
  const rows = cat.all(`SELECT ${bucket}, ${byModel ? 'r.model' : '0'}, ${AGG_SQL} FROM ${table} r ${where.sql} GROUP BY 1, 2`, where.params);
  // Days fold into weeks and months here (a handful of rows).
  const merged = new Map<string, PeriodRow>();
  for (const v of rows) {
    const period = toPeriod(Number(v[0]));
    const model = Number(v[1]);
    const k = `${period.key}\0${model}`;
    const agg = aggAt(v, 2);
    const e = merged.get(k);
    if (e) addAgg(e.agg, agg);
    else merged.set(k, { period, model, agg });
  }
  return [...merged.values()];
}

export function seriesOf(rows: PeriodRow[]): SeriesPoint[] {
  const byKey = new Map<string, { period: Period; agg: Agg }>();
  for (const r of rows) {
    const e = byKey.get(r.period.key);
    if (e) addAgg(e.agg, r.agg);
    else {
      const agg = emptyAgg();
      addAgg(agg, r.agg);
      byKey.set(r.period.key, { period: r.period, agg });
    }
  }
  return [...byKey.values()]
    .sort((a, b) => a.period.start - b.period.start)
    .map(({ period, agg }) => {
      const s = sumsOf(agg);
      return { key: period.key, start: period.start, ...s, tokensSent: s.inputTokens + s.cacheReadTokens + s.cacheWriteTokens, tokensReceived: s.outputTokens };
    });
}

/** Normalised model id per raw model id. */
export function modelNames(cat: Catalog): Map<number, string> {
  return new Map(cat.all('SELECT id, model FROM models').map((v) => [Number(v[0]), String(v[1])]));
}

/** Each model's cost per period of `series` (seriesOf of the same rows), most expensive model first. */
export function costByModelOf(rows: PeriodRow[], names: Map<number, string>, series: readonly SeriesPoint[]): ModelCostSeries[] {
  const at = new Map(series.map((p, i) => [p.key, i]));
  const byModel = new Map<string, { nano: number; cost: number[] }>();
  for (const r of rows) {
    const model = names.get(r.model) ?? '';
    let e = byModel.get(model);
    if (!e) byModel.set(model, (e = { nano: 0, cost: new Array<number>(series.length).fill(0) }));
    e.nano += r.agg.cost;
    e.cost[at.get(r.period.key)!] += r.agg.cost;
  }
  return [...byModel]
    .sort(([ma, a], [mb, b]) => b.nano - a.nano || ma.localeCompare(mb))
    .map(([model, e]) => ({ model, cost: e.cost.map((n) => n / NANO) }));
}

/** The total and the per-model rows (most expensive first) of period rows: the dashboard's one pass. */
export function totalAndModels(rows: PeriodRow[], names: Map<number, string>): { total: Agg; models: GroupRow[] } {
  const total = emptyAgg();
  const byModel = new Map<string, Agg>();
  for (const r of rows) {
    addAgg(total, r.agg);
    const name = names.get(r.model) ?? '';
    let m = byModel.get(name);
    if (!m) byModel.set(name, (m = emptyAgg()));
    addAgg(m, r.agg);
  }
  const models = [...byModel].map(([name, agg]) => groupRowOf(name, agg)).sort(byCost);
  return { total, models };
}

/** Sums per period in a time zone. */
export function series(cat: Catalog, f: UsageFilter, granularity: Granularity, tz: string): SeriesPoint[] {
  return seriesOf(periodRows(cat, resolveFilter(cat, f), granularity, tz, false));
}
