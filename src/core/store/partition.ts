// One UTC month of requests: its own sql.js database, loaded only when a question or a write
// needs it, so memory and saves follow the months in use, not the size of the history.
import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { createPartitionSchema, PARTITION_APP_ID, PARTITION_SCHEMA, tune, userVersion } from './schema';
import { SqlFile } from './sqlFile';
import type { RowMeasures } from './storedRow';

/** Months since January 1970 (UTC): 2026-11 is 2026 * 12 + 10. */
export type Month = number;

/** The last month `monthOf` found, and its bounds: rows come in time order, so most calls hit it. */
let lastMonth = { month: NaN, from: 0, to: 0 };

export function monthOf(ts: number): Month {
  if (ts >= lastMonth.from && ts < lastMonth.to) return lastMonth.month;
  const d = new Date(ts);
  const month = d.getUTCFullYear() * 12 + d.getUTCMonth();
  if (!Number.isNaN(month)) lastMonth = { month, from: monthStart(month), to: monthStart(month + 1) };
  return month;
}

export function monthStart(m: Month): number {
  return Date.UTC(Math.floor(m / 12), m % 12, 1);
}

export function monthLabel(m: Month): string {
  return `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
}

/** The columns of a stored row, in table order (ids are dimension ids local to the catalog). */
export interface PartRow extends RowMeasures {
  id: bigint;
  /** ms since the month began. */
  t: number;
  project: number;
  model: number;
  session: number;
  source: number;
  branch: number;
}

export const PART_COLUMNS =
  'id, t, project, model, session, source, branch, input, output, cache_read, cache_write, cache_write_1h, reasoning, requests, cost, reported, flags, alias';

/** One `?` per column of PART_COLUMNS (built once: inserts run per row). */
export const PART_PLACEHOLDERS = PART_COLUMNS.split(',')
  .map(() => '?')
  .join(',');

/** The same columns read back: 64-bit ids as text (sql.js's BigInt mode converts every integer through a string). */
export const PART_SELECT =
  'CAST(id AS TEXT), t, project, model, session, source, branch, input, output, cache_read, cache_write, cache_write_1h, reasoning, requests, cost, reported, flags, CAST(alias AS TEXT)';

export function partRowOf(v: SqlValue[]): PartRow {
  return {
    id: BigInt(v[0] as string),
    t: Number(v[1]),
    project: Number(v[2]),
    model: Number(v[3]),
    session: Number(v[4]),
    source: Number(v[5]),
    branch: Number(v[6]),
    input: Number(v[7]),
    output: Number(v[8]),
    cacheRead: Number(v[9]),
    cacheWrite: Number(v[10]),
    cacheWrite1h: Number(v[11]),
    reasoning: Number(v[12]),
    requests: Number(v[13]),
    cost: Number(v[14]),
    reported: v[15] === null ? null : Number(v[15]),
    flags: Number(v[16]),
    alias: v[17] === null ? null : BigInt(v[17] as string),
  };
}

/** A row's values in PART_COLUMNS order (ids as BigInt, so nothing of 64 bits is rounded). */
export function valuesOf(r: PartRow): SqlValue[] {
  return [
    r.id,
    r.t,
    r.project,
    r.model,
    r.session,
    r.source,
    r.branch,
    r.input,
    r.output,
    r.cacheRead,
    r.cacheWrite,
    r.cacheWrite1h,
    r.reasoning,
    r.requests,
    r.cost,
    r.reported,
    r.flags,
    r.alias,
  ];
}

/** Small page cache per month: many months can be loaded at once, each query touches few pages. */
const CACHE_KIB = 512;

export class Partition extends SqlFile {
  readonly base: number;
  /** Changed since it was loaded from (or last written to) `file`. */
  dirty = false;
  /** The highest cost among rows added, changed or removed since the catalog's copy of this month's most expensive rows was refreshed. */
  costTouched = -1;
  /** Inside a write that is waiting for its journal append: must not be closed. */
  inTransaction = false;
  /** Rows inserted or moved since loaded: random-order inserts leave pages part-full. */
  private inserts = 0;

  private constructor(
    readonly month: Month,
    db: Database,
    /** The file it was loaded from; undefined for a month with no file yet. */
    public file: string | undefined,
  ) {
    super(db, CACHE_KIB);
    this.base = monthStart(month);
  }

  static create(SQL: SqlJsStatic, month: Month): Partition {
    const db = tune(new SQL.Database(), CACHE_KIB);
    createPartitionSchema(db);
    const p = new Partition(month, db, undefined);
    p.dirty = true;
    return p;
  }

  /** Opens a month file's bytes (sql.js keeps a view of the buffer, no copy). Throws if it is not a partition. */
  static load(SQL: SqlJsStatic, month: Month, bytes: Uint8Array, file: string): Partition {
    const db = new SQL.Database(bytes);
    try {
      tune(db, CACHE_KIB);
      const app = Number(db.exec('PRAGMA application_id')[0].values[0][0]);
      const version = userVersion(db);
      if (app !== PARTITION_APP_ID || version !== PARTITION_SCHEMA) {
        throw new Error(`${file} is not a usage month file this version can read (application ${app}, schema ${version})`);
      }
      db.exec('SELECT id FROM usage LIMIT 1');
    } catch (e) {
      db.close();
      throw e;
    }
    return new Partition(month, db, file);
  }



  find(id: bigint): PartRow | undefined {
    const s = this.stmt(`SELECT ${PART_SELECT} FROM usage WHERE id = ?`);
    try {
      s.bind([id]);
      return s.step() ? partRowOf(s.get()) : undefined;
    } finally {
      s.reset();
    }
  }

  insert(r: PartRow): void {
    this.inserts++;
    this.touchCost(r.cost);
    this.stmt(`INSERT INTO usage (${PART_COLUMNS}) VALUES (${PART_PLACEHOLDERS})`).run(valuesOf(r));
    this.dirty = true;
  }

  /** Inserts unless the id is stored already; true when it inserted. */
  insertNew(r: PartRow): boolean {
    this.stmt(`INSERT OR IGNORE INTO usage (${PART_COLUMNS}) VALUES (${PART_PLACEHOLDERS})`).run(valuesOf(r));
    if (this.db.getRowsModified() === 0) return false;
    this.inserts++;
    this.touchCost(r.cost);
    this.dirty = true;
    return true;
  }

  /** Replaces the row with the same id (`old`: the row it replaces, whose cost may leave the top rows). */
  replace(r: PartRow, old?: PartRow): void {
    this.touchCost(Math.max(r.cost, old?.cost ?? -1));
    this.stmt(`INSERT OR REPLACE INTO usage (${PART_COLUMNS}) VALUES (${PART_PLACEHOLDERS})`).run(valuesOf(r));
    this.dirty = true;
  }

  setFlags(id: bigint, flags: number, alias: bigint | null): void {
    this.stmt('UPDATE usage SET flags = ?, alias = ? WHERE id = ?').run([flags, alias, id]);
    this.dirty = true;
  }

  delete(row: PartRow): void {
    this.touchCost(row.cost);
    this.stmt('DELETE FROM usage WHERE id = ?').run([row.id]);
    this.dirty = true;
  }

  private touchCost(cost: number): void {
    if (cost > this.costTouched) this.costTouched = cost;
  }

  /** The `k` most expensive rows, as the catalog keeps them (see Catalog.topRows). */
  topRows(k: number): PartRow[] {
    return this.all(`SELECT ${PART_SELECT} FROM usage ORDER BY cost DESC, id DESC LIMIT ${Math.trunc(k)}`).map(partRowOf);
  }

  hasOriginal(alias: bigint): boolean {
    const s = this.stmt('SELECT 1 FROM originals WHERE alias = ?');
    try {
      s.bind([alias]);
      return s.step();
    } finally {
      s.reset();
    }
  }

  addOriginal(alias: bigint): void {
    this.stmt('INSERT OR IGNORE INTO originals (alias) VALUES (?)').run([alias]);
    this.dirty = true;
  }

  /** Rows marked as copies of `alias`. */
  copiesOf(alias: bigint): PartRow[] {
    return this.all(`SELECT ${PART_SELECT} FROM usage WHERE alias = ?`, [alias]).map(partRowOf);
  }


  rowCount(): number {
    return Number(this.db.exec('SELECT count(*) FROM usage')[0].values[0][0]);
  }

  /** Bytes in memory (what a save writes). */
  byteSize(): number {
    const pages = Number(this.db.exec('PRAGMA page_count')[0].values[0][0]);
    return pages * Number(this.db.exec('PRAGMA page_size')[0].values[0][0]);
  }

  transaction<T>(fn: () => T): T {
    this.db.run('BEGIN');
    try {
      const out = fn();
      this.db.run('COMMIT');
      return out;
    } catch (e) {
      this.db.run('ROLLBACK');
      throw e;
    }
  }

  /** Worth repacking before a save: many inserts since it was loaded. */
  needsRepack(): boolean {
    return this.inserts * 10 > this.rowCount();
  }

  /**
   * The file image to write. A month that grew by random-order inserts is repacked first
   * (VACUUM: ~10 % smaller, and its indexes become sequential again).
   */
  image(repack: boolean): Uint8Array {
    if (repack) {
      this.freeStatements();
      this.db.run('VACUUM');
      this.inserts = 0;
    }
    return this.exportImage();
  }
}
