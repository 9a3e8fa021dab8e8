// AiderDesk (hotovo/aider-desk): one SQLite database, `aider-desk.db`, table `messages`, one
// row per request (log-formats.md §5). The database changes in place, so it is read whole
// whenever it or its -wal changed; rows are keyed by their `id`.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Database } from 'sql.js';
import type { UsageRecord } from '../model';
import { queryRows, readSqliteFile, readSqliteSnapshot, tableColumns, type SqliteParseResult } from './sqliteSnapshot';
import { loadSqlJs } from '../store/sqljs';
import type { FileCursor, FileReadResult, Importer, SourceContext } from './types';

const DB_NAME = 'aider-desk.db';

function pathApi(ctx: SourceContext): path.PlatformPath {
  return ctx.platform === 'win32' ? path.win32 : path.posix;
}

/** Data folders: the override, Electron `userData` (and its `-dev` twin), and env-paths for headless runs. */
function dataDirs(ctx: SourceContext): string[] {
  const p = pathApi(ctx);
  const dirs: string[] = [];
  if (ctx.env.AIDER_DESK_DATA_DIR) dirs.push(ctx.env.AIDER_DESK_DATA_DIR);
  if (ctx.platform === 'win32') {
    const appData = ctx.env.APPDATA || p.join(ctx.home, 'AppData', 'Roaming');
    const localAppData = ctx.env.LOCALAPPDATA || p.join(ctx.home, 'AppData', 'Local');
    dirs.push(p.join(appData, 'aider-desk'), p.join(appData, 'aider-desk-dev'), p.join(localAppData, 'aider-desk-nodejs', 'Data'));
  } else if (ctx.platform === 'darwin') {
    const support = p.join(ctx.home, 'Library', 'Application Support');
    dirs.push(p.join(support, 'aider-desk'), p.join(support, 'aider-desk-dev'), p.join(support, 'aider-desk-nodejs'));
  } else {
    const config = ctx.env.XDG_CONFIG_HOME || p.join(ctx.home, '.config');
    const data = ctx.env.XDG_DATA_HOME || p.join(ctx.home, '.local', 'share');
    dirs.push(p.join(config, 'aider-desk'), p.join(config, 'aider-desk-dev'), p.join(data, 'aider-desk-nodejs'));
  }
  return dirs;
}

