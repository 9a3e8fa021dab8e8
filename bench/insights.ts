// How long the new cards take at scale: Limits (with Claude Code's rebuilt blocks), Budgets,
// Value, the branch breakdown and a session drill-down, over a store of 1,000,000 requests
// (spread over a year, 4 sources, 40 projects, 30 branches, sessions of ~50 requests).
//
//   npx tsx bench/insights.ts [rows]        (npm run bench:insights)
//
// Each answer is timed 15 times after a warm-up; medians and p90 are printed and saved in
// .bench/insights.json. Target: each under 100 ms, like the rest of the dashboard.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { budgetStatuses } from '../src/core/budgets/budgetStatus';
import { planValues } from '../src/core/budgets/planValue';
import { limitsData } from '../src/core/limits/limitsData';
import type { PricedRecord, SourceId } from '../src/core/model';
import { groupBy } from '../src/core/queries/aggregate';
import { filterOfView, resolveRange } from '../src/core/queries/dashboard';
import type { ViewQuery } from '../src/core/queries/types';
import { sessionDetail } from '../src/core/sessions/sessionDetail';
import { UsageStore } from '../src/core/store/usageStore';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const NOW = Date.UTC(2026, 10, 28, 17);
const TZ = 'America/New_York';
const SOURCES: SourceId[] = ['claude-code', 'codex', 'gemini-cli', 'copilot-cli'];

function* records(): Generator<PricedRecord[]> {
  let batch: PricedRecord[] = [];
  const span = 365 * 86_400_000;
  for (let i = 0; i < ROWS; i++) {
    const ts = NOW - span + Math.floor((i / ROWS) * span) + (i % 7) * 1000;
    const source = SOURCES[i % 4];
    batch.push({
      source,
      dedupeKey: `k${i}`,
      ts,
      project: `/home/u/p${i % 40}`,
      modelRaw: `model-${i % 12}`,
      model: `model-${i % 12}`,
      sessionId: `s${Math.floor(i / 50)}`,
      branch: source === 'claude-code' || source === 'codex' ? `branch-${i % 30}` : undefined,
      inputTokens: 100 + (i % 900),
      outputTokens: 50 + (i % 400),
      cacheReadTokens: 1000 + (i % 5000),
      cacheWriteTokens: i % 300,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
      cost: 0.001 + (i % 100) / 10_000,
      costSource: 'estimated',
    });
    if (batch.length === 50_000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

async function time(label: string, fn: () => unknown, runs = 15): Promise<{ label: string; medianMs: number; p90Ms: number }> {
  await fn();
  const t: number[] = [];
  for (let k = 0; k < runs; k++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { label, medianMs: Math.round(t[Math.floor(runs / 2)] * 10) / 10, p90Ms: Math.round(t[Math.floor(runs * 0.9)] * 10) / 10 };
}

async function main(): Promise<void> {
  const dir = path.resolve('.bench', 'insights');
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const store = await UsageStore.open(path.join(dir, `usage-${ROWS}.db`));
  if (store.rowCount() < ROWS) {
    for (const batch of records()) await store.write({ rows: batch });
    await store.finishWrites();
  }
  await store.write({
    limits: [
      { source: 'codex', limitId: 'codex', window: '300', windowMinutes: 300, usedPercent: 40, resetsAt: NOW + 3_600_000, observedAt: NOW - 60_000 },
      { source: 'codex', limitId: 'codex', window: '10080', windowMinutes: 10080, usedPercent: 20, resetsAt: NOW + 86_400_000, observedAt: NOW - 60_000 },
    ],
  });
  console.log(`${store.rowCount().toLocaleString('en-US')} rows ready in ${Math.round((performance.now() - started) / 1000)} s`);
  const ws = ['/home/u/p1'];
  const view: ViewQuery = { projects: [], range: { preset: '30d' }, models: [], sources: [], granularity: 'day' };
  const results = [
    await time('limits (official + Claude blocks of 3 days)', () => limitsData(store, NOW)),
    await time('budgets (day, week, month)', () =>
      budgetStatuses(store.catalog, [{ period: 'day', amountUsd: 10, scope: 'all' }, { period: 'week', amountUsd: 50, scope: 'workspace' }, { period: 'month', amountUsd: 200, scope: 'all', sources: ['claude-code'] }], { now: NOW, tz: TZ, workspaceFolders: ws }),
    ),
    await time('plan value (2 plans × 6 months)', () => planValues(store.catalog, [{ name: 'A', monthlyUsd: 200, sources: ['claude-code'] }, { name: 'B', monthlyUsd: 20, sources: ['codex'] }], NOW, TZ)),
    // The dashboard's "last 30 days": local days, so the zone's day rollups answer it.
    await time('cost by branch (last 30 days)', () => groupBy(store.catalog, filterOfView(view, resolveRange(view.range, NOW, TZ)), 'branch', TZ)),
    await time('session drill-down (50 requests)', () => sessionDetail(store, `s${Math.floor((ROWS * 0.99) / 50)}`)),
  ];
  for (const r of results) console.log(`${r.label.padEnd(46)} median ${String(r.medianMs).padStart(6)} ms   p90 ${String(r.p90Ms).padStart(6)} ms`);
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ rows: store.rowCount(), at: new Date().toISOString(), results }, null, 2));
  await store.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
