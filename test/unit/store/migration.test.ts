import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { groupBy, series, totals } from '../../../src/core/queries/aggregate';
import { storePaths } from '../../../src/core/store/storeFiles';
import { UsageStore } from '../../../src/core/store/usageStore';
import { tempDir } from '../../support/tempDir';
import { allRows } from './usageStore.test';

// A database written by the schema-1 code itself (commit 151444b; see test/fixtures/schema1/make.ts),
// and what that code's own queries answered on it.
const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'schema1');

describe('moving a schema-1 database into the new layout', () => {
  let file: string;
  let expected: {
    rows: number;
    totals: { messages: number; cost: number; totalTokens: number; unpricedMessages: number; approximateMessages: number; reportedCost: number; reasoningTokens: number };
    daysParis: [string, number, number][];
    models: [string, number, number][];
    projects: [string, number][];
    cursor: unknown;
  };
  beforeEach(async () => {
    file = path.join(await tempDir(), 'usage.db');
    await fs.copyFile(path.join(FIXTURE, 'usage.db'), file);
    expected = JSON.parse(await fs.readFile(path.join(FIXTURE, 'expected.json'), 'utf8'));
  });

  const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;

  it('keeps every row, total, cursor and setting, on first open', async () => {
    const s = await UsageStore.open(file);
    assert.deepEqual(s.warnings, []);
    assert.equal(s.rowCount(), expected.rows);
    assert.equal((await allRows(s)).length, expected.rows, 'every row is in a month file');
    const t = totals(s.catalog, {});
    for (const k of ['messages', 'totalTokens', 'unpricedMessages', 'approximateMessages', 'reasoningTokens'] as const) assert.equal(t[k], expected.totals[k], k);
    assert.ok(close(t.cost, expected.totals.cost), `cost ${t.cost} vs ${expected.totals.cost}`);
    assert.ok(close(t.reportedCost, expected.totals.reportedCost));
    const days = series(s.catalog, {}, 'day', 'Europe/Paris').map((p) => [p.key, p.messages, p.cost] as [string, number, number]);
    assert.equal(days.length, expected.daysParis.length);
    days.forEach((d, i) => {
      assert.deepEqual(d.slice(0, 2), expected.daysParis[i].slice(0, 2));
      assert.ok(close(d[2], expected.daysParis[i][2]));
    });
    assert.deepEqual(groupBy(s.catalog, {}, 'model').map((g) => [g.key, g.messages]), expected.models.map((m) => m.slice(0, 2)));
    assert.deepEqual(groupBy(s.catalog, { projects: ['/home/u/app'] }, 'project').map((g) => [g.key, g.messages]), expected.projects);
    assert.deepEqual(s.getCursor('/home/u/.codex/sessions/2026/08/20/rollout.jsonl'), expected.cursor);
    assert.equal(s.getMeta('price_fingerprint'), 'fp-1', 'no needless re-pricing after the move');
    await s.close();
  });

  it('keeps the old file as a backup, and the ids: the same requests imported again are not doubled', async () => {
    const old = await fs.readFile(file);
    const s = await UsageStore.open(file);
    assert.deepEqual(await fs.readFile(storePaths(file).schema1Backup), old, 'the backup is the old file, byte for byte');
    const again = await s.write({
      rows: [
        { source: 'api', dedupeKey: 'api-1', ts: Date.UTC(2026, 9, 31, 23, 59), project: '/home/u/app', modelRaw: 'claude-sonnet-4-5-20250929', model: 'claude-sonnet-4-5', sessionId: 's1', inputTokens: 10, outputTokens: 100, cacheReadTokens: 1000, cacheWriteTokens: 0, cacheWrite1hTokens: 0, reasoningTokens: 0, cost: 0.01, costSource: 'estimated' },
        // the replayed copy's original arrives: it replaces the copy
        { source: 'claude-code', dedupeKey: 'msgX:req1', aliasKey: 'msgX', ts: Date.UTC(2026, 8, 3, 8), project: '/home/u/app', modelRaw: 'claude-sonnet-4-5-20250929', model: 'claude-sonnet-4-5', sessionId: 's1', inputTokens: 10, outputTokens: 100, cacheReadTokens: 1000, cacheWriteTokens: 0, cacheWrite1hTokens: 0, reasoningTokens: 0, cost: 0.01, costSource: 'estimated' },
      ],
    });
    assert.deepEqual(again, { changed: 2, inserted: 1 }, 'one insert for the original, one removal of its copy');
    assert.equal(s.rowCount(), expected.rows);
    await s.close();
    const reopened = await UsageStore.open(file);
    assert.equal(reopened.rowCount(), expected.rows, 'opened again: no second migration');
    await reopened.close();
  });
});
