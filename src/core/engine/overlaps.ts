// Stores that log the same requests twice, reconciled after an import so each request counts once.
// (Overlaps inside one tool — Codex sessions vs archived_sessions, OpenCode's database vs its
// legacy files, Gemini's .json vs .jsonl — are solved by shared dedupe keys in the importers.)
import type { Month } from '../store/partition';
import { monthOf } from '../store/partition';
import { SLOT_MS } from '../store/catalog';
import { FLAG_CHAT_HISTORY } from '../store/storedRow';
import type { UsageStore } from '../store/usageStore';

/** Aider history times are session starts, so AiderDesk's first row may come a little after them. */
const SESSION_SLACK_MS = 24 * 3600_000;

/**
 * AiderDesk runs Aider and stores each message's usage in its own database, while Aider also
 * writes `.aider.chat.history.md` in the project. The two cannot be matched request by request
 * (the history has rounded counts and session-start times only), so for a project AiderDesk
 * knows, Aider's chat-history rows from AiderDesk's first day on are dropped in favour of
 * AiderDesk's exact ones. Aider's analytics-log rows have no project and are kept.
 * Returns the rows to delete; the rollups say where to look, so this costs nothing without them.
 */
export async function aiderHistoryCoveredByAiderDesk(store: UsageStore): Promise<[bigint, Month][]> {
  const cat = store.catalog;
  const desk = cat.knownId('sources', 'aider-desk');
  const aider = cat.knownId('sources', 'aider');
  if (desk === undefined || aider === undefined) return [];
  const out: [bigint, Month][] = [];
  for (const [project, firstSlot] of cat.all('SELECT project, MIN(slot) FROM rollup WHERE source = ? GROUP BY project', [desk])) {
    // AiderDesk's first request in this project, to the millisecond (its slot's month has it).
    const slot = Number(firstSlot);
    const first = await store.withMonths([monthOf(slot * SLOT_MS)], ([p]) => {
      const t = p?.all('SELECT MIN(t) FROM usage WHERE source = ? AND project = ? AND t >= ? AND t < ?', [desk, Number(project), slot * SLOT_MS - p.base, (slot + 1) * SLOT_MS - p.base])[0][0];
      return p && t !== null && t !== undefined ? p.base + Number(t) : undefined;
    });
    if (first === undefined) continue;
    const from = first - SESSION_SLACK_MS;
    const hit = cat.all('SELECT DISTINCT slot FROM rollup WHERE source = ? AND project = ? AND slot >= ?', [aider, Number(project), Math.floor(from / SLOT_MS)]);
    const months = [...new Set(hit.map((r) => monthOf(Number(r[0]) * SLOT_MS)))];
    await store.withMonths(months, (parts) => {
      for (const part of parts) {
        const rows = part.all(`SELECT CAST(id AS TEXT) FROM usage WHERE source = ? AND project = ? AND t >= ? AND flags & ${FLAG_CHAT_HISTORY}`, [
          aider,
          Number(project),
          from - part.base,
        ]);
        for (const [id] of rows) out.push([BigInt(String(id)), part.month]);
      }
    });
  }
  return out;
}

/** Every overlap rule, run after each import: the rows they drop. */
export async function overlapDeletes(store: UsageStore): Promise<[bigint, Month][]> {
  return aiderHistoryCoveredByAiderDesk(store);
}
