// Reading another tool's SQLite database with sql.js, including what is still in its `-wal`.
//
// sql.js only sees the main database file. A database in WAL mode keeps recent commits in
// `<db>-wal` until a checkpoint copies them into the main file, so reading the main file
// alone misses the newest rows (often everything of the current session). We rebuild the
// committed state in memory instead, never touching the tool's files:
//
//   image = main file; then every valid WAL frame, in order, overwrites its page;
//   the database size of the last valid commit frame truncates or extends the image.
//
// What is seen when:
// - No `-wal` (rollback-journal databases, or WAL after a clean close): the main file, i.e.
//   everything committed. A rollback-mode writer changes the main file in place while its
//   `-journal` is live, so while a live journal exists we wait briefly and read again; a
//   journal left live by a crash (SQLite would roll it back) is not replayed: the read then
//   may fail as malformed, which is reported for that file and retried at the next import.
// - `-wal` present: every transaction committed up to the moment the WAL was read. Frames of
//   a transaction still being written (no commit frame yet), frames after a checksum
//   mismatch and frames left from an earlier WAL generation (other salts) are ignored.
// - A WAL with a bad header, another page size, or torn/short frames: everything up to the
//   last intact commit is used; a WAL whose header is unreadable is ignored (main file only),
//   which is what SQLite itself would show after a crash.
// - A checkpoint running during the read: the main file's size/mtime change, so the read is
//   retried (a WAL restart only happens after a full checkpoint, which changes the main file).
import { promises as fs } from 'node:fs';
import type { Database } from 'sql.js';
import type { UsageRecord } from '../model';
import { loadSqlJs } from '../store/sqljs';
import { HEAD_BYTES, hashHead } from './incremental';
import type { FileCursor, FileReadResult } from './types';

const WAL_HEADER = 32;
const FRAME_HEADER = 24;
const MAGIC_LE = 0x377f0682;
const MAGIC_BE = 0x377f0683;
const READ_ATTEMPTS = 4;
const RETRY_DELAY_MS = 50;
/** First bytes of a rollback journal whose transaction is live (zeroed once committed in PERSIST mode). */
const JOURNAL_MAGIC = Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);

export type WalStatus = 'none' | 'applied' | 'empty' | 'invalid';

export interface WalApplyResult {
  image: Buffer;
  /** Valid committed frames applied. */
  frames: number;
  status: WalStatus;
}

