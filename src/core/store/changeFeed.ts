// What team sync and the OpenTelemetry export read: the rows that changed since a cursor. Every
// change the store applies marks its 15-minute slot with a change version (and a deleted row
// leaves a tombstone), so the rows to send are read from the changed slots' months only; a slot
// is sent whole, which can repeat rows already sent (the receivers' upserts are idempotent).
import type { ChangeBatch, ChangeSource, SyncRow } from '../team/changeSource';
import { SLOT_MS } from '../time/zoneSql';
import { monthOf, PART_SELECT, partRowOf, type Month } from './partition';
import { DimNames } from '../queries/tableRows';
import type { UsageStore } from './usageStore';

type Change = { version: number; slot?: number; deleted?: string };

function parseCursor(cursor: string | null, epoch: string): number {
  if (!cursor) return 0;
  const i = cursor.lastIndexOf(':');
  return cursor.slice(0, i) === epoch ? Number(cursor.slice(i + 1)) || 0 : 0;
}

export class StoreChangeFeed implements ChangeSource {
  constructor(private readonly store: UsageStore) {}

  epoch(): string {
    return this.store.epoch();
  }

  /**
   * Changes in version order. A batch's cursor acknowledges every version it completes: when the
   * next batch still holds changes of the same version, the cursor stops just before it.
   */
  async *changesSince(cursor: string | null, batchRows: number): AsyncIterable<{ batch: ChangeBatch; cursor: string }> {
    const epoch = this.epoch();
    const since = parseCursor(cursor, epoch);
    const cat = this.store.catalog;
    // Deletions first within a version (slots are positive): a deleted copy never follows its original.
    const changes: Change[] = [
      ...cat.all('SELECT slot, version FROM changes WHERE version > ?', [since]).map((r): Change => ({ slot: Number(r[0]), version: Number(r[1]) })),
      ...cat.all('SELECT CAST(id AS TEXT), version FROM tombstones WHERE version > ?', [since]).map((r): Change => ({ deleted: String(r[0]), version: Number(r[1]) })),
    ].sort((a, b) => a.version - b.version || (a.slot ?? 0) - (b.slot ?? 0));
    let i = 0;
    while (i < changes.length) {
      const batch: ChangeBatch = { rows: [], deletedIds: [] };
      let last = i;
      for (; last < changes.length && batch.rows.length < batchRows; last++) {
        const c = changes[last];
        if (c.deleted !== undefined) batch.deletedIds.push(c.deleted);
        else batch.rows.push(...(await this.rowsOfSlot(c.slot!)));
      }
      const done = changes[last - 1].version;
      const complete = last >= changes.length || changes[last].version > done;
      i = last;
      yield { batch, cursor: `${epoch}:${complete ? done : done - 1}` };
    }
  }

  /** Rows of the slots changed after `cursor`, and deletions: what a sync from there sends, counted from the catalog alone. */
  pending(cursor: string | null): number {
    const since = parseCursor(cursor, this.epoch());
    const cat = this.store.catalog;
    const [[rows]] = cat.all('SELECT COALESCE(SUM(r.rows), 0) FROM changes c JOIN rollup r ON r.slot = c.slot WHERE c.version > ?', [since]);
    const [[deleted]] = cat.all('SELECT COUNT(*) FROM tombstones WHERE version > ?', [since]);
    return Number(rows) + Number(deleted);
  }

  private rowsOfSlot(slot: number): Promise<SyncRow[]> {
    const month: Month = monthOf(slot * SLOT_MS);
    return this.store.withMonths([month], ([part]) => {
      if (!part) return [];
      const rows = part.all(`SELECT ${PART_SELECT} FROM usage WHERE t >= ? AND t < ?`, [slot * SLOT_MS - part.base, (slot + 1) * SLOT_MS - part.base]).map(partRowOf);
      const names = new DimNames(this.store.catalog);
      names.load(rows);
      return rows.map((r): SyncRow => {
        const t = names.row(r, part);
        return {
          id: t.id,
          ts: t.ts,
          source: t.source,
          project: t.project,
          model: t.model,
          modelRaw: t.modelRaw,
          sessionId: t.sessionId,
          branch: t.branch,
          inputTokens: t.inputTokens,
          outputTokens: t.outputTokens,
          cacheReadTokens: t.cacheReadTokens,
          cacheWriteTokens: t.cacheWriteTokens,
          cacheWrite1hTokens: r.cacheWrite1h,
          reasoningTokens: t.reasoningTokens,
          requests: t.requests,
          cost: t.cost,
          costSource: t.costSource,
          approximate: t.approximate,
        };
      });
    });
  }
}
