// Team sync as the engine worker runs it: after this window's changes, with backoff after
// failures, one window at a time per user and machine, resuming after a window went away; over
// the real store's change feed and a real PostgreSQL.
import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import { StoreChangeFeed } from '../../../src/core/store/changeFeed';
import { UsageStore } from '../../../src/core/store/usageStore';
import type { ChangeSource } from '../../../src/core/team/changeSource';
import { retryDelay, SYNC_TIMING, TeamSyncRunner, type SyncTiming, type TeamConfig } from '../../../src/core/team/syncRunner';
import type { TeamSyncState } from '../../../src/core/team/teamTypes';
import { syncToTeam } from '../../../src/core/team/sync';
import { InMemoryChangeLog, generateRows } from '../../support/changeLog';
import { freePort } from '../../support/pgCluster';
import { rec } from '../../support/records';
import { freshDatabase, query, withDatabase } from '../../support/teamDb';

/** Short delays, so the tests wait milliseconds for what the worker waits seconds for. */
const FAST: Partial<SyncTiming> = { startDelayMs: 20, debounceMs: 20, backoffBaseMs: 60_000, safetyNetMs: 3_600_000, retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 } };
const T0 = Date.UTC(2026, 9, 5, 9);

function records(n: number, prefix: string, start = T0) {
  return Array.from({ length: n }, (_, i) => rec({ dedupeKey: `${prefix}-${i}`, ts: start + i * 7 * 60_000, inputTokens: 100 + i, cost: 0.001 * (1 + (i % 9)) }));
}

