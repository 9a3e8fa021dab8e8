// OpenCode (sst/opencode) and Kilo CLI, which shares its storage code: one assistant message
// per request, with OpenCode's own token split and cost (log-formats.md §7).
// - OpenCode 1.2+: `opencode.db` (and `opencode-<channel>.db`), SQLite in WAL mode, tables
//   `message(id, session_id, time_created, time_updated, data JSON)` and `session(id, directory, …)`.
// - Older builds: one JSON file per message, `storage/message/<sessionID>/<msgID>.json`,
//   left behind after the migration to the database.
// Both carry the same message id, which is the dedupe key, so a message seen in both is one
// row. The legacy copy is dropped when the database next to it has the id, so the database
// copy always wins (and a streaming row's later, fuller version replaces the earlier one in
// the store, which keeps the most complete copy of a key).
//
// Cost: `cost` > 0 is kept as reportedCost. A 0 cost is what OpenCode records for free and
// subscription providers (GitHub Copilot, Claude Pro/Max OAuth) and for models missing from
// its price list; like ccusage (apps/opencode cost-utils.ts: uses the stored cost only when
// > 0), we leave it unreported so the token price is estimated: the dashboard shows what the
// usage is worth at API prices rather than a misleading $0.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Database } from 'sql.js';
import type { SourceId, UsageRecord } from '../model';
import { loadSqlJs } from '../store/sqljs';
import { readWholeFile } from './incremental';
import { walkFiles } from './listing';
import { queryRows, readSqliteFile, readSqliteSnapshot, tableColumns, type SqliteParseResult } from './sqliteSnapshot';
import type { FileCursor, FileReadResult, Importer, SourceContext } from './types';

type OpenCodeSource = Extract<SourceId, 'opencode' | 'kilo-cli'>;

