// The usage store: a catalog, one file per month, and a journal, shared by every process (VS Code
// windows, the CLI) that opens the same path. See the README's architecture section.
//
// - In memory: the catalog (always), and the months a question or a write needed (loaded lazily,
//   evicted when clean and over budget).
// - A write is one journal append (fsynced when the caller needs it on disk) made under the lock
//   after taking in every record others appended, then applied in memory: every process applies
//   the same records in the same order. A large write (a first import) is applied in memory and
//   folded directly instead.
// - A fold (journal past a size, idle, or a large write) writes the changed months as new files
//   and a new catalog, then renames the catalog into place: that rename is the commit. A process
//   that sees a new catalog reloads (cheap: the catalog, then months on demand).
// - Kill at any moment: the catalog on disk and the journal records it names are always whole;
//   a torn journal record is rejected by its checksum, a half-written file is a temp file no
//   catalog names (removed later).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import type { FileCursor, LimitHit, LimitObservation, PricedRecord, SourceId } from '../model';
import { applyRows, deleteRows, monthsFor, type Applied, type PartitionAccess } from './applyRows';
import { Catalog, NewerSchemaError, type FileStats, type SourceRunInfo } from './catalog';
import { appendRecords, createJournal, readJournal } from './journal';
import { acquireLock, type HeldLock } from './lock';
import { isSchema1, readSchema1 } from './migrateV1';
import { withFileLock } from './schema1Lock';
import { monthOf, Partition, monthLabel, type Month } from './partition';
import { MonthCache } from './monthCache';
import { Repricing, type PriceFn } from './reprice';
import { loadSqlJs } from './sqljs';
import {
  commitStaged,
  isCorruption,
  looksLikeSqlite,
  monthFileName,
  newId,
  readIfExists,
  removeStaleTemps,
  removeUnreferencedMonths,
  sameStamp,
  stageFile,
  stampOf,
  storePaths,
  syncDir,
  type Stamp,
  type StorePaths,
} from './storeFiles';
import { fromJournal, fromPriced, toJournal, type JournalRow, type StoredRow } from './storedRow';

export type { FileStats, SourceRunInfo };
export { NewerSchemaError };

export interface CursorUpdate {
  source: SourceId;
  file: string;
  cursor: FileCursor;
  stats: FileStats;
}

/** One write: new or better rows, rows to delete, import cursors, source runs, meta values. */
export interface StoreWrite {
  rows?: readonly PricedRecord[];
  /**
   * The store's epoch when the files these rows and cursors came from were read (see `epoch()`).
   * If the store was reset since, the write is dropped: its cursors describe a history that is
   * gone, and the next import brings the rows back. Writes without it (API records) always land.
   */
  epoch?: string;
  deletes?: readonly [id: bigint, month: Month][];
  cursors?: readonly CursorUpdate[];
  runs?: readonly SourceRunInfo[];
  meta?: Readonly<Record<string, string>>;
  /** Plan-limit observations (the newest per bucket and window is kept). */
  limits?: readonly LimitObservation[];
  /** Limit hits (one per reset instant is kept). */
  hits?: readonly LimitHit[];
}

/** The journal form of a write. */
interface Entry {
  r?: JournalRow[];
  d?: [string, number][];
  c?: [SourceId, string, FileCursor, FileStats, number][];
  s?: SourceRunInfo[];
  m?: Record<string, string>;
  l?: LimitObservation[];
  h?: LimitHit[];
}

interface Decoded {
  rows: StoredRow[];
  deletes: [bigint, Month][];
  cursors: (CursorUpdate & { at: number })[];
  runs: SourceRunInfo[];
  meta: Record<string, string>;
  limits?: LimitObservation[];
  hits?: LimitHit[];
}

export type WriteResult = Applied;

export interface StoreOptions {
  /** Fold once the journal is this big (bytes). */
  foldBytes?: number;
  /** A write with at least this many rows is applied in memory and folded, not journaled. */
  bulkRows?: number;
  /** Memory for loaded months (bytes); clean months beyond it are closed, least recently used first. */
  monthBudgetBytes?: number;
  /** Lock timing (tests shorten it). */
  lockStaleMs?: number;
}

