import { strict as assert } from 'node:assert';
import { badgeRange, badgeSummary, badgeText, badgeTooltip, type BadgeSummary } from '../../../src/core/queries/badge';
import { rec, storeWith } from '../../support/records';

const NOW = Date.UTC(2026, 7, 20, 15); // Thursday 20 Aug 2026, 15:00 UTC

describe('badge', () => {
  describe('badgeRange', () => {
    it('today is the local calendar day', () => {
      assert.deepEqual(badgeRange('today', NOW, 'UTC'), { from: Date.UTC(2026, 7, 20), to: Date.UTC(2026, 7, 21) });
      // 15:00 UTC is already the 21st in Tokyo (+9)
      assert.deepEqual(badgeRange('today', NOW + 10 * 3600_000, 'Asia/Tokyo'), { from: Date.UTC(2026, 7, 20, 15), to: Date.UTC(2026, 7, 21, 15) });
    });

    it('this week starts on Monday, local time', () => {
      assert.deepEqual(badgeRange('thisWeek', NOW, 'UTC'), { from: Date.UTC(2026, 7, 17), to: Date.UTC(2026, 7, 21) });
      const sunday = Date.UTC(2026, 7, 23, 12);
      assert.equal(badgeRange('thisWeek', sunday, 'UTC').from, Date.UTC(2026, 7, 17));
      const monday = Date.UTC(2026, 7, 24, 0, 30);
      assert.equal(badgeRange('thisWeek', monday, 'UTC').from, Date.UTC(2026, 7, 24));
    });

    it('this month, last 7 and last 30 days include today', () => {
      assert.equal(badgeRange('thisMonth', NOW, 'UTC').from, Date.UTC(2026, 7, 1));
      assert.equal(badgeRange('last7Days', NOW, 'UTC').from, Date.UTC(2026, 7, 14));
      assert.equal(badgeRange('last30Days', NOW, 'UTC').from, Date.UTC(2026, 6, 22));
      for (const p of ['thisMonth', 'last7Days', 'last30Days'] as const) assert.equal(badgeRange(p, NOW, 'UTC').to, Date.UTC(2026, 7, 21));
    });
  });

  describe('badgeSummary', () => {
    it('sums the period for the workspace projects only, with today, the month and top models', async () => {
      const store = await storeWith([
          rec({ dedupeKey: 'a', ts: Date.UTC(2026, 7, 20, 9), project: '/w/app', cost: 1.5, model: 'sonnet', modelRaw: 'sonnet' }),
          rec({ dedupeKey: 'b', ts: Date.UTC(2026, 7, 20, 10), project: '/w/app/sub', cost: 0.5, model: 'opus', modelRaw: 'opus' }),
          rec({ dedupeKey: 'c', ts: Date.UTC(2026, 7, 20, 11), project: '/w/other', cost: 10, model: 'opus', modelRaw: 'opus' }),
          rec({ dedupeKey: 'd', ts: Date.UTC(2026, 7, 2, 11), project: '/w/app', cost: 2, model: 'sonnet', modelRaw: 'sonnet' }),
          rec({ dedupeKey: 'e', ts: Date.UTC(2026, 7, 20, 12), project: '/w/app', cost: 0, costSource: 'unpriced', model: 'mystery', modelRaw: 'mystery' }),
        ]);
      const s = badgeSummary(store.catalog, { period: 'today', projects: ['/w/app'], timeZone: 'UTC', now: NOW }, 123);
      assert.deepEqual(s.current, { cost: 2, messages: 3, unpriced: 1 });
      assert.deepEqual(s.today, s.current);
      assert.deepEqual(s.thisMonth, { cost: 4, messages: 4, unpriced: 1 });
      assert.deepEqual(s.topModels.map((m) => m.model), ['sonnet', 'opus', 'mystery']);
      assert.equal(s.scoped, true);
      assert.equal(s.lastImport, 123);
      const all = badgeSummary(store.catalog, { period: 'today', projects: [], timeZone: 'UTC', now: NOW }, null);
      assert.equal(all.current.cost, 12);
      assert.equal(all.scoped, false);
    });
  });

  const summary = (over: Partial<BadgeSummary> = {}): BadgeSummary => ({
    period: 'today',
    current: { cost: 3.214, messages: 12, unpriced: 0 },
    today: { cost: 3.214, messages: 12, unpriced: 0 },
    thisMonth: { cost: 41, messages: 300, unpriced: 0 },
    topModels: [{ model: 'claude-sonnet-4-5', cost: 30, messages: 200 }],
    scoped: true,
    lastImport: NOW - 120_000,
    ...over,
  });

  it('badgeText shows the cost and the period, with + when some usage is unpriced', () => {
    assert.equal(badgeText(summary()), '$(graph) $3.21 today');
    assert.equal(badgeText(summary({ period: 'last7Days', current: { cost: 0.004213, messages: 1, unpriced: 2 } })), '$(graph) $0.004213+ last 7 days');
  });

  it('badgeTooltip lists today, the month, top models, unpriced requests and the last import', () => {
    const t = badgeTooltip(summary({ thisMonth: { cost: 41, messages: 300, unpriced: 3 } }), NOW);
    assert.match(t, /this workspace/);
    assert.match(t, /\| Today \| \\\$3\.21 \| 12 \|/);
    assert.match(t, /\| This month \| \\\$41\.00\+ \| 300 \|/);
    assert.match(t, /- claude-sonnet-4-5: \\\$30\.00 \(200 requests\)/);
    assert.match(t, /3 requests this month could not be priced/);
    assert.match(t, /Last import: .* \(2 min ago\)/);
    assert.match(badgeTooltip(summary(), NOW, 'UTC'), /Last import: 2:58:00 PM \(2 min ago\)/);
    assert.match(badgeTooltip(summary({ lastImport: null, scoped: false }), NOW), /all projects[\s\S]*Not imported yet/);
  });
});
