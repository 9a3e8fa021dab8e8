// The usage database: one sql.js database in memory, saved atomically to one file that
// several processes (VS Code windows, the CLI) may share.
//
// Two writers lose nothing: a save takes a file lock, and if the file changed since this
// process last read or wrote it, merges the file's rows into its own (an upsert keyed on the
// content-hash id, keeping the more complete copy of a request) before writing. Both sides'
// rows survive, none is doubled.
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { Database, SqlJsStatic, Statement } from 'sql.js';
import type { CostSource, FileCursor, PricedRecord, SourceId, UsageRecord } from '../model';
import { writeFileAtomic } from './atomicFile';
import { withFileLock } from './fileLock';
import { hash64 } from './hash';
import { migrate, SCHEMA_VERSION, userVersion } from './schema';
import { loadSqlJs } from './sqljs';

const SQLITE_MAGIC = 'SQLite format 3\0';

/** A stored row replaces an existing one with the same id only when it is more complete. */
const MORE_COMPLETE = `
  (excluded.input + excluded.output + excluded.cache_read + excluded.cache_write)
    > (usage.input + usage.output + usage.cache_read + usage.cache_write)
  OR ((excluded.input + excluded.output + excluded.cache_read + excluded.cache_write)
    = (usage.input + usage.output + usage.cache_read + usage.cache_write)
    AND excluded.reported_cost IS NOT NULL AND usage.reported_cost IS NULL)`;

const USAGE_COLUMNS =
  'id, source, dedupe_key, ts, project_id, model_id, session_id, input, output, cache_read, cache_write, cache_write_1h, reasoning, cost, cost_source, reported_cost, approximate, alias, is_copy';

const UPSERT_USAGE_TAIL = `
  ON CONFLICT(id) DO UPDATE SET
    ts = excluded.ts, project_id = excluded.project_id, model_id = excluded.model_id, session_id = excluded.session_id,
    input = excluded.input, output = excluded.output, cache_read = excluded.cache_read, cache_write = excluded.cache_write,
    cache_write_1h = excluded.cache_write_1h, reasoning = excluded.reasoning, cost = excluded.cost,
    cost_source = excluded.cost_source, reported_cost = excluded.reported_cost, approximate = excluded.approximate,
    alias = excluded.alias, is_copy = min(usage.is_copy, excluded.is_copy)
  WHERE ${MORE_COMPLETE}`;

export interface SourceRunInfo {
  source: SourceId;
  roots: { path: string; found: boolean }[];
  files: number;
  lastImport: number;
  lastError?: string;
}

export interface FileStats {
  records: number;
  skipped: number;
  /** The file was read again from the start: these counts replace the stored ones instead of adding to them. */
  reread?: boolean;
}

export interface SaveResult {
  written: boolean;
  /** Rows written by another process were merged in first. */
  merged: boolean;
}

interface Stamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

function stampOf(st: Stats): Stamp {
  return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
}

