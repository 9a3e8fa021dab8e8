import { strict as assert } from 'node:assert';
import { groupBy, series, totals } from '../../../src/core/queries/aggregate';
import { filterOptions } from '../../../src/core/queries/filterOptions';
import { dashboardData } from '../../../src/core/queries/dashboard';
import { page } from '../../../src/core/queries/tablePages';
import type { UsageStore } from '../../../src/core/store/usageStore';
import { rec, storeWith } from '../../support/records';


async function fixture(): Promise<UsageStore> {
  return storeWith([
      // 2026-03-28 23:30 UTC = 2026-03-29 00:30 in Paris (CET), the night clocks go forward.
      rec({ dedupeKey: 'a', ts: Date.UTC(2026, 2, 28, 23, 30), project: '/work/app', model: 'claude-sonnet-4-5', inputTokens: 10, outputTokens: 100, cacheReadTokens: 1000, cacheWriteTokens: 50, cost: 1 }),
      rec({ dedupeKey: 'b', ts: Date.UTC(2026, 2, 29, 12), project: '/work/app/packages/ui', model: 'claude-sonnet-4-5', inputTokens: 20, outputTokens: 200, cacheReadTokens: 0, cacheWriteTokens: 0, cost: 2 }),
      rec({ dedupeKey: 'c', ts: Date.UTC(2026, 2, 30, 12), project: '/work/application', source: 'codex', modelRaw: 'gpt-5', model: 'gpt-5', inputTokens: 5, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, cost: 0.5 }),
      rec({ dedupeKey: 'd', ts: Date.UTC(2026, 3, 2, 12), project: 'C:\\src\\win', modelRaw: 'mystery', model: 'mystery', inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, cost: 0, costSource: 'unpriced' }),
    ]);
}

