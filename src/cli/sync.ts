// `ai-usage sync`: ships the local history to a team PostgreSQL database (or, with --init, creates
// or upgrades its schema). Takes the local history as a ChangeSource; main.ts hands it the store's.
import type { ChangeSource } from '../core/team/changeSource';
import { connectTeamDatabase, TeamConnectionError } from '../core/team/connection';
import { databaseLabel } from '../core/team/connectionText';
import { PROJECT_PRIVACY, resolveIdentity, type ProjectPrivacy } from '../core/team/identity';
import { migrateTeamSchema, TEAM_SCHEMA_VERSION } from '../core/team/schema';
import { DEFAULT_RETRY, syncToTeam } from '../core/team/sync';
import { formatInt } from '../core/format';
import { parseArgs, UsageError, type FlagSpec } from './args';

export const SYNC_HELP = `ai-usage sync [--db FILE] [--postgres URL] [--init] [--user EMAIL] [--machine NAME]
              [--projects repository|hash|path] [--ca FILE] [--retries N] [--json]

  --db FILE       the local database whose usage is synced (as for the other commands)

  --postgres URL  the team database (default: $AI_USAGE_PG_URL), e.g.
                  postgres://me@db.example.com:5432/usage?sslmode=verify-full
                  (the password may also come from $PGPASSWORD or ~/.pgpass)
  --init          create or upgrade the team schema (as the database owner), then stop
  --user EMAIL    who this usage belongs to (default: git config user.email)
  --machine NAME  this machine's name (default: the host name)
  --projects MODE what a project folder is shared as: repository (default; a hash when the
                  folder has no git origin), hash (hashes only) or path (the local folder)
  --ca FILE       CA certificate (PEM) to verify the server with (same as sslrootcert=FILE)
  --retries N     attempts when the database cannot be reached (default 6, with backoff)`;

export const SYNC_FLAGS: Record<string, FlagSpec> = {
  db: { value: true },
  postgres: { value: true },
  init: {},
  user: { value: true },
  machine: { value: true },
  projects: { value: true },
  ca: { value: true },
  retries: { value: true },
  json: {},
  help: {},
};

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const one = (flags: Map<string, string[]>, name: string) => flags.get(name)?.[0];

/**
 * Runs `ai-usage sync` with its arguments (after the word `sync`). Exit codes as the rest of the
 * CLI: 0 done, 2 bad arguments or configuration, 1 the database failed.
 * `openSource` opens the local history (given the parsed flags, for `--db`) only when it syncs.
 */
export async function runSyncCli(argv: string[], io: Io, openSource: (flags: Map<string, string[]>) => Promise<ChangeSource>, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const { positionals, flags } = parseArgs(argv, SYNC_FLAGS);
    if (flags.has('help')) {
      io.out(SYNC_HELP);
      return 0;
    }
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const url = one(flags, 'postgres') ?? env.AI_USAGE_PG_URL;
    if (!url) throw new UsageError('sync needs the team database: --postgres URL or $AI_USAGE_PG_URL');
    const projects = one(flags, 'projects') ?? 'repository';
    if (!(PROJECT_PRIVACY as readonly string[]).includes(projects)) throw new UsageError(`--projects must be one of: ${PROJECT_PRIVACY.join(', ')}`);
    const caFile = one(flags, 'ca');
    const attempts = Number(one(flags, 'retries') ?? DEFAULT_RETRY.attempts);
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) throw new UsageError('--retries must be a whole number from 1 to 100');
    const json = flags.has('json');
    const where = databaseLabel(url);

    if (flags.has('init')) {
      const client = await connectTeamDatabase(url, { caFile });
      try {
        const r = await migrateTeamSchema(client);
        if (json) io.out(JSON.stringify({ database: where, schemaVersion: r.to, created: r.from === 0, upgraded: r.from > 0 && r.from !== r.to }));
        else if (r.from === r.to) io.out(`The team schema on ${where} is up to date (version ${TEAM_SCHEMA_VERSION}).`);
        else io.out(`${r.from === 0 ? 'Created' : 'Upgraded'} the team schema on ${where} (version ${r.to}). Members need the grants in the README ("Team database").`);
      } finally {
        await client.end().catch(() => undefined);
      }
      return 0;
    }

    let identity;
    try {
      identity = await resolveIdentity({ user: one(flags, 'user'), machine: one(flags, 'machine'), projects: projects as ProjectPrivacy }, env);
    } catch (e) {
      throw new UsageError(`${(e as Error).message} (--user EMAIL)`);
    }
    const source = await openSource(flags);
    const r = await syncToTeam(source, {
      url,
      caFile,
      identity,
      retry: { ...DEFAULT_RETRY, attempts },
      onRetry: (e, attempt, ms) => io.err(`warning: ${e.message}; retrying in ${(ms / 1000).toFixed(1)} s (attempt ${attempt + 1})`),
    });
    if (json) {
      io.out(JSON.stringify({ database: where, user: identity.user, machine: identity.machine, rows: r.rows, deleted: r.deleted, batches: r.batches, epochChanged: r.epochChanged, retries: r.retries, durationMs: r.durationMs }));
    } else {
      const what = r.rows || r.deleted ? `Synced ${formatInt(r.rows)} rows${r.deleted ? ` and ${formatInt(r.deleted)} deletions` : ''}` : 'Nothing new to sync';
      io.out(`${what} to ${where} as ${identity.user} on ${identity.machine} (${(r.durationMs / 1000).toFixed(1)} s).`);
      if (r.epochChanged) io.out('The local database was reset since the last sync: everything was sent again (nothing is doubled).');
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`ai-usage: ${e.message}`);
      return 2;
    }
    // Configuration the user must fix (bad URL, wrong password, missing grants) is exit 2, like a bad argument.
    if (e instanceof TeamConnectionError) {
      io.err(`ai-usage: ${e.message}`);
      return e.transient ? 1 : 2;
    }
    io.err(`ai-usage: ${(e as Error)?.message ?? String(e)}`);
    return 1;
  }
}