function sameStamp(a: Stamp | undefined, b: Stamp | undefined): boolean {
  return !!a && !!b && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

async function statOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export class UsageStore {
  /** Problems met while opening (e.g. a corrupt file moved aside), in plain words for the user. */
  readonly warnings: string[] = [];
  private dirty = false;
  private saving: Promise<unknown> = Promise.resolve();
  /** Dimension rows known to exist, by `table NUL value`: saves a hash and an insert per row. */
  private readonly knownDims = new Map<string, bigint>();
  /** Aliases that have copy rows (loaded on first need): only those need the replay clean-up. */
  private copyAliases: Set<bigint> | undefined;
  private statements = new Map<string, Statement>();

  private constructor(
    private readonly SQL: SqlJsStatic,
    private db: Database,
    /** The database file, or undefined for a purely in-memory store (tests). */
    readonly file: string | undefined,
    private stamp: Stamp | undefined,
  ) {}

  /** Opens (or creates) the database at `file`. A corrupt file is moved aside and a fresh one started. */
  static async open(file: string): Promise<UsageStore> {
    const SQL = await loadSqlJs();
    await fs.mkdir(path.dirname(file), { recursive: true });
    const warnings: string[] = [];
    let db: Database | undefined;
    let stamp: Stamp | undefined;
    const st = await statOrUndefined(file).catch(() => undefined);
    if (st) {
      try {
        const bytes = await fs.readFile(file);
        db = openValidated(SQL, bytes);
        stamp = stampOf(st);
      } catch (e) {
        if (e instanceof NewerSchemaError) throw e;
        const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        try {
          await fs.rename(file, aside);
          warnings.push(`The usage database could not be read (${errorText(e)}). It was moved to ${aside} and a new one was started; usage still in the tools' logs will be imported again.`);
        } catch (e2) {
          warnings.push(`The usage database could not be read (${errorText(e)}) nor moved aside (${errorText(e2)}). Working from a new database.`);
        }
        db = undefined;
      }
    }
    const store = new UsageStore(SQL, db ?? createFresh(SQL), file, stamp);
    store.warnings.push(...warnings);
    if (!db) store.dirty = true;
    return store;
  }

  /** A store that is never saved (tests, dry runs). */
  static async inMemory(): Promise<UsageStore> {
    const SQL = await loadSqlJs();
    return new UsageStore(SQL, createFresh(SQL), undefined, undefined);
  }

  /** The live sql.js database, for the query module. Do not hold it across a save (a merge may replace it). */
  get database(): Database {
    return this.db;
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  /** For changes made directly on `database` (e.g. overlap rules): the next save writes them. */
  markDirty(): void {
    this.dirty = true;
  }

  // ---- writing rows -------------------------------------------------------------------

  /** Runs `fn` in one transaction (much faster for bulk inserts). `fn` must be synchronous. */
  transaction<T>(fn: () => T): T {
    this.db.run('BEGIN');
    try {
      const out = fn();
      this.db.run('COMMIT');
      return out;
    } catch (e) {
      this.db.run('ROLLBACK');
      // The caches may name dimension rows the rollback removed.
      this.knownDims.clear();
      this.copyAliases = undefined;
      throw e;
    }
  }

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private resetStatements(): void {
    for (const s of this.statements.values()) s.free();
    this.statements.clear();
    this.knownDims.clear();
    this.copyAliases = undefined;
  }

  private dim(table: 'projects' | 'sessions', column: string, value: string): bigint {
    const key = `${table}\0${value}`;
    let id = this.knownDims.get(key);
    if (id === undefined) {
      id = hash64(key);
      this.stmt(`INSERT OR IGNORE INTO ${table} (id, ${column}) VALUES (?, ?)`).run([id, value]);
      this.knownDims.set(key, id);
    }
    return id;
  }

  private modelDim(raw: string, model: string): bigint {
    const key = `models\0${raw}\0${model}`;
    let id = this.knownDims.get(key);
    if (id === undefined) {
      id = hash64(`models\0${raw}`);
      this.stmt('INSERT INTO models (id, raw, model) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET model = excluded.model').run([id, raw, model]);
      this.knownDims.set(key, id);
    }
    return id;
  }

  private aliasesWithCopies(): Set<bigint> {
    if (!this.copyAliases) {
      this.copyAliases = new Set();
      const s = this.db.prepare('SELECT DISTINCT alias FROM usage WHERE is_copy = 1 AND alias IS NOT NULL');
      try {
        while (s.step()) this.copyAliases.add(s.get(null, { useBigInt: true })[0] as bigint);
      } finally {
        s.free();
      }
    }
    return this.copyAliases;
  }

  /**
   * Inserts or improves rows. Returns how many rows changed (inserted, or replaced by a more
   * complete copy). Call inside `transaction` for speed.
   */
  upsert(records: readonly PricedRecord[]): number {
    let changed = 0;
    const insert = this.stmt(`INSERT INTO usage (${USAGE_COLUMNS}) VALUES (${USAGE_COLUMNS.split(',').map(() => '?').join(',')}) ${UPSERT_USAGE_TAIL}`);
    for (const r of records) {
      const id = rowId(r.source, r.dedupeKey);
      const alias = r.aliasKey ? hash64(`${r.source}\0${r.aliasKey}`) : null;
      if (alias !== null && r.isCopy && this.stmt('SELECT 1 FROM usage WHERE alias = ? AND is_copy = 0 AND id != ? LIMIT 1').get([alias, id]).length) {
        continue; // a replay of a request we already have
      }
      insert.run([
        id,
        r.source,
        r.dedupeKey,
        Math.round(r.ts),
        this.dim('projects', 'path', r.project),
        this.modelDim(r.modelRaw, r.model),
        this.dim('sessions', 'session', r.sessionId),
        r.inputTokens,
        r.outputTokens,
        r.cacheReadTokens,
        r.cacheWriteTokens,
        r.cacheWrite1hTokens,
        r.reasoningTokens,
        r.cost,
        r.costSource,
        r.reportedCost ?? null,
        r.approximate ? 1 : 0,
        alias,
        r.isCopy ? 1 : 0,
      ]);
      changed += this.db.getRowsModified();
      if (alias !== null && r.isCopy) this.aliasesWithCopies().add(alias);
      else if (alias !== null && this.aliasesWithCopies().has(alias)) {
        // The original arrived after its replayed copies: it replaces them.
        this.stmt('UPDATE usage SET is_copy = 0 WHERE id = ? AND is_copy = 1').run([id]);
        this.stmt('DELETE FROM usage WHERE alias = ? AND is_copy = 1 AND id != ?').run([alias, id]);
        changed += this.db.getRowsModified();
        this.aliasesWithCopies().delete(alias);
      }
    }
    if (records.length) this.dirty = true;
    return changed;
  }

  /** Number of stored requests. */
  rowCount(): number {
    return Number(this.db.exec('SELECT count(*) FROM usage')[0].values[0][0]);
  }

  // ---- per-file import cursors ----------------------------------------------------------

  getCursor(file: string): FileCursor | undefined {
    const row = this.stmt('SELECT size, mtime_ms, offset, head_hash, state FROM files WHERE path = ?').getAsObject([file]);
    if (row.size === undefined || row.size === null) return undefined;
    return {
      size: Number(row.size),
      mtimeMs: Number(row.mtime_ms),
      offset: Number(row.offset),
      headHash: String(row.head_hash),
      state: row.state === null || row.state === undefined ? undefined : JSON.parse(String(row.state)),
    };
  }

  /** All cursors of one source, keyed by path (one query instead of one per file). */
  cursors(source: SourceId): Map<string, FileCursor> {
    const out = new Map<string, FileCursor>();
    const s = this.db.prepare('SELECT path, size, mtime_ms, offset, head_hash, state FROM files WHERE source = ?');
    try {
      s.bind([source]);
      while (s.step()) {
        const [p, size, mtime, offset, head, state] = s.get();
        out.set(String(p), {
          size: Number(size),
          mtimeMs: Number(mtime),
          offset: Number(offset),
          headHash: String(head),
          state: state === null ? undefined : JSON.parse(String(state)),
        });
      }
    } finally {
      s.free();
    }
    return out;
  }

  setCursor(source: SourceId, file: string, cursor: FileCursor, added: FileStats): void {
    this.stmt(
      `INSERT INTO files (path, source, size, mtime_ms, offset, head_hash, state, records, skipped, imported_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(path) DO UPDATE SET source = excluded.source, size = excluded.size, mtime_ms = excluded.mtime_ms,
         offset = excluded.offset, head_hash = excluded.head_hash, state = excluded.state,
         records = CASE WHEN ? THEN excluded.records ELSE files.records + excluded.records END,
         skipped = CASE WHEN ? THEN excluded.skipped ELSE files.skipped + excluded.skipped END,
         imported_at = excluded.imported_at`,
    ).run([
      file,
      source,
      cursor.size,
      cursor.mtimeMs,
      cursor.offset,
      cursor.headHash,
      cursor.state === undefined ? null : JSON.stringify(cursor.state),
      added.records,
      added.skipped,
      Date.now(),
      added.reread ? 1 : 0,
      added.reread ? 1 : 0,
    ]);
    this.dirty = true;
  }

  /**
   * Records a source's last scan. A scan that found nothing new only moves `last_import`, which
   * does not by itself make the file worth rewriting: it is saved with the next real change.
   */
  setSourceRun(info: SourceRunInfo): void {
    const roots = JSON.stringify(info.roots);
    const error = info.lastError ?? null;
    const [prev] = this.db.exec('SELECT roots, files, last_error FROM source_runs WHERE source = ?', [info.source])[0]?.values ?? [];
    this.stmt(
      `INSERT INTO source_runs (source, roots, files, last_import, last_error) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(source) DO UPDATE SET roots = excluded.roots, files = excluded.files, last_import = excluded.last_import, last_error = excluded.last_error`,
    ).run([info.source, roots, info.files, info.lastImport, error]);
    if (!prev || prev[0] !== roots || Number(prev[1]) !== info.files || prev[2] !== error) this.dirty = true;
  }

  // ---- re-pricing ---------------------------------------------------------------------

  /**
   * Prices every stored row again (after the price table or the user's overrides changed).
   * Returns the number of rows whose cost or model changed.
   */
  reprice(price: (r: UsageRecord) => { model: string; cost: number; costSource: CostSource }, fingerprint?: string): number {
    const rows: { id: unknown; rec: UsageRecord; modelId: unknown; cost: number; costSource: string; model: string }[] = [];
    const s = this.db.prepare(
      `SELECT u.id, u.source, u.ts, m.raw, m.model, u.model_id, u.input, u.output, u.cache_read, u.cache_write, u.cache_write_1h,
              u.reasoning, u.reported_cost, u.cost, u.cost_source
       FROM usage u JOIN models m ON m.id = u.model_id`,
    );
    try {
      while (s.step()) {
        const v = s.get(null, { useBigInt: true });
        rows.push({
          id: v[0],
          modelId: v[5],
          model: String(v[4]),
          cost: Number(v[13]),
          costSource: String(v[14]),
          rec: {
            source: String(v[1]) as SourceId,
            dedupeKey: '',
            ts: Number(v[2]),
            project: '',
            modelRaw: String(v[3]),
            sessionId: '',
            inputTokens: Number(v[6]),
            outputTokens: Number(v[7]),
            cacheReadTokens: Number(v[8]),
            cacheWriteTokens: Number(v[9]),
            cacheWrite1hTokens: Number(v[10]),
            reasoningTokens: Number(v[11]),
            reportedCost: v[12] === null ? undefined : Number(v[12]),
          },
        });
      }
    } finally {
      s.free();
    }
    let changed = 0;
    this.transaction(() => {
      const upd = this.stmt('UPDATE usage SET cost = ?, cost_source = ? WHERE id = ?');
      const updModel = this.stmt('UPDATE models SET model = ? WHERE id = ?');
      const modelsDone = new Set<unknown>();
      for (const row of rows) {
        const p = price(row.rec);
        if (p.cost !== row.cost || p.costSource !== row.costSource) {
          upd.run([p.cost, p.costSource, row.id as bigint]);
          changed++;
        }
        if (p.model !== row.model && !modelsDone.has(row.modelId)) {
          updModel.run([p.model, row.modelId as bigint]);
          modelsDone.add(row.modelId);
          changed++;
        }
      }
      if (fingerprint !== undefined) this.setMeta('price_fingerprint', fingerprint);
    });
    this.dirty = true;
    return changed;
  }

  getMeta(key: string): string | undefined {
    const r = this.stmt('SELECT value FROM meta WHERE key = ?').get([key]);
    return r.length ? String(r[0]) : undefined;
  }

  setMeta(key: string, value: string): void {
    this.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run([key, value]);
    this.dirty = true;
  }

  // ---- saving and sharing the file ----------------------------------------------------

  /** Saves if anything changed. Saves are serialised; the file lock keeps other processes out. */
  save(): Promise<SaveResult> {
    const run = this.saving.then(() => this.saveNow());
    this.saving = run.catch(() => undefined);
    return run;
  }

  /**
   * Takes in rows another process saved since we last read the file, without writing.
   * Cheap when the file has not changed (one stat).
   */
  async refreshFromDisk(): Promise<boolean> {
    if (!this.file) return false;
    const st = await statOrUndefined(this.file);
    if (!st || sameStamp(stampOf(st), this.stamp)) return false;
    const bytes = await fs.readFile(this.file);
    const changedBefore = this.dirty;
    this.mergeFrom(bytes);
    this.stamp = stampOf(st);
    // Merging disk rows into ours does not make us differ from disk unless we had unsaved rows.
    this.dirty = changedBefore;
    return true;
  }

  private async saveNow(): Promise<SaveResult> {
    const file = this.file;
    if (!file || !this.dirty) return { written: false, merged: false };
    return withFileLock(`${file}.lock`, async () => {
      let merged = false;
      const st = await statOrUndefined(file);
      if (st && !sameStamp(stampOf(st), this.stamp)) {
        merged = this.mergeFrom(await fs.readFile(file));
      }
      this.dirty = false;
      try {
        const data = this.db.export();
        await writeFileAtomic(file, data);
        this.stamp = stampOf(await fs.stat(file));
      } catch (e) {
        this.dirty = true;
        throw e;
      }
      return { written: true, merged };
    });
  }

  /**
   * Merges a database image (another process's save) into ours. If that image was reset
   * after ours, it replaces ours instead (the user asked for the data to be wiped).
   */
  private mergeFrom(bytes: Uint8Array): boolean {
    let other: Database;
    try {
      other = openValidated(this.SQL, bytes);
    } catch (e) {
      if (e instanceof NewerSchemaError) throw e;
      // The file on disk is damaged; ours is intact and will replace it.
      this.warnings.push(`The database file on disk was unreadable (${errorText(e)}); it was replaced by this window's copy.`);
      return false;
    }
    const theirReset = Number(metaOf(other, 'reset_at') ?? 0);
    const ourReset = Number(this.getMeta('reset_at') ?? 0);
    if (theirReset > ourReset) {
      this.resetStatements();
      this.db.close();
      this.db = other;
      return true;
    }
    if (theirReset < ourReset) {
      other.close(); // written before our reset: those rows were meant to be wiped
      return false;
    }
    try {
      this.resetStatements();
      this.db.run('ATTACH DATABASE ? AS disk', [other.filename]);
      try {
        this.transaction(() => {
          this.db.run('INSERT OR IGNORE INTO models SELECT * FROM disk.models');
          this.db.run('INSERT OR IGNORE INTO projects SELECT * FROM disk.projects');
          this.db.run('INSERT OR IGNORE INTO sessions SELECT * FROM disk.sessions');
          this.db.run(`INSERT INTO usage (${USAGE_COLUMNS}) SELECT ${USAGE_COLUMNS} FROM disk.usage WHERE true ${UPSERT_USAGE_TAIL}`);
          this.db.run('UPDATE usage SET is_copy = 0 WHERE is_copy = 1 AND id IN (SELECT id FROM disk.usage WHERE is_copy = 0)');
          this.db.run(
            'DELETE FROM usage WHERE is_copy = 1 AND alias IS NOT NULL AND EXISTS (SELECT 1 FROM usage o WHERE o.alias = usage.alias AND o.is_copy = 0)',
          );
          this.db.run(`INSERT INTO files SELECT * FROM disk.files WHERE true
            ON CONFLICT(path) DO UPDATE SET source = excluded.source, size = excluded.size, mtime_ms = excluded.mtime_ms,
              offset = excluded.offset, head_hash = excluded.head_hash, state = excluded.state, records = excluded.records,
              skipped = excluded.skipped, imported_at = excluded.imported_at
            WHERE excluded.imported_at > files.imported_at`);
          this.db.run(`INSERT INTO source_runs SELECT * FROM disk.source_runs WHERE true
            ON CONFLICT(source) DO UPDATE SET roots = excluded.roots, files = excluded.files, last_import = excluded.last_import,
              last_error = excluded.last_error
            WHERE excluded.last_import > source_runs.last_import`);
          this.db.run(`INSERT OR IGNORE INTO meta SELECT * FROM disk.meta`);
        });
      } finally {
        this.db.run('DETACH DATABASE disk');
      }
    } finally {
      other.close();
    }
    this.dirty = true;
    return true;
  }

  /** Wipes all usage (the user's "Reset Data"). Other processes adopt the empty file on their next save. */
  async reset(): Promise<void> {
    this.resetStatements();
    this.db.close();
    this.db = createFresh(this.SQL);
    this.setMeta('reset_at', String(Date.now()));
    this.dirty = true;
    if (!this.file) return;
    const file = this.file;
    await withFileLock(`${file}.lock`, async () => {
      this.dirty = false;
      await writeFileAtomic(file, this.db.export());
      this.stamp = stampOf(await fs.stat(file));
    });
  }

  /** Size of the database image in bytes (what a save writes). */
  byteSize(): number {
    const pages = Number(this.db.exec('PRAGMA page_count')[0].values[0][0]);
    const size = Number(this.db.exec('PRAGMA page_size')[0].values[0][0]);
    return pages * size;
  }

  close(): void {
    this.resetStatements();
    this.db.close();
  }
}

export function rowId(source: SourceId, dedupeKey: string): bigint {
  return hash64(`${source}\0${dedupeKey}`);
}

class NewerSchemaError extends Error {}

/**
 * The database lives in sql.js's in-memory file system, where a rollback journal file only
 * costs copying (every transaction wrote its pages twice); an in-memory journal still rolls back.
 */
function tune(db: Database): Database {
  db.run('PRAGMA journal_mode = MEMORY');
  return db;
}

function createFresh(SQL: SqlJsStatic): Database {
  const db = tune(new SQL.Database());
  migrate(db);
  db.run("INSERT INTO meta (key, value) VALUES ('created_at', ?)", [String(Date.now())]);
  return db;
}

/** Opens an image, checks it really is a usage database, and migrates it. Throws if not. */
function openValidated(SQL: SqlJsStatic, bytes: Uint8Array): Database {
  if (bytes.length < 100 || Buffer.from(bytes.subarray(0, 16)).toString('latin1') !== SQLITE_MAGIC) {
    throw new Error('not an SQLite database');
  }
  const db = new SQL.Database(bytes);
  try {
    tune(db);
    const version = userVersion(db);
    if (version > SCHEMA_VERSION) {
      throw new NewerSchemaError(`The usage database was written by a newer version of AI Usage Dashboard (schema ${version}); update the extension or CLI.`);
    }
    db.exec('SELECT count(*) FROM sqlite_master');
    if (version > 0) db.exec('SELECT id FROM usage LIMIT 1');
    migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function metaOf(db: Database, key: string): string | undefined {
  const r = db.exec('SELECT value FROM meta WHERE key = ?', [key]);
  return r.length ? String(r[0].values[0][0]) : undefined;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
