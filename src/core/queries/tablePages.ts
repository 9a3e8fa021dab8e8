// The request table: one page at any depth, and every row in order for an export.
//
// Sorted by time, or by a dimension (project, model, source, branch) and then time, a page is
// found through the rollups: their row counts per day and per 15-minute slot say which slot the
// page starts in and how many rows of that slot come before it, so only the page's own rows are
// read, from the month that holds them. Sorted by a value (cost, tokens, session), each month
// gives its best rows through its index and the months are merged.
import type { SqlValue } from 'sql.js';
import type { UsageStore } from '../store/usageStore';
import type { Catalog } from '../store/catalog';
import { monthStart, PART_SELECT, partRowOf, type Month, type Partition, type PartRow } from '../store/partition';
import { TOP_ROWS } from '../store/catalog';
import { SLOT_MS } from '../time/zoneSql';
import { rowCount } from './aggregate';
import { monthsIn, partWhere, resolveFilter, rollupSource, rollupWhere, type ResolvedFilter } from './filter';
import { DimNames } from './tableRows';
import type { PageRequest, SortColumn, TablePage, TableRow, UsageFilter } from './types';

const SLOTS_PER_DAY = 96;
const MAX_LIMIT = 1000;

type Dir = 'asc' | 'desc';

/** A run of rows in time order: everything the filter matches, or one value of a dimension. */
interface Group {
  filter: ResolvedFilter;
  count: number;
}

type DimList = 'projects' | 'models' | 'sources' | 'branches';

/** The UTC start (ms) of a kept row's month, in SQL, from the `month` column (months since 1970). */
const MONTH_START_SQL = "CAST(strftime('%s', printf('%04d-%02d-01', month / 12, month % 12 + 1)) AS INTEGER) * 1000";

const DIM_SORTS: Partial<Record<SortColumn, { column: string; list: DimList; name: string; join: string }>> = {
  project: { column: 'project', list: 'projects', name: 'd.path', join: 'JOIN projects d ON d.id = r.project' },
  model: { column: 'model', list: 'models', name: 'd.model', join: 'JOIN models d ON d.id = r.model' },
  source: { column: 'source', list: 'sources', name: 'd.name', join: 'JOIN sources d ON d.id = r.source' },
  branch: { column: 'branch', list: 'branches', name: "COALESCE(d.name, '')", join: 'LEFT JOIN branches d ON d.id = r.branch' },
};

/** Sorted by a value: the expression each month orders by. */
const VALUE_SORTS: Partial<Record<SortColumn, string>> = {
  cost: 'cost',
  sent: '(input + cache_read + cache_write)',
  received: 'output',
  session: 'session',
};

