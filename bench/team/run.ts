// `npm run bench:team`: a team history generated into a real PostgreSQL (Debian's, started here in
// a temp folder), then the two figures issue 11 sets targets for:
//   - a team dashboard answer (teamDashboard, team scope) ≤ 500 ms,
//   - a sync of 1,000 new rows (syncToTeam: connect, check, one batch with its rollup) ≤ 1 s.
// Medians of --runs; printed and saved to .bench/team/results.json.
//
//   npm run bench:team                                   # 50 users × 1,000,000 requests = 50M rows
//   npm run bench:team -- --users 50 --per-user 100000   # scaled down (5M rows)
//   … --keep                                             # leave the server running for psql
//
// The history is written with server-side SQL (generate_series) straight into the raw table, the
// row keys and the rollup, the same rows the sync would write, because pushing 50M rows through
// the client would measure the generator, not the queries. Work patterns are realistic: each user
// works weekdays 09:00–17:00 in their own time zone, one machine, repository and branch at a time,
// two models per day, so a 15-minute slot holds ~2 rollup rows per active user.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Pool } from 'pg';
import { teamDashboard, teamPage, type TeamPageKey } from '../../src/core/team/queries';
import { syncToTeam } from '../../src/core/team/sync';
import { TEAM_SCHEMA_VERSION } from '../../src/core/team/schema';
import { generateRows, InMemoryChangeLog } from '../../test/support/changeLog';
import { PgCluster } from '../../test/support/pgCluster';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const USERS = arg('users', 50);
const PER_USER = arg('per-user', 1_000_000);
const RUNS = arg('runs', 7);
/** Leave the server running afterwards (its URL is printed) to explore the data with psql. */
const KEEP = process.argv.includes('--keep');
const WORK_SLOTS_PER_DAY = 32; // 09:00–17:00
const WORKDAYS = 260; // one year of weekdays
const START = Date.UTC(2025, 11, 1); // a Monday
const NOW = START + (WORKDAYS / 5) * 7 * 86_400_000 - 86_400_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const r = await f();
  return [ms(t0), r];
}

