// Connect Team Database's check against a real PostgreSQL: every way a connection can be wrong
// gets its own plain message (and none shows the password); the schema is created only when asked.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { checkTeamDatabase, type TeamCheck } from '../../../src/core/team/check';
import { scrubSecret, redactUrl, databaseLabel } from '../../../src/core/team/connectionText';
import { addMemberSql, MEMBER_ROLE_SQL, TEAM_SCHEMA_VERSION } from '../../../src/core/team/schema';
import { freePort } from '../../support/pgCluster';
import { freshDatabase, query, withDatabase } from '../../support/teamDb';

async function failure(p: Promise<TeamCheck>): Promise<Error & { code?: string; transient?: boolean }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  assert.fail('expected the check to fail');
}

const dbName = (url: string) => new URL(url).pathname.slice(1);

/** A login role with a password, optionally a member of ai_usage_member and mapped to `user`. */
async function role(owner: string, opts: { member?: boolean; mappedTo?: string } = {}) {
  const name = `r_${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(6).toString('hex')}`;
  if (opts.member) {
    const [{ exists }] = await query<{ exists: boolean }>(owner, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ai_usage_member') AS exists`);
    await query(owner, exists ? MEMBER_ROLE_SQL.replace('CREATE ROLE ai_usage_member NOLOGIN;', '') : MEMBER_ROLE_SQL);
    await query(owner, addMemberSql(name, password, opts.mappedTo ?? 'someone@example.com'));
    if (!opts.mappedTo) await query(owner, `DELETE FROM ai_usage.members WHERE db_role = '${name}'`);
  } else {
    await query(owner, `CREATE ROLE ${name} LOGIN PASSWORD '${password}'`);
  }
  await query(owner, `GRANT CONNECT ON DATABASE ${dbName(owner)} TO ${name}`);
  return { name, password, url: withDatabase(owner, dbName(owner), { name, password }) };
}

describe('Connect Team Database’s check (real PostgreSQL)', function () {
  this.timeout(60_000);

  it('an empty database: says the schema is missing and that the owner may create it; creates it only when asked', async () => {
    const owner = await freshDatabase();
    const asked = await checkTeamDatabase(owner, { user: 'me@example.com' });
    assert.deepEqual([asked.schema, asked.schemaVersion, asked.canMigrate, asked.migrated], ['missing', 0, true, false]);
    assert.equal(asked.database, databaseLabel(owner));
    const [{ n }] = await query<{ n: string }>(owner, `SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'ai_usage'`);
    assert.equal(Number(n), 0, 'nothing created without consent');
    const created = await checkTeamDatabase(owner, { user: 'me@example.com', migrate: true });
    assert.deepEqual([created.schema, created.schemaVersion, created.migrated, created.mappedUser], ['ready', TEAM_SCHEMA_VERSION, true, null]);
    const again = await checkTeamDatabase(owner, { user: 'me@example.com', migrate: true });
    assert.deepEqual([again.schema, again.migrated], ['ready', false]);
  });

  it('a member with the README grants, mapped to this user: ready; mapped to someone else: says which user to set', async () => {
    const owner = await freshDatabase();
    await checkTeamDatabase(owner, { user: 'owner', migrate: true });
    const alice = await role(owner, { member: true, mappedTo: 'alice@example.com' });
    const ok = await checkTeamDatabase(alice.url, { user: 'alice@example.com', migrate: true });
    assert.deepEqual([ok.schema, ok.role, ok.mappedUser, ok.canMigrate], ['ready', alice.name, 'alice@example.com', false]);
    const e = await failure(checkTeamDatabase(alice.url, { user: 'bob@example.com' }));
    assert.match(e.message, /syncs as team user "alice@example\.com", but this machine's team user is "bob@example\.com"/);
  });

  it('a role with no grants: lists exactly what it lacks; a member not mapped: says what the owner must insert', async () => {
    const owner = await freshDatabase();
    await checkTeamDatabase(owner, { user: 'owner', migrate: true });
    const bare = await role(owner);
    const e = await failure(checkTeamDatabase(bare.url, { user: 'x@example.com' }));
    assert.match(e.message, new RegExp(`^role "${bare.name}" lacks USAGE on schema ai_usage, SELECT on ai_usage.schema_version, .*EXECUTE on ai_usage.ensure_month_partitions\\(timestamptz\\[\\]\\): ask the database owner to run the grants in the README`));
    // Usage on the schema and two grants: the rest is listed.
    await query(owner, `GRANT USAGE ON SCHEMA ai_usage TO ${bare.name}; GRANT SELECT ON ai_usage.schema_version, ai_usage.members TO ${bare.name}`);
    const some = await failure(checkTeamDatabase(bare.url, { user: 'x@example.com' }));
    assert.match(some.message, /lacks SELECT on ai_usage\.requests, INSERT on ai_usage\.requests, DELETE on ai_usage\.requests, SELECT on ai_usage\.request_keys/);
    assert.doesNotMatch(some.message, /schema_version|USAGE on schema/);
    const unmapped = await role(owner, { member: true });
    const m = await failure(checkTeamDatabase(unmapped.url, { user: 'x@example.com' }));
    assert.match(m.message, new RegExp(`role "${unmapped.name}" is not mapped to a team user.*INSERT INTO ai_usage\\.members \\(db_role, user_name\\) VALUES \\('${unmapped.name}'`));
  });

  it('a member cannot create the schema: the check says so and who can', async () => {
    const owner = await freshDatabase();
    const bare = await role(owner);
    await query(owner, `REVOKE CREATE ON DATABASE ${dbName(owner)} FROM PUBLIC`);
    const asked = await checkTeamDatabase(bare.url, { user: 'x@example.com' });
    assert.deepEqual([asked.schema, asked.canMigrate], ['missing', false]);
    const e = await failure(checkTeamDatabase(bare.url, { user: 'x@example.com', migrate: true }));
    assert.match(e.message, new RegExp(`no schema yet and role "${bare.name}" may not create it: connect once as the database owner`));
  });

  it('a schema newer than this version: refused, nothing written', async () => {
    const owner = await freshDatabase();
    await checkTeamDatabase(owner, { user: 'owner', migrate: true });
    await query(owner, `INSERT INTO ai_usage.schema_version (version) VALUES (${TEAM_SCHEMA_VERSION + 1})`);
    const e = await failure(checkTeamDatabase(owner, { user: 'owner', migrate: true }));
    assert.match(e.message, new RegExp(`schema version ${TEAM_SCHEMA_VERSION + 1}, newer than this version of AI Usage understands \\(${TEAM_SCHEMA_VERSION}\\): update the extension`));
  });

  it('a bad URL, a refused connection, a wrong password, a missing database, TLS the server lacks: each in plain words, never the password', async () => {
    const owner = await freshDatabase();
    const port = await freePort();
    const secret = 'Sup3r-secret';
    const cases: [string, RegExp][] = [
      [`mysql://u:${secret}@db/x`, /^not a PostgreSQL connection string: "mysql:\/\/u:\*\*\*@db\/x"/],
      [secret, /^not a PostgreSQL connection string \(expected postgres:\/\/user:password@host:5432\/database\)$/],
      [`postgres://u:${secret}@127.0.0.1:${port}/x`, /^cannot connect to 127\.0\.0\.1:\d+: connection refused/],
      [withDatabase(owner, dbName(owner), { name: 'postgres', password: secret }), /^password authentication failed for user "postgres"$/],
      [withDatabase(owner, 'no_such_db'), /^database "no_such_db" does not exist on 127\.0\.0\.1:\d+$/],
      [`${owner}?sslmode=verify-full`, /does not accept TLS connections/],
      [`${owner}?sslmode=sometimes`, /^unknown sslmode "sometimes"/],
    ];
    for (const [url, want] of cases) {
      const e = await failure(checkTeamDatabase(url, { user: 'x@example.com' }));
      const shown = scrubSecret(e.message, url);
      assert.match(shown, want, url.replace(secret, '***'));
      assert.ok(!shown.includes(secret), `no password in: ${shown}`);
    }
  });

  it('scrubs a connection string and its password, in any spelling, out of a message', () => {
    const url = 'postgres://alice:p%40ss%3Aw0rd@db.example.com:5433/team?sslmode=verify-full';
    assert.equal(redactUrl(url), 'postgres://alice:***@db.example.com:5433/team?sslmode=verify-full');
    assert.equal(databaseLabel(url), 'db.example.com:5433/team');
    assert.equal(scrubSecret(`failed for ${url} with p@ss:w0rd and p%40ss%3Aw0rd`, url), 'failed for postgres://alice:***@db.example.com:5433/team?sslmode=verify-full with *** and ***');
    assert.equal(scrubSecret('x', undefined), 'x');
  });
});
