// The team database's layout in PostgreSQL, its migrations, and the least-privilege grants the
// README prints. Everything lives in the schema `ai_usage`.
//
// Raw rows are partitioned by month of `ts`. PostgreSQL wants the partition key in every unique
// constraint, but a row is identified by (user, row id) alone and its `ts` may change (a more
// complete copy of a request can carry another time). So the global identity lives in
// `request_keys` (user, row id) → ts, a plain table with a real primary key; the sync deletes the
// old copy at its recorded ts and inserts the new one, both in the batch's transaction.
//
// `usage_15m` is the rollup team queries read (never the raw rows): sums per 15-minute UTC slot ×
// user × machine × project (the repository where known) × model × source × branch, kept current
// by the sync in the same transaction as the raw rows it sums.
import type { ClientBase } from 'pg';

export const TEAM_SCHEMA_VERSION = 1;

/** Each entry upgrades the schema from version i to i + 1; a new version appends one. */
const MIGRATIONS: string[] = [
  `
  CREATE SCHEMA IF NOT EXISTS ai_usage;
  CREATE TABLE ai_usage.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());

  -- Which team user a database role may write as (row-level security); see the README.
  CREATE TABLE ai_usage.members (db_role name PRIMARY KEY, user_name text NOT NULL);

  CREATE TABLE ai_usage.requests (
    user_name text NOT NULL,
    row_id bigint NOT NULL,          -- the local store's hash(source, dedupe key): one request, one id, on every machine
    ts timestamptz NOT NULL,
    machine text NOT NULL,
    source text NOT NULL,
    repository text NOT NULL,        -- normalised origin URL (or its hash), '' when none
    project text NOT NULL,           -- the local folder, its repository or a hash (the user's privacy setting)
    model text NOT NULL,
    model_raw text NOT NULL,
    session_id text NOT NULL,
    branch text NOT NULL,
    input bigint NOT NULL,           -- uncached input
    output bigint NOT NULL,          -- reasoning included
    cache_read bigint NOT NULL,
    cache_write bigint NOT NULL,
    cache_write_1h bigint NOT NULL,
    reasoning bigint NOT NULL,
    requests integer NOT NULL,
    cost double precision NOT NULL,  -- USD
    cost_source text NOT NULL,
    approximate boolean NOT NULL,
    synced_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_name, row_id, ts)
  ) PARTITION BY RANGE (ts);
  -- Table pages: keyset paging newest first.
  CREATE INDEX requests_ts ON ai_usage.requests (ts, user_name, row_id);

  CREATE TABLE ai_usage.request_keys (
    user_name text NOT NULL,
    row_id bigint NOT NULL,
    ts timestamptz NOT NULL,         -- where the row's one copy lives in ai_usage.requests
    PRIMARY KEY (user_name, row_id)
  );

  CREATE TABLE ai_usage.usage_15m (
    slot timestamptz NOT NULL,       -- start of a 15-minute UTC slot
    user_name text NOT NULL,
    machine text NOT NULL,
    project text NOT NULL,           -- repository where known, else the project as synced
    model text NOT NULL,
    source text NOT NULL,
    branch text NOT NULL,
    input bigint NOT NULL,
    output bigint NOT NULL,
    cache_read bigint NOT NULL,
    cache_write bigint NOT NULL,
    cache_write_1h bigint NOT NULL,
    reasoning bigint NOT NULL,
    requests bigint NOT NULL,
    rows_count bigint NOT NULL,
    unpriced bigint NOT NULL,
    approximate bigint NOT NULL,
    cost double precision NOT NULL,
    reported_cost double precision NOT NULL,
    estimated_cost double precision NOT NULL,
    PRIMARY KEY (slot, user_name, machine, project, model, source, branch)
  );
  CREATE INDEX usage_15m_user_slot ON ai_usage.usage_15m (user_name, slot);

  -- Per user and machine: the local history's epoch and the last acknowledged cursor, written in
  -- the same transaction as the batch it acknowledges.
  CREATE TABLE ai_usage.sync_state (
    user_name text NOT NULL,
    machine text NOT NULL,
    epoch text NOT NULL,
    cursor text,
    rows_synced bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_name, machine)
  );

  -- The team user the connected role may write as; NULL for a role with no mapping (the owner,
  -- who bypasses row-level security, writes as anyone).
  CREATE FUNCTION ai_usage.member_user() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT user_name FROM ai_usage.members WHERE db_role = current_user $$;

  -- Members may not create tables; this creates missing month partitions on their behalf.
  CREATE FUNCTION ai_usage.ensure_month_partitions(months timestamptz[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  DECLARE
    m timestamptz;
    first_day timestamp;
    part text;
  BEGIN
    FOREACH m IN ARRAY months LOOP
      first_day := date_trunc('month', m AT TIME ZONE 'UTC');
      part := 'requests_' || to_char(first_day, 'YYYY_MM');
      IF to_regclass('ai_usage.' || part) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('ai_usage.ensure_month_partitions'));
        -- pg_class, not to_regclass: a table another transaction just created is not in this
        -- session's catalog cache yet, but a fresh snapshot sees it.
        IF NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'ai_usage' AND c.relname = part) THEN
          EXECUTE format('CREATE TABLE ai_usage.%I PARTITION OF ai_usage.requests FOR VALUES FROM (%L) TO (%L)',
            part, first_day AT TIME ZONE 'UTC', (first_day + interval '1 month') AT TIME ZONE 'UTC');
        END IF;
      END IF;
    END LOOP;
  END $$;
  REVOKE ALL ON FUNCTION ai_usage.ensure_month_partitions(timestamptz[]) FROM PUBLIC;

  -- Row-level security: everyone with access reads the whole team; a member writes only as the
  -- user ai_usage.members maps their role to.
  ALTER TABLE ai_usage.requests ENABLE ROW LEVEL SECURITY;
  ALTER TABLE ai_usage.request_keys ENABLE ROW LEVEL SECURITY;
  ALTER TABLE ai_usage.usage_15m ENABLE ROW LEVEL SECURITY;
  ALTER TABLE ai_usage.sync_state ENABLE ROW LEVEL SECURITY;
  ${['requests', 'request_keys', 'usage_15m', 'sync_state']
    .map(
      (t) => `
  CREATE POLICY team_read ON ai_usage.${t} FOR SELECT USING (true);
  CREATE POLICY own_insert ON ai_usage.${t} FOR INSERT WITH CHECK (user_name = ai_usage.member_user());
  CREATE POLICY own_update ON ai_usage.${t} FOR UPDATE USING (user_name = ai_usage.member_user()) WITH CHECK (user_name = ai_usage.member_user());
  CREATE POLICY own_delete ON ai_usage.${t} FOR DELETE USING (user_name = ai_usage.member_user());`,
    )
    .join('')}
  `,
];

