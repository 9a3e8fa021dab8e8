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
import { PART_SELECT, partRowOf, type Month, type Partition, type PartRow } from '../store/partition';
import { aggregate } from './aggregate';
import { monthsIn, partWhere, resolveFilter, rollupWhere, type ResolvedFilter } from './filter';
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

const DIM_SORTS: Partial<Record<SortColumn, { column: 'project' | 'model' | 'source' | 'branch'; name: string; join: string }>> = {
  project: { column: 'project', name: 'd.path', join: 'JOIN projects d ON d.id = r.project' },
  model: { column: 'model', name: 'd.model', join: 'JOIN models d ON d.id = r.model' },
  source: { column: 'source', name: 'd.name', join: 'JOIN sources d ON d.id = r.source' },
  branch: { column: 'branch', name: "COALESCE(d.name, '')", join: 'LEFT JOIN branches d ON d.id = r.branch' },
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
  const w = rollupWhere(f, undefined, 'r.');
  // One group per name (several raw model ids share a normalised one), in the sort's order.
  const byName = new Map<string, { ids: number[]; count: number }>();
  for (const [name, id, count] of cat.all(`SELECT ${dim.name}, r.${dim.column}, SUM(r.rows) FROM rollup r ${dim.join} ${w.sql} GROUP BY 2`, w.params)) {
    const g = byName.get(String(name)) ?? { ids: [], count: 0 };
    g.ids.push(Number(id));
    g.count += Number(count);
    byName.set(String(name), g);
  }
  const names = [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (dir === 'desc') names.reverse();
  const key = `${dim.column}s` as 'projects' | 'models' | 'sources' | 'branches';
  return names.map((n) => ({ filter: { ...f, [key]: byName.get(n)!.ids }, count: byName.get(n)!.count }));
}

/** Rows of one group in time order, `skip` rows in, at most `n`. */
async function timeSlice(store: UsageStore, f: ResolvedFilter, dir: Dir, skip: number, n: number): Promise<{ part: Partition; row: PartRow }[]> {
  const cat = store.catalog;
  const order = dir === 'desc' ? 'DESC' : 'ASC';
  const w = rollupWhere(f, undefined, 'r.');
  // Which UTC day, then which slot of it, holds row number `skip`.
  let before = 0;
  let day: number | undefined;
  for (const [d, count] of cat.all(`SELECT r.slot / ${SLOTS_PER_DAY}, SUM(r.rows) FROM rollup r ${w.sql} GROUP BY 1 ORDER BY 1 ${order}`, w.params)) {
    if (before + Number(count) > skip) {
      day = Number(d);
      break;
    }
    before += Number(count);
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

/** Orders rows of different months the way each month's query did: value, then time, then id. */
function compareBy(expr: string, dir: Dir): (a: { part: Partition; row: PartRow }, b: { part: Partition; row: PartRow }) => number {
  const sign = dir === 'desc' ? -1 : 1;
  return (a, b) => {
    const d = valueOf(expr, a.row) - valueOf(expr, b.row) || a.part.base + a.row.t - (b.part.base + b.row.t) || (a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0);
    return sign * d;
  };
}

async function valueSlice(store: UsageStore, f: ResolvedFilter, expr: string, dir: Dir, offset: number, limit: number): Promise<{ part: Partition; row: PartRow }[]> {
  const order = dir === 'desc' ? 'DESC' : 'ASC';
  const all: { part: Partition; row: PartRow }[] = [];
  for (const m of monthsIn(store.monthsWithRows(), f.fromSlot, f.toSlot)) {
    await store.withMonths([m], ([part]) => {
      if (!part) return;
      const pw = partWhere(f, part);
      for (const v of part.all(`SELECT ${PART_SELECT} FROM usage ${pw.sql} ORDER BY ${expr} ${order}, t ${order}, id ${order} LIMIT ?`, [...pw.params, offset + limit])) {
        all.push({ part, row: partRowOf(v) });
      }
    });
  }
  return all.sort(compareBy(expr, dir)).slice(offset, offset + limit);
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
  const total = aggregate(cat, f).rows;
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

const CHUNK = 2000;

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
  const expr = VALUE_SORTS[sort] ?? 't';
  const groups = VALUE_SORTS[sort] ? [{ filter: f, count: 0 }] : groupsOf(cat, f, sort, dir, 0);
  for (const g of groups) {
    // A cursor per month; the next row overall is the best head among them.
    const months = monthsIn(store.monthsWithRows(), g.filter.fromSlot, g.filter.toSlot);
    if (expr === 't' && dir === 'desc') months.reverse();
    const heads = new Map<Month, { part: Partition; rows: PartRow[]; done: boolean }>();
    const fill = async (m: Month) => {
      const h = heads.get(m)!;
      const last = h.rows[h.rows.length - 1];
      await store.withMonths([m], ([part]) => {
        if (!part) {
          h.rows = [];
          h.done = true;
          return;
        }
        h.part = part;
        const pw = partWhere(g.filter, part);
        const order = dir === 'desc' ? 'DESC' : 'ASC';
        const cmp = dir === 'desc' ? '<' : '>';
        const params: SqlValue[] = [...pw.params];
        let after = '';
        if (last) {
          after = `${pw.sql ? ' AND' : 'WHERE'} (${expr === 't' ? '' : `${expr}, `}t, id) ${cmp} (${expr === 't' ? '' : '?, '}?, ?)`;
          if (expr !== 't') params.push(valueOf(expr, last));
          params.push(last.t, last.id);
        }
        h.rows = part.all(`SELECT ${PART_SELECT} FROM usage ${pw.sql}${after} ORDER BY ${expr === 't' ? '' : `${expr} ${order}, `}t ${order}, id ${order} LIMIT ${CHUNK}`, params).map(partRowOf);
        h.done = h.rows.length < CHUNK;
      });
    };
    if (expr === 't') {
      // Time order: months do not interleave, so read them one after another.
      for (const m of months) {
        heads.set(m, { part: undefined as unknown as Partition, rows: [], done: false });
        for (;;) {
          await fill(m);
          const h = heads.get(m)!;
          if (h.rows.length) yield toRows(store, h.rows.map((row) => ({ part: h.part, row })));
          if (h.done) break;
          await new Promise((r) => setImmediate(r));
        }
      }
      continue;
    }
    const cmp = compareBy(expr, dir);
    const queue: { m: Month; i: number }[] = [];
    for (const m of months) {
      heads.set(m, { part: undefined as unknown as Partition, rows: [], done: false });
      await fill(m);
      if (heads.get(m)!.rows.length) queue.push({ m, i: 0 });
    }
    let out: { part: Partition; row: PartRow }[] = [];
    while (queue.length) {
      let best = 0;
      for (let k = 1; k < queue.length; k++) {
        const a = heads.get(queue[k].m)!;
        const b = heads.get(queue[best].m)!;
        if (cmp({ part: a.part, row: a.rows[queue[k].i] }, { part: b.part, row: b.rows[queue[best].i] }) < 0) best = k;
      }
      const q = queue[best];
      const h = heads.get(q.m)!;
      out.push({ part: h.part, row: h.rows[q.i] });
      q.i++;
      if (q.i >= h.rows.length) {
        if (h.done) queue.splice(best, 1);
        else {
          await fill(q.m);
          q.i = 0;
          if (!h.rows.length) queue.splice(best, 1);
        }
      }
      if (out.length >= CHUNK) {
        yield toRows(store, out);
        out = [];
        await new Promise((r) => setImmediate(r));
      }
    }
    if (out.length) yield toRows(store, out);
  }
}