describe('queries', () => {
  it('totals: tokens sent = input + cache read + cache write, unpriced counted', async () => {
    const s = await fixture();
    const t = totals(s.catalog, {});
    assert.equal(t.messages, 4);
    assert.equal(t.tokensSent, 10 + 1000 + 50 + 20 + 5 + 1);
    assert.equal(t.tokensReceived, 306);
    assert.equal(t.totalTokens, t.tokensSent + t.tokensReceived);
    assert.equal(t.cost, 3.5);
    assert.equal(t.unpricedMessages, 1);
    assert.equal(t.firstTs, Date.UTC(2026, 2, 28, 23, 30));
  });

  it('a project folder includes its subfolders but not its siblings', async () => {
    const s = await fixture();
    assert.equal(totals(s.catalog, { projects: ['/work/app'] }).messages, 2);
    assert.equal(totals(s.catalog, { projects: ['/work/app/'] }).messages, 2);
    assert.equal(totals(s.catalog, { projects: ['/work/app/packages/ui'] }).messages, 1);
    assert.equal(totals(s.catalog, { projects: ['C:\\src'] }).messages, 1);
    assert.equal(totals(s.catalog, { projects: ['/work/app', '/work/application'] }).messages, 3);
    assert.equal(totals(s.catalog, { projects: ["/work/app' OR 1=1 --"] }).messages, 0, 'bound, not injected');
  });

  it('filters by date range, model and source', async () => {
    const s = await fixture();
    assert.equal(totals(s.catalog, { from: Date.UTC(2026, 2, 29), to: Date.UTC(2026, 2, 31) }).messages, 2);
    assert.equal(totals(s.catalog, { models: ['gpt-5', 'mystery'] }).messages, 2);
    assert.equal(totals(s.catalog, { sources: ['codex'] }).cost, 0.5);
  });

  it('groups days in the requested time zone', async () => {
    const s = await fixture();
    const utc = series(s.catalog, {}, 'day', 'UTC').map((p) => [p.key, p.messages]);
    assert.deepEqual(utc, [['2026-03-28', 1], ['2026-03-29', 1], ['2026-03-30', 1], ['2026-04-02', 1]]);
    const paris = series(s.catalog, {}, 'day', 'Europe/Paris').map((p) => [p.key, p.messages]);
    assert.deepEqual(paris, [['2026-03-29', 2], ['2026-03-30', 1], ['2026-04-02', 1]]);
    const la = series(s.catalog, {}, 'day', 'America/Los_Angeles');
    assert.equal(la[0].key, '2026-03-28');
    assert.equal(la[0].start, Date.UTC(2026, 2, 28, 7), 'LA midnight is 07:00 UTC in summer time');
  });

  it('groups weeks (ISO, Monday first), months and hours', async () => {
    const s = await fixture();
    assert.deepEqual(series(s.catalog, {}, 'week', 'UTC').map((p) => [p.key, p.messages]), [['2026-W13', 2], ['2026-W14', 2]]);
    assert.deepEqual(series(s.catalog, {}, 'month', 'UTC').map((p) => p.key), ['2026-03', '2026-04']);
    const hours = series(s.catalog, {}, 'hour', 'Asia/Kathmandu');
    assert.equal(hours[0].key, '2026-03-29 05:00', '+05:45 zone: 23:30 UTC is 05:15 local');
    assert.equal(hours[0].start, Date.UTC(2026, 2, 28, 23, 15));
  });

  it('cost per period and model, and groupings', async () => {
    const s = await fixture();
    const d = dashboardData(s.catalog, { projects: [], models: [], sources: [], range: { preset: 'all' }, granularity: 'month' }, 'UTC', Date.UTC(2026, 5, 1));
    assert.deepEqual(d.series.map((p) => p.key), ['2026-03', '2026-04']);
    assert.deepEqual(
      d.costByModel.map((x) => [x.model, x.cost]),
      [['claude-sonnet-4-5', [3, 0]], ['gpt-5', [0.5, 0]], ['mystery', [0, 0]]],
      'one column per model, aligned with the series, most expensive first',
    );
    assert.deepEqual(groupBy(s.catalog, {}, 'model').map((g) => [g.key, g.messages, g.unpricedMessages]), [['claude-sonnet-4-5', 2, 0], ['gpt-5', 1, 0], ['mystery', 1, 1]]);
    assert.deepEqual(groupBy(s.catalog, {}, 'source').map((g) => g.key), ['claude-code', 'codex']);
    assert.equal(groupBy(s.catalog, { projects: ['/work/app'] }, 'project').length, 2);
  });

  it('pages the table in any sort order with a total', async () => {
    const s = await fixture();
    const p1 = await page(s, { filter: {}, sort: 'cost', dir: 'desc', offset: 0, limit: 2 });
    assert.equal(p1.total, 4);
    assert.deepEqual(p1.rows.map((r) => r.cost), [2, 1]);
    const p2 = await page(s, { filter: {}, sort: 'cost', dir: 'desc', offset: 2, limit: 2 });
    assert.deepEqual(p2.rows.map((r) => r.cost), [0.5, 0]);
    const bySent = await page(s, { filter: {}, sort: 'sent', dir: 'asc', offset: 0, limit: 10 });
    assert.deepEqual(bySent.rows.map((r) => r.tokensSent), [1, 5, 20, 1060]);
    const evil = await page(s, { filter: {}, sort: 'ts; DROP TABLE usage' as never, dir: 'asc', offset: 0, limit: 10 });
    assert.equal(evil.total, 4, 'unknown sort columns fall back to time');
    assert.equal((await page(s, { filter: {}, sort: 'project', dir: 'asc', offset: 0, limit: 1 })).rows[0].project, '/work/app');
  });

  it('lists filter options', async () => {
    const s = await fixture();
    const o = filterOptions(s.catalog);
    assert.deepEqual(o.projects.map((p) => p.path), ['/work/app', '/work/app/packages/ui', '/work/application', 'C:\\src\\win']);
    assert.deepEqual(o.sources.map((x) => x.source), ['claude-code', 'codex']);
    assert.equal(o.lastTs, Date.UTC(2026, 3, 2, 12, 15) - 1, 'the end of the last 15-minute slot with usage');
  });
});