/** About 6,000 requests: replaying it on open takes well under a second. */
const FOLD_BYTES = 2 * 1024 * 1024;
/** An idle store folds a journal of this size (see `foldIfIdle`). */
const IDLE_FOLD_BYTES = 256 * 1024;
const BULK_ROWS = 10_000;
const MONTH_BUDGET = 160 * 1024 * 1024;

/** The file is there but is not a database SQLite can read: the only reason to move it aside. */
class CorruptError extends Error {}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class UsageStore {
  /** Problems met while opening or syncing (e.g. a corrupt file moved aside), in plain words for the user. */
  readonly warnings: string[] = [];
  private cat!: Catalog;
  private readonly months: MonthCache;
  private catalogStamp: Stamp | undefined;
  private journal = { id: '', ino: 0, offset: 0 };
  /** Bulk-applied changes not yet folded, and the catalog they were applied on. */
  private bulkBase: Stamp | undefined;
  private uncommitted = false;
  /** The month files named by the catalog before the last fold (a reader may still be loading them). */
  private previousFiles = new Set<string>();
  private readonly opts: Required<StoreOptions>;
  /** Last scan time per source, kept in memory when nothing else changed (not worth a write). */
  private readonly scans = new Map<SourceId, number>();

  private constructor(
    private readonly SQL: SqlJsStatic,
    readonly paths: StorePaths | undefined,
    catalog: Catalog | undefined,
    opts: StoreOptions,
  ) {
    if (catalog) this.cat = catalog;
    this.opts = {
      foldBytes: opts.foldBytes ?? FOLD_BYTES,
      bulkRows: opts.bulkRows ?? BULK_ROWS,
      monthBudgetBytes: opts.monthBudgetBytes ?? MONTH_BUDGET,
      lockStaleMs: opts.lockStaleMs ?? 15_000,
    };
    this.months = new MonthCache(SQL, paths?.months, this.opts.monthBudgetBytes);
  }

  /** The database path the store is named by (its catalog), or undefined in memory. */
  get file(): string | undefined {
    return this.paths?.catalog;
  }

  get catalog(): Catalog {
    return this.cat;
  }

  // ---- opening ------------------------------------------------------------------------

  /**
   * Opens (or creates) the store at `file`. A schema-1 database there is moved into this layout
   * (kept as `<file>.schema1.bak`). Only a file SQLite cannot read is moved aside, with a warning;
   * a file that cannot be read at all (permissions, I/O) is an error and is left alone.
   */
  static async open(file: string, opts: StoreOptions = {}): Promise<UsageStore> {
    const SQL = await loadSqlJs();
    const paths = storePaths(path.resolve(file));
    try {
      await fs.mkdir(paths.dir, { recursive: true });
    } catch (e) {
      throw new Error(`Cannot open the usage database folder ${paths.dir}: ${message(e)}`);
    }
    const store = new UsageStore(SQL, paths, undefined, opts);
    await removeStaleTemps([paths.dir, paths.months], 10 * 60_000);
    await store.load(true);
    return store;
  }

  /** A store that is never saved (tests, dry runs). */
  static async inMemory(opts: StoreOptions = {}): Promise<UsageStore> {
    const SQL = await loadSqlJs();
    const store = new UsageStore(SQL, undefined, Catalog.create(SQL), opts);
    store.initFresh();
    return store;
  }

  private initFresh(): void {
    this.cat.transaction(() => {
      this.cat.setMeta('created_at', String(Date.now()));
      this.cat.setMeta('epoch', newId());
      this.cat.setMeta('generation', '0');
      this.cat.setMeta('journal_id', newId());
    });
  }

  private lockDir(): string {
    return this.paths!.locks;
  }

  private lock(): Promise<HeldLock> {
    return acquireLock(this.lockDir(), { staleMs: this.opts.lockStaleMs });
  }

