// Where a store's files live, and the file operations its saves are built from. A store named
// by its database path `usage.db` is:
//   usage.db            the catalog (schema 2): the commit point of every fold
//   usage.db.journal    changes since the catalog was written
//   usage.db.months/    one file per UTC month, named with the generation that wrote it
//   usage.db.locks/     the writer lock's tickets (lock.ts)
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { renameWithRetry } from './atomicFile';
import { monthLabel, type Month } from './partition';

export interface StorePaths {
  dir: string;
  catalog: string;
  journal: string;
  months: string;
  locks: string;
  /** Where a schema-1 database is kept after it was moved into this layout. */
  schema1Backup: string;
  /** The lock file schema-1 versions of the extension take before they save. */
  schema1Lock: string;
}

export function storePaths(file: string): StorePaths {
  return {
    dir: path.dirname(file),
    catalog: file,
    journal: `${file}.journal`,
    months: `${file}.months`,
    locks: `${file}.locks`,
    schema1Backup: `${file}.schema1.bak`,
    schema1Lock: `${file}.lock`,
  };
}

export function monthFileName(month: Month, generation: number): string {
  return `${monthLabel(month)}.g${generation}.db`;
}

/** A random id (the global Web Crypto: node:crypto stays unloaded on the CLI's warm path). */
export function newId(): string {
  return globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 16);
}

/** A file's identity and version, to notice another process replacing it. */
export interface Stamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

export async function stampOf(file: string): Promise<Stamp | undefined> {
  try {
    const st = await fs.stat(file);
    return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export function sameStamp(a: Stamp | undefined, b: Stamp | undefined): boolean {
  return a === b || (!!a && !!b && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs);
}

/** Writes `data` beside `target` as a temp file, synced, ready to be renamed over it. */
export async function stageFile(target: string, data: Uint8Array): Promise<string> {
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  return tmp;
}

export async function commitStaged(tmp: string, target: string): Promise<void> {
  await renameWithRetry(tmp, target);
}

/** Makes renames in `dir` durable (a no-op where directories cannot be opened, e.g. Windows). */
export async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported on this platform
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

const TMP = /\.\d+\.\d+\.tmp$/;

/**
 * Removes temp files a save interrupted by a crash or a kill left behind (they can be as big as
 * the database). Only files older than `minAgeMs` go: a younger one may be another process's save
 * in progress. Call while holding the lock.
 */
export async function removeStaleTemps(dirs: string[], minAgeMs: number): Promise<number> {
  let removed = 0;
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!TMP.test(name)) continue;
      const file = path.join(dir, name);
      try {
        const st = await fs.stat(file);
        if (Date.now() - st.mtimeMs < minAgeMs) continue;
        await fs.rm(file, { force: true });
        removed++;
      } catch {
        // gone already
      }
    }
  }
  return removed;
}

/** Deletes month files no longer named by the catalog (nor by the one before it, which a reader may still be loading). */
export async function removeUnreferencedMonths(monthsDir: string, keep: Set<string>): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(monthsDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.endsWith('.db') && !keep.has(name)) await fs.rm(path.join(monthsDir, name), { force: true });
  }
}

const SQLITE_MAGIC = 'SQLite format 3\0';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * A store file's bytes, or undefined when it is missing. Synchronous on purpose: the store runs
 * in the CLI or the engine's worker thread, and a month file from the page cache reads in a few
 * milliseconds, where a thread-pool round trip each made a cold table page mostly waiting.
 */
export async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read the usage database ${file}: ${message(e)}`);
  }
}

export function looksLikeSqlite(bytes: Uint8Array): boolean {
  return bytes.length >= 100 && Buffer.from(bytes.subarray(0, 16)).toString('latin1') === SQLITE_MAGIC;
}

/** SQLite's words for an unreadable file, as opposed to a bug or a resource problem. */
export function isCorruption(e: unknown): boolean {
  return /file is not a database|malformed|not an SQLite database|unexpected catalog schema|no such table/i.test(message(e));
}