/** A runner whose states are recorded; `until` waits for one matching a predicate. */
function runner(source: ChangeSource, timing: Partial<SyncTiming> = FAST) {
  const states: TeamSyncState[] = [];
  const waiters: { test: (s: TeamSyncState) => boolean; done: (s: TeamSyncState) => void }[] = [];
  const r = new TeamSyncRunner({
    source,
    timing,
    onState: (s) => {
      states.push(s);
      for (const w of [...waiters]) if (w.test(s)) (waiters.splice(waiters.indexOf(w), 1), w.done(s));
    },
  });
  const until = (test: (s: TeamSyncState) => boolean, what: string, ms = 20_000) =>
    new Promise<TeamSyncState>((resolve, reject) => {
      const last = states.at(-1);
      if (last && test(last)) return resolve(last);
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; last state ${JSON.stringify(states.at(-1))}`)), ms);
      waiters.push({ test, done: (s) => (clearTimeout(t), resolve(s)) });
    });
  return { r, states, until, attempts: () => states.filter((s, i) => s.syncing && !states[i - 1]?.syncing).length };
}

async function serverRows(url: string): Promise<{ rows: number; cost: number }> {
  const [r] = await query<{ n: string; c: number }>(url, 'SELECT count(*) AS n, COALESCE(sum(cost), 0)::float8 AS c FROM ai_usage.requests');
  return { rows: Number(r.n), cost: Math.round(r.c * 1e9) / 1e9 };
}

const config = (url: string, over: Partial<TeamConfig> = {}): TeamConfig => ({ url, user: 'alice@example.com', machine: 'laptop', projects: 'path', ...over });

describe('team sync in the engine worker (real store, real PostgreSQL)', function () {
  this.timeout(60_000);
  const running: TeamSyncRunner[] = [];
  afterEach(async () => Promise.all(running.splice(0).map((r) => r.dispose())));

  async function ownerDatabase(): Promise<string> {
    const url = await freshDatabase();
    await syncToTeam(new InMemoryChangeLog(), { url, identity: { user: 'owner', machine: 'server', projects: 'path' } }); // the owner created the schema
    return url;
  }

  it('syncs soon after this window stores rows, not after another window did; the state has rows, batch and pending', async () => {
    const url = await ownerDatabase();
    const store = await UsageStore.inMemory();
    const feed = new StoreChangeFeed(store);
    const t = runner(feed);
    running.push(t.r);
    await store.write({ rows: records(1500, 'a') });
    const configured = await t.r.configure(config(url));
    assert.deepEqual([configured.connected, configured.database, configured.user, configured.machine], [true, new URL(url).host.replace(/:.*/, '') + ':' + new URL(url).port + new URL(url).pathname, 'alice@example.com', 'laptop']);
    const first = await t.until((s) => s.lastSync !== null, 'the first sync after connecting');
    assert.deepEqual([first.lastRows, first.pending, first.lastError], [1500, 0, null]);
    assert.ok(first.lastBatchRows! > 0 && first.lastBatchRows! < 1000, `the last of two batches (${first.lastBatchRows} rows)`);
    assert.equal((await serverRows(url)).rows, 1500);

    // Another window stored rows: it syncs them itself; this one only counts them as pending.
    await store.write({ rows: records(40, 'b', T0 + 30 * 86_400_000) });
    t.r.dataChanged(false);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(t.attempts(), 1, 'no sync for another window’s rows');
    assert.equal(t.r.state().pending, 40);
    // This window stored rows: synced after the debounce.
    await store.write({ rows: records(3, 'c', T0 + 31 * 86_400_000) });
    t.r.dataChanged(true);
    t.r.dataChanged(true);
    const second = await t.until((s) => s.lastSync !== null && s.lastSync > first.lastSync! && !s.syncing, 'the sync of this window’s rows');
    assert.equal(t.attempts(), 2, 'two changes in a burst sync once');
    assert.equal(second.pending, 0);
    assert.equal((await serverRows(url)).rows, 1543);
  });

  it('two windows: while one syncs, the other is told so and sends nothing; every row arrives once', async () => {
    const url = await ownerDatabase();
    const log = new InMemoryChangeLog('shared');
    log.upsert(generateRows(800, { prefix: 'w' }));
    const day = { ...FAST, startDelayMs: 3_600_000 };
    const [ra, rb] = [runner(log, day), runner(log, day)];
    running.push(ra.r, rb.r);
    await Promise.all([ra.r.configure(config(url)), rb.r.configure(config(url))]);
    // Hold the sync state row: window A's sync waits inside its first batch, holding the machine's lock.
    const blocker = new Client({ connectionString: url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE ai_usage.sync_state IN EXCLUSIVE MODE');
      const syncingA = ra.r.syncNow();
      await ra.until((s) => s.syncing, 'window A syncing');
      for (let i = 0; i < 100; i++) {
        const [{ n }] = await query<{ n: string }>(url, `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted`);
        if (Number(n) > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const b1 = await rb.r.syncNow();
      assert.equal(b1.busyElsewhere, true);
      assert.equal(b1.lastError, null, 'not an error: the other window sends these rows');
      assert.equal(b1.lastSync, null);
      await blocker.query('ROLLBACK');
      const a1 = await syncingA;
      assert.deepEqual([a1.lastRows, a1.busyElsewhere, a1.lastError], [800, false, null]);
    } finally {
      await blocker.end();
    }
    const b2 = await rb.r.syncNow();
    assert.deepEqual([b2.lastRows, b2.busyElsewhere], [0, false], 'the other window finds nothing left to send');
    assert.equal((await serverRows(url)).rows, 800);
  });

  it('a window that goes away mid-sync: the next one resumes from what the server acknowledged, nothing lost or doubled', async () => {
    const url = await ownerDatabase();
    const store = await UsageStore.inMemory();
    const rows = records(4000, 'k');
    // Eight writes: the feed's cursor acknowledges whole writes, so a stop mid-way leaves some acknowledged.
    for (let i = 0; i < 8; i++) await store.write({ rows: rows.slice(i * 500, (i + 1) * 500) });
    const feed = new StoreChangeFeed(store);
    const a = runner(feed, { ...FAST, startDelayMs: 3_600_000 });
    await a.r.configure(config(url));
    const syncing = a.r.syncNow();
    await a.until((s) => (s.lastBatchRows ?? 0) > 0, 'a first batch');
    await a.r.dispose(); // the window closed: the sync stops between batches
    await syncing.catch(() => undefined);
    const part = (await serverRows(url)).rows;
    assert.ok(part > 0 && part < 4000, `stopped part-way (${part} rows)`);
    const b = runner(feed);
    running.push(b.r);
    await b.r.configure(config(url));
    const done = await b.until((s) => s.lastSync !== null, 'the next window’s sync');
    const [{ cursor }] = await query<{ cursor: string }>(url, `SELECT cursor FROM ai_usage.sync_state WHERE machine = 'laptop'`);
    assert.ok(done.lastRows! < 4000 && done.lastRows! >= 4000 - part, `only what the server had not acknowledged (${done.lastRows} rows sent again, ${part} were there)`);
    assert.ok(cursor, 'the server holds the new cursor');
    assert.equal((await serverRows(url)).rows, 4000);
    const [local] = [rows.reduce((x, r) => x + r.cost, 0)];
    assert.equal((await serverRows(url)).cost, Math.round(local * 1e9) / 1e9);
  });

  it('an unreachable database: the error in plain words, one attempt, the next one backed off; Sync Now tries at once', async () => {
    const port = await freePort();
    const store = await UsageStore.inMemory();
    await store.write({ rows: records(5, 'x') });
    const t = runner(new StoreChangeFeed(store), { ...FAST, backoffBaseMs: 30_000 });
    running.push(t.r);
    await t.r.configure(config(`postgres://alice:s3cret-Pw@127.0.0.1:${port}/team`));
    const failed = await t.until((s) => s.lastError !== null, 'the failure');
    assert.match(failed.lastError!, /cannot connect to 127\.0\.0\.1:\d+: connection refused/);
    assert.ok(failed.nextAttempt! - failed.errorAt! >= 30_000 && failed.nextAttempt! - failed.errorAt! <= 30_000 * 1.01, 'backed off by the base delay');
    t.r.dataChanged(true);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(t.attempts(), 1, 'no retry before the backoff ends, new rows or not');
    const again = await t.r.syncNow();
    assert.equal(t.attempts(), 2);
    assert.ok(again.nextAttempt! - again.errorAt! >= 60_000, 'the second failure waits twice as long');
    assert.ok(t.states.every((s) => !JSON.stringify(s).includes('s3cret')), 'the password appears in no state');
  });

  it('a wrong password: said plainly, never retried by itself, and the password appears nowhere', async () => {
    const url = await ownerDatabase();
    const [{ tag }] = await query<{ tag: string }>(url, `SELECT substr(md5(random()::text), 1, 6) AS tag`);
    const role = `carol_${tag}`;
    await query(url, `CREATE ROLE ${role} LOGIN PASSWORD 'right-pw-${tag}'`);
    const wrong = `Wr0ng%40pw-${tag}`;
    const t = runner(new StoreChangeFeed(await UsageStore.inMemory()));
    running.push(t.r);
    await t.r.configure(config(withDatabase(url, new URL(url).pathname.slice(1), { name: role, password: decodeURIComponent(wrong) })));
    const failed = await t.until((s) => s.lastError !== null, 'the failure');
    assert.match(failed.lastError!, new RegExp(`password authentication failed for user "${role}"`));
    assert.equal(failed.nextAttempt, null, 'waits for new settings or Sync Now');
    for (const s of t.states) assert.ok(!JSON.stringify(s).includes(`pw-${tag}`), 'no password in any state');
  });

  it('retries: at once for nothing, with growing delays for what may recover, hourly for what the owner can fix, never for a wrong password', () => {
    const t = SYNC_TIMING;
    assert.deepEqual([1, 2, 3, 10].map((n) => retryDelay({ message: '', transient: true }, n)), [30_000, 60_000, 120_000, t.backoffMaxMs]);
    assert.equal(retryDelay({ message: '', transient: false, code: '42501' }, 1), t.fixableRetryMs);
    assert.equal(retryDelay({ message: '', transient: false, code: 'MEMBER' }, 5), t.fixableRetryMs);
    assert.equal(retryDelay({ message: '', transient: false, code: '28P01' }, 1), null);
    assert.equal(retryDelay({ message: '', transient: false }, 1), null);
  });

  it('no team user (no setting, no git user.email): the state says what to set, and nothing is sent', async () => {
    const url = await ownerDatabase();
    const t = new TeamSyncRunner({ source: new InMemoryChangeLog(), timing: FAST, onState: () => undefined, env: { PATH: process.env.PATH, HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } });
    running.push(t);
    const s = await t.configure({ url, projects: 'repository' });
    assert.match(s.lastError ?? '', /^no team user: set aiUsage\.team\.user/);
    await assert.rejects(t.syncNow(), /no team user/);
  });
});
