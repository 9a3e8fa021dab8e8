import { strict as assert } from 'node:assert';
import { dashboardData, rangeLabel, resolveRange } from '../../../src/core/queries/dashboard';
import { rec, storeWith } from '../../support/records';

describe('dashboard ranges', () => {
  // 2026-11-29 01:30 UTC: still Nov 28 in New York.
  const now = Date.UTC(2026, 10, 29, 1, 30);

  it('today is the local calendar day, whole', () => {
    const r = resolveRange({ preset: 'today' }, now, 'America/New_York');
    assert.equal(r.from, Date.UTC(2026, 10, 28, 5));
    assert.equal(r.to, Date.UTC(2026, 10, 29, 5));
    assert.equal(r.label, 'Today, Nov 28, 2026');
  });

  it('last 7 and 30 days include today', () => {
    const r7 = resolveRange({ preset: '7d' }, now, 'UTC');
    assert.equal(r7.from, Date.UTC(2026, 10, 23));
    assert.equal(r7.to, Date.UTC(2026, 10, 30));
    assert.equal(r7.label, 'Nov 23 – Nov 29, 2026');
    assert.equal(resolveRange({ preset: '30d' }, now, 'UTC').from, Date.UTC(2026, 9, 31));
  });

  it('this month, last month (across a year boundary) and custom days', () => {
    assert.equal(resolveRange({ preset: 'thisMonth' }, now, 'UTC').from, Date.UTC(2026, 10, 1));
    const jan = Date.UTC(2027, 0, 15);
    const last = resolveRange({ preset: 'lastMonth' }, jan, 'UTC');
    assert.deepEqual([last.from, last.to, last.label], [Date.UTC(2026, 11, 1), Date.UTC(2027, 0, 1), 'Dec 1 – Dec 31, 2026']);
    const custom = resolveRange({ from: '2026-10-01', to: '2026-10-30' }, now, 'Europe/Paris');
    assert.equal(custom.label, 'Oct 1 – Oct 30, 2026');
    assert.equal(custom.to! - custom.from!, 30 * 86400_000 + 3600_000, 'the DST change on Oct 25 makes one day 25 hours');
    assert.deepEqual(resolveRange({ preset: 'all' }, now, 'UTC'), { from: null, to: null, label: 'All time' });
    assert.equal(rangeLabel(Date.UTC(2025, 11, 30), Date.UTC(2026, 0, 3), 'UTC'), 'Dec 30, 2025 – Jan 2, 2026');
  });

  it('answers the whole dashboard with a previous-period comparison', async () => {
    const s = await storeWith([
      rec({ dedupeKey: 'now', ts: Date.UTC(2026, 10, 28, 12), cost: 2 }),
      rec({ dedupeKey: 'before', ts: Date.UTC(2026, 10, 20, 12), cost: 1 }),
    ]);
    const d = dashboardData(s.catalog, { projects: [], range: { preset: '7d' }, models: [], sources: [], granularity: 'day' }, 'UTC', now);
    assert.equal(d.totals.cost, 2);
    assert.equal(d.previousTotals!.cost, 1);
    assert.deepEqual(d.series.map((p) => p.key), ['2026-11-28']);
    assert.deepEqual(d.models.map((m) => m.key), ['claude-sonnet-4-5']);
  });
});
