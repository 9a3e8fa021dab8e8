// The layouts of the two kinds of database file in a store (see usageStore.ts for how they fit):
// the catalog (dimensions, 15-minute rollups, import cursors, the list of month files) and one
// partition per UTC month (the requests themselves). Schema 1 was a single file holding
// everything; migrateV1.ts moves such a file into this layout.
import type { Database } from 'sql.js';

/** The catalog's `user_version`. 1 is the single-file layout of earlier versions. */
export const CATALOG_SCHEMA = 2;
export const PARTITION_SCHEMA = 1;
/** `application_id` of a partition file, so one is never mistaken for a catalog. */
export const PARTITION_APP_ID = 0x41495550; // "AIUP"

// Dimension tables keep running totals (rows, requests, nano-USD cost) so the filter pickers
// never scan the rollups. Ids are small local integers: the files of one generation agree.
const CATALOG_DDL = `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE sources (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    rows INTEGER NOT NULL DEFAULT 0, requests INTEGER NOT NULL DEFAULT 0, cost INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE projects (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE,
    rows INTEGER NOT NULL DEFAULT 0, requests INTEGER NOT NULL DEFAULT 0, cost INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE models (id INTEGER PRIMARY KEY, raw TEXT NOT NULL UNIQUE, model TEXT NOT NULL, priced_as TEXT,
    rows INTEGER NOT NULL DEFAULT 0, requests INTEGER NOT NULL DEFAULT 0, cost INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE sessions (id INTEGER PRIMARY KEY, session TEXT NOT NULL UNIQUE,
    first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL);   -- bounds only ever widen: a superset of the session's rows
  CREATE TABLE branches (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    rows INTEGER NOT NULL DEFAULT 0, requests INTEGER NOT NULL DEFAULT 0, cost INTEGER NOT NULL DEFAULT 0);
  -- Sums per 15-minute UTC slot: every zone offset in use is a multiple of 15 minutes, so any
  -- local hour, day, week or month is an exact union of slots.
  CREATE TABLE rollup (
    slot INTEGER NOT NULL, project INTEGER NOT NULL, model INTEGER NOT NULL, source INTEGER NOT NULL, branch INTEGER NOT NULL,
    rows INTEGER NOT NULL, requests INTEGER NOT NULL,
    input INTEGER NOT NULL, output INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL, reasoning INTEGER NOT NULL,
    cost INTEGER NOT NULL,            -- nano-USD
    reported_cost INTEGER NOT NULL,   -- nano-USD of rows whose cost the tool recorded
    unpriced INTEGER NOT NULL, approximate INTEGER NOT NULL,
    PRIMARY KEY (slot, project, model, source, branch)
  ) WITHOUT ROWID;
  -- The same sums per local calendar day, for the time zones in use (UTC always): long ranges
  -- (all time, months) read a few rows per day instead of one per slot. Rebuilt from the slots
  -- when a new zone is asked for.
  CREATE TABLE zones (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, used INTEGER NOT NULL);
  CREATE TABLE day_rollup (
    zone INTEGER NOT NULL, day INTEGER NOT NULL,
    project INTEGER NOT NULL, model INTEGER NOT NULL, source INTEGER NOT NULL, branch INTEGER NOT NULL,
    rows INTEGER NOT NULL, requests INTEGER NOT NULL,
    input INTEGER NOT NULL, output INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL, reasoning INTEGER NOT NULL, cost INTEGER NOT NULL, reported_cost INTEGER NOT NULL,
    unpriced INTEGER NOT NULL, approximate INTEGER NOT NULL,
    PRIMARY KEY (zone, day, project, model, source, branch)
  ) WITHOUT ROWID;
  INSERT INTO zones (id, name, used) VALUES (1, 'UTC', 0);
  -- Each month's most expensive requests (copies of their rows), so the table sorted by cost
  -- starts without loading every month.
  CREATE TABLE top_cost (
    month INTEGER NOT NULL,
    id INTEGER NOT NULL, t INTEGER NOT NULL,
    project INTEGER NOT NULL, model INTEGER NOT NULL, session INTEGER NOT NULL, source INTEGER NOT NULL, branch INTEGER NOT NULL,
    input INTEGER NOT NULL, output INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL,
    cache_write_1h INTEGER NOT NULL, reasoning INTEGER NOT NULL, requests INTEGER NOT NULL,
    cost INTEGER NOT NULL, reported INTEGER, flags INTEGER NOT NULL, alias INTEGER,
    PRIMARY KEY (month, id)
  ) WITHOUT ROWID;
  CREATE INDEX top_cost_order ON top_cost (month, cost DESC, id DESC);
  CREATE TABLE partitions (month INTEGER PRIMARY KEY, file TEXT NOT NULL, rows INTEGER NOT NULL, bytes INTEGER NOT NULL);
  -- Where replayed copies live (rare), so the original, whenever it arrives, finds and replaces them.
  CREATE TABLE copies (alias INTEGER NOT NULL, month INTEGER NOT NULL, PRIMARY KEY (alias, month)) WITHOUT ROWID;
  -- For team sync: the change version of each slot, and rows deleted since.
  CREATE TABLE changes (slot INTEGER PRIMARY KEY, version INTEGER NOT NULL);
  CREATE TABLE tombstones (id INTEGER PRIMARY KEY, slot INTEGER NOT NULL, version INTEGER NOT NULL);
  CREATE TABLE files (
    path TEXT PRIMARY KEY, source TEXT NOT NULL, size INTEGER NOT NULL, mtime_ms REAL NOT NULL,
    offset INTEGER NOT NULL, head_hash TEXT NOT NULL,
    state TEXT,                      -- parser state as JSON
    records INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0, imported_at INTEGER NOT NULL
  );
  CREATE TABLE source_runs (
    source TEXT PRIMARY KEY, roots TEXT NOT NULL, files INTEGER NOT NULL, last_import INTEGER NOT NULL, last_error TEXT
  );
  -- Plan limits as the tools reported them: the newest observation per bucket and window.
  CREATE TABLE limits (
    source TEXT NOT NULL, limit_id TEXT NOT NULL, window TEXT NOT NULL,
    limit_name TEXT, window_minutes INTEGER, used_percent REAL NOT NULL, resets_at INTEGER, observed_at INTEGER NOT NULL,
    plan_type TEXT, reached_type TEXT,
    PRIMARY KEY (source, limit_id, window)
  );
  -- Requests refused by a plan limit, one per reset instant (see limitHitKey): re-reading a log never doubles them.
  CREATE TABLE limit_hits (
    source TEXT NOT NULL, key TEXT NOT NULL, ts INTEGER NOT NULL, resets_at INTEGER, kind TEXT NOT NULL, text TEXT NOT NULL,
    PRIMARY KEY (source, key)
  );
`;