  /** (Re)loads the catalog and replays the journal, dropping everything in memory. */
  private async load(first: boolean): Promise<void> {
    const paths = this.paths!;
    for (;;) {
      this.months.clear();
      this.uncommitted = false;
      this.bulkBase = undefined;
      const stamp = await stampOf(paths.catalog);
      const bytes = stamp ? await readIfExists(paths.catalog) : undefined;
      if (!bytes) {
        if (await this.createOnDisk(first)) continue; // someone else created it meanwhile: load theirs
        return;
      }
      if (isSchema1(this.SQL, bytes)) {
        await this.withLock((lock) => this.migrateSchema1(lock));
        continue;
      }
      let catalog: Catalog;
      try {
        if (!looksLikeSqlite(bytes)) throw new CorruptError('not an SQLite database');
        catalog = Catalog.load(this.SQL, bytes);
      } catch (e) {
        if (e instanceof NewerSchemaError || !(e instanceof CorruptError || isCorruption(e))) throw e;
        await this.moveAside(paths.catalog, e);
        continue;
      }
      this.cat?.close();
      this.cat = catalog;
      this.catalogStamp = stamp;
      const read = await readJournal<Entry>(paths.journal);
      const expected = catalog.getMeta('journal_id') ?? '';
      this.journal = read.id === expected ? { id: expected, ino: read.ino, offset: read.end } : { id: expected, ino: -1, offset: 0 };
      if (read.id === expected) for (const e of read.records) await this.applyEntry(e, 'memory');
      // The catalog may have been replaced while we read the journal: then start over.
      if (!sameStamp(await stampOf(paths.catalog), stamp)) continue;
      return;
    }
  }

  /** No catalog yet: write an empty one (under the lock, unless another process just did). Returns true to reload. */
  private async createOnDisk(first: boolean): Promise<boolean> {
    const paths = this.paths!;
    return this.withLock(async (lock) => {
      if (await stampOf(paths.catalog)) return true;
      this.cat?.close();
      this.cat = Catalog.create(this.SQL);
      this.initFresh();
      await this.commitFold(lock, 1);
      if (!first) this.warnings.push(`The usage database ${paths.catalog} had disappeared; a new one was started.`);
      return false;
    });
  }

  private async moveAside(file: string, why: unknown): Promise<void> {
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await this.withLock(async () => {
      await fs.rename(file, aside);
    });
    this.warnings.push(
      `The usage database could not be read (${message(why)}). It was moved to ${aside} and a new one was started; usage still in the tools' logs will be imported again.`,
    );
  }

  /**
   * Moves a schema-1 database (one file with every row) into this layout, holding both this
   * store's lock and the lock older versions take, so no older window writes the file meanwhile.
   * Rows are read in time order and each month is written as soon as it is complete, so memory
   * stays bounded. The old file is kept as `<file>.schema1.bak`: linked there before the new
   * catalog replaces it, so there is never a moment without a database at the path.
   */
  private async migrateSchema1(lock: HeldLock): Promise<void> {
    const paths = this.paths!;
    await withFileLock(paths.schema1Lock, async () => {
      const bytes = await readIfExists(paths.catalog);
      if (!bytes || !isSchema1(this.SQL, bytes)) return; // another process migrated it meanwhile
      const old = readSchema1(this.SQL, bytes);
      try {
        this.months.clear();
        this.cat?.close();
        this.cat = Catalog.create(this.SQL);
        this.initFresh();
        const keep = ['created_at', 'price_fingerprint', 'reset_at'].filter((k) => old.meta[k] !== undefined);
        this.cat.transaction(() => {
          for (const k of keep) this.cat.setMeta(k, old.meta[k]);
        });
        const generation = 1;
        let current: Month | undefined;
        for (const batch of old.rows(20_000)) {
          await this.applyDecoded({ rows: batch, deletes: [], cursors: [], runs: [], meta: {} }, 'memory');
          const last = monthOf(batch[batch.length - 1].ts);
          if (current !== undefined && last > current + 1) {
            // Months two behind the newest row are complete (rows come in time order; the dedupe window is 2 days).
            for (const part of this.months.parts()) {
              if (part.dirty && part.month < last - 1) {
                part.file = await this.writeMonth(part, generation, true);
                part.dirty = false;
              }
            }
            this.months.trim();
          }
          current = last;
        }
        await this.applyDecoded({ rows: [], deletes: [], cursors: old.cursors, runs: old.runs, meta: {} }, 'memory');
        const migrated = this.cat.rowCount();
        if (migrated !== old.count) {
          this.warnings.push(`Moving the usage database to the new layout kept ${migrated} of ${old.count} rows (replayed copies of stored requests are kept once). The old file is kept as ${paths.schema1Backup}.`);
        }
        await this.foldLocked(lock, async () => {
          await fs.rm(paths.schema1Backup, { force: true });
          try {
            await fs.link(paths.catalog, paths.schema1Backup);
          } catch {
            await fs.copyFile(paths.catalog, paths.schema1Backup);
          }
        });
      } catch (e) {
        this.months.clear();
        throw e;
      } finally {
        old.close();
      }
    });
  }

