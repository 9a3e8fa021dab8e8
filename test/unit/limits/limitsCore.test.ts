// The pure parts of limits, budgets and plan value, over real stores holding real rows.
import { strict as assert } from 'node:assert';
import { budgetApplies, budgetStatus, forecastOf, notificationKey, periodRange, reachedThresholds } from '../../../src/core/budgets/budgetStatus';
import { heldShare, planValues } from '../../../src/core/budgets/planValue';
import { burnLevel, identifyBlocks, type BlockEntry } from '../../../src/core/limits/blocks';
import { limitsData } from '../../../src/core/limits/limitsData';
import { bucketsOf, durationText, nearestLimit, toolLimits } from '../../../src/core/limits/limitsView';
import type { LimitObservation } from '../../../src/core/model';
import { rec, storeWith } from '../../support/records';

const H = 3_600_000;
const M = 60_000;
const T0 = Date.UTC(2026, 10, 28, 10, 17); // 10:17 UTC
const entry = (ts: number, tokens = 100, cost = 0.01, model = 'claude-sonnet-4-5'): BlockEntry => ({ ts, input: tokens / 2, output: tokens / 2, cacheRead: 0, cacheWrite: 0, cost, model });

describe('limits core', () => {
  describe('5-hour blocks (ccusage blocks.rs semantics)', () => {
    it('opens at the UTC hour, closes after 5 h from the start or 5 h of silence (strict >), and leaves gap blocks', () => {
      const start = Date.UTC(2026, 10, 28, 10);
      const blocks = identifyBlocks(
        [
          entry(T0),
          entry(start + 5 * H), // exactly D after the start: stays in the block
          entry(start + 5 * H + 1), // just past: a new block at its hour
          entry(start + 5 * H + 1 + 5 * H + 2 * M, 50, 0.5, 'claude-opus-4-1'), // 5 h 2 min of silence: a gap, then a block
        ],
        start + 30 * H,
      );
      assert.deepEqual(
        blocks.map((b) => [b.id, b.isGap, b.entries, b.totalTokens]),
        [
          ['2026-11-28T10:00:00.000Z', false, 2, 200],
          ['2026-11-28T15:00:00.000Z', false, 1, 100],
          ['gap-2026-11-28T20:00:00.001Z', true, 0, 0],
          ['2026-11-28T20:00:00.000Z', false, 1, 50],
        ],
      );
      assert.equal(blocks[0].end, start + 5 * H);
      assert.deepEqual(blocks[3].models, ['claude-opus-4-1']);
      assert.ok(blocks.every((b) => !b.isActive));
    });

    it('the active block has a burn rate and a projection to its end', () => {
      const start = Date.UTC(2026, 10, 28, 10);
      const now = start + 2 * H;
      const [b] = identifyBlocks([entry(start + 10 * M, 1000, 1), entry(start + 70 * M, 2000, 2)], now);
      assert.equal(b.isActive, true);
      // 3,000 tokens and $3 over 60 minutes; 180 minutes left.
      assert.deepEqual(b.burnRate, { tokensPerMinute: 50, tokensPerMinuteForIndicator: 50, costPerHour: 3 });
      assert.deepEqual(b.projection, { totalTokens: 3000 + 50 * 180, cost: 12, remainingMinutes: 180 });
      assert.equal(burnLevel(1999), 'normal');
      assert.equal(burnLevel(4999), 'moderate');
      assert.equal(burnLevel(5000), 'high');
      // One entry: no burn rate (ccusage: minutes ≤ 0).
      assert.equal(identifyBlocks([entry(start)], start + M)[0].burnRate, null);
    });

    it('a limit hit in a block gives its reset time', () => {
      const start = Date.UTC(2026, 10, 28, 10);
      const [b] = identifyBlocks([entry(start), { ...entry(start + H, 0, 0, ''), limitResetsAt: start + 5 * H }], start + 10 * H);
      assert.equal(b.usageLimitResetTime, start + 5 * H);
      assert.deepEqual(b.models, ['claude-sonnet-4-5']);
    });
  });

  describe('limits view', () => {
    const obs = (o: Partial<LimitObservation>): LimitObservation => ({ source: 'codex', limitId: 'codex', window: '300', windowMinutes: 300, usedPercent: 10, resetsAt: T0 + H, observedAt: T0, ...o });

    it('a window whose reset passed is shown as reset, not as its stale percentage; the headline bucket first', () => {
      const b = bucketsOf(
        [
          obs({ usedPercent: 72, resetsAt: T0 - M }),
          obs({ window: '10080', windowMinutes: 10080, usedPercent: 40, resetsAt: T0 + 3 * 24 * H }),
          obs({ limitId: 'codex_bengalfox', limitName: 'GPT-5.3-Codex-Spark', usedPercent: 90 }),
        ],
        T0,
      ).get('codex')!;
      assert.deepEqual(b.map((x) => x.name), ['Codex', 'GPT-5.3-Codex-Spark']);
      assert.deepEqual(b[0].windows.map((w) => [w.label, w.state, w.usedPercent]), [['5-hour', 'reset', 72], ['Weekly', 'current', 40]]);
      const tools = toolLimits([...b.flatMap((x) => x.windows.map((w) => obs({ limitId: x.limitId, limitName: x.limitId === 'codex' ? undefined : x.name, window: w.window, windowMinutes: w.windowMinutes, usedPercent: w.usedPercent, resetsAt: w.resetsAt })))], [], null, T0);
      assert.deepEqual(nearestLimit(tools), { source: 'codex', tool: 'Codex', bucket: 'GPT-5.3-Codex-Spark', window: '5-hour', usedPercent: 90, resetsAt: T0 + H });
    });

    it('a window left out of the newest snapshot stays only while it has not reset', () => {
      const list = bucketsOf(
        [
          obs({ observedAt: T0 - 10 * M, usedPercent: 30 }), // five_hour, older, still current
          obs({ window: '10080', windowMinutes: 10080, observedAt: T0, resetsAt: T0 + 24 * H }),
          obs({ window: '43200', windowMinutes: 43200, observedAt: T0 - H, resetsAt: T0 - M }), // older and reset: gone
        ],
        T0,
      ).get('codex')![0];
      assert.deepEqual(list.windows.map((w) => [w.label, w.older]), [['5-hour', true], ['Weekly', false]]);
    });

    it('durations read naturally', () => {
      assert.deepEqual([durationText(20_000), durationText(45 * M), durationText(2 * H + 14 * M), durationText(3 * 24 * H + 4 * H)], ['less than a minute', '45 min', '2 h 14 min', '3 d 4 h']);
    });

    it('limitsData: official snapshots, and Claude Code blocks rebuilt from its stored requests and hits', async () => {
      const now = Date.UTC(2026, 10, 28, 12, 30);
      const store = await storeWith([
        rec({ dedupeKey: 'a', ts: now - 2 * H, cost: 1, outputTokens: 1000, cacheReadTokens: 0, inputTokens: 0 }),
        rec({ dedupeKey: 'b', ts: now - H, cost: 2, outputTokens: 2000, cacheReadTokens: 0, inputTokens: 0 }),
        rec({ dedupeKey: 'old', ts: now - 30 * H, cost: 5 }),
        rec({ dedupeKey: 'codex', source: 'codex', ts: now - H, cost: 9 }),
      ]);
      await store.write({ limits: [obs({ usedPercent: 55, observedAt: now - M, resetsAt: now + H })], hits: [{ source: 'claude-code', ts: now - 30 * M, resetsAt: now + 3 * H, kind: 'session', text: 'x' }] });
      const d = await limitsData(store, now);
      assert.deepEqual(d.tools.map((t) => [t.label, t.origin]), [['Claude Code', 'rebuilt'], ['Codex', 'official']]);
      const claude = d.tools[0];
      assert.equal(claude.blocks!.current!.cost, 3, 'only Claude Code rows, in the current block');
      assert.equal(claude.blocks!.current!.usageLimitResetTime, now + 3 * H);
      assert.equal(claude.blocks!.recent.length, 1);
      assert.equal(claude.hits.length, 1);
      assert.deepEqual(d.nearest && [d.nearest.tool, d.nearest.usedPercent], ['Codex', 55]);
    });
  });

  describe('budgets', () => {
    const TZ = 'America/New_York';
    const NOW = Date.UTC(2026, 10, 28, 17); // Sat Nov 28, 12:00 in New York

    it('periods are local: the day, the ISO week from Monday, the month', () => {
      assert.deepEqual(periodRange('day', NOW, TZ), { from: Date.UTC(2026, 10, 28, 5), to: Date.UTC(2026, 10, 29, 5) });
      assert.deepEqual(periodRange('week', NOW, TZ), { from: Date.UTC(2026, 10, 23, 5), to: Date.UTC(2026, 10, 30, 5) });
      assert.deepEqual(periodRange('month', NOW, TZ), { from: Date.UTC(2026, 10, 1, 4), to: Date.UTC(2026, 11, 1, 5) }, 'DST ends within November');
    });

    it('spent, percent, level, days left and a forecast range from the recent burn rate', async () => {
      const rows = [];
      // $2 a day for the 14 days before today, in the workspace; $10 today; $50 in another project.
      for (let d = 1; d <= 14; d++) rows.push(rec({ dedupeKey: `d${d}`, ts: NOW - d * 86_400_000, cost: 2 }));
      rows.push(rec({ dedupeKey: 'today', ts: NOW - H, cost: 10 }), rec({ dedupeKey: 'other', ts: NOW - H, cost: 50, project: '/home/u/other' }));
      const store = await storeWith(rows);
      const ctx = { now: NOW, tz: TZ, workspaceFolders: ['/home/u/app'] };
      const s = budgetStatus(store.catalog, { period: 'month', amountUsd: 80, scope: 'workspace' }, 0, ctx);
      // November so far: the 14 days before today at $2, and $10 today.
      assert.equal(Math.round(s.spent * 100) / 100, 38);
      assert.equal(Math.round(s.percent), 48);
      assert.equal(s.level, 'ok');
      assert.equal(s.daysLeft, 3, 'Nov 28, 29 and 30');
      assert.equal(s.forecast.basisDays, 14);
      assert.equal(s.forecast.ratePerDay, 2);
      const remaining = (Date.UTC(2026, 11, 1, 5) - NOW) / 86_400_000;
      assert.ok(Math.abs(s.forecast.expected - (38 + 2 * remaining)) < 1e-9);
      assert.equal(s.forecast.low, s.forecast.expected, 'no spread in a steady burn');
      assert.equal(s.days.at(-1)!.cost, 10);
      const all = budgetStatus(store.catalog, { period: 'day', amountUsd: 50, scope: 'all' }, 1, ctx);
      assert.deepEqual([all.spent, all.level, reachedThresholds(all)], [60, 'over', [80, 100]]);
      const claude = budgetStatus(store.catalog, { period: 'day', amountUsd: 50, scope: 'all', sources: ['codex'] }, 2, ctx);
      assert.equal(claude.spent, 0);
      assert.notEqual(notificationKey(all, 80), notificationKey({ ...all, periodKey: 'day:2026-11-29' }, 80));
    });

    it('a spiky history gives a range around the expected value, never below what is spent', () => {
      const f = forecastOf(10, [0, 0, 0, 0, 0, 0, 14], 7);
      assert.equal(f.expected, 10 + 14);
      assert.ok(f.low >= 10 && f.low < f.expected && f.high > f.expected, JSON.stringify(f));
      assert.deepEqual(forecastOf(5, [], 3), { low: 5, expected: 5, high: 5, ratePerDay: 0, basisDays: 0 });
    });

    it('which budgets concern a window', () => {
      assert.equal(budgetApplies({ period: 'day', amountUsd: 1, scope: 'all' }, []), true);
      assert.equal(budgetApplies({ period: 'day', amountUsd: 1, scope: '/home/u/app' }, ['/home/u/app/packages/ui']), true);
      assert.equal(budgetApplies({ period: 'day', amountUsd: 1, scope: '/home/u/app/' }, ['/home/u']), true);
      assert.equal(budgetApplies({ period: 'day', amountUsd: 1, scope: '/home/u/app' }, ['/home/u/apple']), false);
    });
  });

  describe('plan value', () => {
    it('API-priced usage of the plan sources per month against the prorated plan price', async () => {
      const TZ = 'UTC';
      const now = Date.UTC(2026, 10, 20);
      const store = await storeWith([
        rec({ dedupeKey: 'oct', ts: Date.UTC(2026, 9, 10), cost: 300 }),
        rec({ dedupeKey: 'nov', ts: Date.UTC(2026, 10, 10), cost: 1240 }),
        rec({ dedupeKey: 'codex', source: 'codex', ts: Date.UTC(2026, 10, 10), cost: 99 }),
      ]);
      const [v] = planValues(store.catalog, [{ name: 'Claude Max 20x', monthlyUsd: 200, sources: ['claude-code'], from: '2026-10-17' }], now, TZ, 3);
      assert.deepEqual(v.months.map((m) => [m.key, m.apiCost, Math.round(m.planCost * 100) / 100, m.ratio === null ? null : Math.round(m.ratio * 10) / 10]), [
        ['2026-09', 0, 0, null],
        ['2026-10', 300, Math.round(((200 * 15) / 31) * 100) / 100, Math.round((300 / ((200 * 15) / 31)) * 10) / 10],
        ['2026-11', 1240, 200, 6.2],
      ]);
      assert.equal(heldShare({ name: 'x', monthlyUsd: 1, sources: ['codex'], to: '2026-02-14' }, 2026, 2), 0.5);
    });
  });
});
