// A filter (projects with their subfolders, models, sources, a time range) turned into the
// catalog's dimension ids and 15-minute slots, and into WHERE clauses over the rollups and over a
// month's rows. Time bounds are slot boundaries: every local hour, day and zone offset in use is
// one, so the filters the dashboard, the badge and the CLI build are exact; any other bound is
// widened to the slots around it (the same in every answer, so totals, charts and tables agree).
import type { SqlValue } from 'sql.js';
import type { Catalog } from '../store/catalog';
import { SLOT_MS } from '../store/catalog';
import type { Partition } from '../store/partition';
import { monthOf, type Month } from '../store/partition';
import type { UsageFilter } from './types';
import { ZoneClock } from '../time/zoneClock';

const DAY_MS = 86_400_000;

export interface ResolvedFilter {
  /** First slot included, or null for no lower bound. */
  fromSlot: number | null;
  /** First slot excluded, or null. */
  toSlot: number | null;
  projects?: number[];
  models?: number[];
  sources?: number[];
  branches?: number[];
  /** A list filter matched nothing: every answer is empty. */
  none: boolean;
}

export interface Where {
  sql: string;
  params: SqlValue[];
}

/** A project folder without its trailing separator ('/' stays '/'). */
function trimFolder(p: string): string {
  return p.length > 1 ? p.replace(/[\\/]+$/, '') || p.slice(0, 1) : p;
}

/** Ids of projects that are `folder` or below it, with either separator (Windows logs use '\'). */
function projectIds(cat: Catalog, folders: string[]): number[] {
  const ors: string[] = [];
  const params: SqlValue[] = [];
  for (const raw of folders) {
    const folder = trimFolder(raw);
    if (folder === '/') {
      ors.push("path LIKE '/%'");
      continue;
    }
    ors.push('path = ? OR substr(path, 1, ?) = ? OR substr(path, 1, ?) = ?');
    params.push(folder, folder.length + 1, `${folder}/`, folder.length + 1, `${folder}\\`);
  }
  return cat.all(`SELECT id FROM projects WHERE ${ors.join(' OR ')}`, params).map((r) => Number(r[0]));
}

function idsOf(cat: Catalog, table: string, column: string, values: readonly string[]): number[] {
  return cat.all(`SELECT id FROM ${table} WHERE ${column} IN (${values.map(() => '?').join(',')})`, [...values]).map((r) => Number(r[0]));
}

export function resolveFilter(cat: Catalog, f: UsageFilter): ResolvedFilter {
  const out: ResolvedFilter = {
    fromSlot: f.from === undefined || f.from === null ? null : Math.floor(f.from / SLOT_MS),
    toSlot: f.to === undefined || f.to === null ? null : Math.ceil(f.to / SLOT_MS),
    none: false,
  };
  if (f.projects?.length) out.projects = projectIds(cat, f.projects);
  if (f.models?.length) out.models = idsOf(cat, 'models', 'model', f.models);
  if (f.sources?.length) out.sources = idsOf(cat, 'sources', 'name', f.sources);
  if (f.branches?.length) out.branches = f.branches.includes('') ? [0, ...idsOf(cat, 'branches', 'name', f.branches)] : idsOf(cat, 'branches', 'name', f.branches);
  out.none = [out.projects, out.models, out.sources, out.branches].some((l) => l !== undefined && l.length === 0);
  if (out.fromSlot !== null && out.toSlot !== null && out.fromSlot >= out.toSlot) out.none = true;
  return out;
}

/** Ids are integers from the catalog: inlined, so a statement never binds thousands of parameters. */
function dimClauses(f: ResolvedFilter, prefix: string): string[] {
  const parts: string[] = [];
  const list = (col: string, ids: number[] | undefined) => {
    if (ids) parts.push(`${prefix}${col} IN (${ids.map((n) => Math.trunc(n)).join(',')})`);
  };
  list('project', f.projects);
  list('model', f.models);
  list('source', f.sources);
  list('branch', f.branches);
  return parts;
}