// One row per request. The id is the content hash (source + dedupe key), so the same request
// imported twice is one row; t is milliseconds since the partition's month began.
const PARTITION_DDL = `
  CREATE TABLE usage (
    id INTEGER PRIMARY KEY,
    t INTEGER NOT NULL,
    project INTEGER NOT NULL, model INTEGER NOT NULL, session INTEGER NOT NULL, source INTEGER NOT NULL, branch INTEGER NOT NULL,
    input INTEGER NOT NULL,          -- uncached input
    output INTEGER NOT NULL,         -- reasoning included
    cache_read INTEGER NOT NULL,
    cache_write INTEGER NOT NULL,    -- 5-minute + 1-hour
    cache_write_1h INTEGER NOT NULL,
    reasoning INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    cost INTEGER NOT NULL,           -- nano-USD
    reported INTEGER,                -- nano-USD the tool recorded, kept so re-pricing never loses it
    flags INTEGER NOT NULL,          -- cost source, approximate, copy, chat history (storedRow.ts)
    alias INTEGER                    -- copies only: the request they may replay
  );
  CREATE INDEX usage_t ON usage(t);
  CREATE INDEX usage_cost ON usage(cost);
  CREATE INDEX usage_copies ON usage(alias) WHERE alias IS NOT NULL;
  -- Aliases of rows that are not copies: a copy arriving later checks here (cheaper than an alias column on every row).
  CREATE TABLE originals (alias INTEGER PRIMARY KEY);
`;

export function userVersion(db: Database): number {
  return Number(db.exec('PRAGMA user_version')[0].values[0][0]);
}

function createWith(db: Database, ddl: string, version: number): void {
  db.run('BEGIN');
  try {
    db.run(ddl);
    db.run(`PRAGMA user_version = ${version}`);
    db.run('COMMIT');
  } catch (e) {
    db.run('ROLLBACK');
    throw e;
  }
}

export function createCatalogSchema(db: Database): void {
  createWith(db, CATALOG_DDL, CATALOG_SCHEMA);
}

export function createPartitionSchema(db: Database): void {
  db.run(`PRAGMA application_id = ${PARTITION_APP_ID}`);
  createWith(db, PARTITION_DDL, PARTITION_SCHEMA);
}

/** The sql.js database lives in memory: a rollback journal file would only cost a copy of every page. */
export function tune(db: Database, cacheKiB: number): Database {
  db.run('PRAGMA journal_mode = MEMORY');
  db.run(`PRAGMA cache_size = -${cacheKiB}`);
  return db;
}