  private async withLock<T>(fn: (lock: HeldLock) => Promise<T>): Promise<T> {
    const lock = await this.lock();
    try {
      return await fn(lock);
    } finally {
      await lock.release();
    }
  }

  // ---- months in memory ---------------------------------------------------------------

  /** Months that hold rows (loaded or on disk), oldest first. */
  monthsWithRows(): Month[] {
    return [...this.cat.partitions()].filter(([, p]) => p.rows > 0).map(([m]) => m).sort((a, b) => a - b);
  }

  /**
   * Runs `fn` on these months (loaded as needed; months without a file are left out). `fn` is
   * synchronous, so no eviction or reload can close a month while it runs: use the months only
   * inside it.
   */
  async withMonths<T>(list: Iterable<Month>, fn: (parts: Partition[]) => T): Promise<T> {
    const wanted = [...new Set(list)];
    for (;;) {
      await this.ensureLoaded(wanted);
      // Another call may have evicted one of them while we waited for the next: load again.
      const parts = this.months.pick(wanted, this.cat.partitions());
      if (parts) return fn(parts);
    }
  }

  /** Loads months from their files (a file gone because another process folded marks the store stale: the next sync reloads). */
  private ensureLoaded(months: Month[]): Promise<void> {
    return this.months.load(months, this.cat.partitions(), async () => !sameStamp(await stampOf(this.paths!.catalog), this.catalogStamp));
  }

  /** Moves aside month files SQLite could not read, and forgets their rows. Holds the lock. */
  private async dropCorruptMonths(lock: HeldLock): Promise<void> {
    if (!this.months.corrupt.size) return;
    for (const [month, { file, why }] of this.months.corrupt) {
      const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await fs.rename(file, aside).catch(() => undefined);
      this.cat.transaction(() => this.cat.forgetMonth(month));
      this.warnings.push(
        `The usage of ${monthLabel(month)} could not be read (${message(why)}). The file was moved to ${aside}; usage of that month still in the tools' logs will be imported again.`,
      );
    }
    this.months.corruptHandled();
    await this.foldLocked(lock);
  }

  private access(touched: Set<Partition>): PartitionAccess {
    return {
      get: (month, create) => {
        const part = this.months.get(month) ?? (create ? this.months.create(month) : undefined);
        if (part && !touched.has(part)) {
          part.db.run('BEGIN');
          part.inTransaction = true;
          touched.add(part);
        }
        return part;
      },
    };
  }

  // ---- applying changes -----------------------------------------------------------------

  /** Applies a journal entry in memory (see `applyDecoded`). */
  private applyEntry(e: Entry, mode: 'memory' | (() => Promise<void>)): Promise<WriteResult> {
    return this.applyDecoded(UsageStore.decodedOfEntry(e), mode);
  }

  /**
   * Applies changes in memory. With `then`, the changes stay uncommitted until `then` resolves
   * (the journal append), and are rolled back if it throws: memory never holds what is not on disk.
   */
  private async applyDecoded(c: Decoded, mode: 'memory' | (() => Promise<void>)): Promise<WriteResult> {
    await this.ensureLoaded([...monthsFor(c.rows, this.cat), ...c.deletes.map((d) => d[1])]);
    const touched = new Set<Partition>();
    const parts = this.access(touched);
    let result: WriteResult;
    this.cat.begin();
    try {
      result = applyRows(c.rows, this.cat, parts);
      result.changed += deleteRows(c.deletes, this.cat, parts);
      for (const u of c.cursors) this.cat.setCursor(u.source, u.file, u.cursor, u.stats, u.at);
      for (const run of c.runs) this.cat.setSourceRun(run);
      for (const [k, v] of Object.entries(c.meta)) this.cat.setMeta(k, v);
      for (const o of c.limits ?? []) this.cat.setLimit(o);
      for (const h of c.hits ?? []) this.cat.addHit(h);
      if (mode !== 'memory') await mode();
      if (this.uncommitted) this.cat.deferTopRows(touched);
      else this.cat.renewTopRows(touched);
    } catch (err) {
      this.cat.rollback();
      for (const p of touched) {
        p.db.run('ROLLBACK');
        p.inTransaction = false;
        if (!p.file && p.rowCount() === 0) this.months.drop(p.month);
      }
      throw err;
    }
    this.cat.commit();
    for (const p of touched) {
      p.db.run('COMMIT');
      p.inTransaction = false;
    }
    return result;
  }

