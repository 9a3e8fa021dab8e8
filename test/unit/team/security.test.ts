import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { connectTeamDatabase, redactUrl, TeamConnectionError } from '../../../src/core/team/connection';
import type { TeamIdentity } from '../../../src/core/team/identity';
import { addMemberSql, MEMBER_ROLE_SQL } from '../../../src/core/team/schema';
import { syncToTeam } from '../../../src/core/team/sync';
import { generateRows, InMemoryChangeLog } from '../../support/changeLog';
import { freePort, PgCluster } from '../../support/pgCluster';
import { adminUrl, freshDatabase, query, withDatabase } from '../../support/teamDb';
import { tempDir } from '../../support/tempDir';

const NO_RETRY = { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 };

async function rejects(p: Promise<unknown>): Promise<TeamConnectionError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TeamConnectionError, `a TeamConnectionError, not ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

/** A database whose schema the owner created, with the README's member grants and two members. */
async function teamWithMembers() {
  const owner = await freshDatabase();
  await syncToTeam(new InMemoryChangeLog(), { url: owner, identity: { user: 'owner', machine: 'server', projects: 'path' } }); // creates the schema
  const tag = randomBytes(3).toString('hex');
  const alice = { name: `alice_${tag}`, password: `pw-a'${tag}`, user: 'alice@example.com' };
  const bob = { name: `bob_${tag}`, password: `pw-b-${tag}`, user: 'bob@example.com' };
  // The group role is cluster-wide: create it once per server.
  const [{ exists }] = await query<{ exists: boolean }>(owner, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ai_usage_member') AS exists`);
  const sql = exists ? MEMBER_ROLE_SQL.replace('CREATE ROLE ai_usage_member NOLOGIN;', '') : MEMBER_ROLE_SQL;
  await query(owner, sql);
  await query(owner, addMemberSql(alice.name, alice.password, alice.user));
  await query(owner, addMemberSql(bob.name, bob.password, bob.user));
  const urlOf = (m: typeof alice) => withDatabase(owner, new URL(owner).pathname.slice(1), { name: m.name, password: m.password });
  return { owner, alice: { ...m(alice), url: urlOf(alice) }, bob: { ...m(bob), url: urlOf(bob) } };
  function m(x: typeof alice) {
    return { ...x, identity: { user: x.user, machine: `${x.name}-pc`, projects: 'path' } as TeamIdentity };
  }
}

