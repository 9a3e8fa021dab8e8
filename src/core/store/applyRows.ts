// How a request is added to the store: deduplicated by id, the most complete copy kept, replayed
// copies dropped in favour of their original, and every change reflected in the rollups. Every
// process applies the journal's records with this same code, in journal order, so all of them
// reach the same state.
import type { Catalog } from './catalog';
import { SLOT_MS } from './catalog';
import { monthOf, type Month, type Partition, type PartRow } from './partition';
import { FLAG_COPY, isBetter, type StoredRow } from './storedRow';

/**
 * How far apart two copies of one request may be logged and still be found (streamed lines of a
 * response are seconds apart; a resumed session repeats the original times). Month files are
 * searched within this distance of the row's own time.
 */
export const DEDUPE_WINDOW_MS = 2 * 24 * 3600_000;

export interface PartitionAccess {
  /** A loaded month (see `monthsFor`), or a new empty one when `create` and the month has none. */
  get(month: Month, create: boolean): Partition | undefined;
}

function monthsBetween(from: number, to: number): Month[] {
  const out: Month[] = [];
  for (let m = monthOf(from); m <= monthOf(to); m++) out.push(m);
  return out;
}

function ownFirst(month: Month, all: Month[]): Month[] {
  return [month, ...all.filter((m) => m !== month)];
}

/** Months to look in for an existing copy of this row's id. */
function idMonths(r: StoredRow): Month[] {
  return ownFirst(monthOf(r.ts), monthsBetween(r.ts - DEDUPE_WINDOW_MS, r.ts + DEDUPE_WINDOW_MS));
}

/** Months a replayed copy's original may be in: its session so far, and the window around it. */
function originalMonths(r: StoredRow, catalog: Catalog): Month[] {
  const sessionId = catalog.knownSessionId(r.session);
  const bounds = sessionId === undefined ? undefined : catalog.sessionBounds(sessionId);
  const from = Math.min(bounds?.first ?? r.ts, r.ts) - DEDUPE_WINDOW_MS;
  return monthsBetween(from, r.ts + DEDUPE_WINDOW_MS);
}

/** Every month applying `rows` may read or write: load them before calling `applyRows`. */
export function monthsFor(rows: readonly StoredRow[], catalog: Catalog): Set<Month> {
  const out = new Set<Month>();
  for (const r of rows) {
    for (const m of idMonths(r)) out.add(m);
    if (r.alias === null) continue;
    if (r.flags & FLAG_COPY) for (const m of originalMonths(r, catalog)) out.add(m);
    else for (const m of catalog.copyMonths(r.alias)) out.add(m);
  }
  return out;
}

function partRow(r: StoredRow, catalog: Catalog, base: number): PartRow {
  return {
    id: r.id,
    t: r.ts - base,
    project: catalog.projectId(r.project),
    model: catalog.modelId(r.modelRaw, r.model, r.pricedAs),
    session: catalog.sessionId(r.session, r.ts),
    source: catalog.sourceId(r.source),
    branch: catalog.branchId(r.branch),
    input: r.input,
    output: r.output,
    cacheRead: r.cacheRead,
    cacheWrite: r.cacheWrite,
    cacheWrite1h: r.cacheWrite1h,
    reasoning: r.reasoning,
    requests: r.requests,
    cost: r.cost,
    reported: r.reported,
    flags: r.flags,
    alias: r.flags & FLAG_COPY ? r.alias : null,
  };
}

/** The 15-minute UTC slot of a row of the month starting at `base`. */
export function slotOf(row: PartRow, base: number): number {
  return Math.floor((base + row.t) / SLOT_MS);
}

/** Stored form of a row found in month `p`, for comparing with an incoming copy. */
function asStored(row: PartRow, r: StoredRow): StoredRow {
  return { ...r, input: row.input, output: row.output, cacheRead: row.cacheRead, cacheWrite: row.cacheWrite, reported: row.reported, flags: row.flags };
}

export interface Applied {
  /** Stored rows inserted, improved or removed. */
  changed: number;
  /** Of those, rows that did not exist before. */
  inserted: number;
}

