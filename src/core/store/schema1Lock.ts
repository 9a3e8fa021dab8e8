// The lock file versions before the partitioned store (schema 1) take around a save. It is held
// only while a schema-1 database is moved into the new layout, so an older window still running
// cannot write the old file in the middle (lock.ts is the store's own lock).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import { isAlive } from './lock';

export interface LockOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** A lock older than this is considered abandoned (its holder crashed mid-save). */
  staleMs?: number;
}

interface LockInfo {
  pid: number;
  host: string;
  at: number;
}

async function readInfo(lockPath: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await fs.readFile(lockPath, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  const info = await readInfo(lockPath);
  if (!info) {
    // Being written right now, or garbage: judge by age.
    try {
      const st = await fs.stat(lockPath);
      return Date.now() - st.mtimeMs > staleMs;
    } catch {
      return false;
    }
  }
  if (info.host === os.hostname() && !isAlive(info.pid)) return true;
  return Date.now() - info.at > staleMs;
}

/** Runs `fn` while holding `lockPath` (created exclusively); always releases it. */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const staleMs = opts.staleMs ?? 60_000;
  const started = Date.now();
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), at: Date.now() };
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.writeFile(lockPath, JSON.stringify(mine), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (await isStale(lockPath, staleMs)) {
        await fs.rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`Timed out waiting for the database lock ${lockPath} (held by another window or the CLI)`);
      }
      await new Promise((r) => setTimeout(r, Math.min(10 + attempt * 10, 100)));
    }
  }
  try {
    return await fn();
  } finally {
    // Only remove the lock if it is still ours (a stale-lock takeover could have replaced it).
    const info = await readInfo(lockPath);
    if (info && info.pid === mine.pid && info.at === mine.at && info.host === mine.host) {
      await fs.rm(lockPath, { force: true });
    }
  }
}
