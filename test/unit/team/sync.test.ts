import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { Client } from 'pg';
import type { SyncRow } from '../../../src/core/team/changeSource';
import type { TeamIdentity } from '../../../src/core/team/identity';
import { migrateTeamSchema, schemaVersion, TEAM_SCHEMA_VERSION } from '../../../src/core/team/schema';
import { syncToTeam, type SyncOptions } from '../../../src/core/team/sync';
import { generateRows, InMemoryChangeLog, sumRows } from '../../support/changeLog';
import { PgCluster } from '../../support/pgCluster';
import { freshDatabase, query } from '../../support/teamDb';

const ALICE_LAPTOP: TeamIdentity = { user: 'alice@example.com', machine: 'laptop', projects: 'path' };
const FAST_RETRY = { attempts: 30, baseDelayMs: 50, maxDelayMs: 500 };

/** Raw rows and rollup, summed on the server, per user. */
async function serverTotals(url: string, user?: string) {
  const where = user ? 'WHERE user_name = $1' : '';
  const params = user ? [user] : [];
  const [raw] = await query<Record<string, string>>(
    url,
    `SELECT count(*) AS rows, COALESCE(sum(input), 0) AS input, COALESCE(sum(output), 0) AS output, COALESCE(sum(cache_read), 0) AS cache_read,
            COALESCE(sum(cache_write), 0) AS cache_write, COALESCE(sum(cost), 0) AS cost FROM ai_usage.requests ${where}`,
    params,
  );
  const [roll] = await query<Record<string, string>>(
    url,
    `SELECT COALESCE(sum(rows_count), 0) AS rows, COALESCE(sum(input), 0) AS input, COALESCE(sum(output), 0) AS output, COALESCE(sum(cache_read), 0) AS cache_read,
            COALESCE(sum(cache_write), 0) AS cache_write, COALESCE(sum(cost), 0) AS cost FROM ai_usage.usage_15m ${where}`,
    params,
  );
  const [keys] = await query<{ n: string }>(url, `SELECT count(*) AS n FROM ai_usage.request_keys ${where}`, params);
  const norm = (r: Record<string, string>) => ({
    rows: Number(r.rows),
    input: Number(r.input),
    output: Number(r.output),
    cacheRead: Number(r.cache_read),
    cacheWrite: Number(r.cache_write),
    cost: Math.round(Number(r.cost) * 1e6) / 1e6,
  });
  return { raw: norm(raw), rollup: norm(roll), keys: Number(keys.n) };
}

function expected(rows: SyncRow[]) {
  const t = sumRows(rows);
  return { ...t, cost: Math.round(t.cost * 1e6) / 1e6 };
}

/** Raw rows, rollup and key table all hold exactly `rows`. */
async function assertExactly(url: string, rows: SyncRow[], user?: string): Promise<void> {
  const t = await serverTotals(url, user);
  const want = expected(rows);
  assert.deepEqual(t.raw, want, 'raw rows');
  assert.deepEqual(t.rollup, want, 'rollup');
  assert.equal(t.keys, rows.length, 'row keys');
}

function options(url: string, identity: TeamIdentity, over: Partial<SyncOptions> = {}): SyncOptions {
  return { url, identity, batchRows: 1000, retry: FAST_RETRY, ...over };
}