/**
 * Applies rows. The months `monthsFor(rows)` names must be loaded. Call inside a catalog transaction.
 */
export function applyRows(rows: readonly StoredRow[], catalog: Catalog, parts: PartitionAccess): Applied {
  const out: Applied = { changed: 0, inserted: 0 };
  for (const r of rows) applyOne(r, catalog, parts, out);
  return out;
}

function applyOne(r: StoredRow, catalog: Catalog, parts: PartitionAccess, out: Applied): void {
  const month = monthOf(r.ts);
  // Its own month is tried by inserting (one b-tree descent for a new row); neighbours by lookup.
  for (const m of idMonths(r)) {
    if (m === month) continue;
    const p = parts.get(m, false);
    const found = p?.find(r.id);
    if (p && found) {
      out.changed += improve(r, found, p, month, catalog, parts);
      return;
    }
  }
  const isCopy = (r.flags & FLAG_COPY) !== 0;
  if (isCopy && r.alias !== null) {
    for (const m of originalMonths(r, catalog)) if (parts.get(m, false)?.hasOriginal(r.alias)) return; // a replay of a request we have
  }
  const p = parts.get(month, true)!;
  const row = partRow(r, catalog, p.base);
  if (!p.insertNew(row)) {
    out.changed += improve(r, p.find(r.id)!, p, month, catalog, parts);
    return;
  }
  catalog.count(row, slotOf(row, p.base), 1);
  out.changed++;
  out.inserted++;
  if (r.alias !== null) {
    if (isCopy) catalog.addCopy(r.alias, month);
    else out.changed += registerOriginal(r.alias, p, catalog, parts);
  }
}

/** A copy of a stored request arrived: keep the better of the two. */
function improve(r: StoredRow, found: PartRow, p: Partition, month: Month, catalog: Catalog, parts: PartitionAccess): number {
  const wasCopy = (found.flags & FLAG_COPY) !== 0;
  const isCopy = wasCopy && (r.flags & FLAG_COPY) !== 0;
  if (isBetter(r, asStored(found, r))) {
    catalog.count(found, slotOf(found, p.base), -1);
    const target = month === p.month ? p : parts.get(month, true)!;
    const row = partRow({ ...r, flags: isCopy ? r.flags : r.flags & ~FLAG_COPY }, catalog, target.base);
    if (target === p) p.replace(row, found);
    else {
      p.delete(found);
      target.insert(row);
    }
    catalog.count(row, slotOf(row, target.base), 1);
    if (wasCopy && !isCopy && r.alias !== null) return 1 + registerOriginal(r.alias, target, catalog, parts);
    return 1;
  }
  if (wasCopy && (r.flags & FLAG_COPY) === 0) {
    // The same request seen again, this time not as a replay: it is the original.
    p.setFlags(found.id, found.flags & ~FLAG_COPY, null);
    if (r.alias !== null) return registerOriginal(r.alias, p, catalog, parts);
  }
  return 0;
}

/** A row that is not a copy carries `alias`: remember it, and drop copies of it stored earlier. */
function registerOriginal(alias: bigint, p: Partition, catalog: Catalog, parts: PartitionAccess): number {
  p.addOriginal(alias);
  let removed = 0;
  for (const m of catalog.copyMonths(alias)) {
    const q = parts.get(m, false);
    if (!q) continue;
    for (const copy of q.copiesOf(alias)) {
      q.delete(copy);
      const slot = slotOf(copy, q.base);
      catalog.count(copy, slot, -1);
      catalog.tombstone(copy.id, slot);
      removed++;
    }
  }
  catalog.dropCopies(alias);
  return removed;
}

/** Deletes stored rows (an overlap rule decided another store has them); returns how many were there. */
export function deleteRows(ids: readonly [id: bigint, month: Month][], catalog: Catalog, parts: PartitionAccess): number {
  let removed = 0;
  for (const [id, month] of ids) {
    const p = parts.get(month, false);
    const row = p?.find(id);
    if (!p || !row) continue;
    p.delete(row);
    const slot = slotOf(row, p.base);
    catalog.count(row, slot, -1);
    catalog.tombstone(id, slot);
    removed++;
  }
  return removed;
}
