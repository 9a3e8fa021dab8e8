// Every question the dashboard, the status bar and the CLI ask of the database, answered
// with bound parameters only. Column names in ORDER BY come from a fixed map, never from input.
import type { Database, SqlValue } from 'sql.js';
import type { CostSource, SourceId } from '../model';
import { periodMapper, SLOT_MS, type Granularity } from './time';
import type {
  FilterOptions,
  GroupBy,
  GroupRow,
  PageRequest,
  PeriodModelCost,
  SeriesPoint,
  SortColumn,
  Sums,
  TablePage,
  TableRow,
  Totals,
  UsageFilter,
} from './types';

interface Where {
  sql: string;
  params: SqlValue[];
}

/** A project folder without its trailing separator ('/' stays '/'). */
function trimFolder(p: string): string {
  return p.length > 1 ? p.replace(/[\\/]+$/, '') || p.slice(0, 1) : p;
}

/** The WHERE clause of a filter over `usage u`. Exported for tests. */
export function whereOf(f: UsageFilter): Where {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  if (f.from !== undefined && f.from !== null) {
    parts.push('u.ts >= ?');
    params.push(f.from);
  }
  if (f.to !== undefined && f.to !== null) {
    parts.push('u.ts < ?');
    params.push(f.to);
  }
  if (f.projects && f.projects.length) {
    const ors: string[] = [];
    for (const raw of f.projects) {
      const folder = trimFolder(raw);
      if (folder === '/' ) {
        ors.push("p.path LIKE '/%'");
        continue;
      }
      // The folder itself, or anything below it with either separator (Windows logs use '\').
      ors.push('p.path = ? OR substr(p.path, 1, ?) = ? OR substr(p.path, 1, ?) = ?');
      params.push(folder, folder.length + 1, `${folder}/`, folder.length + 1, `${folder}\\`);
    }
    parts.push(`u.project_id IN (SELECT p.id FROM projects p WHERE ${ors.join(' OR ')})`);
  }
  if (f.models && f.models.length) {
    parts.push(`u.model_id IN (SELECT id FROM models WHERE model IN (${f.models.map(() => '?').join(',')}))`);
    params.push(...f.models);
  }
  if (f.sources && f.sources.length) {
    parts.push(`u.source IN (${f.sources.map(() => '?').join(',')})`);
    params.push(...f.sources);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

const SUMS_SQL = `COALESCE(SUM(u.input), 0), COALESCE(SUM(u.output), 0), COALESCE(SUM(u.cache_read), 0),
  COALESCE(SUM(u.cache_write), 0), COALESCE(SUM(u.cost), 0), COUNT(*)`;

/** Reads the six SUMS_SQL columns starting at `at`. */
function sumsAt(row: SqlValue[], at: number): Sums {
  const inputTokens = Number(row[at]);
  const outputTokens = Number(row[at + 1]);
  const cacheReadTokens = Number(row[at + 2]);
  const cacheWriteTokens = Number(row[at + 3]);
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens,
    cacheWriteTokens,
    totalTokens: inputTokens + outputTokens + cacheReadTokens + cacheWriteTokens,
    cost: Number(row[at + 4]),
    messages: Number(row[at + 5]),
  };
}

function all(db: Database, sql: string, params: SqlValue[]): SqlValue[][] {
  const s = db.prepare(sql);
  try {
    s.bind(params);
    const rows: SqlValue[][] = [];
    while (s.step()) rows.push(s.get());
    return rows;
  } finally {
    s.free();
  }
}

function addSums(into: Sums, add: Sums): void {
  into.inputTokens += add.inputTokens;
  into.outputTokens += add.outputTokens;
  into.cacheReadTokens += add.cacheReadTokens;
  into.cacheWriteTokens += add.cacheWriteTokens;
  into.totalTokens += add.totalTokens;
  into.cost += add.cost;
  into.messages += add.messages;
}

export function emptySums(): Sums {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: 0, cost: 0, messages: 0 };
}