function groupsOf(cat: Catalog, f: ResolvedFilter, sort: SortColumn, dir: Dir, total: number): Group[] {
  const dim = DIM_SORTS[sort];
  if (!dim) return [{ filter: f, count: total }];
  const src = rollupSource(cat, f);
  // One group per name (several raw model ids share a normalised one), in the sort's order.
  const byName = new Map<string, { ids: number[]; count: number }>();
  for (const [name, id, count] of cat.all(`SELECT ${dim.name}, r.${dim.column}, SUM(r.rows) FROM ${src.table} r ${dim.join} ${src.where.sql} GROUP BY 2`, src.where.params)) {
    const g = byName.get(String(name)) ?? { ids: [], count: 0 };
    g.ids.push(Number(id));
    g.count += Number(count);
    byName.set(String(name), g);
  }
  const names = [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (dir === 'desc') names.reverse();
  return names.map((n) => ({ filter: { ...f, [dim.list]: byName.get(n)!.ids }, count: byName.get(n)!.count }));
}

/** Rows of one group in time order, `skip` rows in, at most `n`. */
async function timeSlice(store: UsageStore, f: ResolvedFilter, dir: Dir, skip: number, n: number): Promise<{ part: Partition; row: PartRow }[]> {
  const cat = store.catalog;
  const order = dir === 'desc' ? 'DESC' : 'ASC';
  // Which UTC day, then which slot of it, holds row number `skip`.
  let before = 0;
  let day: number | undefined;
  for (const [d, count] of dayCounts(cat, f, dir)) {
    if (before + count > skip) {
      day = d;
      break;
    }
    before += count;
  }
  if (day === undefined) return [];
  const dayW = rollupWhere(f, { from: day * SLOTS_PER_DAY, to: (day + 1) * SLOTS_PER_DAY }, 'r.');
  let slot: number | undefined;
  for (const [s, count] of cat.all(`SELECT r.slot, SUM(r.rows) FROM rollup r ${dayW.sql} GROUP BY 1 ORDER BY 1 ${order}`, dayW.params)) {
    if (before + Number(count) > skip) {
      slot = Number(s);
      break;
    }
    before += Number(count);
  }
  if (slot === undefined) return [];
  // From that slot on, in order, month by month.
  const range = dir === 'desc' ? { from: null, to: slot + 1 } : { from: slot, to: null };
  const months = monthsIn(store.monthsWithRows(), maxOf(f.fromSlot, range.from), minOf(f.toSlot, range.to));
  if (dir === 'desc') months.reverse();
  const out: { part: Partition; row: PartRow }[] = [];
  let offset = skip - before; // rows of the starting slot that come before the page
  for (const m of months) {
    if (out.length >= n) break;
    await store.withMonths([m], ([part]) => {
      if (!part) return;
      const pw = partWhere(f, part, range);
      for (const v of part.all(`SELECT ${PART_SELECT} FROM usage ${pw.sql} ORDER BY t ${order}, id ${order} LIMIT ? OFFSET ?`, [...pw.params, n - out.length, offset])) {
        out.push({ part, row: partRowOf(v) });
      }
    });
    offset = 0;
  }
  return out;
}

/**
 * Rows per UTC day in the sort's order: whole days from the UTC day rollups, a first or last day
 * the filter cuts from the slot rollups.
 */
function dayCounts(cat: Catalog, f: ResolvedFilter, dir: Dir): [number, number][] {
  const order = dir === 'desc' ? 'DESC' : 'ASC';
  const firstWhole = f.fromSlot === null ? null : Math.ceil(f.fromSlot / SLOTS_PER_DAY);
  const lastWhole = f.toSlot === null ? null : Math.floor(f.toSlot / SLOTS_PER_DAY);
  const out: [number, number][] = [];
  const cut = (from: number, to: number) => {
    const w = rollupWhere(f, { from, to }, 'r.');
    const n = Number(cat.all(`SELECT COALESCE(SUM(r.rows), 0) FROM rollup r ${w.sql}`, w.params)[0][0]);
    if (n) out.push([Math.floor(from / SLOTS_PER_DAY), n]);
  };
  if (firstWhole !== null && lastWhole !== null && firstWhole > lastWhole) {
    cut(f.fromSlot!, f.toSlot!); // within one day
    return out;
  }
  if (f.fromSlot !== null && f.fromSlot % SLOTS_PER_DAY) cut(f.fromSlot, firstWhole! * SLOTS_PER_DAY);
  const whole = rollupSource(cat, { ...f, fromSlot: firstWhole === null ? null : firstWhole * SLOTS_PER_DAY, toSlot: lastWhole === null ? null : lastWhole * SLOTS_PER_DAY });
  for (const [d, n] of cat.all(`SELECT r.day, SUM(r.rows) FROM day_rollup r ${whole.where.sql} GROUP BY 1 HAVING SUM(r.rows) > 0`, whole.where.params)) out.push([Number(d), Number(n)]);
  if (f.toSlot !== null && f.toSlot % SLOTS_PER_DAY) cut(lastWhole! * SLOTS_PER_DAY, f.toSlot);
  out.sort((a, b) => a[0] - b[0]);
  if (order === 'DESC') out.reverse();
  return out;
}

const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

function valueOf(expr: string, r: PartRow): number {
  switch (expr) {
    case 'cost':
      return r.cost;
    case 'output':
      return r.output;
    case 'session':
      return r.session;
    default:
      return r.input + r.cacheRead + r.cacheWrite;
  }
}

type Found = { part: Partition; row: PartRow };

/** Orders rows of different months the way each month's query did: value, then id (the index's own order). */
function compareBy(expr: string, dir: Dir): (a: Found, b: Found) => number {
  const sign = dir === 'desc' ? -1 : 1;
  return (a, b) => sign * (valueOf(expr, a.row) - valueOf(expr, b.row) || (a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0));
}

/** Up to this deep, each month's best rows are taken at once; deeper, the months are merged as a stream (bounded memory). */
const TOP_K_DEPTH = 5000;

/**
 * Most expensive first, near the top: the catalog keeps each month's TOP_ROWS most expensive rows,
 * so a month whose kept rows include enough that match (or all of its matching rows) is read from
 * there; only the others are loaded. Undefined when the page is deeper than the kept rows.
 */
async function topCostSlice(store: UsageStore, f: ResolvedFilter, offset: number, limit: number): Promise<Found[] | undefined> {
  const need = offset + limit;
  if (need > TOP_ROWS) return undefined;
  const cat = store.catalog;
  const months = monthsIn(store.monthsWithRows(), f.fromSlot, f.toSlot);
  // The filter's time bounds, as each kept row's own month start plus t: per month, so one query covers them all.
  const dims = partWhere({ ...f, fromSlot: null, toSlot: null }, { base: 0 });
  const time: string[] = [];
  const params: SqlValue[] = [...dims.params];
  if (f.fromSlot !== null) {
    time.push(`(t + ${MONTH_START_SQL}) >= ?`);
    params.push(f.fromSlot * SLOT_MS);
  }
  if (f.toSlot !== null) {
    time.push(`(t + ${MONTH_START_SQL}) < ?`);
    params.push(f.toSlot * SLOT_MS);
  }
  const where = [dims.sql.replace(/^WHERE /, ''), ...time].filter(Boolean).join(' AND ') || '1';
  const keptPerMonth = new Map(cat.all(`SELECT month, count(*) FROM top_cost WHERE ${where} GROUP BY month`, params).map((r) => [Number(r[0]), Number(r[1])]));
  // A month answers from its kept rows when they hold enough matches, or all of its matches.
  const complete: Month[] = [];
  const load: Month[] = [];
  for (const m of months) {
    const kept = keptPerMonth.get(m) ?? 0;
    const firstSlot = monthStart(m) / SLOT_MS;
    const lastSlot = monthStart(m + 1) / SLOT_MS;
    const inMonth = { ...f, fromSlot: Math.max(f.fromSlot ?? firstSlot, firstSlot), toSlot: Math.min(f.toSlot ?? lastSlot, lastSlot) };
    if (!cat.topRowsBehind(m) && (kept >= need || kept === rowCount(cat, inMonth))) complete.push(m);
    else load.push(m);
  }
  const all: Found[] = [];
  if (complete.length) {
    for (const v of cat.all(`SELECT month, ${PART_SELECT} FROM top_cost WHERE month IN (${complete.join(',')}) AND ${where} ORDER BY cost DESC, id DESC LIMIT ?`, [...params, need])) {
      all.push({ part: { base: monthStart(Number(v[0])) } as Partition, row: partRowOf(v.slice(1)) });
    }
  }
  for (const m of load) {
    await store.withMonths([m], ([part]) => {
      if (!part) return;
      const pw = partWhere(f, part);
      for (const v of part.all(`SELECT ${PART_SELECT} FROM usage ${pw.sql} ORDER BY cost DESC, id DESC LIMIT ?`, [...pw.params, need])) all.push({ part, row: partRowOf(v) });
    });
  }
  return all.sort(compareBy('cost', 'desc')).slice(offset, need);
}

async function valueSlice(store: UsageStore, f: ResolvedFilter, expr: string, dir: Dir, offset: number, limit: number): Promise<Found[]> {
  if (expr === 'cost' && dir === 'desc') {
    const top = await topCostSlice(store, f, offset, limit);
    if (top) return top;
  }
  if (offset + limit > TOP_K_DEPTH) {
    const out: Found[] = [];
    let skip = offset;
    for await (const chunk of mergedRows(store, f, expr, dir)) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      out.push(...chunk.slice(skip, skip + limit - out.length));
      skip = 0;
      if (out.length >= limit) break;
    }
    return out;
  }
  const order = dir === 'desc' ? 'DESC' : 'ASC';
  const all: Found[] = [];
  for (const m of monthsIn(store.monthsWithRows(), f.fromSlot, f.toSlot)) {
    await store.withMonths([m], ([part]) => {
      if (!part) return;
      const pw = partWhere(f, part);
      for (const v of part.all(`SELECT ${PART_SELECT} FROM usage ${pw.sql} ORDER BY ${expr} ${order}, id ${order} LIMIT ?`, [...pw.params, offset + limit])) {
        all.push({ part, row: partRowOf(v) });
      }
    });
  }
  return all.sort(compareBy(expr, dir)).slice(offset, offset + limit);
}

