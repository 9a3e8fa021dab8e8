// The Limits, Budget and Value cards, the branch filter and breakdown, and the session drill-down,
// in real Chromium with the production bundle, answered from the real queries over a real store
// (limits, hits, budgets and plans as the host reads them). Screenshots of every new part in the
// dark, light and both high-contrast themes, and at 400 px.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { budgetStatuses } from '../../src/core/budgets/budgetStatus';
import { planValues } from '../../src/core/budgets/planValue';
import type { Budget, Plan } from '../../src/core/budgets/types';
import { formatInt, formatUsd } from '../../src/core/format';
import { limitsData } from '../../src/core/limits/limitsData';
import type { PricedRecord } from '../../src/core/model';
import { groupBy } from '../../src/core/queries/aggregate';
import { dashboardData } from '../../src/core/queries/dashboard';
import type { SourceStatus, ViewQuery } from '../../src/core/queries/types';
import { sessionDetail } from '../../src/core/sessions/sessionDetail';
import { page as tablePage } from '../../src/core/queries/tablePages';
import { filterOfView, resolveRange } from '../../src/core/queries/dashboard';
import type { UsageStore } from '../../src/core/store/usageStore';
import { FakeHost, type FakeHostOptions } from './support/fakeHost';
import { buildBundle, chartOption, closePanels, launchBrowser, openPanel, screenshotDir, startServer, until, type OpenOptions, type Panel, type Server, type ThemeName } from './support/harness';
import { NOW, TZ, WORKSPACE, sourceStatuses, usageRecords, usageStore } from './support/usageFixture';

const H = 3_600_000;
const BRANCHES = ['main', 'feature/limits', 'fix/login-timeout', '(detached HEAD)'];
const BUDGETS: Budget[] = [{ name: 'Monthly AI budget', period: 'month', amountUsd: 400, scope: 'all' }, { period: 'week', amountUsd: 60, scope: 'workspace', sources: ['claude-code'] }];
const PLANS: Plan[] = [{ name: 'Claude Max 20x', monthlyUsd: 200, sources: ['claude-code'] }];
const DEFAULT_VIEW: ViewQuery = { projects: [WORKSPACE], range: { preset: '30d' }, models: [], sources: [], granularity: 'day' };

/** The usual fixture, with the branches Claude Code and Codex log, and Claude requests in the last hours (a 5-hour block). */
function records(): PricedRecord[] {
  const rows = usageRecords();
  rows.forEach((r, i) => {
    if (r.source === 'claude-code' || r.source === 'codex') r.branch = BRANCHES[i % 7 === 0 ? 3 : i % 5 === 0 ? 2 : i % 3 === 0 ? 1 : 0];
  });
  for (let k = 0; k < 12; k++) {
    rows.push({ ...rows.find((r) => r.source === 'claude-code')!, dedupeKey: `block-${k}`, ts: NOW - 2 * H + k * 9 * 60_000, sessionId: 'live-session', branch: 'feature/limits', cost: 0.42 + k * 0.05 });
  }
  return rows;
}

