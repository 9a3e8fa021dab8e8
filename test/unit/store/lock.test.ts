import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireLock, LockLostError } from '../../../src/core/store/lock';
import { storePaths } from '../../../src/core/store/storeFiles';
import { tempDir } from '../../support/tempDir';

// One process (not tsx's launcher, which runs the script in a child): a kill must reach the writer itself.
const TSX_HOOK = require.resolve('tsx/cjs');
const WORKER = path.join(__dirname, '..', '..', 'support', 'storeWorker.ts');

/** Runs storeWorker in `lock` mode; resolves with its printed lines when it exits. */
function holder(file: string, holdMs: number, staleMs: number): { lines: string[]; done: Promise<void>; locked: Promise<void>; kill(): void } {
  const child = spawn(process.execPath, ['-r', TSX_HOOK, WORKER, file, 'lock', String(holdMs), String(staleMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let onLocked: () => void = () => undefined;
  const locked = new Promise<void>((r) => (onLocked = r));
  child.stdout!.on('data', (d: Buffer) => {
    for (const l of d.toString().trim().split('\n')) {
      lines.push(l);
      if (l.startsWith('locked')) onLocked();
    }
  });
  return { lines, locked, done: new Promise((r) => child.on('exit', () => r())), kill: () => child.kill('SIGKILL') };
}

describe('the store lock', function () {
  this.timeout(60_000);
  let file: string;
  let locks: string;
  beforeEach(async () => {
    file = path.join(await tempDir(), 'usage.db');
    locks = storePaths(file).locks;
  });

  it('a holder killed mid-hold does not block the next one', async () => {
    const h = holder(file, 60_000, 15_000);
    await h.locked;
    h.kill();
    await h.done;
    const t = Date.now();
    const lock = await acquireLock(locks, { timeoutMs: 5000 });
    assert.ok(Date.now() - t < 2000, 'taken over at once: its process is gone');
    await lock.release();
  });

  it('a live holder keeps the lock past the stale age: its heartbeat says it is alive', async () => {
    const h = holder(file, 2500, 600); // holds four times longer than a silent ticket would stay valid
    await h.locked;
    const lock = await acquireLock(locks, { staleMs: 600, timeoutMs: 20_000 });
    const gotAt = Date.now();
    await h.done;
    const released = Number(h.lines.find((l) => l.startsWith('unlocking'))!.split(' ')[2]);
    assert.ok(gotAt >= released, 'waited for the release');
    await lock.release();
  });

  it('waiters racing for an abandoned lock: exactly one holds it at any time', async () => {
    // An abandoned ticket: an old heartbeat and a process that no longer exists.
    await fs.mkdir(locks, { recursive: true });
    const stale = path.join(locks, '1.lock');
    await fs.writeFile(stale, JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname() }));
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(stale, old, old);
    const hs = Array.from({ length: 5 }, () => holder(file, 150, 15_000));
    await Promise.all(hs.map((h) => h.done));
    const spans = hs.map((h) => h.lines.map((l) => Number(l.split(' ')[2])) as [number, number]).sort((a, b) => a[0] - b[0]);
    assert.equal(spans.length, 5);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `holds overlap: ${JSON.stringify(spans)}`);
    assert.deepEqual(await fs.readdir(locks), [], 'every ticket removed');
  });

  it('a holder that stalled past the stale age and was taken over finds out before it commits', async () => {
    const a = await acquireLock(locks, { staleMs: 300, heartbeatMs: 60_000 }); // no heartbeat in time
    await new Promise((r) => setTimeout(r, 400));
    const b = await acquireLock(locks, { staleMs: 300, timeoutMs: 2000 });
    await assert.rejects(a.check(), LockLostError);
    await b.check();
    await b.release();
    await a.release();
  });
});