const CHUNK = 2000;

/** The next chunk of a month's rows after `last`, in (key, id) order: a keyset read, unaffected by rows added meanwhile. */
async function nextChunk(store: UsageStore, m: Month, f: ResolvedFilter, expr: string, dir: Dir, last: PartRow | undefined): Promise<Found[]> {
  return store.withMonths([m], ([part]) => {
    if (!part) return [];
    const pw = partWhere(f, part);
    const order = dir === 'desc' ? 'DESC' : 'ASC';
    const params: SqlValue[] = [...pw.params];
    let after = '';
    if (last) {
      after = `${pw.sql ? ' AND' : 'WHERE'} (${expr}, id) ${dir === 'desc' ? '<' : '>'} (?, ?)`;
      params.push(expr === 't' ? last.t : valueOf(expr, last), last.id);
    }
    return part.all(`SELECT ${PART_SELECT} FROM usage ${pw.sql}${after} ORDER BY ${expr} ${order}, id ${order} LIMIT ${CHUNK}`, params).map((v) => ({ part, row: partRowOf(v) }));
  });
}

/** Every row of `f` ordered by a value across months: a merge of one keyset cursor per month. */
async function* mergedRows(store: UsageStore, f: ResolvedFilter, expr: string, dir: Dir): AsyncGenerator<Found[]> {
  const cmp = compareBy(expr, dir);
  const heads: { m: Month; rows: Found[]; i: number; done: boolean }[] = [];
  for (const m of monthsIn(store.monthsWithRows(), f.fromSlot, f.toSlot)) {
    const rows = await nextChunk(store, m, f, expr, dir, undefined);
    if (rows.length) heads.push({ m, rows, i: 0, done: rows.length < CHUNK });
  }
  let out: Found[] = [];
  while (heads.length) {
    let best = 0;
    for (let k = 1; k < heads.length; k++) if (cmp(heads[k].rows[heads[k].i], heads[best].rows[heads[best].i]) < 0) best = k;
    const h = heads[best];
    out.push(h.rows[h.i++]);
    if (h.i >= h.rows.length) {
      const next = h.done ? [] : await nextChunk(store, h.m, f, expr, dir, h.rows[h.rows.length - 1].row);
      if (next.length) Object.assign(h, { rows: next, i: 0, done: next.length < CHUNK });
      else heads.splice(best, 1);
    }
    if (out.length >= CHUNK) {
      yield out;
      out = [];
      await new Promise((r) => setImmediate(r));
    }
  }
  if (out.length) yield out;
}

