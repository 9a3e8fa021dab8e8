// The scale bench's history generator (bench/scale/history.ts): the shape issue 7 asks for, and
// a truth that a real engine agrees with once every copy and replay is stored once.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { history, historyTruth, planDays, FULL_HISTORY_REQUESTS, type HistoryTruth } from '../../bench/scale/history';
import { Pricer } from '../../src/core/pricing';
import type { ViewQuery } from '../../src/core/queries/types';
import { EngineService } from '../../src/core/worker/engineService';
import { tempDir } from '../support/tempDir';

const DAY_MS = 86_400_000;

function keysOf(requests: number, seed = 1): Map<string, number> {
  const out = new Map<string, number>();
  for (const batch of history({ requests, seed }).batches) for (const r of batch) out.set(`${r.source}\0${r.dedupeKey}`, r.ts);
  return out;
}

describe('scale bench history', () => {
  it('is the same for the same seed and differs for another', () => {
    const first = (seed: number) => JSON.stringify([...history({ requests: 3_000, seed }).batches][0]);
    assert.equal(first(7), first(7));
    assert.notEqual(first(7), first(8));
  });

  it('a smaller history is the newest whole days of a bigger one', () => {
    const small = keysOf(20_000);
    const big = keysOf(60_000);
    const firstDay = Math.floor(Math.min(...small.values()) / DAY_MS);
    const whole = [...small].filter(([, ts]) => Math.floor(ts / DAY_MS) > firstDay);
    assert.ok(whole.length > 15_000);
    for (const [k] of whole) assert.ok(big.has(k), `${k} missing from the bigger history`);
  });

  it('plans 14 months of 1,000–3,000 requests per active day at 1M, quieter on weekends, with days off', () => {
    const days = planDays(FULL_HISTORY_REQUESTS, '2026-11-30', 1);
    assert.equal(days.reduce((a, d) => a + d.count, 0), FULL_HISTORY_REQUESTS);
    assert.equal(new Date(days[0].start).toISOString().slice(0, 10), '2025-10-01');
    assert.equal(new Date(days[days.length - 1].start).toISOString().slice(0, 10), '2026-11-30');
    const active = days.filter((d) => d.count > 0);
    assert.ok(active.length < days.length, 'some days without usage');
    for (const d of active) assert.ok(d.count >= 1_000 && d.count <= 3_000, `${new Date(d.start).toISOString()}: ${d.count}`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const weekend = (d: { start: number }) => [0, 6].includes(new Date(d.start).getUTCDay());
    assert.ok(mean(active.filter(weekend).map((d) => d.count)) < 0.8 * mean(active.filter((d) => !weekend(d)).map((d) => d.count)));
  });

  describe('at 1M requests', () => {
    let truth: HistoryTruth;
    before(function () {
      this.timeout(120_000);
      truth = historyTruth({ requests: FULL_HISTORY_REQUESTS, seed: 1 });
    });

    it('has 30+ projects (some nested), 6 sources, 12 priced models and one the price table does not know', () => {
      const projects = Object.keys(truth.byProject);
      assert.ok(projects.length >= 30, `${projects.length} projects`);
      assert.ok(projects.every((p) => p.startsWith('/')));
      assert.ok(projects.some((p) => projects.some((q) => q !== p && q.startsWith(`${p}/`))), 'a project nested in another');
      assert.deepEqual(Object.keys(truth.bySource).sort(), ['claude-code', 'cline', 'codex', 'copilot-cli', 'gemini-cli', 'opencode']);
      const pricer = new Pricer();
      const priced = new Set<string>();
      const unpriced = new Set<string>();
      for (const raw of Object.keys(truth.byModel)) {
        const p = pricer.price({ source: 'claude-code', dedupeKey: '', ts: truth.lastTs, project: '', modelRaw: raw, sessionId: '', inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, reasoningTokens: 0 });
        (p.costSource === 'unpriced' ? unpriced : priced).add(p.model);
      }
      assert.equal(priced.size, 12, [...priced].join(', '));
      assert.equal(unpriced.size, 1);
    });

    it('has copies to drop, reported costs and a few long-context requests', () => {
      assert.equal(truth.requests, FULL_HISTORY_REQUESTS);
      for (const [kind, n] of Object.entries(truth.copies)) assert.ok(n > 100, `${kind}: ${n}`);
      assert.equal(truth.emitted - truth.requests, Object.values(truth.copies).reduce((a, b) => a + b, 0));
      assert.ok(truth.reported.requests > 1_000 && truth.reported.requests < truth.requests / 10);
      assert.ok(truth.longContext > 100 && truth.longContext < truth.requests / 50, `${truth.longContext} long-context requests`);
      assert.ok(truth.tokens.cacheRead > 10 * truth.tokens.input, 'cache reads dominate');
    });
  });

  it('a real engine stores exactly its truth (each copy and replay once)', async () => {
    const dir = await tempDir();
    const service = await EngineService.open({
      dbFile: path.join(dir, 'usage.db'),
      config: { ctx: { home: dir, env: {}, platform: 'linux', extraPaths: {} }, disabledSources: [], priceOverrides: {} },
      emit: () => undefined,
      makePricer: (o) => new Pricer(o),
      importers: [],
    });
    try {
      const h = history({ requests: 20_000, seed: 3 });
      for (const records of h.batches) await service.handle('recordUsage', { records });
      const truth = h.truth();
      assert.ok(truth.emitted > truth.requests);
      const all: ViewQuery = { projects: [], range: { preset: 'all' }, models: [], sources: [], granularity: 'day' };
      const { totals } = await service.handle('dashboard', { view: all, timeZone: 'UTC', now: truth.lastTs });
      assert.equal(totals.messages, truth.requests);
      assert.equal(totals.totalTokens, truth.tokens.total);
      assert.ok(Math.abs(totals.reportedCost - truth.reported.cost) < 1e-6);
      const options = await service.handle('filterOptions', {});
      assert.deepEqual(Object.fromEntries(options.sources.map((s) => [s.source, s.messages])), truth.bySource);
    } finally {
      await service.dispose();
    }
  });
});
