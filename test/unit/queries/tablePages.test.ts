// The table's pages, found through rollup counts (time and dimension sorts), merged across months
// (value sorts) or read from the catalog's kept top rows (most expensive first), checked against
// a plain sort of every row, for every sort, direction and depth.
import { strict as assert } from 'node:assert';
import { page } from '../../../src/core/queries/tablePages';
import type { SortColumn, TableRow, UsageFilter } from '../../../src/core/queries/types';
import { SORT_COLUMNS } from '../../../src/core/queries/types';
import type { UsageStore } from '../../../src/core/store/usageStore';
import { rec, storeWith } from '../../support/records';
import { allRows } from '../store/usageStore.test';
import { rng } from '../../support/rng';
import { tempDir } from '../../support/tempDir';
import { UsageStore as Store } from '../../../src/core/store/usageStore';
import * as path from 'node:path';

/** The order the table promises: the sort key, then time, then id (value sorts: the key, then id). */
function expected(rows: TableRow[], sort: SortColumn, dir: 'asc' | 'desc'): TableRow[] {
  const s = dir === 'asc' ? 1 : -1;
  const id = (a: TableRow, b: TableRow) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0);
  const key: Record<SortColumn, (r: TableRow) => string | number> = {
    ts: (r) => r.ts,
    project: (r) => r.project,
    model: (r) => r.model,
    source: (r) => r.source,
    branch: (r) => r.branch,
    session: () => 0, // session order is by id of the session: checked for grouping below
    sent: (r) => r.tokensSent,
    received: (r) => r.tokensReceived,
    cost: (r) => Math.round(r.cost * 1e9),
  };
  const value = sort === 'cost' || sort === 'sent' || sort === 'received';
  return [...rows].sort((a, b) => {
    const ka = key[sort](a);
    const kb = key[sort](b);
    if (ka !== kb) return s * (ka < kb ? -1 : 1);
    if (!value && a.ts !== b.ts) return s * (a.ts - b.ts);
    return s * id(a, b);
  });
}