/** Every row of `f` in time order: months do not interleave, so one after another, each by keyset. */
async function* timeRows(store: UsageStore, f: ResolvedFilter, dir: Dir): AsyncGenerator<Found[]> {
  const months = monthsIn(store.monthsWithRows(), f.fromSlot, f.toSlot);
  if (dir === 'desc') months.reverse();
  for (const m of months) {
    let last: PartRow | undefined;
    for (;;) {
      const rows = await nextChunk(store, m, f, 't', dir, last);
      if (rows.length) yield rows;
      if (rows.length < CHUNK) break;
      last = rows[rows.length - 1].row;
      await new Promise((r) => setImmediate(r));
    }
  }
}

function toRows(store: UsageStore, found: { part: Partition; row: PartRow }[]): TableRow[] {
  const names = new DimNames(store.catalog);
  names.load(found.map((x) => x.row));
  return found.map((x) => names.row(x.row, x.part));
}

/** One page of the per-request table. */
export async function page(store: UsageStore, req: PageRequest): Promise<TablePage> {
  const cat = store.catalog;
  const f = resolveFilter(cat, req.filter);
  const limit = Math.max(0, Math.min(MAX_LIMIT, Math.floor(req.limit)));
  const offset = Math.max(0, Math.floor(req.offset));
  const dir: Dir = req.dir === 'asc' ? 'asc' : 'desc';
  const total = rowCount(cat, f);
  if (!limit || offset >= total) return { rows: [], total, offset };
  const expr = VALUE_SORTS[req.sort];
  if (expr) return { rows: toRows(store, await valueSlice(store, f, expr, dir, offset, limit)), total, offset };
  const found: { part: Partition; row: PartRow }[] = [];
  let skip = offset;
  for (const g of groupsOf(cat, f, req.sort, dir, total)) {
    if (skip >= g.count) {
      skip -= g.count;
      continue;
    }
    found.push(...(await timeSlice(store, g.filter, dir, skip, limit - found.length)));
    skip = 0;
    if (found.length >= limit) break;
  }
  return { rows: toRows(store, found), total, offset };
}

// ---- every row, for an export ---------------------------------------------------------------

/**
 * Every row the filter matches, in the table's order, in chunks. Each month is read by keyset
 * (continuing after the last row read), so rows imported while an export runs never shift it:
 * no row is written twice or skipped. Between chunks the event loop turns, so other calls are
 * answered meanwhile.
 */
export async function* orderedRows(store: UsageStore, filter: UsageFilter, sort: SortColumn, dirIn: Dir): AsyncGenerator<TableRow[]> {
  const cat = store.catalog;
  const f = resolveFilter(cat, filter);
  const dir: Dir = dirIn === 'asc' ? 'asc' : 'desc';
  if (f.none) return;
  const expr = VALUE_SORTS[sort];
  const groups = expr ? [{ filter: f, count: 0 }] : groupsOf(cat, f, sort, dir, 0);
  for (const g of groups) {
    for await (const chunk of expr ? mergedRows(store, g.filter, expr, dir) : timeRows(store, g.filter, dir)) yield toRows(store, chunk);
  }
}