  /** A write in the form it is applied in (rows priced into stored rows once, here). */
  private static decodedOf(w: StoreWrite): Decoded {
    const at = Date.now();
    return {
      rows: (w.rows ?? []).map(fromPriced),
      deletes: (w.deletes ?? []).map(([id, m]): [bigint, Month] => [id, m]),
      cursors: (w.cursors ?? []).map((c) => ({ ...c, at })),
      runs: [...(w.runs ?? [])],
      meta: { ...w.meta },
      limits: w.limits?.length ? [...w.limits] : undefined,
      hits: w.hits?.length ? [...w.hits] : undefined,
    };
  }

  private static isEmpty(d: Decoded): boolean {
    return !d.rows.length && !d.deletes.length && !d.cursors.length && !d.runs.length && !Object.keys(d.meta).length && !d.limits && !d.hits;
  }

  /** A journal line as the write it holds (the inverse of `entryOf`). */
  private static decodedOfEntry(e: Entry): Decoded {
    return {
      rows: (e.r ?? []).map(fromJournal),
      deletes: (e.d ?? []).map(([id, m]): [bigint, Month] => [BigInt(id), m]),
      cursors: (e.c ?? []).map(([source, file, cursor, stats, at]) => ({ source, file, cursor, stats, at })),
      runs: e.s ?? [],
      meta: e.m ?? {},
      limits: e.l,
      hits: e.h,
    };
  }

  /** The journal line of a write (only writes that go through the journal pay for it). */
  private static entryOf(d: Decoded): Entry {
    const e: Entry = {};
    if (d.rows.length) e.r = d.rows.map(toJournal);
    if (d.deletes.length) e.d = d.deletes.map(([id, m]) => [id.toString(), m]);
    if (d.cursors.length) e.c = d.cursors.map((c) => [c.source, c.file, c.cursor, c.stats, c.at]);
    if (d.runs.length) e.s = d.runs;
    if (Object.keys(d.meta).length) e.m = d.meta;
    if (d.limits) e.l = d.limits;
    if (d.hits) e.h = d.hits;
    return e;
  }

  /**
   * Stores a write. Returns how many rows changed. With `durable`, resolves only once the write is
   * on disk (an API-recorded row, which no log can bring back). Large writes, and writes marked
   * `bulk` (batches of a large import), are applied in memory and stay uncommitted until
   * `finishWrites` folds them.
   */
  async write(w: StoreWrite, opts: { durable?: boolean; bulk?: boolean } = {}): Promise<WriteResult> {
    for (const run of w.runs ?? []) this.scans.set(run.source, run.lastImport);
    const runs = (w.runs ?? []).filter((r) => this.runChanged(r));
    const decoded = UsageStore.decodedOf({ ...w, runs });
    if (UsageStore.isEmpty(decoded)) return { changed: 0, inserted: 0 };
    if (!this.paths) return this.applyDecoded(decoded, 'memory');
    if (this.uncommitted || opts.bulk || decoded.rows.length >= this.opts.bulkRows) {
      if (!this.uncommitted) {
        this.bulkBase = this.catalogStamp;
        this.uncommitted = true;
      }
      const result = await this.applyDecoded(decoded, 'memory');
      // On disk before it resolves: a large durable write is folded at once.
      if (opts.durable && !(await this.finishWrites())) throw new Error('Another window replaced the usage store during this write; try again');
      return result;
    }
    return this.withLock(async (lock) => {
      await this.catchUp();
      await this.dropCorruptMonths(lock);
      if (w.epoch !== undefined && w.epoch !== this.epoch()) return { changed: 0, inserted: 0 };
      await this.ensureJournal();
      await lock.check();
      const entry = UsageStore.entryOf(decoded);
      const result = await this.applyDecoded(decoded, async () => {
        this.journal.offset += await appendRecords(this.paths!.journal, [entry], opts.durable ?? false);
      });
      if (this.journal.offset > this.opts.foldBytes && !this.uncommitted) await this.foldLocked(lock);
      return result;
    });
  }