export function totals(db: Database, f: UsageFilter): Totals {
  const w = whereOf(f);
  const [row] = all(
    db,
    `SELECT ${SUMS_SQL}, COALESCE(SUM(u.reasoning), 0),
       COALESCE(SUM(u.cost_source = 'unpriced'), 0), COALESCE(SUM(u.approximate), 0),
       COALESCE(SUM(CASE WHEN u.cost_source = 'reported' THEN u.cost END), 0),
       COALESCE(SUM(CASE WHEN u.cost_source = 'estimated' THEN u.cost END), 0),
       MIN(u.ts), MAX(u.ts)
     FROM usage u ${w.sql}`,
    w.params,
  );
  const s = sumsAt(row, 0);
  return {
    ...s,
    tokensSent: s.inputTokens + s.cacheReadTokens + s.cacheWriteTokens,
    tokensReceived: s.outputTokens,
    reasoningTokens: Number(row[6]),
    unpricedMessages: Number(row[7]),
    approximateMessages: Number(row[8]),
    reportedCost: Number(row[9]),
    estimatedCost: Number(row[10]),
    firstTs: row[11] === null ? null : Number(row[11]),
    lastTs: row[12] === null ? null : Number(row[12]),
  };
}

const GROUP_KEYS: Record<GroupBy, { key: string; join: string }> = {
  model: { key: 'm.model', join: 'JOIN models m ON m.id = u.model_id' },
  project: { key: 'p.path', join: 'JOIN projects p ON p.id = u.project_id' },
  source: { key: 'u.source', join: '' },
  session: { key: 's.session', join: 'JOIN sessions s ON s.id = u.session_id' },
};

/** Sums per model, project, source or session, most expensive first. */
export function groupBy(db: Database, f: UsageFilter, by: GroupBy): GroupRow[] {
  const g = GROUP_KEYS[by];
  const w = whereOf(f);
  return all(
    db,
    `SELECT ${g.key}, ${SUMS_SQL}, COALESCE(SUM(u.cost_source = 'unpriced'), 0), MAX(u.ts)
     FROM usage u ${g.join} ${w.sql} GROUP BY ${g.key} ORDER BY SUM(u.cost) DESC, COUNT(*) DESC, ${g.key}`,
    w.params,
  ).map((r) => ({ key: String(r[0]), ...sumsAt(r, 1), unpricedMessages: Number(r[7]), lastTs: Number(r[8]) }));
}

/**
 * Sums per period in a time zone. SQL groups by 15-minute UTC slot (cheap, exact for every
 * zone offset in use); the slots are folded into local periods here.
 */
export function series(db: Database, f: UsageFilter, granularity: Granularity, tz: string): SeriesPoint[] {
  const w = whereOf(f);
  const toPeriod = periodMapper(granularity, tz);
  const byKey = new Map<string, SeriesPoint>();
  for (const r of all(db, `SELECT u.ts / ${SLOT_MS}, ${SUMS_SQL} FROM usage u ${w.sql} GROUP BY 1`, w.params)) {
    const period = toPeriod(Number(r[0]) * SLOT_MS);
    let point = byKey.get(period.key);
    if (!point) {
      point = { key: period.key, start: period.start, ...emptySums(), tokensSent: 0, tokensReceived: 0 };
      byKey.set(period.key, point);
    }
    addSums(point, sumsAt(r, 1));
  }
  const points = [...byKey.values()].sort((a, b) => a.start - b.start);
  for (const p of points) {
    p.tokensSent = p.inputTokens + p.cacheReadTokens + p.cacheWriteTokens;
    p.tokensReceived = p.outputTokens;
  }
  return points;
}

/** Cost and tokens per period and model (the stacked cost chart). */
export function costByPeriodAndModel(db: Database, f: UsageFilter, granularity: Granularity, tz: string): PeriodModelCost[] {
  const w = whereOf(f);
  const toPeriod = periodMapper(granularity, tz);
  const byKey = new Map<string, PeriodModelCost>();
  const rows = all(
    db,
    `SELECT u.ts / ${SLOT_MS}, m.model, COALESCE(SUM(u.cost), 0), COALESCE(SUM(u.input + u.output + u.cache_read + u.cache_write), 0), COUNT(*)
     FROM usage u JOIN models m ON m.id = u.model_id ${w.sql} GROUP BY 1, 2`,
    w.params,
  );
  for (const r of rows) {
    const period = toPeriod(Number(r[0]) * SLOT_MS);
    const model = String(r[1]);
    const k = `${period.key}\0${model}`;
    let e = byKey.get(k);
    if (!e) {
      e = { key: period.key, start: period.start, model, cost: 0, totalTokens: 0, messages: 0 };
      byKey.set(k, e);
    }
    e.cost += Number(r[2]);
    e.totalTokens += Number(r[3]);
    e.messages += Number(r[4]);
  }
  return [...byKey.values()].sort((a, b) => a.start - b.start || b.cost - a.cost || a.model.localeCompare(b.model));
}

