// The dashboard's answers for the scopes "all my machines" and "team", from the team database.
// Charts and totals read only the 15-minute rollup: every time zone in use has an offset that is
// a multiple of 15 minutes, so folding slots into local hours, days, weeks and months is exact.
// Only table pages (keyset-paged on an index) and the first/last instant touch raw rows.
import type { QueryResultRow } from 'pg';
import type { CostSource, SourceId } from '../model';
import { filterOfView, resolveRange } from '../queries/dashboard';
import { periodOf, SLOT_MS, type Period } from '../queries/time';
import type { DashboardData, FilterOptions, GroupRow, PeriodModelCost, SeriesPoint, Sums, TableRow, Totals, ViewQuery } from '../queries/types';

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
  any(`${a}.user_name`, view.users);
  any(`${a}.machine`, view.machines);
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/**
 * Rollup sums; `messages` counts stored rows, as the local dashboard does. Summed as float8:
 * sum(bigint) accumulates in numeric, several times slower and never in parallel; token totals
 * stay exact up to 2^53.
 */
const SUMS = (
  [
    ['input', 'input'],
    ['output', 'output'],
    ['cache_read', 'cache_read'],
    ['cache_write', 'cache_write'],
    ['cost', 'cost'],
    ['rows_count', 'messages'],
    ['reasoning', 'reasoning'],
    ['unpriced', 'unpriced'],
    ['approximate', 'approximate'],
    ['reported_cost', 'reported_cost'],
    ['estimated_cost', 'estimated_cost'],
  ] as const
)
  .map(([col, as]) => `COALESCE(sum(u.${col}::float8), 0) AS ${as}`)
  .join(', ');

interface SumsRow {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  cost: number;
  messages: number;
  reasoning: number;
  unpriced: number;
  approximate: number;
  reported_cost: number;
  estimated_cost: number;
}

function sumsOf(r: SumsRow): Sums {
  return {
    inputTokens: r.input,
    outputTokens: r.output,
    cacheReadTokens: r.cache_read,
    cacheWriteTokens: r.cache_write,
    totalTokens: r.input + r.output + r.cache_read + r.cache_write,
    cost: r.cost,
    messages: r.messages,
  };
}

function totalsOf(r: SumsRow, firstTs: number | null, lastTs: number | null): Totals {
  const s = sumsOf(r);
  return {
    ...s,
    tokensSent: s.inputTokens + s.cacheReadTokens + s.cacheWriteTokens,
    tokensReceived: s.outputTokens,
    reasoningTokens: r.reasoning,
    unpricedMessages: r.unpriced,
    approximateMessages: r.approximate,
    reportedCost: r.reported_cost,
    estimatedCost: r.estimated_cost,
    firstTs,
    lastTs,
  };
}

function addInto(into: SumsRow, r: SumsRow): void {
  for (const k of Object.keys(into) as (keyof SumsRow)[]) into[k] += r[k];
}

const zero = (): SumsRow => ({ input: 0, output: 0, cache_read: 0, cache_write: 0, cost: 0, messages: 0, reasoning: 0, unpriced: 0, approximate: 0, reported_cost: 0, estimated_cost: 0 });

/** The exact first or last request time, looked up only inside the first or last non-empty slot. */
async function edgeTs(db: Queryable, scope: TeamScope, view: Partial<TeamView>, slot: number, edge: 'min' | 'max'): Promise<number | null> {
  const w = whereOf(scope, view, { from: slot, to: slot + SLOT_MS }, 'raw');
  const { rows } = await db.query<{ t: number | null }>(`SELECT (extract(epoch FROM ${edge}(r.ts)) * 1000)::float8 AS t FROM ai_usage.requests r ${w.sql}`, w.params);
  return rows[0]?.t === null || rows[0]?.t === undefined ? null : Math.round(rows[0].t);
}

async function totalsIn(db: Queryable, scope: TeamScope, view: Partial<TeamView>, range: Bounds): Promise<Totals> {
  const w = whereOf(scope, view, range, 'rollup');
  const { rows } = await db.query<SumsRow & { first: number | null; last: number | null }>(
    `SELECT ${SUMS}, (extract(epoch FROM min(u.slot)) * 1000)::float8 AS first, (extract(epoch FROM max(u.slot)) * 1000)::float8 AS last FROM ai_usage.usage_15m u ${w.sql}`,
    w.params,
  );
  const r = rows[0];
  const firstTs = r.first === null ? null : await edgeTs(db, scope, view, r.first, 'min');
  const lastTs = r.last === null ? null : await edgeTs(db, scope, view, r.last, 'max');
  return totalsOf(r, firstTs, lastTs);
}