  /**
   * Sets a meta value only if the key is absent, under the lock after taking in what others
   * stored: true when this call wrote it. Of several windows (or the CLI) claiming the same key,
   * exactly one gets true (e.g. the one that raises a budget notification).
   */
  async claimMeta(key: string, value: string): Promise<boolean> {
    if (!this.paths) {
      if (this.cat.getMeta(key) !== undefined) return false;
      await this.applyEntry({ m: { [key]: value } }, 'memory');
      return true;
    }
    await this.finishWrites();
    return this.withLock(async (lock) => {
      await this.catchUp();
      if (this.cat.getMeta(key) !== undefined) return false;
      await this.ensureJournal();
      await lock.check();
      const entry: Entry = { m: { [key]: value } };
      await this.applyEntry(entry, async () => {
        this.journal.offset += await appendRecords(this.paths!.journal, [entry], true);
      });
      return true;
    });
  }

  /** A scan that found nothing new only moves last_import: not worth a write of its own. */
  private runChanged(r: SourceRunInfo): boolean {
    const prev = this.cat.sourceRun(r.source);
    return !prev || JSON.stringify(prev.roots) !== JSON.stringify(r.roots) || prev.files !== r.files || (prev.lastError ?? null) !== (r.lastError ?? null);
  }

  /** Folds what large writes left uncommitted. Returns false when another process folded first (the work was dropped; import again). */
  async finishWrites(): Promise<boolean> {
    if (!this.uncommitted || !this.paths) return true;
    return this.withLock(async (lock) => {
      if (!sameStamp(await stampOf(this.paths!.catalog), this.bulkBase)) {
        await this.load(false);
        return false;
      }
      await this.readJournalTail();
      await this.foldLocked(lock);
      return true;
    });
  }

  // ---- taking in other processes' changes -------------------------------------------------

  /** Takes in what other processes stored since. Cheap when nothing changed (two stats). Returns true when data changed. */
  async sync(): Promise<boolean> {
    if (!this.paths || this.uncommitted) return false;
    return this.catchUp();
  }

  private async catchUp(): Promise<boolean> {
    const stamp = await stampOf(this.paths!.catalog);
    if (this.months.stale || !sameStamp(stamp, this.catalogStamp)) {
      await this.load(false);
      return true;
    }
    return this.readJournalTail();
  }

  private async readJournalTail(): Promise<boolean> {
    const file = this.paths!.journal;
    let read = await readJournal<Entry>(file, this.journal.ino > 0 ? this.journal.offset : 0);
    if (read.ino !== this.journal.ino) {
      read = await readJournal<Entry>(file, 0);
      if (read.id !== this.journal.id) return false; // a stale journal (left by a crash mid-fold): the next writer replaces it
      this.journal.ino = read.ino;
    }
    this.journal.offset = read.end;
    let changed = false;
    for (const e of read.records) if ((await this.applyEntry(e, 'memory')).changed > 0 || e.c || e.s || e.m || e.l || e.h) changed = true;
    return changed;
  }

  /** Makes sure the journal on disk is the one the catalog names (creates it after a crash mid-fold). */
  private async ensureJournal(): Promise<void> {
    if (this.journal.ino > 0) return;
    await createJournal(this.paths!.journal, this.journal.id);
    const read = await readJournal(this.paths!.journal, 0);
    this.journal.ino = read.ino;
    this.journal.offset = read.end;
  }

  // ---- folding ------------------------------------------------------------------------