interface Flavor {
  source: OpenCodeSource;
  label: string;
  /** Folder name under the XDG data home. */
  dirName: string;
  /** Database files in the data folder: `<name>.db` and channel builds `<name>-<channel>.db`. */
  dbPattern: RegExp;
  envDataDir?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function tokenField(v: unknown): number | 'bad' {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : 'bad';
}

interface MessageIds {
  id: string;
  sessionId: string;
  project: string;
  /** Fallback timestamp (the DB's time_created column). */
  ts?: number;
}

/**
 * One message (the `data` JSON, or a legacy file) to a record. 'ignore' for messages that
 * carry no usage (user messages, assistant messages with no tokens yet), 'skip' for malformed ones.
 */
export function messageToRecord(source: OpenCodeSource, msg: unknown, ids: MessageIds): UsageRecord | 'ignore' | 'skip' {
  if (!isObj(msg)) return 'skip';
  if (msg.role !== 'assistant') return 'ignore';
  const tokens = msg.tokens;
  if (!isObj(tokens)) return 'skip';
  const cache = isObj(tokens.cache) ? tokens.cache : {};
  const fields = [tokens.input, tokens.output, tokens.reasoning, cache.read, cache.write].map(tokenField);
  if (fields.includes('bad')) return 'skip';
  const [input, output, reasoning, cacheRead, cacheWrite] = fields as number[];
  // Streaming rows start at zero and fill in at each step: count them once they carry tokens.
  if (input + output + reasoning + cacheRead + cacheWrite === 0) return 'ignore';
  const time = isObj(msg.time) ? msg.time : {};
  const created = typeof time.created === 'number' && Number.isFinite(time.created) ? Math.round(time.created) : ids.ts;
  if (created === undefined || !ids.id) return 'skip';
  const pathInfo = isObj(msg.path) ? msg.path : {};
  const project = ids.project || (typeof pathInfo.root === 'string' && pathInfo.root) || (typeof pathInfo.cwd === 'string' && pathInfo.cwd) || '';
  const record: UsageRecord = {
    source,
    dedupeKey: ids.id,
    ts: created,
    project,
    modelRaw: typeof msg.modelID === 'string' && msg.modelID ? msg.modelID : 'unknown',
    sessionId: ids.sessionId || (typeof msg.sessionID === 'string' ? msg.sessionID : ''),
    inputTokens: input, // OpenCode already subtracts cache reads and writes
    outputTokens: output + reasoning, // OpenCode stores reasoning apart from output
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: 0,
    reasoningTokens: reasoning,
  };
  if (typeof msg.cost === 'number' && Number.isFinite(msg.cost) && msg.cost > 0) record.reportedCost = msg.cost;
  return record;
}

/**
 * Rows change while they stream, and each change bumps `time_updated` (ms). Next time we read
 * rows updated since the newest one seen, minus a margin for clock steps; fewer rows than
 * before (deleted sessions, a replaced database) means reading everything again.
 */
interface DbState {
  maxUpdated: number;
  total: number;
}
const UPDATE_MARGIN_MS = 10 * 60 * 1000;

function parseDb(source: OpenCodeSource, db: Database, prevState: unknown): SqliteParseResult {
  const cols = tableColumns(db, 'message');
  if (cols.length === 0) return { records: [], skipped: 0 };
  const hasDir = tableColumns(db, 'session').includes('directory');
  const created = cols.includes('time_created') ? 'm.time_created' : 'NULL';
  const hasUpdated = cols.includes('time_updated');
  const total = Number(queryRows(db, 'SELECT COUNT(*) AS n FROM message')[0]?.n ?? 0);
  const prev = prevState as DbState | undefined;
  const incremental = hasUpdated && !!prev && Number.isFinite(prev.maxUpdated) && total >= prev.total;
  const since = incremental ? ` AND m.time_updated >= ${Math.floor(prev!.maxUpdated - UPDATE_MARGIN_MS)}` : '';
  // Only assistant rows can carry usage; the LIKE is a cheap pre-filter, JSON is checked below.
  const rows = queryRows(
    db,
    `SELECT m.id AS id, m.session_id AS session_id, ${created} AS time_created, m.data AS data, ${hasDir ? 's.directory' : 'NULL'} AS directory
     FROM message m ${hasDir ? 'LEFT JOIN session s ON s.id = m.session_id' : ''}
     WHERE m.data LIKE '%"assistant"%'${since}`,
  );
  const maxUpdated = hasUpdated ? Number(queryRows(db, 'SELECT MAX(time_updated) AS t FROM message')[0]?.t ?? 0) : 0;
  const state: DbState = { maxUpdated: Math.max(maxUpdated, incremental ? prev!.maxUpdated : 0), total };
  const records: UsageRecord[] = [];
  let skipped = 0;
  for (const row of rows) {
    let data: unknown;
    try {
      data = typeof row.data === 'string' ? JSON.parse(row.data) : undefined;
    } catch {
      data = undefined;
    }
    const out = messageToRecord(source, data, {
      id: typeof row.id === 'string' ? row.id : '',
      sessionId: typeof row.session_id === 'string' ? row.session_id : '',
      project: typeof row.directory === 'string' ? row.directory : '',
      ts: typeof row.time_created === 'number' ? row.time_created : undefined,
    });
    if (out === 'skip') skipped++;
    else if (out !== 'ignore') records.push(out);
  }
  return { records, skipped, state: hasUpdated ? state : undefined, incremental };
}

// ---------------------------------------------------------------------------------------------
// Legacy JSON files: dropped when a database in the same data folder has the message.

const dbIdCache = new Map<string, { sig: string; ids: Set<string> }>();

async function fileSig(p: string): Promise<string> {
  try {
    const s = await fs.stat(p);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return '-';
  }
}

async function dbMessageIds(dbFile: string): Promise<Set<string>> {
  const sig = `${await fileSig(dbFile)}|${await fileSig(`${dbFile}-wal`)}`;
  const hit = dbIdCache.get(dbFile);
  if (hit && hit.sig === sig) return hit.ids;
  const ids = new Set<string>();
  try {
    const SQL = await loadSqlJs();
    const db = new SQL.Database((await readSqliteSnapshot(dbFile)).image);
    try {
      for (const r of queryRows(db, 'SELECT id FROM message')) if (typeof r.id === 'string') ids.add(r.id);
    } finally {
      db.close();
    }
  } catch {
    // unreadable database: the legacy files count on their own (the import reports the DB)
  }
  dbIdCache.set(dbFile, { sig, ids });
  return ids;
}

async function databasesIn(dataDir: string, flavor: Flavor): Promise<string[]> {
  try {
    return (await fs.readdir(dataDir)).filter((n) => flavor.dbPattern.test(n)).sort().map((n) => path.join(dataDir, n));
  } catch {
    return [];
  }
}

async function readLegacy(flavor: Flavor, file: string, cursor: FileCursor | undefined): Promise<FileReadResult> {
  let msg: unknown;
  let bad = false;
  let read = false;
  const res = await readWholeFile(file, cursor, (content) => {
    read = true;
    try {
      msg = JSON.parse(content.toString('utf8'));
    } catch {
      bad = true;
    }
    return { records: [], skipped: 0 };
  });
  if (!read) return res; // unchanged
  if (bad) return { ...res, skipped: 1 };
  const sessionDir = path.dirname(file);
  const fallbackId = path.basename(file, '.json');
  const id = isObj(msg) && typeof msg.id === 'string' ? msg.id : fallbackId;
  // <data>/storage/message/<sessionID>/<msgID>.json
  const dataDir = path.dirname(path.dirname(path.dirname(sessionDir)));
  for (const db of await databasesIn(dataDir, flavor)) {
    if ((await dbMessageIds(db)).has(id)) return res; // the database copy wins
  }
  const out = messageToRecord(flavor.source, msg, { id, sessionId: path.basename(sessionDir), project: '' });
  if (out === 'skip') return { ...res, skipped: 1 };
  return { ...res, records: out === 'ignore' ? [] : [out] };
}

// ---------------------------------------------------------------------------------------------

function makeImporter(flavor: Flavor): Importer {
  const isDb = (file: string) => flavor.dbPattern.test(path.basename(file));
  return {
    source: flavor.source,
    label: flavor.label,
    roots(ctx: SourceContext): string[] {
      // xdg-basedir is not platform-specific: ~/.local/share on Windows and macOS too.
      const p = ctx.platform === 'win32' ? path.win32 : path.posix;
      const dataHome = ctx.env.XDG_DATA_HOME || p.join(ctx.home, '.local', 'share');
      const roots: string[] = [];
      if (flavor.envDataDir && ctx.env[flavor.envDataDir]) roots.push(ctx.env[flavor.envDataDir]!);
      roots.push(p.join(dataHome, flavor.dirName));
      return [...new Set([...roots, ...(ctx.extraPaths[flavor.source] ?? [])])];
    },
    // The databases beside each other (not the folders around them), and the legacy message files.
    watch: (root) => [
      { base: root, glob: '*.{db,db-wal}' },
      { base: path.join(root, 'storage', 'message'), glob: '**/*.json' },
    ],
    async listFiles(roots: string[]): Promise<string[]> {
      // Databases first, so within one import the database rows come before any legacy copy.
      const dbs: string[] = [];
      const legacy: string[] = [];
      for (const root of roots) {
        let st;
        try {
          st = await fs.stat(root);
        } catch {
          continue;
        }
        if (st.isFile()) {
          if (isDb(root)) dbs.push(root);
          else if (root.endsWith('.json')) legacy.push(root);
          continue;
        }
        dbs.push(...(await databasesIn(root, flavor)));
        legacy.push(...(await walkFiles(path.join(root, 'storage', 'message'), (f) => f.endsWith('.json'))));
      }
      return [...new Set([...dbs, ...legacy])];
    },
    readFile(file: string, cursor: FileCursor | undefined): Promise<FileReadResult> {
      if (isDb(file)) return readSqliteFile(file, cursor, (db, _f, prev) => parseDb(flavor.source, db, prev));
      return readLegacy(flavor, file, cursor);
    },
  };
}

export const openCodeImporter = makeImporter({
  source: 'opencode',
  label: 'OpenCode',
  dirName: 'opencode',
  dbPattern: /^opencode(-[\w.-]+)?\.db$/,
  envDataDir: 'OPENCODE_DATA_DIR',
});

export const kiloCliImporter = makeImporter({
  source: 'kilo-cli',
  label: 'Kilo CLI',
  dirName: 'kilo',
  dbPattern: /^kilo(-[\w.-]+)?\.db$/,
});
