// The dashboard at a heavy user's size: a million stored requests (14 months, test/support/
// millionStore.ts), answered by the real store and queries, shown by the real webview bundle in
// Chromium. Each wait is measured in the page, from just before the user's action to the moment
// the new numbers or rows are on screen.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { formatInt, formatUsd } from '../../src/core/format';
import { dashboardData, filterOfView, resolveRange } from '../../src/core/queries/dashboard';
import { page as queryPage } from '../../src/core/queries/tablePages';
import type { ViewQuery } from '../../src/core/queries/types';
import { UsageStore } from '../../src/core/store/usageStore';
import { ensureMillionStore, MILLION } from '../support/millionStore';
import { FakeHost } from './support/fakeHost';
import { buildBundle, launchBrowser, openPanel, screenshotDir, startServer, type Panel, type Server } from './support/harness';
import { NOW, TZ } from './support/usageFixture';

/** What a user waits for after a filter change or a scroll, at most. */
const REPAINT_MS = 300;

describe('dashboard webview at a million stored requests', function () {
  this.timeout(600_000);
  let server: Server;
  let browser: Browser;
  let store: UsageStore;
  let panel: Panel & { host: FakeHost };

  before(async () => {
    buildBundle();
    const file = await ensureMillionStore((s) => console.log(`      ${s}`));
    [server, browser, store] = await Promise.all([startServer(), launchBrowser(), UsageStore.open(file)]);
    assert.equal(store.rowCount(), MILLION);
    // A window with no folder open: the dashboard starts on every project.
    const host = new FakeHost({ store, sources: [], init: { workspaceFolders: [], workspaceHasUsage: false } });
    panel = { host, ...(await openPanel(browser, server, host, { width: 1400, height: 1000 })) };
  });

  after(async () => {
    await panel?.close();
    await browser?.close();
    await server?.close();
    await store?.close();
  });

  /**
   * Measures, in the page's clock, from the user's click inside `act` (not the automation's
   * approach to it) until `doneAt(arg)` returns the time it held (checked every frame).
   */
  async function timedClick<A>(page: Page, act: () => Promise<unknown>, doneAt: (arg: A) => number | false, arg: A): Promise<number> {
    await page.evaluate(() => {
      const w = window as unknown as { __clickAt: number };
      w.__clickAt = 0;
      document.addEventListener('click', () => (w.__clickAt ||= performance.now()), { capture: true, once: true });
    });
    await act();
    const end = await page.waitForFunction(doneAt as (a: unknown) => number | false, arg as unknown, { timeout: 10_000, polling: 'raf' });
    return Number(await end.jsonValue()) - (await page.evaluate(() => (window as unknown as { __clickAt: number }).__clickAt));
  }

  const expectedCost = (view: ViewQuery) => dashboardData(store.catalog, view, TZ, NOW).totals.cost;
  const costIs = (want: string) => document.querySelector('[data-testid=metric-cost]')?.textContent === want;
  /** The new total is in the cost card and drawn by the cost chart (its bars add up to it). */
  const repaintedAt = ({ text, cost }: { text: string; cost: number }) => {
    if (document.querySelector('[data-testid=metric-cost]')?.textContent !== text) return false;
    const chart = (document.querySelector('.chart[aria-describedby=cost-data]') as unknown as { echarts?: { getOption(): { series: { data: number[] }[] } } })?.echarts;
    const drawn = chart?.getOption().series.reduce((a, s) => a + s.data.reduce((b, v) => b + (Number(v) || 0), 0), 0) ?? 0;
    return Math.abs(drawn - cost) <= Math.max(0.01, cost * 1e-6) ? performance.now() : false;
  };
  const middleShownAt = (target: number) =>
    [...document.querySelectorAll('.grid-window .grid-row:not(.skeleton-row)')].some((r) => Math.abs(Number(r.id.slice(5)) - target) < 40 && !!r.textContent?.trim())
      ? performance.now()
      : false;
  const lastView = () => panel.host.last('dashboard')!.view;

  it(`repaints the dashboard within ${REPAINT_MS} ms of a filter change`, async () => {
    const p = panel.page;
    await p.waitForFunction(costIs, formatUsd(expectedCost(lastView())));
    // Three rounds, judged by each change's median: one slow frame on a busy machine is not the dashboard.
    const times = new Map<string, number[]>();
    const check = async (what: string, act: () => Promise<void>, next: (v: ViewQuery) => ViewQuery) => {
      const cost = expectedCost(next(lastView()));
      const ms = await timedClick(p, act, repaintedAt, { text: formatUsd(cost), cost });
      times.set(what, [...(times.get(what) ?? []), ms]);
    };
    const range = async (what: string, option: string, preset: 'all' | '30d') => {
      await p.locator('vscode-single-select').click();
      await check(what, () => p.getByRole('option', { name: option }).click(), (v) => ({ ...v, range: { preset } }));
    };
    for (let round = 0; round < 3; round++) {
      if (round) await range('last 30 days', 'Last 30 days', '30d');
      await range('all time', 'All time', 'all');
      // 14 months by day: the cost chart draws its bars as one path per model (ECharts' large mode).
      if (!round) await p.screenshot({ path: path.join(await screenshotDir(), 'million-all-time-by-day.png') });
      await p.getByRole('button', { name: /^Models:/ }).click();
      const models = p.getByRole('dialog', { name: 'Models' });
      await check('one model', () => models.getByRole('checkbox', { name: /gpt-5\.1-codex/ }).first().check(), (v) => ({ ...v, models: ['gpt-5.1-codex'] }));
      await check('all models', () => models.getByRole('button', { name: 'All models' }).click(), (v) => ({ ...v, models: [] }));
      await p.keyboard.press('Escape');
      await p.getByRole('button', { name: /^Sources:/ }).click();
      const sources = p.getByRole('dialog', { name: 'Sources' });
      await check('one source', () => sources.getByRole('checkbox', { name: /gemini/i }).first().check(), (v) => ({ ...v, sources: ['gemini-cli'] }));
      await check('all sources', () => sources.getByRole('button', { name: 'All sources' }).click(), (v) => ({ ...v, sources: [] }));
      await p.keyboard.press('Escape');
    }
    const medians = [...times].map(([what, ms]) => ({ what, ms: Math.round([...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]), all: ms.map(Math.round) }));
    console.log(`      medians: ${medians.map((m) => `${m.what} ${m.ms} ms (${m.all.join(', ')})`).join('; ')}`);
    for (const m of medians) assert.ok(m.ms <= REPAINT_MS, `${m.what}: median ${m.ms} ms of ${m.all.join(', ')}`);
  });

  it(`shows rows within ${REPAINT_MS} ms of a scroll to the middle of the table`, async () => {
    const p = panel.page;
    const view = lastView();
    const total = (await queryPage(store, { filter: filterOfView(view, resolveRange(view.range, NOW, TZ)), sort: 'ts', dir: 'desc', offset: 0, limit: 1 })).total;
    assert.ok(total > MILLION / 2, `${formatInt(total)} rows in view`);
    await p.locator('#urow-0.grid-row:not(.skeleton-row)').waitFor();
    const grid = p.locator('.grid');
    const middle = Math.floor(total / 2);
    const start = await grid.evaluate((el) => {
      const t = performance.now();
      el.scrollTop = (el.scrollHeight - el.clientHeight) / 2;
      return t;
    });
    const ms = Number(await (await p.waitForFunction(middleShownAt, middle, { timeout: 10_000, polling: 'raf' })).jsonValue()) - start;
    console.log(`      rows at ${formatInt(middle)} of ${formatInt(total)} after ${Math.round(ms)} ms`);
    assert.ok(ms <= REPAINT_MS, `${Math.round(ms)} ms`);
    // And they are the right rows.
    const shown = await p.locator('.grid-window .grid-row:not(.skeleton-row)').first().getAttribute('id');
    const index = Number(shown!.slice(5));
    const want = (await queryPage(store, { filter: filterOfView(view, resolveRange(view.range, NOW, TZ)), sort: 'ts', dir: 'desc', offset: index, limit: 1 })).rows[0];
    const cells = await p.locator(`#urow-${index} [role=gridcell]`).allInnerTexts();
    assert.equal(cells[5], want.costSource === 'unpriced' ? 'unpriced' : formatUsd(want.cost), `row ${index} shows its own data`);
  });
});