/** Everything above the table, for one view, in a team scope (same shape as the local dashboard's). */
export async function teamDashboard(db: Queryable, scope: TeamScope, view: TeamView, tz: string, now: number): Promise<DashboardData> {
  const range = resolveRange(view.range, now, tz);
  const bounds = filterOfView(view, range);
  const w = whereOf(scope, view, { from: bounds.from, to: bounds.to }, 'rollup');
  // One pass over the rollup feeds totals, both charts and the model shares. PostgreSQL folds the
  // 15-minute slots into local periods (its IANA zone data; `AT TIME ZONE`), so a year of slots
  // comes back as a few hundred rows; each period's key and start come from its first slot through
  // the local dashboard's own periodOf.
  w.params.push(view.granularity, tz);
  const g = `$${w.params.length - 1}`;
  const zone = `$${w.params.length}`;
  const periodsQuery = db.query<SumsRow & { local: string; model: string; first: number; last: number }>(
    `SELECT to_char(date_trunc(${g}, u.slot AT TIME ZONE ${zone}), 'YYYY-MM-DD HH24') AS local, u.model, ${SUMS},
       (extract(epoch FROM min(u.slot)) * 1000)::float8 AS first, (extract(epoch FROM max(u.slot)) * 1000)::float8 AS last
     FROM ai_usage.usage_15m u ${w.sql} GROUP BY 1, 2`,
    w.params,
  );
  const previousQuery =
    range.from !== null && range.to !== null ? totalsIn(db, scope, view, { from: range.from - (range.to - range.from), to: range.from }) : Promise.resolve(null);
  const [{ rows }, previousTotals] = await Promise.all([periodsQuery, previousQuery]);

  const periodOfLocal = new Map<string, Period>();
  const total = zero();
  const points = new Map<string, { period: Period; sums: SumsRow }>();
  const costs = new Map<string, { period: Period; model: string; sums: SumsRow }>();
  const models = new Map<string, { sums: SumsRow; lastSlot: number }>();
  let firstSlot = Infinity;
  let lastSlot = -Infinity;
  for (const r of rows) {
    addInto(total, r);
    firstSlot = Math.min(firstSlot, r.first);
    lastSlot = Math.max(lastSlot, r.last);
    let period = periodOfLocal.get(r.local);
    if (!period) {
      // An instant inside the period gives its key and start exactly as the local dashboard's fold does.
      period = periodOf(r.first, view.granularity, tz);
      periodOfLocal.set(r.local, period);
    }
    const point = points.get(period.key) ?? { period, sums: zero() };
    points.set(period.key, point);
    addInto(point.sums, r);
    const ck = `${period.key}\0${r.model}`;
    const c = costs.get(ck) ?? { period, model: r.model, sums: zero() };
    costs.set(ck, c);
    addInto(c.sums, r);
    const m = models.get(r.model) ?? { sums: zero(), lastSlot: r.last };
    models.set(r.model, m);
    addInto(m.sums, r);
    m.lastSlot = Math.max(m.lastSlot, r.last);
  }
  const series = [...points.values()]
    .map(({ period, sums }): SeriesPoint => {
      const s = sumsOf(sums);
      return { key: period.key, start: period.start, ...s, tokensSent: s.inputTokens + s.cacheReadTokens + s.cacheWriteTokens, tokensReceived: s.outputTokens };
    })
    .sort((a, b) => a.start - b.start);
  const costByModel = [...costs.values()].map(({ period, model, sums }): PeriodModelCost => {
    const s = sumsOf(sums);
    return { key: period.key, start: period.start, model, cost: s.cost, totalTokens: s.totalTokens, messages: s.messages };
  });
  const [firstTs, lastTs] = rows.length
    ? await Promise.all([edgeTs(db, scope, view, firstSlot, 'min'), edgeTs(db, scope, view, lastSlot, 'max')])
    : [null, null];
  return {
    totals: totalsOf(total, firstTs, lastTs),
    previousTotals,
    series,
    costByModel: costByModel.sort((a, b) => a.start - b.start || b.cost - a.cost || a.model.localeCompare(b.model)),
    models: [...models.entries()]
      .map(([key, m]): GroupRow => ({ key, ...sumsOf(m.sums), unpricedMessages: m.sums.unpriced, lastTs: m.lastSlot }))
      .sort((a, b) => b.cost - a.cost || b.messages - a.messages || a.key.localeCompare(b.key)),
    from: range.from,
    to: range.to,
    rangeLabel: range.label,
  };
}

const GROUP_COLUMN: Record<TeamGroupBy, string> = {
  user: 'u.user_name',
  machine: 'u.machine',
  project: 'u.project',
  model: 'u.model',
  source: 'u.source',
  branch: 'u.branch',
};

/**
 * Sums per user, machine, project (repository), model, source or branch, most expensive first.
 * `lastTs` is the start of the group's last 15-minute slot.
 */
