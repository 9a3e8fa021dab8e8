// The writer lock shared by every process (VS Code windows, the CLI) that uses one store.
//
// A lock is a ticket: a file in the store's lock folder, created with O_EXCL. Its holder touches
// it every HEARTBEAT_MS; a ticket whose heartbeat stopped (or whose process on this host is gone)
// is stale. Taking over a stale lock never deletes it first (two waiters could both delete and
// both create): a waiter creates the next ticket number instead, which only one process can do,
// then checks that no other live ticket exists — if one does, it withdraws and tries again after
// a random pause. So at most one live ticket holds the lock, and a crashed holder never blocks
// others for longer than STALE_MS.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const HEARTBEAT_MS = 2_000;
export const STALE_MS = 15_000;

export interface LockOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** A ticket whose heartbeat is older than this is abandoned (tests shorten it). */
  staleMs?: number;
  heartbeatMs?: number;
}

export class LockLostError extends Error {
  constructor(dir: string) {
    super(`The store lock in ${dir} was taken over by another process (this one stalled for too long); the write was abandoned`);
    this.name = 'LockLostError';
  }
}

interface Ticket {
  n: number;
  file: string;
}

interface TicketInfo {
  pid: number;
  host: string;
}

const TICKET = /^(\d+)\.lock$/;

/** The process exists (EPERM: it does, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tickets(dir: string): Promise<Ticket[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: Ticket[] = [];
  for (const name of names) {
    const m = TICKET.exec(name);
    if (m) out.push({ n: Number(m[1]), file: path.join(dir, name) });
  }
  return out.sort((a, b) => a.n - b.n);
}

/** Live: its heartbeat is recent and, on this host, its process still runs. Gone: not live. */
async function isLive(t: Ticket, staleMs: number): Promise<boolean> {
  let st;
  try {
    st = await fs.stat(t.file);
  } catch {
    return false; // released while we looked
  }
  if (Date.now() - st.mtimeMs > staleMs) return false;
  try {
    const info = JSON.parse(await fs.readFile(t.file, 'utf8')) as TicketInfo;
    if (info.host === os.hostname() && !isAlive(info.pid)) return false;
  } catch {
    // being written right now: its fresh mtime decides
  }
  return true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A held lock: keeps its heartbeat until released. */
export class HeldLock {
  private timer: NodeJS.Timeout | undefined;
  private lost = false;

  constructor(
    readonly dir: string,
    private readonly ticket: Ticket,
    heartbeatMs: number,
  ) {
    this.timer = setInterval(() => void this.beat(), heartbeatMs);
    this.timer.unref?.();
  }

  private async beat(): Promise<void> {
    const now = new Date();
    try {
      await fs.utimes(this.ticket.file, now, now);
    } catch {
      this.lost = true; // removed by a process that judged us stale
    }
  }

  /** Throws LockLostError when another process took the lock over; call right before committing. */
  async check(): Promise<void> {
    if (this.lost) throw new LockLostError(this.dir);
    try {
      await fs.stat(this.ticket.file);
    } catch {
      this.lost = true;
      throw new LockLostError(this.dir);
    }
    await this.beat();
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await fs.rm(this.ticket.file, { force: true });
  }
}

/** Takes the lock in `dir` (created if missing), waiting for the holder; throws on timeout. */
export async function acquireLock(dir: string, opts: LockOptions = {}): Promise<HeldLock> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const staleMs = opts.staleMs ?? STALE_MS;
  const heartbeatMs = opts.heartbeatMs ?? Math.min(HEARTBEAT_MS, Math.floor(staleMs / 4));
  const started = Date.now();
  const me: TicketInfo = { pid: process.pid, host: os.hostname() };
  await fs.mkdir(dir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const all = await tickets(dir);
    const live: Ticket[] = [];
    for (const t of all) if (await isLive(t, staleMs)) live.push(t);
    if (!live.length) {
      const n = (all.length ? all[all.length - 1].n : 0) + 1;
      const mine: Ticket = { n, file: path.join(dir, `${n}.lock`) };
      let created = false;
      try {
        await fs.writeFile(mine.file, JSON.stringify(me), { flag: 'wx' });
        created = true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      if (created) {
        // Anyone else live now? Then two of us raced: both withdraw and retry after a random pause.
        let contended = false;
        for (const t of await tickets(dir)) {
          if (t.n !== n && (await isLive(t, staleMs))) contended = true;
        }
        if (!contended) {
          for (const t of all) await fs.rm(t.file, { force: true }); // stale tickets, now ours to clear
          return new HeldLock(dir, mine, heartbeatMs);
        }
        await fs.rm(mine.file, { force: true });
      }
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting for the usage store's lock in ${dir} (held by another window or the CLI)`);
    }
    await sleep(5 + Math.random() * Math.min(20 + attempt * 10, 200));
  }
}

/** Runs `fn` holding the lock; always releases it. */
export async function withLock<T>(dir: string, fn: (lock: HeldLock) => Promise<T>, opts?: LockOptions): Promise<T> {
  const lock = await acquireLock(dir, opts);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
