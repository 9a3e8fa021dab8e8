// Stores that log the same requests twice, reconciled after an import so each request counts once.
// (Overlaps inside one tool — Codex sessions vs archived_sessions, OpenCode's database vs its
// legacy files, Gemini's .json vs .jsonl — are solved by shared dedupe keys in the importers.)
import type { UsageStore } from '../store/usageStore';

/** Aider history times are session starts, so AiderDesk's first row may come a little after them. */
const SESSION_SLACK_MS = 24 * 3600_000;

/**
 * AiderDesk runs Aider and stores each message's usage in its own database, while Aider also
 * writes `.aider.chat.history.md` in the project. The two cannot be matched request by request
 * (the history has rounded counts and session-start times only), so for a project AiderDesk
 * knows, Aider's chat-history rows from AiderDesk's first day on are dropped in favour of
 * AiderDesk's exact ones. Aider's analytics-log rows have no project and are kept.
 * Returns the number of rows dropped.
 */
export function dropAiderHistoryCoveredByAiderDesk(store: UsageStore): number {
  const db = store.database;
  db.run(
    `DELETE FROM usage
     WHERE source = 'aider' AND dedupe_key LIKE '%.md:%'
       AND ts >= (SELECT MIN(d.ts) FROM usage d WHERE d.source = 'aider-desk' AND d.project_id = usage.project_id) - ?`,
    [SESSION_SLACK_MS],
  );
  return db.getRowsModified();
}

/** Every overlap rule, run after each import. */
export function reconcileOverlaps(store: UsageStore): number {
  let dropped = 0;
  store.transaction(() => {
    dropped += dropAiderHistoryCoveredByAiderDesk(store);
  });
  return dropped;
}