describe('limits, budgets, value, branches and sessions in Chromium', function () {
  let server: Server;
  let browser: Browser;
  let store: UsageStore;
  let sources: SourceStatus[];
  let shots: string;
  let panels: Panel[] = [];

  before(async function () {
    this.timeout(120_000);
    buildBundle();
    [server, browser, store] = await Promise.all([startServer(), launchBrowser(), usageStore(records())]);
    const s = Math.floor(NOW / 1000);
    // Codex's rollouts: the account bucket (5-hour and weekly) and the Spark sub-limit; one stale window.
    await store.write({
      limits: [
        { source: 'codex', limitId: 'codex', window: '300', windowMinutes: 300, usedPercent: 72.5, resetsAt: (s + 4800) * 1000, observedAt: NOW - 3 * 60_000, planType: 'plus' },
        { source: 'codex', limitId: 'codex', window: '10080', windowMinutes: 10080, usedPercent: 41, resetsAt: (s + 3 * 86400 + 7200) * 1000, observedAt: NOW - 3 * 60_000, planType: 'plus' },
        { source: 'codex', limitId: 'codex_bengalfox', limitName: 'GPT-5.3-Codex-Spark', window: '300', windowMinutes: 300, usedPercent: 96, resetsAt: (s - 600) * 1000, observedAt: NOW - 6 * H },
      ],
      hits: [{ source: 'claude-code', ts: NOW - 26 * H, resetsAt: NOW - 23 * H, kind: 'session', text: "You've hit your session limit · resets 2pm" }],
    });
    sources = await sourceStatuses(store);
    shots = await screenshotDir();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  afterEach(async function () {
    const open = panels;
    panels = [];
    await closePanels(open, this.currentTest?.state === 'passed');
  });

  const queryPageRows = async (v: ViewQuery) => (await tablePage(store, { filter: filterOfView(v, resolveRange(v.range, NOW, TZ)), sort: 'ts', dir: 'desc', offset: 0, limit: 1 })).rows;

  async function open(o: OpenOptions = {}, h: Partial<FakeHostOptions> = {}) {
    const host = new FakeHost({ store, sources, budgets: BUDGETS, plans: PLANS, ...h });
    const panel = await openPanel(browser, server, host, o);
    panels.push(panel);
    await panel.page.getByTestId('insights').waitFor();
    return { host, ...panel };
  }


  it('Limits: each window of each tool with its used share, its reset time in the user zone, and its origin', async () => {
    const p = await open();
    const data = await limitsData(store, NOW);
    const codex = p.page.getByTestId('limits-codex');
    await codex.waitFor();
    assert.match(await codex.locator('.origin').innerText(), /Official/);
    const windows = await codex.getByTestId('limit-window').evaluateAll((els) => els.map((e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
    // 4,800 s to the 5-hour reset: 1 h 20 min, at 1:20 PM New York (NOW is noon there).
    assert.deepEqual(windows, [
      '5-hour 72.5% resets in 1 h 20 min · 1:20 PM',
      'Weekly 41% resets in 3 d 2 h · Tue, Dec 1, 2:00 PM',
      '5-hour reset no data since 11:50 AM',
    ]);
    assert.equal(await codex.getByRole('meter', { name: '5-hour window used' }).first().getAttribute('aria-valuenow'), '72.5');
    assert.equal(data.nearest?.usedPercent, 72.5, 'the stale Spark window is not the nearest limit');
    // Claude Code: no official figures, so the 5-hour block is rebuilt from its requests.
    const claude = p.page.getByTestId('limits-claude-code');
    assert.match(await claude.locator('.origin').first().innerText(), /Estimated/);
    const cur = data.tools.find((t) => t.source === 'claude-code')!.blocks!.current!;
    assert.match(await claude.getByTestId('current-block').innerText(), new RegExp(`Cost\\s+${formatUsd(cur.cost).replace(/[$.]/g, '\\$&')}`));
    await claude.getByRole('button', { name: /Connect Claude Code Limits/ }).click();
    await until(() => p.host.last('connectClaudeLimits'), 'the connect request');
  });

  it('Budget: spent of the limit, days left, a forecast range, and the projection drawn dashed to the end of the period', async () => {
    const p = await open();
    const [month, week] = budgetStatuses(store.catalog, BUDGETS, { now: NOW, tz: TZ, workspaceFolders: [WORKSPACE] });
    const cards = p.page.getByTestId('budget-card');
    assert.equal(await cards.count(), 2);
    const first = cards.first();
    assert.ok(month.unpriced > 0, 'the fixture has unpriced usage: the spend is a lower bound');
    assert.equal(await first.getByTestId('budget-spent').innerText(), `${formatUsd(month.spent)}+`);
    assert.equal(await first.getByTestId('budget-percent').innerText(), `${Math.floor(month.percent)}%`);
    assert.match(await first.innerText(), /3 days left/);
    assert.match(await first.getByTestId('budget-forecast').innerText(), new RegExp(`Month-end forecast: ${formatUsd(month.forecast.low).replace(/[$.]/g, '\\$&')}–${formatUsd(month.forecast.high).replace(/[$.]/g, '\\$&')}`));
    const chart = await chartOption(p.page, '[data-testid=budget-card] >> nth=0 >> .chart');
    const series = chart.series as { name: string; data: (number | null)[]; lineStyle?: { type?: string } }[];
    const spent = series.find((s) => s.name === 'Spent')!;
    const forecast = series.find((s) => s.name === 'Forecast')!;
    assert.equal(forecast.lineStyle?.type, 'dashed');
    assert.equal(spent.data.length, 30, 'every day of November');
    const today = spent.data.map((v) => v !== null).lastIndexOf(true);
    assert.ok(Math.abs(spent.data[today]! - month.spent) < 1e-9, 'the line ends at what is spent');
    assert.ok(Math.abs(forecast.data[today]! - spent.data[today]!) < 1e-9, 'the dashed line continues from there');
    assert.ok(Math.abs(forecast.data.at(-1)! - month.forecast.expected) < 1e-9, '…to the expected month-end');
    assert.match(await cards.nth(1).locator('.panel-title').innerText(), /Weekly budget \(this workspace, claude-code\)/i);
    assert.equal(await cards.nth(1).getByTestId('budget-percent').innerText(), `${Math.floor(week.percent)}%`);
  });

  it('Value: API-priced usage of the plan against its price, per month, and costs labelled API-equivalent', async () => {
    const p = await open();
    const [v] = planValues(store.catalog, PLANS, NOW, TZ);
    const cur = v.months.at(-1)!;
    const ratio = cur.ratio! >= 10 ? Math.round(cur.ratio!) : Math.round(cur.ratio! * 10) / 10;
    assert.equal((await p.page.getByTestId('value-headline').innerText()).replace(/\s+/g, ' '), `${formatUsd(cur.apiCost)} of API-priced usage for ${formatUsd(200)} (${ratio}×)`);
    const bars = (await chartOption(p.page, '[data-testid=value-card] .chart')).series as { data: number[] }[];
    assert.deepEqual(bars[0].data, v.months.map((m) => m.apiCost));
    assert.match(await p.page.locator('#m-cost-title').innerText(), /api-equivalent cost/i);
    assert.equal(await p.page.getByRole('grid').getByRole('columnheader', { name: 'API-equiv. Cost' }).count(), 1);
    // Codex alone is not covered by the plan: plain "Total Cost".
    const q = await open({ state: { view: { ...DEFAULT_VIEW, sources: ['codex'] } } });
    assert.match(await q.page.locator('#m-cost-title').innerText(), /^total cost$/i);
  });

  it('Branches: a filter and a breakdown; picking a branch narrows every part of the dashboard', async () => {
    const p = await open();
    const rows = groupBy(store.catalog, { from: NOW - 30 * 86_400_000, projects: [WORKSPACE] }, 'branch', TZ);
    const list = p.page.getByTestId('branch-breakdown');
    await list.locator('.breakdown-item').first().waitFor();
    const names = await list.locator('.breakdown-name').allInnerTexts();
    assert.ok(names.includes('feature/limits') && names.includes('(unknown)'), names.join(', '));
    await list.getByRole('button', { name: /^feature\/limits/ }).click();
    const req = await until(() => p.host.of('dashboard').find((r) => (r.view as ViewQuery).branches?.[0] === 'feature/limits'), 'a dashboard request for the branch');
    const expected = dashboardData(store.catalog, req.view as ViewQuery, TZ, NOW);
    await p.page.getByTestId('metric-messages').filter({ hasText: formatInt(expected.totals.messages) }).waitFor();
    assert.match(await p.page.getByRole('button', { name: /^Branches:/ }).innerText(), /feature\/limits/);
    assert.ok(rows.length >= 4);
    await p.page.getByRole('button', { name: /^Branches:/ }).click();
    assert.ok((await p.page.getByRole('dialog', { name: 'Branches' }).getByRole('checkbox').count()) >= 4);
    // The table's optional Branch column.
    const q = await open({ state: { view: DEFAULT_VIEW, columns: { source: false, session: false, branch: true } } });
    await q.page.locator('#urow-0').waitFor();
    assert.equal(await q.page.getByRole('grid').getByRole('columnheader', { name: 'Branch' }).count(), 1);
    const row0 = (await queryPageRows(DEFAULT_VIEW))[0];
    assert.equal((await q.page.locator('#urow-0 [role=gridcell]').nth(3).innerText()).trim(), row0.branch || '–');
  });

  it('limit hits are marked on the cost chart on their period, with their reset time', async () => {
    const p = await open();
    const cost = await chartOption(p.page, '.chart-panel:has(#cost-title) .chart');
    const marks = (cost.series as { markLine?: { data: { xAxis: number }[] } }[])[0].markLine!.data.map((d) => d.xAxis);
    // The hit at NOW − 26 h is on Friday Nov 27 in New York: the 29th of the 30 days shown.
    assert.deepEqual(marks, [28]);
    assert.match(await p.page.locator('.chart-panel:has(#cost-title) .chart').getAttribute('aria-label') ?? '', /Plan limits were hit in 1 day/);
    // Narrowed to Codex, Claude Code's hit is not marked.
    const q = await open({ state: { view: { ...DEFAULT_VIEW, sources: ['codex'] } } });
    const codexOnly = await chartOption(q.page, '.chart-panel:has(#cost-title) .chart');
    assert.equal((codexOnly.series as { markLine?: unknown }[])[0].markLine, undefined);
  });

  it('Sessions: the table session column opens its drill-down (requests, cost over time, models, duration)', async () => {
    const p = await open({ state: { view: DEFAULT_VIEW, columns: { source: false, session: true, branch: false } } });
    await p.page.locator('#urow-0').waitFor();
    const link = p.page.locator('#urow-0 .session-link');
    const id = await link.innerText();
    await link.click();
    const dialog = p.page.getByTestId('session-view');
    await dialog.getByTestId('session-cost').waitFor();
    const d = await sessionDetail(store, id);
    assert.equal(await dialog.getByTestId('session-cost').innerText(), formatUsd(d.cost));
    assert.equal(await dialog.getByTestId('session-requests').innerText(), formatInt(d.messages));
    assert.equal(await dialog.locator('tbody tr').count(), d.rows.length);
    const line = (await chartOption(p.page, '[data-testid=session-view] .chart')).series as { data: [number, number][] }[];
    assert.ok(Math.abs(line[0].data.at(-1)![1] - d.cost) < 1e-9);
    await p.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // Enter on a row opens it too.
    await p.page.getByRole('grid').focus();
    await p.page.keyboard.press('Enter');
    await dialog.getByTestId('session-cost').waitFor();
  });

  describe('screenshots', () => {
    for (const theme of ['dark', 'light', 'hc-dark', 'hc-light'] as ThemeName[]) {
      it(`insights, branches and a session: ${theme}`, async () => {
        const p = await open({ theme, height: 1400 });
        await p.page.getByTestId('branch-breakdown').locator('.breakdown-item').first().waitFor();
        await p.page.mouse.move(1, 1);
        await p.page.getByTestId('insights').screenshot({ path: path.join(shots, `insights-${theme}.png`) });
        if (process.env.UPDATE_DOCS_SCREENSHOTS && theme === 'dark') await fs.copyFile(path.join(shots, 'insights-dark.png'), path.resolve(__dirname, '..', '..', 'docs', 'screenshots', 'insights-dark.png'));
        await p.page.locator('.charts').screenshot({ path: path.join(shots, `branches-${theme}.png`) });
        const q = await open({ theme, state: { view: { ...DEFAULT_VIEW, projects: [] }, columns: { source: false, session: true, branch: false } } });
        await q.page.locator('.session-link', { hasText: 'live-session' }).first().click();
        await q.page.getByTestId('session-cost').waitFor();
        await q.page.waitForTimeout(200);
        await q.page.screenshot({ path: path.join(shots, `session-${theme}.png`) });
      });
    }

    it('at 400 px: the cards stack, nothing overflows', async () => {
      const p = await open({ width: 400, height: 900 });
      const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
      assert.equal(overflow, false, 'no page-level horizontal scrollbar');
      const xs = await p.page.locator('.insights > .panel').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().x)));
      assert.ok(xs.length >= 5 && xs.every((x) => x === xs[0]), `cards stack: ${xs}`);
      for (const c of await p.page.locator('.insights .panel').all()) assert.ok((await c.boundingBox())!.width <= 400);
      await p.page.getByTestId('insights').screenshot({ path: path.join(shots, 'insights-dark-400.png') });
      await p.page.screenshot({ path: path.join(shots, 'dashboard-insights-dark-400.png'), fullPage: true });
      const q = await open({ width: 400, height: 800, state: { view: { ...DEFAULT_VIEW, projects: [] }, columns: { source: false, session: true, branch: false } } });
      await q.page.locator('.session-link', { hasText: 'live-session' }).first().click();
      await q.page.getByTestId('session-cost').waitFor();
      await q.page.screenshot({ path: path.join(shots, 'session-dark-400.png') });
    });
  });
});