describe('team database security (real PostgreSQL)', function () {
  this.timeout(120_000);

  it('the README grants let members sync and read the team, and nothing more: no other user’s rows, no DDL', async () => {
    const t = await teamWithMembers();
    const aliceLog = new InMemoryChangeLog('alice');
    aliceLog.upsert(generateRows(300, { prefix: 'alice' }));
    const a = await syncToTeam(aliceLog, { url: t.alice.url, identity: t.alice.identity, retry: NO_RETRY });
    assert.equal(a.rows, 300);
    // Bob's rows fall in a month nobody synced yet: a member may not CREATE, the definer function does.
    const bobLog = new InMemoryChangeLog('bob');
    bobLog.upsert(generateRows(50, { prefix: 'bob', start: Date.UTC(2027, 0, 5) }));
    assert.equal((await syncToTeam(bobLog, { url: t.bob.url, identity: t.bob.identity, retry: NO_RETRY })).rows, 50);

    // Bob reads the whole team.
    const seen = await query<{ user_name: string; n: string }>(t.bob.url, 'SELECT user_name, count(*) AS n FROM ai_usage.usage_15m GROUP BY 1 ORDER BY 1');
    assert.deepEqual(seen.map((r) => r.user_name), ['alice@example.com', 'bob@example.com']);

    // Bob cannot write as Alice: his machine's sync is refused up front, in plain words…
    const asAlice = await rejects(syncToTeam(bobLog, { url: t.bob.url, identity: { ...t.bob.identity, user: 'alice@example.com' }, retry: NO_RETRY }));
    assert.match(asAlice.message, /syncs as team user "bob@example\.com".*"alice@example\.com"/);
    // …and by the database itself when he tries with SQL.
    const insert = `INSERT INTO ai_usage.requests (user_name, row_id, ts, machine, source, repository, project, model, model_raw, session_id, branch,
      input, output, cache_read, cache_write, cache_write_1h, reasoning, requests, cost, cost_source, approximate)
      VALUES ('alice@example.com', 42, '2026-10-01T10:00:00Z', 'x', 'codex', '', '', 'm', 'm', '', '', 1, 1, 0, 0, 0, 0, 1, 99, 'estimated', false)`;
    await assert.rejects(query(t.bob.url, insert), /row-level security/);
    await assert.rejects(query(t.bob.url, `INSERT INTO ai_usage.sync_state (user_name, machine, epoch) VALUES ('alice@example.com', 'x', 'e')`), /row-level security/);
    // Updates and deletes of Alice's rows find nothing to change.
    const before = await query(t.owner, `SELECT sum(cost) AS c, sum(rows_count) AS n FROM ai_usage.usage_15m WHERE user_name = 'alice@example.com'`);
    for (const sql of [
      `UPDATE ai_usage.usage_15m SET cost = 0 WHERE user_name = 'alice@example.com'`,
      `DELETE FROM ai_usage.usage_15m WHERE user_name = 'alice@example.com'`,
      `DELETE FROM ai_usage.requests WHERE user_name = 'alice@example.com'`,
      `DELETE FROM ai_usage.request_keys WHERE user_name = 'alice@example.com'`,
      `UPDATE ai_usage.sync_state SET cursor = '0' WHERE user_name = 'alice@example.com'`,
    ]) {
      await query(t.bob.url, sql);
    }
    assert.deepEqual(await query(t.owner, `SELECT sum(cost) AS c, sum(rows_count) AS n FROM ai_usage.usage_15m WHERE user_name = 'alice@example.com'`), before);
    const [{ n }] = await query<{ n: string }>(t.owner, `SELECT count(*) AS n FROM ai_usage.requests WHERE user_name = 'alice@example.com'`);
    assert.equal(Number(n), 300);
    // Bob may not map himself to Alice, nor change the schema, nor reach a partition directly.
    for (const sql of [
      `UPDATE ai_usage.members SET user_name = 'alice@example.com'`,
      `INSERT INTO ai_usage.members VALUES (current_user, 'alice@example.com')`,
      'DROP TABLE ai_usage.requests',
      'DROP TABLE ai_usage.usage_15m',
      'ALTER TABLE ai_usage.requests ADD COLUMN x int',
      'ALTER TABLE ai_usage.usage_15m DISABLE ROW LEVEL SECURITY',
      'TRUNCATE ai_usage.usage_15m',
      'CREATE TABLE ai_usage.mine (x int)',
      'DROP SCHEMA ai_usage CASCADE',
      `DELETE FROM ai_usage.requests_2026_10 WHERE user_name = 'alice@example.com'`,
      'DROP POLICY own_insert ON ai_usage.requests',
    ]) {
      await assert.rejects(query(t.bob.url, sql), /permission denied|must be owner/, sql);
    }
    const [{ rows }] = await query<{ rows: string }>(t.owner, `SELECT sum(rows_count) AS rows FROM ai_usage.usage_15m`);
    assert.equal(Number(rows), 350);
  });

  it('the README prints exactly the grants this test runs', async () => {
    const readme = await fs.readFile(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    assert.ok(readme.includes(`\`\`\`sql\n${MEMBER_ROLE_SQL}\n\`\`\``), 'README has MEMBER_ROLE_SQL verbatim');
  });

  it('a role without the grants gets a message that says what to ask for', async () => {
    const owner = await freshDatabase();
    await syncToTeam(new InMemoryChangeLog(), { url: owner, identity: { user: 'owner', machine: 'server', projects: 'path' } });
    const name = `nogrant_${randomBytes(3).toString('hex')}`;
    await query(owner, `CREATE ROLE ${name} LOGIN PASSWORD 'secret-pw-1'`);
    const url = withDatabase(owner, new URL(owner).pathname.slice(1), { name, password: 'secret-pw-1' });
    const e = await rejects(syncToTeam(new InMemoryChangeLog(), { url, identity: { user: 'x', machine: 'y', projects: 'path' }, retry: NO_RETRY }));
    assert.match(e.message, /lacks a privilege.*permission denied.*README/);
    assert.doesNotMatch(e.message, /secret-pw-1/);
  });

  it('a member may not create the schema: told to run --init as the owner', async () => {
    const owner = await freshDatabase();
    const name = `early_${randomBytes(3).toString('hex')}`;
    await query(owner, `CREATE ROLE ${name} LOGIN PASSWORD 'pw-early'`);
    await query(owner, `REVOKE CREATE ON DATABASE ${new URL(owner).pathname.slice(1)} FROM PUBLIC`);
    const url = withDatabase(owner, new URL(owner).pathname.slice(1), { name, password: 'pw-early' });
    const e = await rejects(syncToTeam(new InMemoryChangeLog(), { url, identity: { user: 'x', machine: 'y', projects: 'path' }, retry: NO_RETRY }));
    assert.match(e.message, /team schema does not exist and this role may not create it: run `ai-usage sync --init` as the database owner/);
  });

  it('connection errors are plain words, never with the password', async () => {
    const admin = await adminUrl();
    const port = await freePort();
    const refused = await rejects(connectTeamDatabase(`postgres://me:hunter2@127.0.0.1:${port}/db`, { connectTimeoutMs: 3000 }));
    assert.match(refused.message, new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port}: connection refused`));
    assert.equal(refused.transient, true);

    const badPw = await rejects(connectTeamDatabase(withDatabase(admin, 'postgres', { name: 'postgres', password: 'wrong-password-123' })));
    assert.equal(badPw.message, 'password authentication failed for user "postgres"');
    assert.equal(badPw.transient, false);

    const noDb = await rejects(connectTeamDatabase(withDatabase(admin, 'no_such_db')));
    assert.match(noDb.message, /database "no_such_db" does not exist/);

    for (const [url, why] of [
      ['mysql://me:hunter2@host/db', /not a PostgreSQL connection string: "mysql:\/\/me:\*\*\*@host\/db"/],
      ['hunter2', /not a PostgreSQL connection string/],
      ['postgres://me:hunter2@host:notaport/db', /not a valid connection string/],
      ['postgres://me:hunter2@127.0.0.1/db?sslmode=sometimes', /unknown sslmode "sometimes"/],
      ['postgres://me:hunter2@127.0.0.1/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem', /cannot read the CA file \/nonexistent\/ca\.pem/],
    ] as const) {
      const e = await rejects(connectTeamDatabase(url));
      assert.match(e.message, why);
      assert.doesNotMatch(e.message, /hunter2/);
    }
    assert.equal(redactUrl('postgresql://u:p%40ss@h:5432/db?sslmode=verify-full&password=x'), 'postgresql://u:***@h:5432/db?sslmode=verify-full&password=***');
  });

  describe('TLS with verify-full against a server with a test CA', () => {
    let cluster: PgCluster;
    let dir: string;
    let port: number;
    before(async function () {
      this.timeout(120_000);
      dir = await tempDir();
      const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=ai-usage test CA', '-keyout', 'ca.key', '-out', 'ca.pem']);
      ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr']);
      await fs.writeFile(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
      ssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.crt']);
      // Another CA, which did not sign the server's certificate.
      ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=other CA', '-keyout', 'other.key', '-out', 'other.pem']);
      cluster = await PgCluster.start({ tls: { certFile: path.join(dir, 'server.crt'), keyFile: path.join(dir, 'server.key') } });
      port = cluster.port;
    });
    after(async () => cluster?.destroy());

    const url = (host: string, params: string) => `postgres://postgres:test-superuser-pw@${host}:${port}/postgres?${params}`;

    it('connects and syncs over verified TLS with the CA file (in the URL or as an option)', async () => {
      const c = await connectTeamDatabase(url('localhost', `sslmode=verify-full&sslrootcert=${path.join(dir, 'ca.pem')}`));
      try {
        const { rows } = await c.query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
        assert.equal(rows[0].ssl, true);
        assert.match(rows[0].version, /^TLSv1\.[23]$/);
      } finally {
        await c.end();
      }
      const log = new InMemoryChangeLog();
      log.upsert(generateRows(100, { prefix: 'tls' }));
      const r = await syncToTeam(log, { url: url('localhost', 'sslmode=verify-full'), caFile: path.join(dir, 'ca.pem'), identity: { user: 'a', machine: 'b', projects: 'path' }, retry: NO_RETRY });
      assert.equal(r.rows, 100);
    });

    it('refuses a server whose certificate the CA did not sign, or whose name does not match, or plain text', async () => {
      const wrongCa = await rejects(connectTeamDatabase(url('localhost', `sslmode=verify-full&sslrootcert=${path.join(dir, 'other.pem')}`)));
      assert.match(wrongCa.message, /TLS certificate is not trusted/);
      const noCa = await rejects(connectTeamDatabase(url('localhost', 'sslmode=verify-full')));
      assert.match(noCa.message, /TLS certificate is not trusted/);
      const wrongName = await rejects(connectTeamDatabase(url('127.0.0.1', `sslmode=verify-full&sslrootcert=${path.join(dir, 'ca.pem')}`)));
      assert.match(wrongName.message, /TLS certificate is not trusted.*(altname|IP|match)/i);
      // verify-ca checks the chain only: the IP address connects.
      const ca = await connectTeamDatabase(url('127.0.0.1', `sslmode=verify-ca&sslrootcert=${path.join(dir, 'ca.pem')}`));
      await ca.end();
      const plain = await rejects(connectTeamDatabase(url('localhost', 'sslmode=disable')));
      assert.match(plain.message, /does not let "postgres" connect/);
    });
  });
});
