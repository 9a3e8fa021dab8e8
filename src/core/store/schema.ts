// The database layout and its migrations. Ids are 64-bit content hashes (see hash.ts).
import type { Database } from 'sql.js';

export const SCHEMA_VERSION = 1;

/** Each entry upgrades the schema from version i to i + 1; a new version appends one. */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE models (
    id INTEGER PRIMARY KEY,          -- hash64(raw)
    raw TEXT NOT NULL,               -- the id as the tool logged it
    model TEXT NOT NULL              -- normalised id, used for prices and grouping
  );
  CREATE TABLE projects (id INTEGER PRIMARY KEY, path TEXT NOT NULL);    -- id = hash64(path)
  CREATE TABLE sessions (id INTEGER PRIMARY KEY, session TEXT NOT NULL); -- id = hash64(session)
  CREATE TABLE usage (
    id INTEGER PRIMARY KEY,          -- hash64(source + NUL + dedupe_key)
    source TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    ts INTEGER NOT NULL,             -- UTC epoch ms
    project_id INTEGER NOT NULL,
    model_id INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    input INTEGER NOT NULL,          -- uncached input
    output INTEGER NOT NULL,         -- includes reasoning
    cache_read INTEGER NOT NULL,
    cache_write INTEGER NOT NULL,    -- 5-minute + 1-hour
    cache_write_1h INTEGER NOT NULL,
    reasoning INTEGER NOT NULL,      -- informational subset of output
    cost REAL NOT NULL,              -- USD
    cost_source TEXT NOT NULL,       -- reported | estimated | unpriced
    reported_cost REAL,              -- what the tool recorded, kept so re-pricing never loses it
    approximate INTEGER NOT NULL DEFAULT 0,
    alias INTEGER,                   -- hash64(alias key): replays of one request share it
    is_copy INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX usage_ts ON usage(ts);
  CREATE INDEX usage_project_ts ON usage(project_id, ts);
  CREATE INDEX usage_alias ON usage(alias) WHERE alias IS NOT NULL;
  CREATE TABLE files (
    path TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ms REAL NOT NULL,
    offset INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    state TEXT,                      -- parser state as JSON
    records INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    imported_at INTEGER NOT NULL
  );
  CREATE TABLE source_runs (
    source TEXT PRIMARY KEY,
    roots TEXT NOT NULL,             -- JSON [{path, found}]
    files INTEGER NOT NULL,
    last_import INTEGER NOT NULL,
    last_error TEXT
  );
  `,
];

export function userVersion(db: Database): number {
  return Number(db.exec('PRAGMA user_version')[0].values[0][0]);
}

/** Brings a database up to SCHEMA_VERSION. Refuses one written by a newer version of the extension. */
export function migrate(db: Database): void {
  const from = userVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new Error(`The usage database has schema version ${from}, newer than this version understands (${SCHEMA_VERSION}). Update the extension.`);
  }
  for (let v = from; v < SCHEMA_VERSION; v++) {
    db.run('BEGIN');
    try {
      db.run(MIGRATIONS[v]);
      db.run(`PRAGMA user_version = ${v + 1}`);
      db.run('COMMIT');
    } catch (e) {
      db.run('ROLLBACK');
      throw e;
    }
  }
}