/** SQLite's WAL checksum over `buf` (length a multiple of 8), continuing from (s0, s1). */
function walChecksum(buf: Buffer, bigEndian: boolean, s0: number, s1: number): [number, number] {
  for (let i = 0; i + 8 <= buf.length; i += 8) {
    const x0 = bigEndian ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
    const x1 = bigEndian ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

/** Page size recorded in a database header (bytes 16-17; 1 means 65536). */
function dbPageSize(db: Buffer): number {
  if (db.length < 100) return 0;
  const v = db.readUInt16BE(16);
  return v === 1 ? 65536 : v;
}

/** Applies the committed frames of `wal` onto the main-file bytes `db` (pure; inputs untouched). */
export function applyWal(db: Buffer, wal: Buffer | undefined): WalApplyResult {
  const fallback = (status: WalStatus): WalApplyResult => ({ image: Buffer.from(db), frames: 0, status });
  if (!wal || wal.length === 0) return fallback('none');
  if (wal.length < WAL_HEADER) return fallback('invalid');
  const magic = wal.readUInt32BE(0);
  if (magic !== MAGIC_LE && magic !== MAGIC_BE) return fallback('invalid');
  const bigEndian = magic === MAGIC_BE;
  const pageSize = wal.readUInt32BE(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return fallback('invalid');
  const mainPageSize = dbPageSize(db);
  if (db.length > 0 && mainPageSize !== pageSize) return fallback('invalid');
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  let [s0, s1] = walChecksum(wal.subarray(0, 24), bigEndian, 0, 0);
  if (s0 !== wal.readUInt32BE(24) || s1 !== wal.readUInt32BE(28)) return fallback('invalid');

  // Pages of the transaction being scanned, promoted to `committed` at its commit frame.
  const committed = new Map<number, Buffer>();
  let pending = new Map<number, Buffer>();
  let commitSize = 0;
  let frames = 0;
  let pendingFrames = 0;
  const frameSize = FRAME_HEADER + pageSize;
  for (let off = WAL_HEADER; off + frameSize <= wal.length; off += frameSize) {
    const pgno = wal.readUInt32BE(off);
    const dbSize = wal.readUInt32BE(off + 4);
    if (pgno === 0) break;
    if (wal.readUInt32BE(off + 8) !== salt1 || wal.readUInt32BE(off + 12) !== salt2) break;
    [s0, s1] = walChecksum(wal.subarray(off, off + 8), bigEndian, s0, s1);
    [s0, s1] = walChecksum(wal.subarray(off + FRAME_HEADER, off + frameSize), bigEndian, s0, s1);
    if (s0 !== wal.readUInt32BE(off + 16) || s1 !== wal.readUInt32BE(off + 20)) break;
    pending.set(pgno, wal.subarray(off + FRAME_HEADER, off + frameSize));
    pendingFrames++;
    if (dbSize !== 0) {
      for (const [p, page] of pending) committed.set(p, page);
      pending = new Map();
      commitSize = dbSize;
      frames += pendingFrames;
      pendingFrames = 0;
    }
  }
  if (commitSize === 0) return fallback('empty');

  const image = Buffer.alloc(commitSize * pageSize);
  db.copy(image, 0, 0, Math.min(db.length, image.length));
  for (const [pgno, page] of committed) {
    if (pgno <= commitSize) page.copy(image, (pgno - 1) * pageSize);
  }
  return { image, frames, status: 'applied' };
}

/** Makes a WAL-mode image openable by sql.js: header bytes 18-19 (write/read version) set to 1 (legacy). */
function markRollbackJournal(image: Buffer): void {
  if (image.length >= 100) {
    image[18] = 1;
    image[19] = 1;
  }
}

interface FileSig {
  size: number;
  mtimeMs: number;
}

async function statOrUndefined(p: string): Promise<FileSig | undefined> {
  try {
    const s = await fs.stat(p);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

async function readOrUndefined(p: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(p);
  } catch {
    return undefined;
  }
}

const sameSig = (a: FileSig | undefined, b: FileSig | undefined): boolean =>
  a === b || (!!a && !!b && a.size === b.size && a.mtimeMs === b.mtimeMs);

export interface SqliteSnapshot {
  /** The database as of its last commit, in rollback-journal mode, ready for sql.js. */
  image: Buffer;
  db: FileSig;
  wal?: FileSig;
  walStatus: WalStatus;
  walFrames: number;
}

/** True while a rollback-journal writer is between starting and finishing a commit. */
async function journalLive(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(`${file}-journal`, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    return bytesRead === 8 && head.equals(JOURNAL_MAGIC);
  } finally {
    await handle.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads `file` (and `file-wal`) into a consistent in-memory image. Throws only when the main file cannot be read. */
export async function readSqliteSnapshot(file: string): Promise<SqliteSnapshot> {
  const walPath = `${file}-wal`;
  let last: SqliteSnapshot | undefined;
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(RETRY_DELAY_MS);
    const liveBefore = await journalLive(file);
    const before = await fs.stat(file);
    const db = await fs.readFile(file);
    const walBefore = await statOrUndefined(walPath);
    const wal = walBefore ? await readOrUndefined(walPath) : undefined;
    const after = await statOrUndefined(file);
    const dbSig = { size: before.size, mtimeMs: before.mtimeMs };
    const { image, frames, status } = applyWal(db, wal);
    markRollbackJournal(image);
    last = { image, db: dbSig, wal: walBefore, walStatus: status, walFrames: frames };
    // A checkpoint between our reads would pair an old main file with a restarted WAL;
    // a live rollback journal means the main file may be half rewritten.
    if (sameSig(dbSig, after) && db.length === before.size && !liveBefore && !(await journalLive(file))) return last;
  }
  return last!;
}

/** Rows of a query as plain objects; [] when a table in it does not exist. */
export function queryRows(db: Database, sql: string): Record<string, unknown>[] {
  let stmt;
  try {
    stmt = db.prepare(sql);
  } catch (e) {
    if (/no such (table|column)/i.test(String(e))) return [];
    throw e;
  }
  try {
    const rows: Record<string, unknown>[] = [];
    while (stmt.step()) rows.push(stmt.getAsObject() as Record<string, unknown>);
    return rows;
  } finally {
    stmt.free();
  }
}

/** Column names of `table` ([] when it does not exist). */
export function tableColumns(db: Database, table: string): string[] {
  return queryRows(db, `PRAGMA table_info(${JSON.stringify(table)})`).map((r) => String(r.name));
}

export interface SqliteParseResult {
  records: UsageRecord[];
  skipped: number;
  /** Some rows are still being written: read the database again next time even if unchanged. */
  pending?: boolean;
  /** What the parser wants back next time (e.g. the highest rowid read); JSON-serialisable. */
  state?: unknown;
  /** Only rows added or changed since `prev` were read (not a re-read from the start). */
  incremental?: boolean;
}

/** Parses a database snapshot; `prev` is the state it returned last time (undefined: first read). */
export type SqliteParser = (db: Database, file: string, prev: unknown) => SqliteParseResult;

interface SqliteCursorState {
  wal?: FileSig;
  parser?: unknown;
}

/**
 * Reads a database another tool keeps changing in place, when the main file or its WAL
 * changed since `cursor`. The whole database is loaded (it is a page image, not a log); the
 * parser can then read only the rows added since its previous state, or all of them again
 * (stable dedupe keys make that harmless). A file that is not a SQLite database throws, so
 * the engine reports it for that file.
 */
export async function readSqliteFile(
  file: string,
  cursor: FileCursor | undefined,
  parse: SqliteParser,
): Promise<FileReadResult> {
  const [dbStat, walStat] = await Promise.all([fs.stat(file), statOrUndefined(`${file}-wal`)]);
  const prev = cursor?.state as SqliteCursorState | undefined;
  const prevWal = prev?.wal;
  if (cursor && cursor.size === dbStat.size && cursor.mtimeMs === dbStat.mtimeMs && sameSig(prevWal, walStat)) {
    return { records: [], cursor, skipped: 0, bytesRead: 0, reread: false };
  }
  const snap = await readSqliteSnapshot(file);
  const SQL = await loadSqlJs();
  let result: SqliteParseResult;
  const db = new SQL.Database(snap.image);
  try {
    result = parse(db, file, prev?.parser);
  } catch (e) {
    throw new Error(`${file}: cannot read SQLite database (${e instanceof Error ? e.message : String(e)})`);
  } finally {
    db.close();
  }
  const state: SqliteCursorState = {};
  if (snap.wal) state.wal = snap.wal;
  if (result.state !== undefined) state.parser = result.state;
  return {
    records: result.records,
    cursor: {
      size: snap.db.size,
      // -1 never matches a real mtime, so a database with rows still streaming is read again.
      mtimeMs: result.pending ? -1 : snap.db.mtimeMs,
      offset: snap.image.length,
      headHash: hashHead(snap.image.subarray(0, HEAD_BYTES)),
      state,
    },
    skipped: result.skipped,
    bytesRead: snap.db.size + (snap.wal?.size ?? 0),
    reread: !!cursor && !result.incremental,
  };
}
