// What Connect Team Database checks before it stores a connection string: the server answers, the
// password and TLS work, the schema is there (or may be created, with the user's consent) and not
// newer than this version, the role is mapped to this machine's team user, and it holds every
// privilege syncing and the team view need. Each failure is a TeamConnectionError in plain words.
import type { Client } from 'pg';
import { connectTeamDatabase, explainPgError, TeamConnectionError, type ConnectOptions } from './connection';
import { databaseLabel } from './connectionText';
import { memberGrants, migrateTeamSchema, schemaVersion, TEAM_SCHEMA_VERSION } from './schema';
import { checkMember } from './sync';

export interface TeamCheck {
  /** host:port/db, without user or password. */
  database: string;
  /** The database login. */
  role: string;
  /** `ready`, or what the owner must do first: create it, or upgrade it. */
  schema: 'ready' | 'missing' | 'old';
  schemaVersion: number;
  /** Whether this role may create (or upgrade) the schema itself. */
  canMigrate: boolean;
  /** Created or upgraded by this check (only when asked to). */
  migrated: boolean;
  /** The team user ai_usage.members maps this role to; null for the owner (who writes as anyone). */
  mappedUser: string | null;
}

export interface CheckOptions extends ConnectOptions {
  /** This machine's team user: the role must be allowed to write as it. */
  user: string;
  /** Create or upgrade the schema when it is missing or old (the user agreed to it). */
  migrate?: boolean;
}

/** Connects and checks everything a sync needs; throws a TeamConnectionError saying what is wrong. */
export async function checkTeamDatabase(url: string, opts: CheckOptions): Promise<TeamCheck> {
  const client = await connectTeamDatabase(url, { connectTimeoutMs: 10_000, statementTimeoutMs: 60_000, ...opts });
  let role = '';
  try {
    const [me] = (
      await client.query<{ role: string; may_create: boolean; owns_schema: boolean | null }>(
        `SELECT current_user AS role, has_database_privilege(current_database(), 'CREATE') AS may_create,
           (SELECT pg_has_role(current_user, nspowner, 'USAGE') FROM pg_namespace WHERE nspname = 'ai_usage') AS owns_schema`,
      )
    ).rows;
    role = me.role;
    const schemaExists = me.owns_schema !== null;
    // Grants first: without them even the schema's version cannot be read.
    const missing = schemaExists ? await missingPrivileges(client) : [];
    if (missing.length) {
      throw new TeamConnectionError(
        `role "${role}" lacks ${missing.join(', ')}: ask the database owner to run the grants in the README ("Team database", step 3) and to add the role to ai_usage_member`,
        false,
        '42501',
      );
    }
    let version = await schemaVersion(client);
    if (version > TEAM_SCHEMA_VERSION) {
      throw new TeamConnectionError(`the team database has schema version ${version}, newer than this version of AI Usage understands (${TEAM_SCHEMA_VERSION}): update the extension`, false, 'NEWER_SCHEMA');
    }
    const canMigrate = version === 0 ? me.may_create : me.owns_schema === true;
    const base = { database: databaseLabel(url), role, canMigrate, migrated: false };
    if (version < TEAM_SCHEMA_VERSION) {
      if (!opts.migrate) return { ...base, schema: version === 0 ? 'missing' : 'old', schemaVersion: version, mappedUser: null };
      if (!canMigrate) {
        throw new TeamConnectionError(
          `${version === 0 ? 'the team database has no schema yet' : `the team schema is at version ${version} (this version needs ${TEAM_SCHEMA_VERSION})`} and role "${role}" may not ${version === 0 ? 'create' : 'upgrade'} it: connect once as the database owner, or ask the owner to run \`ai-usage sync --init\``,
          false,
          'SCHEMA',
        );
      }
      version = (await migrateTeamSchema(client)).to;
      base.migrated = true;
    }
    await checkMember(client, opts.user);
    const mappedUser = await mappingOf(client, role);
    return { ...base, schema: 'ready', schemaVersion: version, mappedUser };
  } catch (e) {
    throw explainPgError(e, { user: role });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The user ai_usage.members maps the role to. A role that is not mapped and does not bypass
 * row-level security (as the owner and superusers do) could read but never write a row.
 */
async function mappingOf(client: Client, role: string): Promise<string | null> {
  const [r] = (
    await client.query<{ mapped: string | null; bypasses: boolean }>(
      `SELECT ai_usage.member_user() AS mapped,
         (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user)
           OR pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'ai_usage.requests'::regclass), 'USAGE') AS bypasses`,
    )
  ).rows;
  if (r.mapped === null && !r.bypasses) {
    throw new TeamConnectionError(
      `role "${role}" is not mapped to a team user, so the database would refuse its rows: ask the owner to run INSERT INTO ai_usage.members (db_role, user_name) VALUES ('${role}', '<your team user>')`,
      false,
      'MEMBER',
    );
  }
  return r.mapped;
}

/** The grants of the README this role lacks, as "INSERT on ai_usage.requests". */
async function missingPrivileges(client: Client): Promise<string[]> {
  // Objects are found through the catalog by oid: naming them would need USAGE on the schema,
  // which may be the very grant missing. An object a later schema version adds may not exist
  // yet (NULL): that is for the schema check, not a grant.
  const checks: { what: string; sql: string; args: string[] }[] = [{ what: 'USAGE on schema ai_usage', sql: `has_schema_privilege('ai_usage', 'USAGE')`, args: [] }];
  for (const g of memberGrants()) {
    for (const object of g.objects) {
      const name = object.replace(/^ai_usage\./, '').replace(/\(.*$/, '');
      for (const p of g.privileges) {
        checks.push({
          what: `${p} on ${object}`,
          sql:
            g.kind === 'function'
              ? `(SELECT bool_and(has_function_privilege(p.oid, $P)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'ai_usage' AND p.proname = $N)`
              : `(SELECT has_table_privilege(c.oid, $P) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'ai_usage' AND c.relname = $N)`,
          args: [name, p],
        });
      }
    }
  }
  // One round trip: a remote database over TLS makes each one count.
  const args: string[] = [];
  const cols = checks.map((c, i) => {
    const sql = c.args.length ? c.sql.replace('$N', `$${args.push(c.args[0])}::text`).replace('$P', `$${args.push(c.args[1])}::text`) : c.sql;
    return `COALESCE(${sql}, true) AS c${i}`;
  });
  const [row] = (await client.query<Record<string, boolean>>(`SELECT ${cols.join(', ')}`, args)).rows;
  return checks.filter((_c, i) => !row[`c${i}`]).map((c) => c.what);
}