async function generate(db: Client): Promise<void> {
  const perSlot = PER_USER / (WORKDAYS * WORK_SLOTS_PER_DAY);
  const step = `(${PER_USER}::float8 / ${WORKDAYS * WORK_SLOTS_PER_DAY})`;
  // Months of the year the history spans.
  const months: string[] = [];
  for (let m = 0; m < 15; m++) months.push(new Date(Date.UTC(2025, 10 + m, 1)).toISOString()); // Nov 2025 (zones east of UTC) to Jan 2027
  await db.query('SELECT ai_usage.ensure_month_partitions($1::timestamptz[])', [months]);
  // Bulk load without the indexes, then build them (what a restore would do).
  await db.query('ALTER TABLE ai_usage.requests DROP CONSTRAINT requests_pkey');
  await db.query('DROP INDEX ai_usage.requests_ts');
  await db.query('ALTER TABLE ai_usage.request_keys DROP CONSTRAINT request_keys_pkey');
  for (let u = 0; u < USERS; u++) {
    const t0 = process.hrtime.bigint();
    // i → work slot w (weekday d, slot s) → ts; per-day machine/repository/branch/source; two models.
    await db.query(
      `INSERT INTO ai_usage.requests (user_name, row_id, ts, machine, source, repository, project, model, model_raw, session_id, branch,
         input, output, cache_read, cache_write, cache_write_1h, reasoning, requests, cost, cost_source, approximate)
       SELECT $1, ($2::int::bigint << 32) + i,
         $3::timestamptz + make_interval(days => (d / 5) * 7 + d % 5, hours => $4::int, mins => s * 15) + make_interval(secs => (i - floor(w * ${step})) * 900 / ${Math.ceil(perSlot)}),
         'machine-' || ((d + $2::int) % 2), (ARRAY['claude-code','codex','cline','gemini-cli'])[1 + ((d / 3 + $2::int) % 4)],
         'github.com/acme/repo-' || ((d / 2 + $2::int * 3) % 12), 'github.com/acme/repo-' || ((d / 2 + $2::int * 3) % 12),
         m, m, 's-' || $2::int || '-' || d || '-' || (s / 8), (ARRAY['main','feature/a','feature/b'])[1 + (d % 3)],
         100 + i % 900, 200 + i % 1500, (i % 7) * 4000, (i % 5) * 300, 0, i % 50, 1,
         ((100 + i % 900) * 3 + (200 + i % 1500) * 15 + (i % 7) * 4000 * 0.3 + (i % 5) * 300 * 3.75) / 1e6,
         CASE WHEN i % 97 = 0 THEN 'unpriced' ELSE 'estimated' END, false
       FROM (
         SELECT i, w, w / ${WORK_SLOTS_PER_DAY} AS d, w % ${WORK_SLOTS_PER_DAY} AS s,
           (ARRAY['claude-sonnet-4-5','claude-opus-4-1','gpt-5','gpt-5-codex','gemini-2.5-pro'])[1 + ((i % 3 = 0)::int + ((w / ${WORK_SLOTS_PER_DAY}) / 7 + $2::int) % 4)] AS m
         FROM (SELECT i, floor(i / ${step})::int AS w FROM generate_series(0, ${PER_USER - 1}) i) x
       ) y`,
      [`user${String(u).padStart(2, '0')}@example.com`, u, new Date(START).toISOString(), 8 - (u % 10)],
    );
    process.stdout.write(`\r  generating: user ${u + 1}/${USERS} (${Math.round(ms(t0))} ms)   `);
  }
  process.stdout.write('\n');
  const step2 = async (what: string, sql: string) => {
    const [t] = await timed(() => db.query(sql));
    console.log(`  ${what}: ${(t / 1000).toFixed(1)} s`);
  };
  await step2('raw primary key', 'ALTER TABLE ai_usage.requests ADD PRIMARY KEY (user_name, row_id, ts)');
  await step2('raw ts index', 'CREATE INDEX requests_ts ON ai_usage.requests (ts, user_name, row_id)');
  await step2('row keys', 'INSERT INTO ai_usage.request_keys SELECT user_name, row_id, ts FROM ai_usage.requests');
  await step2('row keys primary key', 'ALTER TABLE ai_usage.request_keys ADD PRIMARY KEY (user_name, row_id)');
  await step2(
    'rollup',
    `INSERT INTO ai_usage.usage_15m SELECT to_timestamp(floor(extract(epoch FROM ts) / 900) * 900), user_name, machine,
       CASE WHEN repository <> '' THEN repository ELSE project END, model, source, branch,
       sum(input), sum(output), sum(cache_read), sum(cache_write), sum(cache_write_1h), sum(reasoning), sum(requests), count(*),
       count(*) FILTER (WHERE cost_source = 'unpriced'), count(*) FILTER (WHERE approximate), sum(cost),
       COALESCE(sum(cost) FILTER (WHERE cost_source = 'reported'), 0), COALESCE(sum(cost) FILTER (WHERE cost_source = 'estimated'), 0)
     FROM ai_usage.requests GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1`, // slot order on disk, as syncing in time order leaves it
  );
  await step2('analyze', 'ANALYZE');
}

