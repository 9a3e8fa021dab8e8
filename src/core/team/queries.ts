// The dashboard's answers for the scopes "all my machines" and "team", from the team database.
// Charts and totals read only the 15-minute rollup: every time zone in use has an offset that is
// a multiple of 15 minutes, so folding slots into local hours, days, weeks and months is exact.
// Only table pages (keyset-paged on an index) touch raw rows.
import type { QueryResultRow } from 'pg';
import type { CostSource, SourceId } from '../model';
import { addAgg, byCost, groupRowOf, periodMapper, totalsOf, type Agg, type PeriodRow } from '../queries/aggregate';
import { dashboardFromPeriods, filterOfView, resolveRange } from '../queries/dashboard';
import type { DashboardData, GroupRow, ViewQuery } from '../queries/types';
import { NANO } from '../store/storedRow';
import { SLOT_MS } from '../time/calendar';
import { ZoneClock } from '../time/zoneClock';
import { localBucketSql, SLOTS_PER_DAY, SLOTS_PER_HOUR } from '../time/zoneSql';
import type { TeamFilterOptions, TeamTableRow } from './teamTypes';

export type { TeamFilterOptions, TeamTableRow };

/** A pg Client or Pool. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** `mine`: every machine of one user; `team`: everyone. */
export type TeamScope = { kind: 'mine'; user: string } | { kind: 'team' };

/** The dashboard's view, plus the team breakdowns' filters. In team scopes `projects` are repository identities. */
export interface TeamView extends ViewQuery {
  users?: string[];
  machines?: string[];
}

export type TeamGroupBy = 'user' | 'machine' | 'project' | 'model' | 'source' | 'branch';

/** Where the rows' "project" is the repository when known: the key a team groups projects by. */
const RAW_PROJECT = `(CASE WHEN r.repository <> '' THEN r.repository ELSE r.project END)`;

interface Where {
  sql: string;
  params: unknown[];
}

interface Bounds {
  from?: number | null;
  to?: number | null;
}