/** SQLite `CURRENT_TIMESTAMP` text ('YYYY-MM-DD HH:MM:SS', UTC, no zone) to epoch ms. */
export function parseSqliteUtc(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value > 1e12 ? value : value * 1000;
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A count as aider prints it: exact below 1000, one decimal of k below 10k ("2.5k"), whole k above ("15k"). */
function aiderShaped(n: number): boolean {
  if (n < 1000) return true;
  if (n < 10000) return n % 100 === 0;
  return n % 1000 === 0;
}

/** Aider prints "$0.06": 2 decimals, or more digits below one cent. */
function aiderCostShaped(cost: number | null): boolean {
  if (cost === null || cost < 0.01) return true;
  return Math.abs(cost * 100 - Math.round(cost * 100)) < 1e-6;
}

/**
 * Rows parsed from Aider's "Tokens: 15k sent, 2.5k cache write…" text (aider mode) are rounded.
 * Agent-mode rows hold the provider's exact counts and a computed cost. We call a row
 * aider-parsed when it is an `assistant` row (tool rows only come from the agent), every count
 * has the printed shape, at least one count is ≥ 1000 (below that aider prints exact numbers,
 * so nothing was lost) and its cost has at most the printed precision. An exact agent row
 * passes all of that only by chance (about 1 in 100 when input is 1k-10k, far rarer above).
 */
export function isAiderParsed(type: string, counts: number[], cost: number | null): boolean {
  return type === 'assistant' && counts.some((n) => n >= 1000) && counts.every(aiderShaped) && aiderCostShaped(cost);
}

type Num = number | null | 'bad';
function count(v: unknown): Num {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 'bad';
}

const looksAnthropic = (model: string) => /claude|anthropic/i.test(model);

/** Where the last read stopped: rows are only ever inserted, each with a higher rowid. */
interface AiderDeskState {
  maxRowid: number;
  /** Rows at or below maxRowid then; a different count (deletes, VACUUM renumbering) means read all again. */
  count: number;
}

const countUpTo = (db: Database, rowid: number) => Number(queryRows(db, `SELECT COUNT(*) AS n FROM messages WHERE rowid <= ${rowid}`)[0]?.n ?? 0);

export function parseAiderDeskDb(db: Database, _file?: string, prevState?: unknown): SqliteParseResult {
  const cols = tableColumns(db, 'messages');
  if (cols.length === 0) return { records: [], skipped: 0 };
  const prev = prevState as AiderDeskState | undefined;
  const incremental = !!prev && Number.isSafeInteger(prev.maxRowid) && countUpTo(db, prev.maxRowid) === prev.count;
  const after = incremental ? prev!.maxRowid : Number.MIN_SAFE_INTEGER;
  const taskCol = cols.includes('task_id') ? 'task_id' : "'' AS task_id";
  const rows = queryRows(
    db,
    `SELECT rowid AS _rowid, id, timestamp, type, project, model, input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, cost, ${taskCol}
     FROM messages WHERE rowid > ${after} ORDER BY rowid`,
  );
  let maxRowid = incremental ? prev!.maxRowid : 0;
  for (const row of rows) if (typeof row._rowid === 'number' && row._rowid > maxRowid) maxRowid = row._rowid;
  const state: AiderDeskState = { maxRowid, count: countUpTo(db, maxRowid) };
  const records: UsageRecord[] = [];
  let skipped = 0;
  for (const row of rows) {
    const id = row.id;
    const ts = parseSqliteUtc(row.timestamp);
    const type = row.type;
    const [sent, output, cacheWrite, cacheRead, cost] = [row.input_tokens, row.output_tokens, row.cache_write_tokens, row.cache_read_tokens, row.cost].map(count);
    if (
      typeof id !== 'string' || !id || ts === undefined || (type !== 'assistant' && type !== 'tool') ||
      [sent, output, cacheWrite, cacheRead, cost].includes('bad') || typeof row.model !== 'string'
    ) {
      skipped++;
      continue;
    }
    const n = (x: Num) => (typeof x === 'number' ? Math.round(x) : 0);
    const reported = typeof cost === 'number' ? cost : null;
    if (n(sent) + n(output) + n(cacheWrite) + n(cacheRead) === 0 && !reported) continue; // no usage in this row
    const approximate = isAiderParsed(type, [n(sent), n(output), n(cacheWrite), n(cacheRead)], reported);
    let model = row.model;
    let input = n(sent);
    if (approximate) {
      // Aider adds cache writes to "sent"; OpenAI-style prompt_tokens also include cache hits.
      input = Math.max(0, input - n(cacheWrite));
      if (!looksAnthropic(model) && n(cacheRead) > 0 && input >= n(cacheRead)) input -= n(cacheRead);
    } else {
      // Agent mode stores `${providerProfileId}/${modelId}`; sentTokens is already uncached.
      const slash = model.indexOf('/');
      if (slash > 0 && slash < model.length - 1) model = model.slice(slash + 1);
    }
    const record: UsageRecord = {
      source: 'aider-desk',
      dedupeKey: id,
      ts,
      project: typeof row.project === 'string' ? row.project : '',
      modelRaw: model || 'unknown',
      sessionId: typeof row.task_id === 'string' ? row.task_id : '',
      inputTokens: input,
      outputTokens: n(output),
      cacheReadTokens: n(cacheRead),
      cacheWriteTokens: n(cacheWrite),
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
    };
    if (reported !== null) record.reportedCost = reported;
    if (approximate) record.approximate = true;
    records.push(record);
  }
  return { records, skipped, state, incremental };
}

async function listDbFiles(roots: string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const root of roots) {
    try {
      const st = await fs.stat(root);
      if (st.isFile()) out.add(root);
      else if ((await fs.stat(path.join(root, DB_NAME))).isFile()) out.add(path.join(root, DB_NAME));
    } catch {
      // not there
    }
  }
  return [...out];
}

export const aiderDeskImporter: Importer = {
  source: 'aider-desk',
  label: 'AiderDesk',
  roots(ctx: SourceContext): string[] {
    return [...dataDirs(ctx), ...(ctx.extraPaths['aider-desk'] ?? [])];
  },
  watch: (root) => [{ base: root, glob: `${DB_NAME}{,-wal}` }],
  listFiles(roots: string[]): Promise<string[]> {
    return listDbFiles(roots);
  },
  readFile(file: string, cursor: FileCursor | undefined): Promise<FileReadResult> {
    return readSqliteFile(file, cursor, parseAiderDeskDb);
  },
};

/**
 * Project folders AiderDesk has usage rows for. AiderDesk drives Aider, which also writes
 * `.aider.chat.history.md` in those projects: the engine skips Aider's own rows for them so
 * the same requests are not counted twice. Unreadable databases contribute nothing.
 */
export async function aiderDeskProjects(ctx: SourceContext): Promise<Set<string>> {
  const projects = new Set<string>();
  const files = await listDbFiles(aiderDeskImporter.roots(ctx));
  if (files.length === 0) return projects;
  const SQL = await loadSqlJs();
  for (const file of files) {
    try {
      const db = new SQL.Database((await readSqliteSnapshot(file)).image);
      try {
        for (const r of queryRows(db, 'SELECT DISTINCT project FROM messages')) {
          if (typeof r.project === 'string' && r.project) projects.add(r.project);
        }
      } finally {
        db.close();
      }
    } catch {
      // a corrupt database is reported by the import itself
    }
  }
  return projects;
}
