// One session's drill-down: its requests, cost over time, models and duration. The catalog knows
// the session's first and last request, so only the month files of that span are read, through
// their time index: a session's rows, never a scan of the history.
import type { UsageStore } from '../store/usageStore';
import { monthOf } from '../store/partition';
import { PART_SELECT, partRowOf } from '../store/partition';
import { DimNames } from '../queries/tableRows';
import type { TableRow } from '../queries/types';
import type { SessionDetail, SessionModel } from './types';

export type { SessionDetail, SessionModel };

/** Rows sent at most (a session has tens to hundreds; Copilot segments and long agents more). */
export const SESSION_ROW_LIMIT = 2000;

export async function sessionDetail(store: UsageStore, sessionId: string): Promise<SessionDetail> {
  const cat = store.catalog;
  const empty: SessionDetail = {
    sessionId, found: false, sources: [], projects: [], branches: [], first: null, last: null, durationMs: 0, messages: 0, cost: 0, tokensSent: 0, tokensReceived: 0,
    unpricedMessages: 0, models: [], points: [], rows: [], truncated: false,
  };
  const id = cat.knownSessionId(sessionId);
  const bounds = id === undefined ? undefined : cat.sessionBounds(id);
  if (id === undefined || !bounds) return empty;
  const months: number[] = [];
  for (let m = monthOf(bounds.first); m <= monthOf(bounds.last); m++) months.push(m);
  const names = new DimNames(cat);
  const rows: TableRow[] = [];
  const withRows = new Set(store.monthsWithRows());
  for (const m of months.filter((x) => withRows.has(x))) {
    await store.withMonths([m], ([part]) => {
      if (!part) return;
      const found = part.all(`SELECT ${PART_SELECT} FROM usage WHERE t >= ? AND t <= ? AND session = ? ORDER BY t`, [bounds.first - part.base, bounds.last - part.base, id]).map(partRowOf);
      names.load(found);
      for (const r of found) rows.push(names.row(r, part));
    });
  }
  if (!rows.length) return empty;
  rows.sort((a, b) => a.ts - b.ts || a.id.localeCompare(b.id));
  const models = new Map<string, SessionModel>();
  const out: SessionDetail = { ...empty, found: true };
  let total = 0;
  for (const r of rows) {
    out.messages += r.requests;
    out.cost += r.cost;
    out.tokensSent += r.tokensSent;
    out.tokensReceived += r.tokensReceived;
    if (r.costSource === 'unpriced') out.unpricedMessages += r.requests;
    const m = models.get(r.model) ?? { model: r.model, messages: 0, cost: 0, tokens: 0 };
    m.messages += r.requests;
    m.cost += r.cost;
    m.tokens += r.tokensSent + r.tokensReceived;
    models.set(r.model, m);
    total += r.cost;
    out.points.push({ ts: r.ts, cost: r.cost, total });
  }
  out.sources = [...new Set(rows.map((r) => r.source))];
  out.projects = [...new Set(rows.map((r) => r.project))];
  out.branches = [...new Set(rows.map((r) => r.branch).filter(Boolean))];
  out.first = rows[0].ts;
  out.last = rows[rows.length - 1].ts;
  out.durationMs = rows[rows.length - 1].ts - rows[0].ts;
  out.models = [...models.values()].sort((a, b) => b.cost - a.cost || b.messages - a.messages);
  out.truncated = rows.length > SESSION_ROW_LIMIT;
  out.rows = rows.slice(0, SESSION_ROW_LIMIT);
  return out;
}
