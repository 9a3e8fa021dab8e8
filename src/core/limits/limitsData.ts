// The plan limits as the dashboard, the badge and the CLI ask for them: official snapshots and
// hits from the catalog, and Claude Code's 5-hour blocks rebuilt from its requests of the last
// few days (read from the month files that hold them: one source, a few days, via the time index).
import type { UsageStore } from '../store/usageStore';
import { NANO } from '../store/storedRow';
import { modelNames } from '../queries/aggregate';
import { monthsIn, partWhere, resolveFilter } from '../queries/filter';
import { BLOCK_MS, identifyBlocks, type BlockEntry } from './blocks';
import { nearestLimit, toolLimits, type LimitsData } from './limitsView';

/** ccusage's `--recent`: blocks of the last 3 days. */
const RECENT_MS = 3 * 86_400_000;
const HITS_MS = 7 * 86_400_000;
const TIMELINE_MS = 400 * 86_400_000;

/** Claude Code's requests (and limit hits) since `from`, as block entries. */
export async function claudeEntries(store: UsageStore, from: number, to: number): Promise<BlockEntry[]> {
  const cat = store.catalog;
  const f = resolveFilter(cat, { sources: ['claude-code'], from, to });
  const out: BlockEntry[] = [];
  if (!f.none) {
    const names = modelNames(cat);
    for (const m of monthsIn(store.monthsWithRows(), f.fromSlot, f.toSlot)) {
      await store.withMonths([m], ([part]) => {
        if (!part) return;
        const w = partWhere(f, part);
        for (const v of part.all(`SELECT t, input, output, cache_read, cache_write, cost, model FROM usage ${w.sql}`, w.params)) {
          const ts = part.base + Number(v[0]);
          if (ts < from || ts >= to) continue;
          out.push({ ts, input: Number(v[1]), output: Number(v[2]), cacheRead: Number(v[3]), cacheWrite: Number(v[4]), cost: Number(v[5]) / NANO, model: names.get(Number(v[6])) ?? '' });
        }
      });
    }
  }
  for (const h of cat.hits(from, to)) {
    if (h.source === 'claude-code') out.push({ ts: h.ts, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cost: 0, model: '', limitResetsAt: h.resetsAt ?? undefined });
  }
  return out;
}

export async function limitsData(store: UsageStore, now: number): Promise<LimitsData> {
  const cat = store.catalog;
  const entries = await claudeEntries(store, now - RECENT_MS - BLOCK_MS, now + 1);
  // Blocks that started in the last 3 days, and the active one.
  const blocks = identifyBlocks(entries, now).filter((b) => b.isActive || b.start >= now - RECENT_MS);
  const tools = toolLimits(cat.limits(), cat.hits(now - HITS_MS), blocks, now);
  return { now, tools, nearest: nearestLimit(tools), timeline: cat.hits(now - TIMELINE_MS) };
}
