// Ships local usage to the team database: incremental (from the cursor the server acknowledged),
// idempotent (upserts by user and row id), batched, resumable (each batch, its rollup update and
// its cursor commit in one transaction), with backoff on transient errors. All waiting is on I/O;
// the per-batch work on the caller's thread is mapping at most `batchRows` rows.
import type { Client } from 'pg';
import type { ChangeSource, SyncRow } from './changeSource';
import { connectTeamDatabase, explainPgError, TeamConnectionError, type ConnectOptions } from './connection';
import { sharedRowOf, type SharedRow, type TeamIdentity } from './identity';
import { RepositoryResolver } from './repository';
import { migrateTeamSchema, schemaVersion, TEAM_SCHEMA_VERSION } from './schema';

export interface RetryPolicy {
  /** Attempts in all (1 = no retry). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 };

/** The error code of a sync that found another one running for the same user and machine. */
export const SYNC_BUSY = 'BUSY';

export interface SyncOptions extends ConnectOptions {
  url: string;
  identity: TeamIdentity;
  /** Rows per batch and transaction. */
  batchRows?: number;
  retry?: RetryPolicy;
  /** Create or upgrade the schema when it is missing or old (the owner's first connect); default true. */
  migrate?: boolean;
  /**
   * One sync per user and machine at a time, across VS Code windows and the CLI (default true): a
   * second one waits (retry policy), then fails with code SYNC_BUSY.
   */
  exclusive?: boolean;
  repos?: RepositoryResolver;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Called before each retry (for a status line). */
  onRetry?: (error: TeamConnectionError, attempt: number, delayMs: number) => void;
}

export interface SyncProgress {
  batches: number;
  rows: number;
  deleted: number;
  cursor: string | null;
}

export interface SyncReport extends SyncProgress {
  /** The cursor the server held when this sync started (null: from the start). */
  resumedFrom: string | null;
  /** The server had a cursor of another local history (a reset): everything was sent again. */
  epochChanged: boolean;
  retries: number;
  durationMs: number;
}

/** Syncs everything new since the server's acknowledged cursor. Throws a TeamConnectionError. */
export async function syncToTeam(source: ChangeSource, opts: SyncOptions): Promise<SyncReport> {
  const started = Date.now();
  const retry = opts.retry ?? DEFAULT_RETRY;
  const repos = opts.repos ?? new RepositoryResolver();
  const progress: SyncProgress = { batches: 0, rows: 0, deleted: 0, cursor: null };
  let first: { resumedFrom: string | null; epochChanged: boolean } | undefined;
  for (let attempt = 1; ; attempt++) {
    let client: Client | undefined;
    try {
      client = await connectTeamDatabase(opts.url, opts);
      if (opts.exclusive ?? true) await holdMachineLock(client, opts.identity);
      await prepareSchema(client, opts.migrate ?? true);
      await checkMember(client, opts.identity.user);
      const epoch = source.epoch();
      const state = await readState(client, opts.identity);
      const cursor = state && state.epoch === epoch ? state.cursor : null;
      first ??= { resumedFrom: cursor, epochChanged: !!state && state.epoch !== epoch };
      progress.cursor = cursor;
      for await (const { batch, cursor: next } of source.changesSince(cursor, opts.batchRows ?? 1000)) {
        if (opts.signal?.aborted) throw new TeamConnectionError('sync cancelled', false, 'ABORTED');
        const rows = await Promise.all(dedupe(batch.rows).map((r) => sharedRowOf(r, opts.identity, repos)));
        await writeBatch(client, opts.identity, rows, batch.deletedIds, epoch, next);
        progress.batches++;
        progress.rows += rows.length;
        progress.deleted += batch.deletedIds.length;
        progress.cursor = next;
        opts.onProgress?.({ ...progress });
        await new Promise((r) => setImmediate(r)); // let the caller's other work run between batches
      }
      return { ...progress, ...first, retries: attempt - 1, durationMs: Date.now() - started };
    } catch (e) {
      const err = explainPgError(e);
      if (!err.transient || attempt >= retry.attempts || opts.signal?.aborted) throw err;
      const delay = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay, opts.signal);
    } finally {
      await client?.end().catch(() => undefined);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** The last copy of each row id in a batch. */
function dedupe(rows: SyncRow[]): SyncRow[] {
  const byId = new Map<string, SyncRow>();
  for (const r of rows) byId.set(r.id, r);
  return byId.size === rows.length ? rows : [...byId.values()];
}

/**
 * Takes the session lock of this user and machine, or says who holds it. The server drops a
 * session lock with its connection, so a killed window or CLI never leaves it behind.
 */
async function holdMachineLock(client: Client, id: TeamIdentity): Promise<void> {
  // A client that vanished without closing (a laptop shut mid-sync) is noticed within a minute,
  // not after the operating system's two hours: its lock must not outlive it.
  await client.query('SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3');
  const { rows } = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtextextended('ai_usage.sync:' || $1 || '/' || $2, 0)) AS ok`, [id.user, id.machine]);
  if (!rows[0]?.ok) throw new TeamConnectionError(`another VS Code window or \`ai-usage sync\` is syncing ${id.user} on ${id.machine} right now`, true, SYNC_BUSY);
}

/** Creates or upgrades the schema if allowed; otherwise says who must. */
export async function prepareSchema(client: Client, migrate: boolean): Promise<void> {
  const v = await schemaVersion(client);
  if (v === TEAM_SCHEMA_VERSION) return;
  if (!migrate && v < TEAM_SCHEMA_VERSION) {
    throw new TeamConnectionError(
      `${v === 0 ? 'the team database has no schema yet' : `the team database has schema version ${v}, this version needs ${TEAM_SCHEMA_VERSION}`}: the database owner creates it with AI Usage: Connect Team Database or \`ai-usage sync --init\``,
      false,
      'SCHEMA',
    );
  }
  try {
    await migrateTeamSchema(client);
  } catch (e) {
    const err = explainPgError(e);
    if (err.code === '42501') {
      throw new TeamConnectionError(
        `${v === 0 ? 'the team schema does not exist' : `the team schema is at version ${v} (this version needs ${TEAM_SCHEMA_VERSION})`} and this role may not ${v === 0 ? 'create' : 'upgrade'} it: run \`ai-usage sync --init\` as the database owner`,
        false,
        err.code,
      );
    }
    throw err;
  }
}

/** With row-level security a role writes as one user: say so plainly before any row is refused. */
export async function checkMember(client: Client, user: string): Promise<void> {
  const { rows } = await client.query<{ u: string | null }>('SELECT ai_usage.member_user() AS u');
  const mapped = rows[0]?.u;
  if (mapped && mapped !== user) {
    throw new TeamConnectionError(`this database role syncs as team user "${mapped}", but this machine's team user is "${user}": set the team user to "${mapped}" (or ask the owner to change ai_usage.members)`, false, 'MEMBER');
  }
}

async function readState(client: Client, id: TeamIdentity): Promise<{ epoch: string; cursor: string | null } | undefined> {
  const { rows } = await client.query<{ epoch: string; cursor: string | null }>('SELECT epoch, cursor FROM ai_usage.sync_state WHERE user_name = $1 AND machine = $2', [id.user, id.machine]);
  return rows[0];
}

const SUM_COLUMNS = ['input', 'output', 'cache_read', 'cache_write', 'cache_write_1h', 'reasoning', 'requests', 'rows_count', 'unpriced', 'approximate', 'cost', 'reported_cost', 'estimated_cost'];

/** `SELECT` list summing rows of ai_usage.requests (as `r`) into usage_15m's columns, times `sign`. */
function rollupSelect(sign: 1 | -1): string {
  const s = sign < 0 ? '-' : '';
  return `to_timestamp(floor(extract(epoch FROM r.ts) / 900) * 900), r.user_name, r.machine,
    CASE WHEN r.repository <> '' THEN r.repository ELSE r.project END, r.model, r.source, r.branch,
    ${s}sum(r.input), ${s}sum(r.output), ${s}sum(r.cache_read), ${s}sum(r.cache_write), ${s}sum(r.cache_write_1h),
    ${s}sum(r.reasoning), ${s}sum(r.requests), ${s}count(*), ${s}count(*) FILTER (WHERE r.cost_source = 'unpriced'),
    ${s}count(*) FILTER (WHERE r.approximate), ${s}sum(r.cost),
    ${s}COALESCE(sum(r.cost) FILTER (WHERE r.cost_source = 'reported'), 0), ${s}COALESCE(sum(r.cost) FILTER (WHERE r.cost_source = 'estimated'), 0)`;
}

const ROLLUP_UPSERT = `INSERT INTO ai_usage.usage_15m (slot, user_name, machine, project, model, source, branch, ${SUM_COLUMNS.join(', ')})`;
const ROLLUP_ON_CONFLICT = `ON CONFLICT (slot, user_name, machine, project, model, source, branch) DO UPDATE SET
  ${SUM_COLUMNS.map((c) => `${c} = usage_15m.${c} + EXCLUDED.${c}`).join(', ')}
  RETURNING usage_15m.slot, usage_15m.rows_count`;
const GROUP_ROLLUP = 'GROUP BY 1, 2, 3, 4, 5, 6, 7';

/**
 * One batch in one transaction: old copies of these rows (wherever their ts put them) and deleted
 * rows leave the raw table and the rollup, new copies enter both, and the cursor moves. A process
 * killed or a connection lost anywhere before COMMIT leaves the server as it was.
 */
async function writeBatch(client: Client, id: TeamIdentity, rows: SharedRow[], deletedIds: string[], epoch: string, cursor: string): Promise<void> {
  const user = id.user;
  await client.query('BEGIN');
  try {
    // One writer per user at a time (a user's machines may sync the same row ids).
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('ai_usage.user:' || $1, 0))`, [user]);
    const months = [...new Set(rows.map((r) => Date.UTC(new Date(r.ts).getUTCFullYear(), new Date(r.ts).getUTCMonth(), 1)))].map((m) => new Date(m).toISOString());
    if (months.length) await client.query('SELECT ai_usage.ensure_month_partitions($1::timestamptz[])', [months]);
    const touched: { slot: Date; rows_count: string }[] = [];
    const replaced = [...rows.map((r) => r.rowId), ...deletedIds];
    if (replaced.length) {
      const gone = await client.query<{ slot: Date; rows_count: string }>(
        `WITH gone_keys AS (
           DELETE FROM ai_usage.request_keys k WHERE k.user_name = $1 AND k.row_id = ANY($2::bigint[]) RETURNING k.row_id, k.ts
         ), gone AS (
           DELETE FROM ai_usage.requests r USING gone_keys g WHERE r.user_name = $1 AND r.row_id = g.row_id AND r.ts = g.ts RETURNING r.*
         )
         ${ROLLUP_UPSERT} SELECT ${rollupSelect(-1)} FROM gone r ${GROUP_ROLLUP}
         ${ROLLUP_ON_CONFLICT}`,
        [user, replaced],
      );
      touched.push(...gone.rows);
    }
    if (rows.length) {
      const col = <T>(f: (r: SharedRow) => T) => rows.map(f);
      await client.query(
        `WITH incoming AS (
           SELECT * FROM unnest($3::bigint[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
             $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[], $18::int[], $19::float8[], $20::text[], $21::boolean[])
             AS t(row_id, ts, source, repository, project, model, model_raw, session_id, branch,
                  input, output, cache_read, cache_write, cache_write_1h, reasoning, requests, cost, cost_source, approximate)
         ), keys AS (
           INSERT INTO ai_usage.request_keys (user_name, row_id, ts) SELECT $1, row_id, ts FROM incoming
         ), ins AS (
           INSERT INTO ai_usage.requests (user_name, row_id, ts, machine, source, repository, project, model, model_raw, session_id, branch,
             input, output, cache_read, cache_write, cache_write_1h, reasoning, requests, cost, cost_source, approximate)
           SELECT $1, row_id, ts, $2, source, repository, project, model, model_raw, session_id, branch,
             input, output, cache_read, cache_write, cache_write_1h, reasoning, requests, cost, cost_source, approximate FROM incoming
           RETURNING *
         )
         ${ROLLUP_UPSERT} SELECT ${rollupSelect(1)} FROM ins r ${GROUP_ROLLUP}
         ${ROLLUP_ON_CONFLICT}`,
        [
          user,
          id.machine,
          col((r) => r.rowId),
          col((r) => new Date(r.ts).toISOString()),
          col((r) => r.source),
          col((r) => r.repository),
          col((r) => r.project),
          col((r) => r.model),
          col((r) => r.modelRaw),
          col((r) => r.sessionId),
          col((r) => r.branch),
          col((r) => r.inputTokens),
          col((r) => r.outputTokens),
          col((r) => r.cacheReadTokens),
          col((r) => r.cacheWriteTokens),
          col((r) => r.cacheWrite1hTokens),
          col((r) => r.reasoningTokens),
          col((r) => r.requests),
          col((r) => r.cost),
          col((r) => r.costSource),
          col((r) => r.approximate),
        ],
      );
    }
    // Rollup rows whose every request moved or went away.
    const empty = touched.filter((t) => Number(t.rows_count) === 0).map((t) => t.slot);
    if (empty.length) await client.query('DELETE FROM ai_usage.usage_15m WHERE user_name = $1 AND slot = ANY($2::timestamptz[]) AND rows_count = 0', [user, empty]);
    await client.query(
      `INSERT INTO ai_usage.sync_state (user_name, machine, epoch, cursor, rows_synced, updated_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (user_name, machine) DO UPDATE SET epoch = EXCLUDED.epoch, cursor = EXCLUDED.cursor, updated_at = now(),
         rows_synced = CASE WHEN sync_state.epoch = EXCLUDED.epoch THEN sync_state.rows_synced ELSE 0 END + EXCLUDED.rows_synced`,
      [user, id.machine, epoch, cursor, rows.length],
    );
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