/**
 * The least-privilege set-up, run once by the database owner after `ai-usage sync --init`
 * (printed verbatim in the README; a test runs exactly this text).
 */
export const MEMBER_ROLE_SQL = `-- A group role with just what syncing and the team view need:
CREATE ROLE ai_usage_member NOLOGIN;
GRANT USAGE ON SCHEMA ai_usage TO ai_usage_member;
${memberGrants()
  .map((g) => `GRANT ${g.privileges.join(', ')} ON ${g.kind === 'function' ? 'FUNCTION ' : ''}${g.objects.join(', ')} TO ai_usage_member;`)
  .join('\n')}`;

/** What a member needs beyond USAGE on the schema: the one list both the README's SQL and Connect Team Database's check read. */
export function memberGrants(): { kind: 'table' | 'function'; privileges: string[]; objects: string[] }[] {
  return [
    { kind: 'table', privileges: ['SELECT'], objects: ['ai_usage.schema_version', 'ai_usage.members'] },
    { kind: 'table', privileges: ['SELECT', 'INSERT', 'DELETE'], objects: ['ai_usage.requests'] },
    { kind: 'table', privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], objects: ['ai_usage.request_keys', 'ai_usage.usage_15m'] },
    { kind: 'table', privileges: ['SELECT', 'INSERT', 'UPDATE'], objects: ['ai_usage.sync_state'] },
    { kind: 'function', privileges: ['EXECUTE'], objects: ['ai_usage.ensure_month_partitions(timestamptz[])'] },
  ];
}

/** Adding one team member (a login role, mapped to the user name their machines sync as). */
export function addMemberSql(role: string, password: string, userName: string): string {
  const ident = `"${role.replace(/"/g, '""')}"`;
  const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return `CREATE ROLE ${ident} LOGIN PASSWORD ${lit(password)} IN ROLE ai_usage_member;
INSERT INTO ai_usage.members (db_role, user_name) VALUES (${lit(role)}, ${lit(userName)});`;
}

/** The schema version in the database, 0 when there is none. */
export async function schemaVersion(db: ClientBase): Promise<number> {
  // pg_class rather than to_regclass: after waiting for another migration, this session's catalog
  // cache may not show the table that migration created yet.
  const { rows } = await db.query<{ t: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'ai_usage' AND c.relname = 'schema_version') AS t`,
  );
  if (!rows[0]?.t) return 0;
  const v = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM ai_usage.schema_version');
  return Number(v.rows[0]?.v ?? 0);
}

export class SchemaError extends Error {}

/**
 * Creates or upgrades the schema to TEAM_SCHEMA_VERSION (idempotent; concurrent callers wait for
 * each other). Refuses a schema written by a newer version.
 */
export async function migrateTeamSchema(db: ClientBase): Promise<{ from: number; to: number }> {
  const current = await schemaVersion(db);
  if (current > TEAM_SCHEMA_VERSION) throw newerSchema(current);
  if (current === TEAM_SCHEMA_VERSION) return { from: current, to: current };
  await db.query('BEGIN');
  try {
    await db.query(`SELECT pg_advisory_xact_lock(hashtext('ai_usage.migrate'))`);
    const from = await schemaVersion(db);
    if (from > TEAM_SCHEMA_VERSION) throw newerSchema(from);
    for (let v = from; v < TEAM_SCHEMA_VERSION; v++) {
      await db.query(MIGRATIONS[v]);
      await db.query('INSERT INTO ai_usage.schema_version (version) VALUES ($1)', [v + 1]);
    }
    await db.query('COMMIT');
    return { from, to: TEAM_SCHEMA_VERSION };
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

function newerSchema(v: number): SchemaError {
  return new SchemaError(`the team database has schema version ${v}, newer than this version understands (${TEAM_SCHEMA_VERSION}): update the extension or CLI`);
}