const SENT = '(u.input + u.cache_read + u.cache_write)';
const SORT_SQL: Record<SortColumn, string> = {
  ts: 'u.ts',
  project: 'p.path',
  model: 'm.model',
  source: 'u.source',
  session: 's.session',
  sent: SENT,
  received: 'u.output',
  cost: 'u.cost',
};

/** One page of the per-request table. */
export function page(db: Database, req: PageRequest): TablePage {
  const w = whereOf(req.filter);
  const order = SORT_SQL[req.sort] ?? SORT_SQL.ts;
  const dir = req.dir === 'asc' ? 'ASC' : 'DESC';
  const limit = Math.max(0, Math.min(1000, Math.floor(req.limit)));
  const offset = Math.max(0, Math.floor(req.offset));
  const rows = all(
    db,
    `SELECT CAST(u.id AS TEXT), u.ts, p.path, m.model, m.raw, u.source, s.session, u.input, u.output, u.cache_read,
            u.cache_write, u.reasoning, u.cost, u.cost_source, u.approximate
     FROM usage u
       JOIN projects p ON p.id = u.project_id
       JOIN models m ON m.id = u.model_id
       JOIN sessions s ON s.id = u.session_id
     ${w.sql}
     ORDER BY ${order} ${dir}, u.ts ${dir}, u.id
     LIMIT ? OFFSET ?`,
    [...w.params, limit, offset],
  ).map(
    (r): TableRow => ({
      id: String(r[0]),
      ts: Number(r[1]),
      project: String(r[2]),
      model: String(r[3]),
      modelRaw: String(r[4]),
      source: String(r[5]) as SourceId,
      sessionId: String(r[6]),
      inputTokens: Number(r[7]),
      outputTokens: Number(r[8]),
      cacheReadTokens: Number(r[9]),
      cacheWriteTokens: Number(r[10]),
      reasoningTokens: Number(r[11]),
      tokensSent: Number(r[7]) + Number(r[9]) + Number(r[10]),
      tokensReceived: Number(r[8]),
      cost: Number(r[12]),
      costSource: String(r[13]) as CostSource,
      approximate: Number(r[14]) === 1,
    }),
  );
  const [[total]] = all(db, `SELECT COUNT(*) FROM usage u ${w.sql}`, w.params);
  return { rows, total: Number(total), offset };
}

/** What the filter pickers offer: every project, model and source with data. */
export function filterOptions(db: Database): FilterOptions {
  const projects = all(db, `SELECT p.path, COUNT(*), SUM(u.cost) FROM usage u JOIN projects p ON p.id = u.project_id GROUP BY p.path ORDER BY p.path`, []).map(
    (r) => ({ path: String(r[0]), messages: Number(r[1]), cost: Number(r[2]) }),
  );
  const models = all(db, `SELECT m.model, COUNT(*), SUM(u.cost) FROM usage u JOIN models m ON m.id = u.model_id GROUP BY m.model ORDER BY SUM(u.cost) DESC`, []).map(
    (r) => ({ model: String(r[0]), messages: Number(r[1]), cost: Number(r[2]) }),
  );
  const sources = all(db, `SELECT u.source, COUNT(*) FROM usage u GROUP BY u.source ORDER BY COUNT(*) DESC`, []).map((r) => ({
    source: String(r[0]) as SourceId,
    messages: Number(r[1]),
  }));
  const [[first, last]] = all(db, 'SELECT MIN(ts), MAX(ts) FROM usage', []);
  return { projects, models, sources, firstTs: first === null ? null : Number(first), lastTs: last === null ? null : Number(last) };
}