describe('team sync (real PostgreSQL)', function () {
  this.timeout(120_000);

  it('creates the schema on an empty database, once, even when two clients race to create it', async () => {
    const url = await freshDatabase();
    const clients = [new Client({ connectionString: url }), new Client({ connectionString: url })];
    await Promise.all(clients.map((c) => c.connect()));
    try {
      assert.equal(await schemaVersion(clients[0]), 0);
      const results = await Promise.all(clients.map((c) => migrateTeamSchema(c)));
      assert.deepEqual(results.map((r) => r.to), [TEAM_SCHEMA_VERSION, TEAM_SCHEMA_VERSION]);
      assert.deepEqual(await migrateTeamSchema(clients[0]), { from: TEAM_SCHEMA_VERSION, to: TEAM_SCHEMA_VERSION });
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    const tables = await query<{ t: string }>(url, `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'ai_usage' ORDER BY 1`);
    assert.deepEqual(
      tables.map((t) => t.t),
      ['members', 'request_keys', 'requests', 'schema_version', 'sync_state', 'usage_15m'],
    );
    const [{ kind }] = await query<{ kind: string }>(url, `SELECT c.relkind AS kind FROM pg_class c WHERE c.oid = 'ai_usage.requests'::regclass`);
    assert.equal(kind, 'p', 'requests is a partitioned table');
    assert.deepEqual(await query(url, 'SELECT version FROM ai_usage.schema_version'), [{ version: 1 }]);
  });

  it('refuses a schema written by a newer version instead of writing into it', async () => {
    const url = await freshDatabase();
    await syncToTeam(new InMemoryChangeLog(), options(url, ALICE_LAPTOP));
    await query(url, 'INSERT INTO ai_usage.schema_version (version) VALUES (99)');
    const log = new InMemoryChangeLog();
    log.upsert(generateRows(5, { prefix: 'z' }));
    await assert.rejects(syncToTeam(log, options(url, ALICE_LAPTOP)), /schema version 99, newer than this version understands \(1\): update the extension or CLI/);
    const [{ n }] = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM ai_usage.requests');
    assert.equal(Number(n), 0);
  });

  it('syncs incrementally in batches, creates month partitions on demand, and sends nothing twice', async () => {
    const url = await freshDatabase();
    const log = new InMemoryChangeLog();
    // 2,500 rows 7 minutes apart: Oct 1 to Oct 13.
    const rows = generateRows(2500, { prefix: 'a', start: Date.UTC(2026, 9, 30) });
    log.upsert(rows);
    const first = await syncToTeam(log, options(url, ALICE_LAPTOP)); // creates the schema on first connect
    assert.deepEqual([first.batches, first.rows, first.resumedFrom, first.epochChanged], [3, 2500, null, false]);
    await assertExactly(url, rows);
    const parts = await query<{ p: string }>(url, `SELECT c.relname AS p FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'ai_usage.requests'::regclass ORDER BY 1`);
    assert.deepEqual(parts.map((p) => p.p), ['requests_2026_10', 'requests_2026_11']);

    const again = await syncToTeam(log, options(url, ALICE_LAPTOP));
    assert.deepEqual([again.batches, again.rows, again.resumedFrom], [0, 0, first.cursor]);

    const more = generateRows(10, { prefix: 'a', start: Date.UTC(2026, 9, 30), offset: 2500 });
    log.upsert(more);
    const third = await syncToTeam(log, options(url, ALICE_LAPTOP));
    assert.equal(third.rows, 10);
    await assertExactly(url, [...rows, ...more]);
    const [state] = await query(url, 'SELECT epoch, cursor, rows_synced FROM ai_usage.sync_state');
    assert.deepEqual(state, { epoch: log.epoch(), cursor: '2510', rows_synced: '2510' });
  });

  it('moves a row whose time changed to another month (raw, rollup and keys), and removes deleted rows', async () => {
    const url = await freshDatabase();
    const log = new InMemoryChangeLog();
    const rows = generateRows(20, { prefix: 'm', start: Date.UTC(2026, 9, 31, 23, 0) });
    log.upsert(rows);
    await syncToTeam(log, options(url, ALICE_LAPTOP));
    // A more complete copy of row 0, dated a day later (next month), with more output.
    const moved = { ...rows[0], ts: Date.UTC(2026, 10, 1, 12), outputTokens: rows[0].outputTokens + 1000, cost: 0.5 };
    log.upsert([moved]);
    log.delete([rows[1].id, rows[2].id]);
    await syncToTeam(log, options(url, ALICE_LAPTOP));
    const now = [moved, ...rows.slice(3)];
    await assertExactly(url, now);
    const [r] = await query<{ ts: Date; output: string }>(url, 'SELECT ts, output FROM ai_usage.requests WHERE row_id = $1', [moved.id]);
    assert.equal(r.ts.getTime(), moved.ts);
    assert.equal(Number(r.output), moved.outputTokens);
    const [{ n }] = await query<{ n: string }>(url, `SELECT count(*) AS n FROM ai_usage.usage_15m WHERE rows_count <= 0`);
    assert.equal(Number(n), 0, 'no empty or negative rollup rows are left behind');
  });

  it('two machines and two users syncing concurrently give exact team totals, a request seen on two machines counted once', async () => {
    const url = await freshDatabase();
    await syncToTeam(new InMemoryChangeLog(), options(url, ALICE_LAPTOP)); // schema first: the race under test is the data, not the DDL
    const laptop = new InMemoryChangeLog('laptop');
    const desktop = new InMemoryChangeLog('desktop');
    const bob = new InMemoryChangeLog('bob');
    const laptopRows = generateRows(3000, { prefix: 'lap' });
    const desktopRows = generateRows(3000, { prefix: 'desk', start: Date.UTC(2026, 9, 2) });
    const shared = generateRows(200, { prefix: 'shared-logs' }); // the same requests, read on both machines
    const bobRows = generateRows(3000, { prefix: 'lap' }); // same row ids as Alice's laptop: another user, so other rows
    laptop.upsert([...laptopRows, ...shared]);
    desktop.upsert([...desktopRows, ...shared]);
    bob.upsert(bobRows);
    const [a, b, c] = await Promise.all([
      syncToTeam(laptop, options(url, ALICE_LAPTOP, { batchRows: 250 })),
      syncToTeam(desktop, options(url, { ...ALICE_LAPTOP, machine: 'desktop' }, { batchRows: 250 })),
      syncToTeam(bob, options(url, { user: 'bob@example.com', machine: 'bob-pc', projects: 'path' }, { batchRows: 250 })),
    ]);
    assert.deepEqual([a.rows, b.rows, c.rows], [3200, 3200, 3000]);
    await assertExactly(url, [...laptopRows, ...desktopRows, ...shared], 'alice@example.com');
    await assertExactly(url, bobRows, 'bob@example.com');
    const all = await serverTotals(url);
    assert.equal(all.raw.rows, 9200);
    assert.equal(all.rollup.rows, 9200);
  });

  it('re-syncs after a local reset (new epoch) with no row doubled', async () => {
    const url = await freshDatabase();
    const log = new InMemoryChangeLog();
    const rows = generateRows(1500, { prefix: 'r' });
    log.upsert(rows);
    await syncToTeam(log, options(url, ALICE_LAPTOP));
    log.reset();
    const more = generateRows(100, { prefix: 'r', offset: 1500 });
    log.upsert([...rows.slice(0, 1000), ...more]); // a re-import finds what the tools still have, plus new usage
    const r = await syncToTeam(log, options(url, ALICE_LAPTOP));
    assert.deepEqual([r.epochChanged, r.resumedFrom, r.rows], [true, null, 1100]);
    // Rows the tools no longer have stay in the team database: history outlives the logs.
    await assertExactly(url, [...rows, ...more]);
    const [state] = await query(url, 'SELECT epoch, rows_synced FROM ai_usage.sync_state');
    assert.deepEqual(state, { epoch: log.epoch(), rows_synced: '1100' });
  });

  it('a connection killed mid-batch (pg_terminate_backend inside the transaction) loses and doubles nothing', async () => {
    const url = await freshDatabase();
    const log = new InMemoryChangeLog();
    const rows = generateRows(1200, { prefix: 'k' });
    log.upsert(rows.slice(0, 200));
    await syncToTeam(log, options(url, ALICE_LAPTOP));
    log.upsert(rows.slice(200));
    // Hold the sync-state row: the sync's batch transaction writes its rows, then waits for it.
    const blocker = new Client({ connectionString: url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT * FROM ai_usage.sync_state FOR UPDATE');
    const retries: string[] = [];
    const running = syncToTeam(log, options(url, ALICE_LAPTOP, { batchRows: 500, onRetry: (e) => retries.push(e.message) }));
    let pid: number | undefined;
    for (let i = 0; i < 400 && pid === undefined; i++) {
      const waiting = await query<{ pid: number }>(url, `SELECT pid FROM pg_stat_activity WHERE application_name = 'ai-usage' AND wait_event_type = 'Lock'`);
      pid = waiting[0]?.pid;
      if (pid === undefined) await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(pid, 'the sync waits inside its batch transaction');
    const [{ inFlight }] = await query<{ inFlight: string }>(url, `SELECT count(*) AS "inFlight" FROM ai_usage.requests`);
    assert.equal(Number(inFlight), 200, 'the batch in flight is not visible to others');
    await query(url, 'SELECT pg_terminate_backend($1)', [pid]);
    await blocker.query('ROLLBACK');
    await blocker.end();
    const r = await running;
    assert.ok(r.retries >= 1 && retries.length >= 1, 'the sync retried after losing its connection');
    await assertExactly(url, rows);
  });

  it('a server restart mid-sync: the sync waits, reconnects and resumes from the acknowledged cursor', async function () {
    const cluster = await PgCluster.start();
    try {
      const url = cluster.url();
      const log = new InMemoryChangeLog();
      const rows = generateRows(4000, { prefix: 'restart' });
      log.upsert(rows);
      let restarting: Promise<void> | undefined;
      const r = await syncToTeam(
        log,
        options(url, ALICE_LAPTOP, {
          batchRows: 200,
          onProgress: (p) => {
            if (p.batches === 3) restarting = cluster.restart();
          },
        }),
      );
      await restarting;
      assert.ok(r.retries >= 1, `retried (${r.retries})`);
      assert.equal(r.cursor, '4000');
      await assertExactly(url, rows);
    } finally {
      await cluster.destroy();
    }
  });

  it('a sync process killed mid-sync resumes where the server acknowledged, nothing lost or doubled', async () => {
    const url = await freshDatabase();
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, '../../support/syncProcess.ts'), url, '6000', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.split('\n').filter((l) => l.startsWith('batch')).length >= 5) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`the sync process ended before it was killed: ${err}`)));
    });
    await new Promise((r) => child.once('close', r));
    const [{ n }] = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM ai_usage.requests');
    assert.ok(Number(n) >= 500 && Number(n) < 6000, `killed part-way (${n} rows on the server)`);
    // The same local history, synced again in this process.
    const log = new InMemoryChangeLog('child');
    const rows = generateRows(6000, { prefix: 'child' });
    log.upsert(rows);
    const r = await syncToTeam(log, options(url, ALICE_LAPTOP, { batchRows: 100 }));
    assert.ok(r.resumedFrom !== null && Number(r.resumedFrom) >= 500, `resumed from ${r.resumedFrom}`);
    assert.equal(r.rows, 6000 - Number(r.resumedFrom));
    await assertExactly(url, rows);
  });
});