/** WHERE over the rollup table (optionally with a narrower slot range); `prefix` qualifies its columns in a join. */
export function rollupWhere(f: ResolvedFilter, range?: { from: number | null; to: number | null }, prefix = ''): Where {
  const parts = dimClauses(f, prefix);
  const params: SqlValue[] = [];
  const from = maxBound(f.fromSlot, range?.from ?? null);
  const to = minBound(f.toSlot, range?.to ?? null);
  if (from !== null) {
    parts.push(`${prefix}slot >= ?`);
    params.push(from);
  }
  if (to !== null) {
    parts.push(`${prefix}slot < ?`);
    params.push(to);
  }
  if (f.none) parts.push('0');
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** WHERE over one month's rows, for slots [from, to) within the filter. */
export function partWhere(f: ResolvedFilter, part: Pick<Partition, 'base'>, range?: { from: number | null; to: number | null }): Where {
  const parts = dimClauses(f, '');
  const params: SqlValue[] = [];
  const from = maxBound(f.fromSlot, range?.from ?? null);
  const to = minBound(f.toSlot, range?.to ?? null);
  if (from !== null && from * SLOT_MS > part.base) {
    parts.push('t >= ?');
    params.push(from * SLOT_MS - part.base);
  }
  if (to !== null) {
    parts.push('t < ?');
    params.push(to * SLOT_MS - part.base);
  }
  if (f.none) parts.push('0');
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

function maxBound(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

function minBound(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

/** Where a filter's sums come from: slot rollups, or one zone's day rollups (a 96th of the rows). */
export interface RollupSource {
  table: 'rollup' | 'day_rollup';
  where: Where;
  /** Day rollups: the zone's id; its `day` column is that zone's local day number. */
  zone?: number;
  zoneName?: string;
}

/** The local day a slot boundary starts in `tz`, if it is a local midnight there. */
function midnightDay(clock: ZoneClock, slot: number): number | undefined {
  const local = slot * SLOT_MS + clock.offsetAt(slot * SLOT_MS);
  return local % DAY_MS === 0 ? local / DAY_MS : undefined;
}

/**
 * The rollups that answer `f` exactly with the fewest rows: the day rollups of UTC, or of `tz`,
 * when the filter's bounds are midnights there (the dashboard's, the badge's and the CLI's ranges
 * are local days); the slot rollups otherwise. `onlyTz`: sums per local day of `tz` are wanted.
 */
export function rollupSource(cat: Catalog, f: ResolvedFilter, tz?: string, onlyTz = false): RollupSource {
  const zones = tz && tz !== 'UTC' ? (onlyTz ? [tz] : ['UTC', tz]) : ['UTC'];
  for (const zoneName of zones) {
    const clock = ZoneClock.of(zoneName);
    const from = f.fromSlot === null ? null : midnightDay(clock, f.fromSlot);
    const to = f.toSlot === null ? null : midnightDay(clock, f.toSlot);
    if (from === undefined || to === undefined) continue;
    const zone = cat.dayZone(zoneName);
    const parts = [`r.zone = ${zone}`, ...dimClauses(f, 'r.')];
    const params: SqlValue[] = [];
    if (from !== null) {
      parts.push('r.day >= ?');
      params.push(from);
    }
    if (to !== null) {
      parts.push('r.day < ?');
      params.push(to);
    }
    if (f.none) parts.push('0');
    return { table: 'day_rollup', where: { sql: `WHERE ${parts.join(' AND ')}`, params }, zone, zoneName };
  }
  return { table: 'rollup', where: rollupWhere(f, undefined, 'r.') };
}

/** Months that may hold rows of slots [from, to) (null: unbounded), among `withRows`. */
export function monthsIn(withRows: Month[], from: number | null, to: number | null): Month[] {
  const lo = from === null ? -Infinity : monthOf(from * SLOT_MS);
  const hi = to === null ? Infinity : monthOf(to * SLOT_MS - 1);
  return withRows.filter((m) => m >= lo && m <= hi);
}
