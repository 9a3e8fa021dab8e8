// Sums per session (the CLI's `report sessions`): sessions are not a rollup dimension (there are
// tens of thousands), so each month in range is grouped by session and the months are merged.
import { NANO } from '../store/storedRow';
import type { UsageStore } from '../store/usageStore';
import { monthsIn, partWhere, resolveFilter } from './filter';
import type { GroupRow, UsageFilter } from './types';

export async function groupBySession(store: UsageStore, filter: UsageFilter): Promise<GroupRow[]> {
  const cat = store.catalog;
  const f = resolveFilter(cat, filter);
  if (f.none) return [];
  const bySession = new Map<number, GroupRow>();
  for (const m of monthsIn(store.monthsWithRows(), f.fromSlot, f.toSlot)) {
    await store.withMonths([m], ([part]) => {
      if (!part) return;
      const w = partWhere(f, part);
      const rows = part.all(
        `SELECT session, SUM(input), SUM(output), SUM(cache_read), SUM(cache_write), SUM(cost), SUM(requests),
                SUM(CASE WHEN flags & 3 = 2 THEN requests ELSE 0 END), MAX(t)
         FROM usage ${w.sql} GROUP BY session`,
        w.params,
      );
      for (const v of rows) {
        const id = Number(v[0]);
        let g = bySession.get(id);
        if (!g) {
          g = { key: '', inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: 0, cost: 0, messages: 0, unpricedMessages: 0, lastTs: 0 };
          bySession.set(id, g);
        }
        g.inputTokens += Number(v[1]);
        g.outputTokens += Number(v[2]);
        g.cacheReadTokens += Number(v[3]);
        g.cacheWriteTokens += Number(v[4]);
        g.cost += Number(v[5]);
        g.messages += Number(v[6]);
        g.unpricedMessages += Number(v[7]);
        g.lastTs = Math.max(g.lastTs, part.base + Number(v[8]));
      }
    });
  }
  const ids = [...bySession.keys()];
  for (let i = 0; i < ids.length; i += 5000) {
    for (const [id, name] of cat.all(`SELECT id, session FROM sessions WHERE id IN (${ids.slice(i, i + 5000).join(',')})`)) bySession.get(Number(id))!.key = String(name);
  }
  const out = [...bySession.values()];
  for (const g of out) {
    g.cost /= NANO;
    g.totalTokens = g.inputTokens + g.outputTokens + g.cacheReadTokens + g.cacheWriteTokens;
  }
  return out.sort((a, b) => b.cost - a.cost || b.messages - a.messages || a.key.localeCompare(b.key));
}