/** WHERE over the rollup (`u`, time column `slot`) or raw rows (`r`, time column `ts`). */
function whereOf(scope: TeamScope, view: Partial<TeamView>, range: Bounds, table: 'rollup' | 'raw', params: unknown[] = []): Where {
  const a = table === 'rollup' ? 'u' : 'r';
  const time = table === 'rollup' ? 'u.slot' : 'r.ts';
  const parts: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (range.from !== undefined && range.from !== null) parts.push(`${time} >= ${p(new Date(range.from).toISOString())}`);
  if (range.to !== undefined && range.to !== null) parts.push(`${time} < ${p(new Date(range.to).toISOString())}`);
  if (scope.kind === 'mine') parts.push(`${a}.user_name = ${p(scope.user)}`);
  const any = (col: string, values?: readonly string[]) => {
    if (values && values.length) parts.push(`${col} = ANY(${p(values)}::text[])`);
  };
  any(table === 'rollup' ? 'u.project' : RAW_PROJECT, view.projects);
  any(`${a}.model`, view.models);
  any(`${a}.source`, view.sources);
  any(`${a}.branch`, view.branches);
  any(`${a}.user_name`, view.users);
  any(`${a}.machine`, view.machines);
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** A rollup row's 15-minute slot number (slots since 1970), as the local store numbers them. */
const SLOT_NO = '(extract(epoch FROM u.slot)::bigint / 900)';

/**
 * Rollup sums in the local store's `Agg` shape (nano-USD, slot numbers), so the local dashboard's
 * own fold (local periods, series, cost chart, totals, model rows) answers team scopes too.
 * Summed as float8: sum(bigint) accumulates in numeric, several times slower and never in
 * parallel; token totals stay exact up to 2^53.
 */
const AGG = `${[
  ['rows_count', 'rows'],
  ['requests', 'requests'],
  ['input', 'input'],
  ['output', 'output'],
  ['cache_read', 'cache_read'],
  ['cache_write', 'cache_write'],
  ['reasoning', 'reasoning'],
  ['cost', 'cost'],
  ['reported_cost', 'reported'],
  ['unpriced', 'unpriced'],
  ['approximate', 'approximate'],
]
  .map(([col, as]) => `COALESCE(sum(u.${col}::float8), 0) AS ${as}`)
  .join(', ')}, (extract(epoch FROM min(u.slot)) / 900)::float8 AS min_slot, (extract(epoch FROM max(u.slot)) / 900)::float8 AS max_slot`;

interface AggRow {
  rows: number;
  requests: number;
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  reasoning: number;
  cost: number;
  reported: number;
  unpriced: number;
  approximate: number;
  min_slot: number | null;
  max_slot: number | null;
}

function aggOf(r: AggRow): Agg {
  return {
    rows: r.rows,
    requests: r.requests,
    input: r.input,
    output: r.output,
    cacheRead: r.cache_read,
    cacheWrite: r.cache_write,
    reasoning: r.reasoning,
    cost: Math.round(r.cost * NANO),
    reported: Math.round(r.reported * NANO),
    unpriced: r.unpriced,
    approximate: r.approximate,
    minSlot: r.min_slot,
    maxSlot: r.max_slot,
  };
}

async function teamAgg(db: Queryable, scope: TeamScope, view: Partial<TeamView>, range: Bounds): Promise<Agg> {
  const w = whereOf(scope, view, range, 'rollup');
  const { rows } = await db.query<AggRow>(`SELECT ${AGG} FROM ai_usage.usage_15m u ${w.sql}`, w.params);
  return aggOf(rows[0]);
}

/** Everything above the table, for one view, in a team scope: the local dashboard's answer, from the team rollup. */
export async function teamDashboard(db: Queryable, scope: TeamScope, view: TeamView, tz: string, now: number): Promise<DashboardData> {
  const range = resolveRange(view.range, now, tz);
  const bounds = filterOfView(view, range);
  const previousQuery =
    range.from !== null && range.to !== null ? teamAgg(db, scope, view, { from: range.from - (range.to - range.from), to: range.from }) : Promise.resolve(null);
  // The zone's offsets are needed only for the slots in range: the rollup's first and last slot are two index probes.
  const { rows: ends } = await db.query<{ lo: number | null; hi: number | null }>(
    `SELECT (extract(epoch FROM min(slot)) / 900)::float8 AS lo, (extract(epoch FROM max(slot)) / 900)::float8 AS hi FROM ai_usage.usage_15m`,
  );
  const from = Math.max(range.from === null ? -Infinity : range.from / SLOT_MS, ends[0].lo ?? Infinity);
  const to = Math.min(range.to === null ? Infinity : range.to / SLOT_MS, (ends[0].hi ?? -Infinity) + 1);
  const clock = ZoneClock.of(tz);
  const toPeriod = periodMapper(clock, view.granularity);
  const merged = new Map<string, PeriodRow>();
  const names = new Map<number, string>();
  const modelIds = new Map<string, number>();
  if (from < to) {
    // PostgreSQL groups the rollup straight into local hours or days (the zone's offsets as a CASE
    // over slot ranges, the local store's own SQL); days fold into weeks and months here.
    const w = whereOf(scope, view, bounds, 'rollup');
    const bucket = localBucketSql(clock, SLOT_NO, from, to, view.granularity === 'hour' ? SLOTS_PER_HOUR : SLOTS_PER_DAY);
    const { rows } = await db.query<AggRow & { bucket: number; model: string }>(
      `SELECT (${bucket})::float8 AS bucket, u.model, ${AGG} FROM ai_usage.usage_15m u ${w.sql} GROUP BY 1, 2`,
      w.params,
    );
    for (const r of rows) {
      let model = modelIds.get(r.model);
      if (model === undefined) {
        modelIds.set(r.model, (model = modelIds.size));
        names.set(model, r.model);
      }
      const period = toPeriod(r.bucket);
      const k = `${period.key}\0${model}`;
      const e = merged.get(k);
      if (e) addAgg(e.agg, aggOf(r));
      else merged.set(k, { period, model, agg: aggOf(r) });
    }
  }
  const previous = await previousQuery;
  return dashboardFromPeriods(range, [...merged.values()], names, previous ? totalsOf(previous) : null);
}

const GROUP_COLUMN: Record<TeamGroupBy, string> = {
  user: 'u.user_name',
  machine: 'u.machine',
  project: 'u.project',
  model: 'u.model',
  source: 'u.source',
  branch: 'u.branch',
};

/** Sums per user, machine, project (repository), model, source or branch, most expensive first; `lastTs` to the slot. */
export async function teamBreakdown(db: Queryable, scope: TeamScope, view: TeamView, by: TeamGroupBy, tz: string, now: number): Promise<GroupRow[]> {
  const range = resolveRange(view.range, now, tz);
  const col = GROUP_COLUMN[by];
  const w = whereOf(scope, view, range, 'rollup');
  const { rows } = await db.query<AggRow & { key: string }>(`SELECT ${col} AS key, ${AGG} FROM ai_usage.usage_15m u ${w.sql} GROUP BY ${col}`, w.params);
  return rows.map((r) => groupRowOf(r.key, aggOf(r))).sort(byCost);
}

/** What the pickers offer in a team scope: projects are repository identities. */
export async function teamFilterOptions(db: Queryable, scope: TeamScope): Promise<TeamFilterOptions> {
  const w = whereOf(scope, {}, {}, 'rollup');
  const { rows } = await db.query<{ user_name: string; machine: string; project: string; model: string; source: string; branch: string; messages: number; cost: number; first: number | null; last: number | null }>(
    `SELECT u.user_name, u.machine, u.project, u.model, u.source, u.branch, sum(u.rows_count::float8) AS messages, sum(u.cost) AS cost,
       (extract(epoch FROM min(u.slot)) * 1000)::float8 AS first, (extract(epoch FROM max(u.slot)) * 1000)::float8 AS last
     FROM ai_usage.usage_15m u ${w.sql} GROUP BY 1, 2, 3, 4, 5, 6`,
    w.params,
  );
  const fold = <K extends string>(key: (r: (typeof rows)[number]) => K) => {
    const m = new Map<K, { messages: number; cost: number; row: (typeof rows)[number] }>();
    for (const r of rows) {
      const e = m.get(key(r)) ?? { messages: 0, cost: 0, row: r };
      e.messages += r.messages;
      e.cost += r.cost;
      m.set(key(r), e);
    }
    return [...m.entries()];
  };
  const costDesc = (a: { cost: number }, b: { cost: number }) => b.cost - a.cost;
  const firsts = rows.map((r) => r.first).filter((x): x is number => x !== null);
  const lasts = rows.map((r) => r.last).filter((x): x is number => x !== null);
  return {
    projects: fold((r) => r.project)
      .map(([path, e]) => ({ path, messages: e.messages, cost: e.cost }))
      .sort((a, b) => a.path.localeCompare(b.path)),
    models: fold((r) => r.model)
      .map(([model, e]) => ({ model, messages: e.messages, cost: e.cost }))
      .sort(costDesc),
    sources: fold((r) => r.source)
      .map(([source, e]) => ({ source: source as SourceId, messages: e.messages }))
      .sort((a, b) => b.messages - a.messages),
    // As the local pickers: usage with no known branch is left out.
    branches: fold((r) => r.branch)
      .filter(([branch]) => branch !== '')
      .map(([branch, e]) => ({ branch, messages: e.messages, cost: e.cost }))
      .sort(costDesc),
    users: fold((r) => r.user_name)
      .map(([user, e]) => ({ user, messages: e.messages, cost: e.cost }))
      .sort(costDesc),
    machines: fold((r) => `${r.user_name}\0${r.machine}`)
      .map(([, e]) => ({ machine: e.row.machine, user: e.row.user_name, messages: e.messages, cost: e.cost }))
      .sort(costDesc),
    firstTs: firsts.length ? Math.min(...firsts) : null,
    lastTs: lasts.length ? Math.max(...lasts) + SLOT_MS : null,
  };
}

/** Where a page ends: the next page starts after this row (newest first: older than it). */
export interface TeamPageKey {
  ts: number;
  user: string;
  rowId: string;
}

export interface TeamPage {
  rows: TeamTableRow[];
  /** Rows matching the filter (from the rollup). */
  total: number;
  /** Pass as `after` for the next page; null on the last one. */
  next: TeamPageKey | null;
}

/** The raw rows' columns a table row is made of. */
const RAW_COLUMNS = `r.ts, r.user_name, r.machine, r.row_id::text AS row_id, r.source, r.repository, r.project, r.model, r.model_raw, r.session_id, r.branch,
  r.input, r.output, r.cache_read, r.cache_write, r.reasoning, r.cost, r.cost_source, r.approximate, r.requests`;

interface RawRow {
  ts: Date;
  user_name: string;
  machine: string;
  row_id: string;
  source: string;
  repository: string;
  project: string;
  model: string;
  model_raw: string;
  session_id: string;
  branch: string;
  input: string;
  output: string;
  cache_read: string;
  cache_write: string;
  reasoning: string;
  cost: number;
  cost_source: string;
  approximate: boolean;
  requests: number;
}

function tableRowOf(r: RawRow): TeamTableRow {
  const [input, output, cacheRead, cacheWrite] = [r.input, r.output, r.cache_read, r.cache_write].map(Number);
  return {
    id: r.row_id,
    ts: r.ts.getTime(),
    user: r.user_name,
    machine: r.machine,
    repository: r.repository,
    branch: r.branch,
    project: r.repository || r.project,
    model: r.model,
    modelRaw: r.model_raw,
    source: r.source as SourceId,
    sessionId: r.session_id,
    inputTokens: input,
    outputTokens: output,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: Number(r.reasoning),
    tokensSent: input + cacheRead + cacheWrite,
    tokensReceived: output,
    cost: r.cost,
    costSource: r.cost_source as CostSource,
    approximate: r.approximate,
    requests: r.requests,
  };
}

/** Raw rows matching `w`, in (ts, user, row id) order, after skipping `offset`. */
async function rawRows(db: Queryable, w: Where, dir: 'ASC' | 'DESC', limit: number, offset = 0): Promise<TeamTableRow[]> {
  const params = [...w.params, limit, offset];
  const { rows } = await db.query<RawRow>(
    `SELECT ${RAW_COLUMNS} FROM ai_usage.requests r ${w.sql}
     ORDER BY r.ts ${dir}, r.user_name ${dir}, r.row_id ${dir} LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return rows.map(tableRowOf);
}

/**
 * One page of raw rows, newest first (or oldest first), keyset-paged on (ts, user, row id) so
 * page 1,000 costs what page 1 costs.
 */
export async function teamPage(
  db: Queryable,
  req: { scope: TeamScope; view: TeamView; tz: string; now: number; limit: number; after?: TeamPageKey | null; dir?: 'asc' | 'desc' },
): Promise<TeamPage> {
  const range = resolveRange(req.view.range, req.now, req.tz);
  const limit = Math.max(1, Math.min(1000, Math.floor(req.limit)));
  const dir = req.dir === 'asc' ? 'ASC' : 'DESC';
  const w = whereOf(req.scope, req.view, range, 'raw');
  if (req.after) {
    w.params.push(new Date(req.after.ts).toISOString(), req.after.user, req.after.rowId);
    const n = w.params.length;
    w.sql = `${w.sql ? `${w.sql} AND` : 'WHERE'} (r.ts, r.user_name, r.row_id) ${dir === 'DESC' ? '<' : '>'} ($${n - 2}::timestamptz, $${n - 1}, $${n}::bigint)`;
  }
  const t = whereOf(req.scope, req.view, range, 'rollup');
  const totalQuery = db.query<{ n: number }>(`SELECT COALESCE(sum(u.rows_count::float8), 0) AS n FROM ai_usage.usage_15m u ${t.sql}`, t.params);
  const [out, total] = await Promise.all([rawRows(db, w, dir, limit), totalQuery]);
  const last = out[out.length - 1];
  return { rows: out, total: total.rows[0].n, next: out.length === limit && last ? { ts: last.ts, user: last.user, rowId: last.id } : null };
}

/** Every row of a view in the table's time order, a keyset page at a time (an export). */
export async function* teamRows(db: Queryable, req: { scope: TeamScope; view: TeamView; tz: string; now: number; dir?: 'asc' | 'desc' }): AsyncGenerator<TeamTableRow[]> {
  let after: TeamPageKey | null | undefined;
  do {
    const p = await teamPage(db, { ...req, limit: 1000, after });
    if (p.rows.length) yield p.rows;
    after = p.next;
  } while (after);
}

/** Rows per 15-minute slot matching a view, in slot order: where any row number of the view lies. */
export interface SlotCounts {
  dir: 'asc' | 'desc';
  /** Slot start (UTC ms), in `dir` order. */
  slots: number[];
  /** Rows in each slot and every slot before it in `dir` order. */
  upTo: number[];
}

export async function teamSlotCounts(db: Queryable, req: { scope: TeamScope; view: TeamView; tz: string; now: number; dir?: 'asc' | 'desc' }): Promise<SlotCounts> {
  const range = resolveRange(req.view.range, req.now, req.tz);
  const w = whereOf(req.scope, req.view, range, 'rollup');
  const dir = req.dir === 'asc' ? 'asc' : 'desc';
  const { rows } = await db.query<{ slot: number; n: number }>(
    `SELECT (extract(epoch FROM u.slot) * 1000)::float8 AS slot, sum(u.rows_count::float8) AS n FROM ai_usage.usage_15m u ${w.sql} GROUP BY u.slot ORDER BY u.slot ${dir}`,
    w.params,
  );
  let sum = 0;
  return { dir, slots: rows.map((r) => r.slot), upTo: rows.map((r) => (sum += r.n)) };
}

/**
 * One page at any depth, by row number, as the table scrolls: the rollup's row counts per slot
 * say which slot row `offset` lies in and how many rows come before it, so only that slot's rows
 * are skipped. `counts` (from teamSlotCounts, for the same view and order) may be reused across
 * pages of one view.
 */
export async function teamPageAt(
  db: Queryable,
  req: { scope: TeamScope; view: TeamView; tz: string; now: number; offset: number; limit: number; dir?: 'asc' | 'desc' },
  counts?: SlotCounts,
): Promise<{ rows: TeamTableRow[]; total: number; offset: number }> {
  const dir = req.dir === 'asc' ? 'asc' : 'desc';
  const c = counts && counts.dir === dir ? counts : await teamSlotCounts(db, { ...req, dir });
  const total = c.upTo.length ? c.upTo[c.upTo.length - 1] : 0;
  const limit = Math.max(1, Math.min(1000, Math.floor(req.limit)));
  if (req.offset >= total) return { rows: [], total, offset: req.offset };
  // The first slot whose running count passes the offset (binary search).
  let lo = 0;
  let hi = c.upTo.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c.upTo[mid] > req.offset) hi = mid;
    else lo = mid + 1;
  }
  const before = lo ? c.upTo[lo - 1] : 0;
  const range = resolveRange(req.view.range, req.now, req.tz);
  const w = whereOf(req.scope, req.view, range, 'raw');
  const edge = dir === 'desc' ? c.slots[lo] + SLOT_MS : c.slots[lo];
  w.params.push(new Date(edge).toISOString());
  w.sql = `${w.sql ? `${w.sql} AND` : 'WHERE'} r.ts ${dir === 'desc' ? '<' : '>='} $${w.params.length}::timestamptz`;
  const rows = await rawRows(db, w, dir === 'desc' ? 'DESC' : 'ASC', limit, req.offset - before);
  return { rows, total, offset: req.offset };
}
