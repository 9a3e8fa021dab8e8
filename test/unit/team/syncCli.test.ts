import { strict as assert } from 'node:assert';
import { runSyncCli } from '../../../src/cli/sync';
import { generateRows, InMemoryChangeLog } from '../../support/changeLog';
import { freePort } from '../../support/pgCluster';
import { freshDatabase, query } from '../../support/teamDb';

async function cli(argv: string[], log = new InMemoryChangeLog(), env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  let opened = 0;
  let db: string | undefined;
  const code = await runSyncCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }, async (flags) => {
    opened++;
    db = flags.get('db')?.[0];
    return log;
  }, env);
  return { code, out: out.join('\n'), err: err.join('\n'), opened, db };
}

describe('ai-usage sync (CLI, real PostgreSQL)', function () {
  this.timeout(120_000);

  it('--init creates the schema, then sync ships the local history, JSON or text', async () => {
    const url = await freshDatabase();
    const init = await cli(['--postgres', url, '--init', '--json']);
    assert.equal(init.code, 0, init.err);
    assert.deepEqual(JSON.parse(init.out), { database: `127.0.0.1:${new URL(url).port}${new URL(url).pathname}`, schemaVersion: 1, created: true, upgraded: false });
    assert.equal(init.opened, 0, '--init does not open the local database');
    assert.match((await cli(['--postgres', url, '--init'])).out, /is up to date \(version 1\)/);

    const log = new InMemoryChangeLog();
    log.upsert(generateRows(1234, { prefix: 'cli' }));
    const first = await cli(['--db', '/data/usage.db', '--user', 'alice@example.com', '--machine', 'laptop', '--json'], log, { AI_USAGE_PG_URL: url });
    assert.equal(first.code, 0, first.err);
    assert.equal(first.db, '/data/usage.db', 'the local database is opened as --db says');
    const r = JSON.parse(first.out);
    assert.deepEqual([r.user, r.machine, r.rows, r.batches, r.deleted, r.epochChanged, r.retries], ['alice@example.com', 'laptop', 1234, 2, 0, false, 0]);
    const again = await cli(['--postgres', url, '--user', 'alice@example.com', '--machine', 'laptop'], log);
    assert.match(again.out, /^Nothing new to sync to 127\.0\.0\.1:\d+\/t_\w+ as alice@example\.com on laptop \(\d+\.\d s\)\.$/);
    const [{ n }] = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM ai_usage.requests');
    assert.equal(Number(n), 1234);
  });

  it('bad arguments and configuration exit 2, an unreachable server exits 1; never a password in the output', async () => {
    const noUrl = await cli(['--user', 'a@b']);
    assert.deepEqual([noUrl.code, noUrl.err], [2, 'ai-usage: sync needs the team database: --postgres URL or $AI_USAGE_PG_URL']);
    const badUrl = await cli(['--postgres', 'mysql://me:s3cret-pw@db/x', '--user', 'a@b']);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.err, /not a PostgreSQL connection string: "mysql:\/\/me:\*\*\*@db\/x"/);
    assert.equal((await cli(['--postgres', 'postgres://h/db', '--projects', 'all'])).code, 2);
    assert.equal((await cli(['--postgres', 'postgres://h/db', '--retries', '0'])).code, 2);
    assert.equal((await cli(['--postgres', 'postgres://h/db', 'extra'])).code, 2);
    const port = await freePort();
    const refused = await cli(['--postgres', `postgres://me:s3cret-pw@127.0.0.1:${port}/db`, '--user', 'a@b', '--retries', '2'], new InMemoryChangeLog());
    assert.equal(refused.code, 1);
    assert.match(refused.err, /warning: cannot connect to 127\.0\.0\.1:\d+: connection refused.*retrying in \d+\.\d s \(attempt 2\)\nai-usage: cannot connect/s);
    for (const r of [badUrl, refused]) assert.doesNotMatch(r.out + r.err, /s3cret-pw/);
  });
});