async function main(): Promise<void> {
  const total = USERS * PER_USER;
  console.log(`Team bench: ${USERS} users × ${PER_USER.toLocaleString('en-US')} requests = ${total.toLocaleString('en-US')} rows, ${RUNS} runs each`);
  const cluster = await PgCluster.start({
    conf: ['shared_buffers = 4GB', 'work_mem = 64MB', 'maintenance_work_mem = 2GB', 'max_wal_size = 8GB', 'max_parallel_workers_per_gather = 2', 'wal_level = minimal', 'max_wal_senders = 0'],
  });
  const url = cluster.url();
  const db = new Client({ connectionString: url });
  try {
    await db.connect();
    // Schema through the real code path (an empty first sync creates it).
    await syncToTeam(new InMemoryChangeLog(), { url, identity: { user: 'bench', machine: 'bench', projects: 'path' } });
    const [genMs] = await timed(() => generate(db));
    const [{ rows, rollup, size }] = (
      await db.query(
        `SELECT (SELECT count(*) FROM ai_usage.requests)::float8 AS rows, (SELECT count(*) FROM ai_usage.usage_15m)::float8 AS rollup, pg_size_pretty(pg_database_size(current_database())) AS size`,
      )
    ).rows;
    console.log(`  generated in ${(genMs / 1000).toFixed(0)} s: ${rows.toLocaleString('en-US')} raw rows, ${rollup.toLocaleString('en-US')} rollup rows, database ${size}`);

    // The dashboard's queries run side by side on a small pool, as the engine worker will run them.
    const pool = new Pool({ connectionString: url, max: 4 });
    const views = [
      { name: 'team, last 30 days by day', scope: { kind: 'team' as const }, range: { preset: '30d' as const }, granularity: 'day' as const },
      { name: 'team, last 7 days by hour', scope: { kind: 'team' as const }, range: { preset: '7d' as const }, granularity: 'hour' as const },
      { name: 'team, this month, one repository', scope: { kind: 'team' as const }, range: { preset: 'thisMonth' as const }, granularity: 'day' as const, projects: ['github.com/acme/repo-3'] },
      { name: 'team, all time by month', scope: { kind: 'team' as const }, range: { preset: 'all' as const }, granularity: 'month' as const },
      { name: 'all my machines, last 30 days', scope: { kind: 'mine' as const, user: 'user00@example.com' }, range: { preset: '30d' as const }, granularity: 'day' as const },
    ];
    const results: Record<string, unknown> = {};
    for (const v of views) {
      const view = { projects: v.projects ?? [], range: v.range, models: [], sources: [], granularity: v.granularity };
      const times: number[] = [];
      let messages = 0;
      for (let i = 0; i < RUNS + 1; i++) {
        const [t, d] = await timed(() => teamDashboard(pool, v.scope, view, 'Europe/Paris', NOW));
        if (i > 0) times.push(t); // the first run warms the cache
        messages = d.totals.messages;
      }
      results[v.name] = { medianMs: Math.round(median(times)), minMs: Math.round(Math.min(...times)), maxMs: Math.round(Math.max(...times)), requestsInView: messages };
      console.log(`  dashboard, ${v.name}: median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}), ${messages.toLocaleString('en-US')} requests`);
    }
    const pageTimes: number[] = [];
    let after: TeamPageKey | null = null;
    for (let i = 0; i < RUNS; i++) {
      const [t, p] = await timed(() => teamPage(pool, { scope: { kind: 'team' }, view: { projects: [], range: { preset: '30d' }, models: [], sources: [], granularity: 'day' }, tz: 'Europe/Paris', now: NOW, limit: 200, after }));
      pageTimes.push(t);
      after = p.next;
    }
    results['table page (200 rows, keyset)'] = { medianMs: Math.round(median(pageTimes)) };
    console.log(`  table page of 200 rows: median ${median(pageTimes).toFixed(0)} ms`);

    await pool.end();
    // A user's machine syncs 1,000 new requests into the full database.
    const syncTimes: number[] = [];
    const log = new InMemoryChangeLog('bench-laptop');
    const identity = { user: 'user00@example.com', machine: 'bench-laptop', projects: 'path' as const };
    for (let i = 0; i < RUNS; i++) {
      log.upsert(generateRows(1000, { prefix: 'bench-new', offset: i * 1000, start: NOW - 86_400_000, stepMs: 1000 }));
      const [t, r] = await timed(() => syncToTeam(log, { url, identity, batchRows: 1000 }));
      if (r.rows !== 1000) throw new Error(`synced ${r.rows} rows, expected 1000`);
      syncTimes.push(t);
    }
    results['sync of 1,000 new rows'] = { medianMs: Math.round(median(syncTimes)), minMs: Math.round(Math.min(...syncTimes)), maxMs: Math.round(Math.max(...syncTimes)) };
    console.log(`  sync of 1,000 new rows: median ${median(syncTimes).toFixed(0)} ms (min ${Math.min(...syncTimes).toFixed(0)}, max ${Math.max(...syncTimes).toFixed(0)})`);

    const dashboardMs = (results['team, last 30 days by day'] as { medianMs: number }).medianMs;
    const syncMs = (results['sync of 1,000 new rows'] as { medianMs: number }).medianMs;
    console.log(`\nTargets: team dashboard (30 days) ${dashboardMs} ms ≤ 500 ms: ${dashboardMs <= 500 ? 'met' : 'MISSED'}; sync of 1,000 rows ${syncMs} ms ≤ 1000 ms: ${syncMs <= 1000 ? 'met' : 'MISSED'}`);
    const out = path.join('.bench', 'team');
    await fs.mkdir(out, { recursive: true });
    const record = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), load: os.loadavg() },
      postgres: (await db.query('SHOW server_version')).rows[0].server_version,
      schemaVersion: TEAM_SCHEMA_VERSION,
      users: USERS,
      requestsPerUser: PER_USER,
      rows,
      rollupRows: rollup,
      databaseSize: size,
      generateSeconds: Math.round(genMs / 1000),
      runs: RUNS,
      results,
    };
    await fs.writeFile(path.join(out, 'results.json'), `${JSON.stringify(record, null, 2)}\n`);
    console.log(`Saved to ${path.join(out, 'results.json')}`);
  } finally {
    await db.end().catch(() => undefined);
    if (KEEP) console.log(`Kept: psql '${url}'  (stop: npx tsx test/support/pgCluster.ts stop ${cluster.dataDir})`);
    else await cluster.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