  /** Folds the journal when it has grown enough to be worth it while the store is idle. Returns true when it folded. */
  async foldIfIdle(): Promise<boolean> {
    if (!this.paths || this.uncommitted || this.journal.offset < IDLE_FOLD_BYTES) return false;
    return this.withLock(async (lock) => {
      await this.catchUp();
      if (this.journal.offset < IDLE_FOLD_BYTES) return false;
      await this.foldLocked(lock);
      return true;
    });
  }

  /** Writes every changed month and a new catalog, and starts an empty journal. Holds the lock; memory is up to date with the journal. */
  private async foldLocked(lock: HeldLock, beforeCommit?: () => Promise<void>): Promise<void> {
    const generation = Number(this.cat.getMeta('generation') ?? 0) + 1;
    const written: { part: Partition; name: string }[] = [];
    const paths = this.paths!;
    await fs.mkdir(paths.months, { recursive: true });
    const before = this.cat.partitions();
    this.cat.transaction(() => this.cat.renewDeferredTopRows());
    try {
      // Images are made one at a time (CPU); their writes and fsyncs overlap, a few at once.
      const inFlight = new Set<Promise<void>>();
      for (const part of this.months.parts()) {
        if (!part.dirty) continue;
        const w: Promise<void> = this.writeMonth(part, generation, part.needsRepack()).then((name) => {
          written.push({ part, name });
          inFlight.delete(w);
        });
        inFlight.add(w);
        if (inFlight.size >= 4) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      await this.commitFold(lock, generation, beforeCommit);
    } catch (e) {
      // Nothing was committed: the catalog still names the old files.
      this.cat.transaction(() => {
        for (const { part } of written) {
          const old = before.get(part.month);
          this.cat.setPartitionFile(part.month, old?.file ?? '', old?.bytes ?? 0);
        }
      });
      for (const { name } of written) await fs.rm(path.join(paths.months, name), { force: true });
      throw e;
    }
    for (const { part, name } of written) {
      part.file = name;
      part.dirty = false;
    }
    await this.afterFold(before);
  }

  /**
   * Writes a month as a new file of `generation` and names it in the catalog (in memory: it
   * counts once the catalog is committed). Returns the file name.
   */
  private async writeMonth(part: Partition, generation: number, repack: boolean): Promise<string> {
    const paths = this.paths!;
    const name = monthFileName(part.month, generation);
    const full = path.join(paths.months, name);
    const bytes = part.image(repack);
    await fs.mkdir(paths.months, { recursive: true });
    await commitStaged(await stageFile(full, bytes), full);
    this.cat.transaction(() => this.cat.setPartitionFile(part.month, name, bytes.length));
    return name;
  }

  /** Removes month files neither the new catalog nor the one before names, and temp files crashes left. */
  private async afterFold(before: Map<Month, { file: string }>): Promise<void> {
    const paths = this.paths!;
    const keep = new Set([...this.cat.partitions().values()].map((p) => p.file));
    for (const f of this.previousFiles) keep.add(f);
    await removeUnreferencedMonths(paths.months, keep);
    this.previousFiles = new Set([...before.values()].map((p) => p.file));
    await removeStaleTemps([paths.dir, paths.months], 10 * 60_000);
    this.uncommitted = false;
    this.bulkBase = undefined;
  }

  /** Writes the catalog as generation `generation` with a new empty journal: the commit. */
  private async commitFold(lock: HeldLock, generation: number, beforeCommit?: () => Promise<void>): Promise<void> {
    const paths = this.paths!;
    const journalId = newId();
    const prev = { generation: this.cat.getMeta('generation') ?? '0', journal: this.cat.getMeta('journal_id') ?? '' };
    this.cat.transaction(() => {
      this.cat.setMeta('generation', String(generation));
      this.cat.setMeta('journal_id', journalId);
    });
    let catTmp: string | undefined;
    try {
      catTmp = await stageFile(paths.catalog, this.cat.image());
      await createJournal(`${paths.journal}.next`, journalId);
      await lock.check();
      await beforeCommit?.();
      await commitStaged(catTmp, paths.catalog);
      catTmp = undefined;
    } catch (e) {
      if (catTmp) await fs.rm(catTmp, { force: true });
      await fs.rm(`${paths.journal}.next`, { force: true });
      this.cat.transaction(() => {
        this.cat.setMeta('generation', prev.generation);
        this.cat.setMeta('journal_id', prev.journal);
      });
      throw e;
    }
    // Committed. A crash before the journal is swapped leaves the old journal, whose id no longer
    // matches the catalog: it is ignored and replaced by the next writer.
    await commitStaged(`${paths.journal}.next`, paths.journal);
    await syncDir(paths.dir);
    this.catalogStamp = await stampOf(paths.catalog);
    const read = await readJournal(paths.journal, 0);
    this.journal = { id: journalId, ino: read.id === journalId ? read.ino : -1, offset: read.end };
  }

  // ---- whole-store operations ----------------------------------------------------------

  /**
   * Prices every stored row again. Returns the number of rows whose cost changed. Months are
   * repriced one at a time and written as they go, so memory stays bounded.
   */
  async reprice(price: PriceFn, fingerprint?: string): Promise<number> {
    const run = async (lock: HeldLock | undefined): Promise<number> => {
      if (lock) await this.catchUp();
      const generation = Number(this.cat.getMeta('generation') ?? 0) + 1;
      const repricing = new Repricing(this.cat, price);
      let changed = 0;
      for (const month of this.monthsWithRows()) {
        const part = await this.withMonths([month], ([part]) => {
          if (part) changed += repricing.month(part);
          return part;
        });
        if (part?.dirty && this.paths) {
          // Written now under the next generation's name, so this month can leave memory.
          part.file = await this.writeMonth(part, generation, false);
          part.dirty = false;
        }
      }
      repricing.finish(fingerprint);
      if (lock) await this.foldLocked(lock);
      return changed;
    };
    if (!this.paths) return run(undefined);
    try {
      return await this.withLock(run);
    } catch (e) {
      await this.load(false); // month files written for a fold that did not commit are not named by the catalog
      throw e;
    }
  }

  /** Wipes all usage (the user's "Reset Data"). Other processes see the new catalog and reload. */
  async reset(): Promise<void> {
    const fresh = () => {
      this.months.clear();
      this.cat.close();
      this.cat = Catalog.create(this.SQL);
      this.initFresh();
      this.cat.transaction(() => this.cat.setMeta('reset_at', String(Date.now())));
      this.scans.clear();
    };
    if (!this.paths) return fresh();
    await this.withLock(async (lock) => {
      const generation = Number(this.cat.getMeta('generation') ?? 0) + 1;
      fresh();
      this.uncommitted = false;
      await this.commitFold(lock, generation);
      await removeUnreferencedMonths(this.paths!.months, new Set());
      this.previousFiles.clear();
    });
  }

  // ---- small reads ----------------------------------------------------------------------

  getCursor(file: string): FileCursor | undefined {
    return this.cat.getCursor(file);
  }

  cursors(source: SourceId): Map<string, FileCursor> {
    return this.cat.cursors(source);
  }

  getMeta(key: string): string | undefined {
    return this.cat.getMeta(key);
  }

  /** This history's identity: changes when it is reset (or was moved aside as corrupt). */
  epoch(): string {
    return this.cat.getMeta('epoch') ?? '';
  }

  rowCount(): number {
    return this.cat.rowCount();
  }

  /** When any source was last scanned (in this process, or as stored). */
  lastImport(): number | null {
    const stored = this.cat.lastImport();
    const scanned = this.scans.size ? Math.max(...this.scans.values()) : null;
    return stored === null ? scanned : scanned === null ? stored : Math.max(stored, scanned);
  }

  lastScan(source: SourceId): number | undefined {
    return this.scans.get(source) ?? this.cat.sourceRun(source)?.lastImport;
  }

  /** Bytes the store keeps in memory: the catalog and the loaded months. */
  byteSize(): number {
    return this.cat.byteSize() + this.months.byteSize();
  }

  /** A stamp of the files on disk: changes with every write by any process. */
  async diskStamp(): Promise<string> {
    if (!this.paths) return '';
    const [c, j] = await Promise.all([stampOf(this.paths.catalog), stampOf(this.paths.journal)]);
    return JSON.stringify([c, j]);
  }

  /** Closes the store. Uncommitted large writes are folded first. */
  async close(): Promise<void> {
    try {
      await this.finishWrites();
    } finally {
      this.months.clear();
      this.cat.close();
    }
  }
}

export { monthOf };