export async function teamBreakdown(db: Queryable, scope: TeamScope, view: TeamView, by: TeamGroupBy, tz: string, now: number): Promise<GroupRow[]> {
  const range = resolveRange(view.range, now, tz);
  const col = GROUP_COLUMN[by];
  const w = whereOf(scope, view, range, 'rollup');
  const { rows } = await db.query<SumsRow & { key: string; last: number }>(
    `SELECT ${col} AS key, ${SUMS}, (extract(epoch FROM max(u.slot)) * 1000)::float8 AS last FROM ai_usage.usage_15m u ${w.sql}
     GROUP BY ${col} ORDER BY sum(u.cost) DESC, sum(u.rows_count) DESC, ${col}`,
    w.params,
  );
  return rows.map((r) => ({ key: r.key, ...sumsOf(r), unpricedMessages: r.unpriced, lastTs: r.last }));
}

export interface TeamFilterOptions extends FilterOptions {
  users: { user: string; messages: number; cost: number }[];
  machines: { machine: string; user: string; messages: number; cost: number }[];
}

/** What the pickers offer in a team scope: projects are repository identities. */
export async function teamFilterOptions(db: Queryable, scope: TeamScope): Promise<TeamFilterOptions> {
  const w = whereOf(scope, {}, {}, 'rollup');
  const { rows } = await db.query<{ user_name: string; machine: string; project: string; model: string; source: string; messages: number; cost: number; first: number | null; last: number | null }>(
    `SELECT u.user_name, u.machine, u.project, u.model, u.source, sum(u.rows_count::float8) AS messages, sum(u.cost) AS cost,
       (extract(epoch FROM min(u.slot)) * 1000)::float8 AS first, (extract(epoch FROM max(u.slot)) * 1000)::float8 AS last
     FROM ai_usage.usage_15m u ${w.sql} GROUP BY 1, 2, 3, 4, 5`,
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
  const byCost = (a: { cost: number }, b: { cost: number }) => b.cost - a.cost;
  const firsts = rows.map((r) => r.first).filter((x): x is number => x !== null);
  const lasts = rows.map((r) => r.last).filter((x): x is number => x !== null);
  return {
    projects: fold((r) => r.project)
      .map(([path, e]) => ({ path, messages: e.messages, cost: e.cost }))
      .sort((a, b) => a.path.localeCompare(b.path)),
    models: fold((r) => r.model)
      .map(([model, e]) => ({ model, messages: e.messages, cost: e.cost }))
      .sort(byCost),
    sources: fold((r) => r.source)
      .map(([source, e]) => ({ source: source as SourceId, messages: e.messages }))
      .sort((a, b) => b.messages - a.messages),
    users: fold((r) => r.user_name)
      .map(([user, e]) => ({ user, messages: e.messages, cost: e.cost }))
      .sort(byCost),
    machines: fold((r) => `${r.user_name}\0${r.machine}`)
      .map(([, e]) => ({ machine: e.row.machine, user: e.row.user_name, messages: e.messages, cost: e.cost }))
      .sort(byCost),
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

export interface TeamTableRow extends TableRow {
  user: string;
  machine: string;
  repository: string;
  branch: string;
}

export interface TeamPage {
  rows: TeamTableRow[];
  /** Rows matching the filter (from the rollup). */
  total: number;
  /** Pass as `after` for the next page; null on the last one. */
  next: TeamPageKey | null;
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
  let sql = w.sql;
  if (req.after) {
    w.params.push(new Date(req.after.ts).toISOString(), req.after.user, req.after.rowId);
    const n = w.params.length;
    sql = `${sql ? `${sql} AND` : 'WHERE'} (r.ts, r.user_name, r.row_id) ${dir === 'DESC' ? '<' : '>'} ($${n - 2}::timestamptz, $${n - 1}, $${n}::bigint)`;
  }
  w.params.push(limit);
  const pageQuery = db.query<{
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
  }>(
    `SELECT r.ts, r.user_name, r.machine, r.row_id::text AS row_id, r.source, r.repository, r.project, r.model, r.model_raw, r.session_id, r.branch,
       r.input, r.output, r.cache_read, r.cache_write, r.reasoning, r.cost, r.cost_source, r.approximate
     FROM ai_usage.requests r ${sql}
     ORDER BY r.ts ${dir}, r.user_name ${dir}, r.row_id ${dir} LIMIT $${w.params.length}`,
    w.params,
  );
  const t = whereOf(req.scope, req.view, range, 'rollup');
  const totalQuery = db.query<{ n: number }>(`SELECT COALESCE(sum(u.rows_count::float8), 0) AS n FROM ai_usage.usage_15m u ${t.sql}`, t.params);
  const [{ rows }, total] = await Promise.all([pageQuery, totalQuery]);
  const out = rows.map((r): TeamTableRow => {
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
    };
  });
  const last = out[out.length - 1];
  return { rows: out, total: total.rows[0].n, next: out.length === limit && last ? { ts: last.ts, user: last.user, rowId: last.id } : null };
}
