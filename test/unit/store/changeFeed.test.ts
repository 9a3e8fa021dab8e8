import { strict as assert } from 'node:assert';
import { StoreChangeFeed } from '../../../src/core/store/changeFeed';
import { UsageStore } from '../../../src/core/store/usageStore';
import type { ChangeBatch } from '../../../src/core/team/changeSource';
import { rec } from '../../support/records';

async function drain(feed: StoreChangeFeed, cursor: string | null, batchRows = 1000): Promise<{ batches: { batch: ChangeBatch; cursor: string }[]; ids: Set<string>; deleted: string[]; cursor: string | null }> {
  const batches = [];
  for await (const b of feed.changesSince(cursor, batchRows)) batches.push(b);
  return {
    batches,
    ids: new Set(batches.flatMap((b) => b.batch.rows.map((r) => r.id))),
    deleted: batches.flatMap((b) => b.batch.deletedIds),
    cursor: batches.length ? batches[batches.length - 1].cursor : cursor,
  };
}

describe('the change feed team sync reads', () => {
  const t0 = Date.UTC(2026, 7, 20, 10);
  it('gives every row once from the start, then only what changed, deletions included', async () => {
    const s = await UsageStore.inMemory();
    await s.write({ rows: Array.from({ length: 50 }, (_, i) => rec({ dedupeKey: `k${i}`, ts: t0 + i * 20 * 60_000, branch: i % 2 ? 'main' : '' })) });
    const feed = new StoreChangeFeed(s);
    const first = await drain(feed, null);
    assert.equal(first.ids.size, 50);
    const row = first.batches[0].batch.rows.find((r) => r.id)!;
    assert.equal(typeof row.cacheWrite1hTokens, 'number');
    assert.equal((await drain(feed, first.cursor)).batches.length, 0, 'nothing changed since');
    await s.write({ rows: [rec({ dedupeKey: 'late', ts: t0 + 3 * 3600_000 })] });
    const second = await drain(feed, first.cursor);
    assert.ok(second.ids.size >= 1 && second.ids.size <= 3, 'only the changed slot is sent');
    // A copy replaced by its original: the copy is deleted.
    await s.write({ rows: [rec({ dedupeKey: 'm:side', aliasKey: 'm', isCopy: true, ts: t0 + 86400_000 })] });
    const c = await drain(feed, second.cursor);
    await s.write({ rows: [rec({ dedupeKey: 'm:req', aliasKey: 'm', ts: t0 + 86400_000 - 60_000 })] });
    const third = await drain(feed, c.cursor);
    assert.deepEqual(third.deleted, [...c.ids]);
    assert.ok(third.ids.size >= 1);
  });

  it('resumes from any batch cursor without missing a row, and starts over after a reset', async () => {
    const s = await UsageStore.inMemory();
    for (let w = 0; w < 5; w++) await s.write({ rows: Array.from({ length: 20 }, (_, i) => rec({ dedupeKey: `w${w}-${i}`, ts: t0 + (w * 20 + i) * 3600_000 })) });
    const feed = new StoreChangeFeed(s);
    const all = await drain(feed, null, 7);
    assert.ok(all.batches.length > 5);
    for (const b of all.batches) {
      const rest = await drain(feed, b.cursor, 7);
      const upTo = new Set(all.batches.slice(0, all.batches.indexOf(b) + 1).flatMap((x) => x.batch.rows.map((r) => r.id)));
      for (const id of all.ids) assert.ok(upTo.has(id) || rest.ids.has(id), `row ${id} after cursor ${b.cursor}`);
    }
    await s.reset();
    assert.notEqual(feed.epoch(), all.cursor!.split(':')[0]);
    await s.write({ rows: [rec({ dedupeKey: 'after' })] });
    assert.equal((await drain(feed, all.cursor)).ids.size, 1, 'a cursor of the old history reads the new one from its start');
  });
});