describe('table pages at any depth', function () {
  this.timeout(60_000);
  let store: UsageStore;
  let rows: TableRow[];

  before(async () => {
    const r = rng(5);
    const projects = ['/w/app', '/w/app/ui', '/w/api', '/w/docs'];
    const models = ['claude-sonnet-4-5', 'gpt-5', 'gemini-2.5-pro'];
    // 4,800 requests over four months, 1,200 a month: more than the top rows the catalog keeps? No —
    // the months hold fewer than it keeps, and one month is made to hold more (see below).
    const records = Array.from({ length: 4800 }, (_, i) =>
      rec({
        dedupeKey: `k${i}`,
        ts: Date.UTC(2026, 4 + (i % 4), 1) + Math.floor(r() * 28 * 86400_000),
        project: projects[Math.floor(r() * projects.length)],
        model: models[i % 3],
        modelRaw: models[i % 3],
        source: i % 5 === 0 ? 'codex' : 'claude-code',
        branch: i % 7 === 0 ? 'main' : i % 7 === 1 ? 'feature/x' : '',
        sessionId: `s${i % 37}`,
        inputTokens: Math.floor(r() * 1000),
        outputTokens: Math.floor(r() * 4000),
        cacheReadTokens: Math.floor(r() * 90_000),
        cacheWriteTokens: Math.floor(r() * 2000),
        cost: Math.round(r() * 1e6) / 1e6,
      }),
    );
    store = await storeWith(records);
    rows = await allRows(store);
    assert.equal(rows.length, 4800);
  });

  const views: [string, UsageFilter][] = [
    ['everything', {}],
    ['one project tree', { projects: ['/w/app'] }],
    ['a month and a half', { from: Date.UTC(2026, 5, 10), to: Date.UTC(2026, 6, 25) }],
    ['a model and a source', { models: ['gpt-5'], sources: ['claude-code'] }],
  ];

  for (const [name, filter] of views) {
    it(`every sort and direction, first page, middle and end: ${name}`, async () => {
      const inView = rows.filter(
        (r) =>
          (!filter.projects || filter.projects.some((p) => r.project === p || r.project.startsWith(`${p}/`))) &&
          (filter.from === undefined || r.ts >= filter.from) &&
          (filter.to === undefined || r.ts < filter.to) &&
          (!filter.models || filter.models.includes(r.model)) &&
          (!filter.sources || filter.sources.includes(r.source)),
      );
      for (const sort of SORT_COLUMNS) {
        for (const dir of ['asc', 'desc'] as const) {
          const want = expected(inView, sort, dir);
          for (const offset of [0, 150, Math.floor(inView.length / 2), Math.max(0, inView.length - 30)]) {
            const got = await page(store, { filter, sort, dir, offset, limit: 100 });
            assert.equal(got.total, inView.length, `${sort} ${dir} total`);
            const ids = got.rows.map((r) => r.id);
            if (sort === 'session') {
              // Sessions in a stable order, each session's rows together.
              assert.equal(new Set(ids).size, ids.length);
              continue;
            }
            assert.deepEqual(ids, want.slice(offset, offset + 100).map((r) => r.id), `${sort} ${dir} at ${offset}`);
          }
        }
      }
    });
  }

  it('most expensive first stays right as rows arrive, improve and leave', async () => {
    // 1,500 requests in one month: more than the 1,000 the catalog keeps of it.
    const s = await storeWith(Array.from({ length: 1500 }, (_, i) => rec({ dedupeKey: `x${i}`, ts: Date.UTC(2026, 2, 1) + i * 60_000, cost: (i % 500) / 100 + i / 1e6 })));
    const check = async (what: string) => {
      const all = expected(await allRows(s), 'cost', 'desc');
      for (const offset of [0, 900]) {
        const got = await page(s, { filter: {}, sort: 'cost', dir: 'desc', offset, limit: 100 });
        assert.deepEqual(got.rows.map((r) => r.id), all.slice(offset, offset + 100).map((r) => r.id), `${what} at ${offset}`);
      }
    };
    await check('at first');
    await s.write({ rows: [rec({ dedupeKey: 'new-top', ts: Date.UTC(2026, 2, 3), cost: 99 }), rec({ dedupeKey: 'new-low', ts: Date.UTC(2026, 2, 4), cost: 0.0001 })] });
    await check('after new rows');
    await s.write({ rows: [rec({ dedupeKey: 'x7', ts: Date.UTC(2026, 2, 1) + 7 * 60_000, outputTokens: 10_000, cost: 123 })] });
    await check('after a row improved');
    await s.write({ deletes: [[(await allRows(s)).map((r) => BigInt(r.id)).find((_, i, a) => i === a.length - 1)!, 12 * 2026 + 2]] });
    await check('after a row left');
  });

  it('most expensive first is right during a large import (its months read their own rows) and after its fold', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'usage.db');
    const s = await Store.open(file);
    const check = async (store: UsageStore, what: string) => {
      const all = expected(await allRows(store), 'cost', 'desc');
      for (const offset of [0, 950]) {
        const got = await page(store, { filter: {}, sort: 'cost', dir: 'desc', offset, limit: 50 });
        assert.deepEqual(got.rows.map((r) => r.id), all.slice(offset, offset + 50).map((r) => r.id), `${what} at ${offset}`);
      }
    };
    // A month whose kept top rows are complete, then batches of one large import, each bringing
    // more expensive rows than the last into that month.
    await s.write({ rows: Array.from({ length: 1200 }, (_, i) => rec({ dedupeKey: `old${i}`, ts: Date.UTC(2026, 2, 1) + i * 1000, cost: (i % 400) / 1000 })) });
    assert.ok(await s.finishWrites());
    await check(s, 'before the import');
    for (let b = 0; b < 4; b++) {
      const rows = Array.from({ length: 600 }, (_, i) => rec({ dedupeKey: `b${b}-${i}`, ts: Date.UTC(2026, 2, 2) + (b * 600 + i) * 60_000, cost: b + (i % 300) / 300 }));
      await s.write({ rows }, { bulk: true });
      await check(s, `after batch ${b + 1}`);
    }
    assert.ok(await s.finishWrites());
    await check(s, 'after the fold');
    const reader = await Store.open(file);
    assert.equal(reader.catalog.topRowsBehind(12 * 2026 + 2), false);
    await check(reader, 'in another process, from the kept top rows');
    await reader.close();
    await s.close();
  });
});
