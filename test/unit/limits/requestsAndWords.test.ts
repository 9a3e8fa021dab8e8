// The new webview requests (validated like every other message), one session's drill-down from
// a real store, and the status bar's words for budgets and limits.
import { strict as assert } from 'node:assert';
import { budgetStatus } from '../../../src/core/budgets/budgetStatus';
import { budgetBadgeText, budgetTooltipLines, levelOf, limitBadgeText, limitTooltipLine } from '../../../src/core/limits/badgeLines';
import { sessionDetail } from '../../../src/core/sessions/sessionDetail';
import { parseRequest } from '../../../src/shared/protocol';
import { rec, storeWith } from '../../support/records';

const view = { projects: [], range: { preset: '30d' }, models: [], sources: [], granularity: 'day' };

describe('limits requests, sessions and badge words', () => {
  it('accepts the new requests and the optional branch filter; rejects malformed ones', () => {
    for (const type of ['limits', 'budgets', 'planValue', 'connectClaudeLimits']) assert.deepEqual(parseRequest({ id: 1, type }), { id: 1, type });
    assert.deepEqual(parseRequest({ id: 2, type: 'breakdown', view: { ...view, branches: ['main'] }, by: 'branch' }), { id: 2, type: 'breakdown', view: { ...view, branches: ['main'] }, by: 'branch' });
    assert.deepEqual(parseRequest({ id: 3, type: 'session', sessionId: 'abc' }), { id: 3, type: 'session', sessionId: 'abc' });
    for (const bad of [
      { id: 1, type: 'breakdown', view, by: 'model; DROP' },
      { id: 1, type: 'breakdown', view: { ...view, branches: [1] }, by: 'branch' },
      { id: 1, type: 'session', sessionId: '' },
      { id: 1, type: 'session', sessionId: 'x'.repeat(600) },
      { id: 1, type: 'session' },
    ]) {
      assert.equal(parseRequest(bad), undefined, JSON.stringify(bad).slice(0, 80));
    }
  });

  it("a session's requests across a month boundary, with its models, duration and running cost", async () => {
    const t = Date.UTC(2026, 9, 31, 23, 50);
    const store = await storeWith([
      rec({ dedupeKey: 'a', sessionId: 'S', ts: t, cost: 1, branch: 'main' }),
      rec({ dedupeKey: 'b', sessionId: 'S', ts: t + 20 * 60_000, cost: 2, model: 'claude-opus-4-1', modelRaw: 'claude-opus-4-1' }),
      rec({ dedupeKey: 'c', sessionId: 'S', ts: t + 25 * 60_000, cost: 0, costSource: 'unpriced', model: 'x', modelRaw: 'x' }),
      rec({ dedupeKey: 'other', sessionId: 'T', ts: t + 60_000, cost: 50 }),
    ]);
    const d = await sessionDetail(store, 'S');
    assert.deepEqual([d.found, d.messages, d.cost, d.durationMs, d.unpricedMessages], [true, 3, 3, 25 * 60_000, 1]);
    assert.deepEqual(d.points.map((p) => p.total), [1, 3, 3]);
    assert.deepEqual(d.models.map((m) => m.model), ['claude-opus-4-1', 'claude-sonnet-4-5', 'x']);
    assert.deepEqual(d.branches, ['main']);
    assert.equal((await sessionDetail(store, 'nope')).found, false);
  });

  it('the badge words and levels for a budget and for the nearest limit', async () => {
    const now = Date.UTC(2026, 10, 28, 17);
    const store = await storeWith([rec({ dedupeKey: 'a', ts: now - 3_600_000, cost: 42.1 })]);
    const b = budgetStatus(store.catalog, { period: 'month', amountUsd: 50, scope: 'all' }, 0, { now, tz: 'UTC', workspaceFolders: [] });
    assert.equal(budgetBadgeText(b), '$(graph) $42.10 of $50.00 this month (84%)');
    assert.equal(b.level, 'warning');
    assert.match(budgetTooltipLines(b)[0], /^\*\*Monthly budget \(all projects\)\*\*: \\\$42\.10 of \\\$50\.00 \(84%\), November 2026, 3 days left$/);
    assert.deepEqual([levelOf(79.9), levelOf(80), levelOf(100)], ['ok', 'warning', 'over']);
    const n = { source: 'codex' as const, tool: 'Codex', bucket: 'Codex', window: '5-hour', usedPercent: 72.4, resetsAt: now + 80 * 60_000 };
    assert.equal(limitBadgeText(n, now), '$(pulse) Codex 5-hour 72% · resets in 1 h 20 min');
    assert.equal(limitTooltipLine(n, now, 'America/New_York'), '**Nearest limit**: Codex 5-hour window 72% used, resets in 1 h 20 min (1:20 PM)');
  });
});
