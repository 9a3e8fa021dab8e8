// The dashboard webview in real Chromium: production bundle, the panel's HTML and CSP, a fake
// VS Code host answering from the real queries over a real store. Every test also checks that
// the page saw no CSP violation and logged no error (afterEach).
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { Browser } from 'playwright-core';
import { dashboardData } from '../../src/core/queries/dashboard';
import { filterOptions } from '../../src/core/queries/filterOptions';
import { page as queryPage } from '../../src/core/queries/tablePages';
import { filterOfView, resolveRange } from '../../src/core/queries/dashboard';
import type { TableRow, TableSort, ViewQuery } from '../../src/core/queries/types';
import type { SourceStatus } from '../../src/core/queries/types';
import type { UsageStore } from '../../src/core/store/usageStore';
import { webviewCsp } from '../../src/extension/webviewHtml';
import { formatCompact, formatInt, formatPercent, formatUsd } from '../../src/core/format';
import { projectName } from '../../src/webview/lib/labels';
import { formatDateTime } from '../../src/webview/lib/periods';
import { FakeHost, type FakeHostOptions } from './support/fakeHost';
import { BODY_CLASS, buildBundle, chartOption, closePanels, launchBrowser, openPanel, screenshotDir, startServer, until, type OpenOptions, type Panel, type Server, type ThemeName } from './support/harness';
import { NOW, TZ, WORKSPACE, sourceStatuses, usageRecords, usageStore } from './support/usageFixture';

const DEFAULT_VIEW: ViewQuery = { projects: [WORKSPACE], range: { preset: '30d' }, models: [], sources: [], granularity: 'day' };
const DEFAULT_SORT: TableSort = { column: 'ts', dir: 'desc' };

describe('dashboard webview in Chromium', function () {
  let server: Server;
  let browser: Browser;
  let store: UsageStore;
  let sources: SourceStatus[];
  let shots: string;
  let panels: Panel[] = [];

  before(async function () {
    this.timeout(120_000);
    buildBundle();
    [server, browser, store] = await Promise.all([startServer(), launchBrowser(), usageStore()]);
    sources = await sourceStatuses(store);
    shots = await screenshotDir();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (shots) console.log(`      screenshots: ${shots}`);
  });

  afterEach(async function () {
    const open = panels;
    panels = [];
    await closePanels(open, this.currentTest?.state === 'passed');
  });

  async function open(o: OpenOptions = {}, h: Partial<FakeHostOptions> = {}) {
    const host = new FakeHost({ store, sources, ...h });
    const panel = await openPanel(browser, server, host, o);
    panels.push(panel);
    return { host, ...panel };
  }

  const expected = (view: ViewQuery = DEFAULT_VIEW, db = store) => dashboardData(db.catalog, view, TZ, NOW);
  const rowsOf = (view: ViewQuery, sort: TableSort, offset = 0, limit = 200, db = store) =>
    queryPage(db, { filter: filterOfView(view, resolveRange(view.range, NOW, TZ)), sort: sort.column, dir: sort.dir, offset, limit });
  const text = (p: Panel, testId: string) => p.page.getByTestId(testId).innerText();
  /** A header of the requests grid (the charts' screen-reader tables have headers too). */
  const header = (p: Panel, name: string) => p.page.getByRole('grid').getByRole('columnheader', { name });
  const cellTexts = (p: Panel, i: number) => p.page.locator(`#urow-${i} [role=gridcell]`).allInnerTexts();
  const rowText = (r: TableRow) => [
    formatDateTime(r.ts, TZ),
    projectName(r.project),
    r.model,
    formatInt(r.tokensSent),
    formatInt(r.tokensReceived),
    r.costSource === 'unpriced' ? 'unpriced' : formatUsd(r.cost),
  ];


  it('serves the panel HTML with exactly the required CSP', async () => {
    const p = await open();
    const csp = await p.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(csp!, /^default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]{24}'; style-src http:\/\/127\.0\.0\.1:\d+; img-src http:\/\/127\.0\.0\.1:\d+ data:; font-src http:\/\/127\.0\.0\.1:\d+;$/);
    assert.equal(csp, webviewCsp(server.origin, /'nonce-([^']+)'/.exec(csp!)![1]));
    assert.equal(await p.page.locator('link#vscode-codicon-stylesheet').count(), 1);
    // The violation listener works: an inline style attribute is reported...
    await p.page.evaluate(() => document.body.append(Object.assign(document.createElement('div'), { id: 'probe' })));
    await p.page.locator('#probe').evaluate((el) => el.setAttribute('style', 'color: red'));
    await p.page.waitForFunction(() => (window as unknown as { __csp: string[] }).__csp.length > 0);
    assert.match((await p.csp())[0], /^style-src-attr /, 'a style attribute is blocked and reported');
    await p.page.evaluate(() => ((window as unknown as { __csp: string[] }).__csp.length = 0));
    p.errors.length = 0;
    // ...and codicons load under font-src.
    assert.equal(await p.page.evaluate(() => document.fonts.check('16px codicon')), true);
  });

  it('shows the key metrics exactly as the database has them', async () => {
    const p = await open();
    assert.deepEqual(p.host.of('dashboard')[0].view, DEFAULT_VIEW, 'the default view is this workspace, last 30 days, by day');
    const d = expected();
    const t = d.totals;
    assert.ok(t.messages > 500 && t.unpricedMessages > 0, 'the fixture is realistic');
    assert.equal(await text(p, 'metric-cost'), formatUsd(t.cost));
    assert.equal(await text(p, 'metric-messages'), formatInt(t.messages));
    assert.equal(await text(p, 'metric-tokens'), formatInt(t.tokensSent + t.tokensReceived));
    assert.equal(await text(p, 'metric-cache'), formatPercent(t.cacheReadTokens / t.tokensSent));
    assert.equal(await text(p, 'metric-unpriced'), `+ ${formatInt(t.unpricedMessages)} unpriced requests`);
    assert.equal(await text(p, 'range-label'), d.rangeLabel);
    const prev = d.previousTotals!;
    const cards = await p.page.locator('.card').allInnerTexts();
    assert.match(cards[0], new RegExp(`${formatPercent(Math.abs(t.cost - prev.cost) / prev.cost).replace('.', '\\.')}\\s+vs previous period`));
    assert.match(cards[2], new RegExp(`${formatCompact(t.tokensSent)} sent · ${formatCompact(t.tokensReceived)} received`));
  });

  it('the unpriced mark narrows the view to the models without a price', async () => {
    const p = await open();
    const unpriced = expected().models.filter((m) => m.unpricedMessages > 0).map((m) => m.key);
    assert.ok(unpriced.length > 0, 'the fixture has unpriced usage');
    await p.page.getByTestId('metric-unpriced').click();
    await until(() => p.host.of('dashboard').some((r) => JSON.stringify((r.view as ViewQuery).models) === JSON.stringify(unpriced)), 'a dashboard request for the unpriced models');
    await p.page.getByTestId('metric-messages').filter({ hasText: formatInt(expected({ ...DEFAULT_VIEW, models: unpriced }).totals.messages) }).waitFor();
    assert.match(await p.page.getByRole('button', { name: /^Models:/ }).innerText(), new RegExp(unpriced[0].replace(/[.-]/g, '\\$&')));
  });

  it('draws the trend, cost and model charts from the queried data', async () => {
    const p = await open();
    const d = expected();
    assert.equal(await p.page.locator('.chart canvas').count(), 3);
    for (const c of await p.page.locator('.chart').all()) assert.ok((await c.getAttribute('aria-label'))!.length > 40, 'each chart describes itself');

    const trend = await chartOption(p.page, '.chart-panel:has(#trend-title) .chart');
    const series = trend.series as { data: number[] }[];
    assert.equal(series[0].data.reduce((a, b) => a + b, 0), d.totals.tokensSent);
    assert.equal(series[1].data.reduce((a, b) => a + b, 0), d.totals.tokensReceived);
    assert.equal(series[0].data.length, 30, 'every day of the range, empty days as zero');
    assert.equal((trend.tooltip as { className?: string }[])[0].className, 'chart-tooltip', 'HTML tooltips styled by class');

    const cost = await chartOption(p.page, '.chart-panel:has(#cost-title) .chart');
    const stacked = (cost.series as { name: string; data: number[] }[]).flatMap((s) => s.data).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(stacked - d.totals.cost) < 1e-9, 'the stacks add up to the total cost');
    assert.deepEqual(
      (cost.series as { name: string }[]).map((s) => s.name),
      [...d.models.slice(0, 6).map((m) => m.key), 'Other'],
      'top models by cost, then Other',
    );

    // One model, one colour: the bar, the pie slice and the table chip agree.
    const pie = await chartOption(p.page, '.pie-chart .chart');
    const pieColor = new Map((pie.series as { data: { name: string; itemStyle: { color: string } }[] }[])[0].data.map((x) => [x.name, x.itemStyle.color]));
    for (const s of cost.series as { name: string; color: string }[]) if (s.name !== 'Other') assert.equal(s.color, pieColor.get(s.name), s.name);
    const chip = await p.page.locator('#urow-0 .chip').evaluate((el) => getComputedStyle(el).backgroundColor);
    const model = (await cellTexts(p, 0))[2];
    assert.equal(chip, await p.page.evaluate((c) => Object.assign(document.createElement('div').style, { color: c }).color, pieColor.get(model)!), 'table chip colour');
    assert.equal(new Set(pieColor.values()).size, pieColor.size, 'no two models share a colour');

    // The numbers are also in text, for screen readers.
    const modelRows = await p.page.getByTestId('model-table').locator('tbody tr').allInnerTexts();
    assert.equal(modelRows.length, d.models.length);
    assert.match(modelRows[0], new RegExp(`${d.models[0].key}\\s+${formatInt(d.models[0].messages)}\\s+${formatInt(d.models[0].totalTokens)}\\s+\\${formatUsd(d.models[0].cost)}`));
    assert.equal(await p.page.getByTestId('trend-data').locator('tbody tr').count(), d.series.length);

    // Tooltips: HTML built from classes (no inline style strings), exact values.
    const box = (await p.page.locator('.chart-panel:has(#cost-title) .chart').boundingBox())!;
    await p.page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6);
    const tip = p.page.locator('.chart-tooltip .tt').first();
    await tip.waitFor();
    assert.match(await tip.innerText(), /Total\s+\$[\d,.]+/);
    await p.page.locator('.charts').screenshot({ path: path.join(shots, 'charts-tooltip-dark.png') });
  });

  it('lists the requests, a page at a time, in the user time zone', async () => {
    const p = await open();
    const first = await rowsOf(DEFAULT_VIEW, DEFAULT_SORT);
    const req = p.host.of('page')[0];
    assert.deepEqual([req.view, req.sort, req.offset, req.limit], [DEFAULT_VIEW, DEFAULT_SORT, 0, 200]);
    await p.page.locator('#urow-0').waitFor();
    for (const i of [0, 1, 5]) assert.deepEqual(await cellTexts(p, i), rowText(first.rows[i]));
    assert.equal(await p.page.locator('#urow-1 [role=gridcell]').nth(1).getAttribute('title'), first.rows[1].project, 'full path on hover');
    assert.equal(await text(p, 'row-count'), `${formatInt(first.total)} requests`);
    const foot = await text(p, 'table-totals');
    const t = expected().totals;
    assert.match(foot, new RegExp(`Total · ${formatInt(t.messages)} requests\\s+${formatInt(t.tokensSent)}\\s+${formatInt(t.tokensReceived)}\\s+\\${formatUsd(t.cost)}`));
    assert.ok((await p.page.locator('.grid-window [role=row]').count()) < 40, 'only the visible rows are in the DOM');

    // Scrolling to the end fetches the pages there (and not every page in between).
    await p.page.locator('.grid').evaluate((el) => (el.scrollTop = el.scrollHeight));
    const lastOffset = Math.floor((first.total - 1) / 200) * 200;
    await until(() => p.host.of('page').find((r) => r.offset === lastOffset), `page at ${lastOffset}`);
    const lastRow = (await rowsOf(DEFAULT_VIEW, DEFAULT_SORT, first.total - 1, 1)).rows[0];
    await p.page.locator(`#urow-${first.total - 1}`).waitFor();
    assert.deepEqual(await cellTexts(p, first.total - 1), rowText(lastRow));
    assert.ok(p.host.of('page').length <= 4, `${p.host.of('page').length} page requests`);
  });

  it('scrolls a million rows with a bounded DOM, fetching pages around the viewport', async () => {
    const TOTAL = 1_000_000;
    const row = (i: number): TableRow => ({
      id: String(i), ts: NOW - i * 60_000, project: `/home/dev/p${i % 7}`, model: 'claude-sonnet-4-5', modelRaw: 'claude-sonnet-4-5', source: 'claude-code', sessionId: `s${i}`,
      inputTokens: i, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, tokensSent: i, tokensReceived: 1, cost: 0.01, costSource: 'estimated', approximate: false, branch: '', requests: 1,
    });
    const p = await open({}, { answer: { page: (r) => ({ total: TOTAL, offset: r.offset, rows: Array.from({ length: Math.min(r.limit, TOTAL - r.offset) }, (_, k) => row(r.offset + k)) }) } });
    await p.page.locator('#urow-0').waitFor();
    const grid = p.page.locator('.grid');
    assert.equal(await grid.getAttribute('aria-rowcount'), String(TOTAL + 2));
    for (const fraction of [0.5, 1]) {
      await grid.evaluate((el, f) => (el.scrollTop = (el.scrollHeight - el.clientHeight) * f), fraction);
      const target = Math.min(TOTAL - 1, Math.floor(TOTAL * fraction));
      await until(() => p.host.of('page').find((r) => Math.abs(r.offset - target) <= 400), `a page near row ${target}`);
      const ids = await p.page.locator('.grid-window [role=row]').evaluateAll((rows) => rows.map((r) => Number(r.id.slice(5))));
      assert.ok(ids.length > 10 && ids.length < 40, `${ids.length} rows in the DOM`);
      assert.ok(Math.abs(ids[0] - target) < 40 || fraction === 1, `first rendered row ${ids[0]} near ${target}`);
      await p.page.locator(`#urow-${ids.at(-1)}.grid-row:not(.skeleton-row)`).waitFor();
      const cells = await cellTexts(p, ids.at(-1)!);
      assert.equal(cells[3], formatInt(ids.at(-1)!), 'the row shows its own data');
    }
    assert.equal(await p.page.locator(`#urow-${TOTAL - 1}`).count(), 1, 'the very last row is reachable');
    assert.ok(p.host.of('page').every((r) => r.limit <= 1000));
  });

  it('sorts by a header click (aria-sort, a page request with that sort)', async () => {
    const p = await open();
    await p.page.locator('#urow-0').waitFor();
    const cost = header(p, 'Cost');
    assert.equal(await header(p, 'Date').getAttribute('aria-sort'), 'descending');
    await cost.getByRole('button').click();
    const bySort = (s: TableSort) => until(() => p.host.of('page').find((r) => r.sort.column === s.column && r.sort.dir === s.dir), `sort ${s.column} ${s.dir}`);
    const desc = await bySort({ column: 'cost', dir: 'desc' });
    assert.deepEqual([desc.offset, desc.view], [0, DEFAULT_VIEW]);
    assert.equal(await cost.getAttribute('aria-sort'), 'descending');
    assert.equal(await header(p, 'Date').getAttribute('aria-sort'), 'none');
    await p.page.waitForFunction((want) => document.querySelector('#urow-0 [role=gridcell]:last-child')?.textContent?.trim() === want, formatUsd((await rowsOf(DEFAULT_VIEW, { column: 'cost', dir: 'desc' })).rows[0].cost));
    await cost.getByRole('button').click();
    await bySort({ column: 'cost', dir: 'asc' });
    assert.equal(await cost.getAttribute('aria-sort'), 'ascending');
    // Text columns start ascending.
    await header(p, 'Model').getByRole('button').click();
    await bySort({ column: 'model', dir: 'asc' });
    // Optional columns can be added and sorted too.
    await p.page.getByRole('checkbox', { name: 'Source' }).check();
    await header(p, 'Source').getByRole('button').click();
    await bySort({ column: 'source', dir: 'asc' });
    assert.deepEqual(((await p.savedState()) as { sort: TableSort }).sort, { column: 'source', dir: 'asc' }, 'kept in webview state');
  });

  it('moves between rows with the keyboard', async () => {
    const p = await open();
    const total = (await rowsOf(DEFAULT_VIEW, DEFAULT_SORT)).total;
    await p.page.locator('#urow-0').waitFor();
    const grid = p.page.getByRole('grid');
    await grid.focus();
    const active = () => grid.getAttribute('aria-activedescendant');
    await p.page.keyboard.press('ArrowDown');
    await p.page.keyboard.press('ArrowDown');
    await p.page.keyboard.press('ArrowDown');
    assert.equal(await active(), 'urow-3');
    await p.page.keyboard.press('ArrowUp');
    assert.equal(await active(), 'urow-2');
    assert.equal(await p.page.locator('#urow-2').getAttribute('aria-selected'), 'true');
    await p.page.keyboard.press('PageDown');
    const afterPage = Number((await active())!.slice(5));
    assert.ok(afterPage > 10, `PageDown moved to ${afterPage}`);
    await p.page.keyboard.press('End');
    assert.equal(await active(), `urow-${total - 1}`);
    await p.page.locator(`#urow-${total - 1}.active`).waitFor();
    assert.ok(await p.page.locator(`#urow-${total - 1}`).isVisible(), 'the active row is scrolled into view');
    await p.page.keyboard.press('Home');
    assert.equal(await active(), 'urow-0');
    assert.equal(await grid.evaluate((el) => el.scrollTop), 0);
    // A visible focus ring on the active row.
    const outline = await p.page.locator('#urow-0').evaluate((el) => getComputedStyle(el).outlineStyle);
    assert.equal(outline, 'solid');
  });

  it('filter changes send the right view and update the numbers', async () => {
    const p = await open();
    const lastView = () => p.host.last('dashboard')!.view;
    const waitView = (pred: (v: ViewQuery) => boolean, what: string) => until(() => p.host.of('dashboard').find((r) => pred(r.view)), what);

    // Date range (a vscode-single-select: its change event does not bubble).
    await p.page.locator('vscode-single-select').click();
    await p.page.getByRole('option', { name: 'Last 7 days' }).click();
    await waitView((v) => 'preset' in v.range && v.range.preset === '7d', '7d');
    assert.deepEqual(lastView(), { ...DEFAULT_VIEW, range: { preset: '7d' } });
    const v7 = lastView();
    await p.page.waitForFunction((want) => document.querySelector('[data-testid=metric-cost]')?.textContent === want, formatUsd(expected(v7).totals.cost));
    await until(() => p.host.of('page').find((r) => JSON.stringify(r.view) === JSON.stringify(v7)), 'table follows');

    // Models picker.
    await p.page.getByRole('button', { name: /^Models:/ }).click();
    await p.page.getByRole('dialog', { name: 'Models' }).getByRole('checkbox', { name: /gpt-5-codex/ }).check();
    await waitView((v) => v.models.length === 1, 'model');
    assert.deepEqual(lastView().models, ['gpt-5-codex']);
    await p.page.keyboard.press('Escape');
    assert.equal(await p.page.getByRole('dialog').count(), 0, 'Escape closes the picker');
    assert.match(await p.page.getByRole('button', { name: /^Models:/ }).innerText(), /gpt-5-codex/);

    // Sources picker.
    await p.page.getByRole('button', { name: /^Sources:/ }).click();
    await p.page.getByRole('dialog', { name: 'Sources' }).getByRole('checkbox', { name: /Codex/ }).check();
    await waitView((v) => v.sources.length === 1, 'source');
    assert.deepEqual(lastView().sources, ['codex']);
    await p.page.keyboard.press('Escape');

    // Granularity.
    await p.page.getByRole('group', { name: 'Chart granularity' }).getByRole('button', { name: 'Week' }).click();
    await waitView((v) => v.granularity === 'week', 'week');

    // Projects: all projects is one click away.
    await p.page.getByRole('button', { name: /^Projects:/ }).click();
    await p.page.getByRole('dialog', { name: 'Projects' }).getByRole('button', { name: 'All projects' }).click();
    await waitView((v) => v.projects.length === 0, 'all projects');
    assert.deepEqual(lastView(), { projects: [], range: { preset: '7d' }, models: ['gpt-5-codex'], sources: ['codex'], granularity: 'week' });
    await p.page.waitForFunction((want) => document.querySelector('[data-testid=metric-messages]')?.textContent === want, formatInt(expected(lastView()).totals.messages));

    // Custom range: the date inputs.
    await p.page.keyboard.press('Escape');
    await p.page.locator('vscode-single-select').click();
    await p.page.getByRole('option', { name: 'Custom range' }).click();
    await waitView((v) => 'from' in v.range, 'custom');
    await p.page.getByLabel('From day').fill('2026-11-02');
    await waitView((v) => 'from' in v.range && v.range.from === '2026-11-02', 'from day');
    await p.page.waitForFunction((want) => document.querySelector('[data-testid=range-label]')?.textContent === want, expected(lastView()).rangeLabel);
    assert.deepEqual(((await p.savedState()) as { view: ViewQuery }).view, lastView(), 'filters kept in webview state');
  });

  it('offers hours for ranges of up to 62 days: a longer range switches an hourly chart to days', async () => {
    const p = await open({ state: { view: { ...DEFAULT_VIEW, granularity: 'hour' } } });
    const hour = p.page.getByRole('group', { name: 'Chart granularity' }).getByRole('button', { name: 'Hour' });
    await until(() => p.host.last('dashboard')?.view.granularity === 'hour', '30 days by hour');
    assert.equal(await hour.isEnabled(), true);
    await p.page.locator('vscode-single-select').click();
    await p.page.getByRole('option', { name: 'Custom range' }).click();
    await p.page.getByLabel('From day').fill('2026-08-01');
    const long = await until(() => p.host.of('dashboard').find((r) => 'from' in r.view.range && r.view.range.from === '2026-08-01'), 'four months');
    assert.equal(long.view.granularity, 'day', 'asked for by day, never by hour');
    assert.ok(!p.host.of('dashboard').some((r) => 'from' in r.view.range && r.view.range.from === '2026-08-01' && r.view.granularity === 'hour'));
    assert.equal(await hour.isDisabled(), true);
    assert.equal(await hour.getAttribute('title'), 'Hours are shown for ranges of up to 62 days');
    await p.page.waitForFunction(() => document.querySelector('#cost-title')?.textContent === 'Daily Cost Breakdown');
  });

  it('chart interactions narrow the view: a bar to its day, the slider to a range, a model to itself', async () => {
    const p = await open();
    const d = expected();
    // Click the bar of the busiest day: the range becomes that day, the chart drills down to hours.
    const cost = p.page.locator('.chart-panel:has(#cost-title) .chart');
    const costOpt = await chartOption(p.page, '.chart-panel:has(#cost-title) .chart');
    const days = (costOpt.xAxis as { data: string[] }[])[0].data;
    const index = days.indexOf('Nov 20');
    const pt = await cost.evaluate((el, i) => (el as unknown as { echarts: { convertToPixel(f: object, v: number[]): number[] } }).echarts.convertToPixel({ seriesIndex: 0 }, [i, 0.05]), index);
    const box = (await cost.boundingBox())!;
    await p.page.mouse.click(box.x + pt[0], box.y + pt[1] - 2);
    const byBar = await until(() => p.host.of('dashboard').find((r) => 'from' in r.view.range), 'bar click');
    assert.deepEqual(byBar.view, { ...DEFAULT_VIEW, range: { from: '2026-11-20', to: '2026-11-20' }, granularity: 'hour' });
    await p.page.waitForFunction(() => document.querySelector('[data-testid=range-label]')?.textContent === 'Nov 20, 2026');

    // Back to 30 days; the trend slider selects Nov 10 – Nov 19.
    await p.page.locator('vscode-single-select').click();
    await p.page.getByRole('option', { name: 'Last 30 days' }).click();
    await until(() => p.host.last('dashboard')!.view.granularity === 'hour' && 'preset' in p.host.last('dashboard')!.view.range, '30d again');
    await p.page.getByRole('group', { name: 'Chart granularity' }).getByRole('button', { name: 'Day' }).click();
    await until(() => p.host.last('dashboard')!.view.granularity === 'day', 'day');
    await p.page.getByTestId('metric-cost').waitFor();
    await p.page.waitForFunction(() => (document.querySelector('.chart-panel:has(#trend-title) .chart') as unknown as { echarts?: unknown })?.echarts);
    await p.page.locator('.chart-panel:has(#trend-title) .chart').evaluate((el) => {
      const c = (el as unknown as { echarts: { getOption(): { xAxis: { data: string[] }[] }; dispatchAction(a: object): void } }).echarts;
      const data = c.getOption().xAxis[0].data;
      c.dispatchAction({ type: 'dataZoom', startValue: data.indexOf('Nov 10'), endValue: data.indexOf('Nov 19') });
    });
    const bySlider = await until(() => p.host.of('dashboard').find((r) => 'from' in r.view.range && r.view.range.from === '2026-11-10'), 'slider');
    assert.deepEqual(bySlider.view.range, { from: '2026-11-10', to: '2026-11-19' });

    // A model in the distribution table (the same action as a pie slice) filters to it; again clears it.
    const top = d.models[0].key;
    await p.page.getByTestId('model-table').getByRole('button', { name: top }).click();
    await until(() => p.host.last('dashboard')!.view.models[0] === top, 'model pick');
    await p.page.getByRole('button', { name: /^Models:/ }).filter({ hasText: top }).waitFor();
    await p.page.getByTestId('model-table').getByRole('button', { name: top }).click();
    await until(() => p.host.last('dashboard')!.view.models.length === 0, 'model cleared');
    // A pie slice click does the same.
    const pie = p.page.locator('.pie-chart .chart');
    const pbox = (await pie.boundingBox())!;
    await p.page.mouse.click(pbox.x + pbox.width / 2 + pbox.height * 0.33, pbox.y + pbox.height / 2 - 4);
    const sliced = await until(() => p.host.of('dashboard').slice(-1).find((r) => r.view.models.length === 1), 'slice click');
    assert.ok(d.models.some((m) => m.key === sliced.view.models[0]));
  });

  it('exports the current view and sort as CSV through the host', async () => {
    const p = await open();
    await header(p, 'Tokens Sent').getByRole('button').click();
    await until(() => p.host.of('page').find((r) => r.sort.column === 'sent'), 'sort');
    await p.page.getByRole('button', { name: 'Export CSV' }).click();
    const req = await until(() => p.host.last('exportCsv'), 'exportCsv');
    assert.deepEqual([req.view, req.sort], [DEFAULT_VIEW, { column: 'sent', dir: 'desc' }]);
    await p.page.getByRole('status').filter({ hasText: 'Exported' }).waitFor();
    assert.equal(await p.page.getByRole('status').filter({ hasText: 'Exported' }).innerText(), `Exported ${formatInt((await rowsOf(DEFAULT_VIEW, DEFAULT_SORT)).total)} rows to /home/dev/ai-usage.csv`);
  });

  it('Sources view: found or not, where it looked, counts, errors, Import now', async () => {
    const p = await open();
    await p.page.getByRole('tab', { name: /Sources/ }).click();
    const list = p.page.locator('#panel-sources');
    await list.locator('.source').first().waitFor();
    assert.equal(await list.locator('.source').count(), sources.length);
    const claude = list.locator('[data-source=claude-code]');
    const cc = sources.find((s) => s.source === 'claude-code')!;
    assert.match(await claude.innerText(), new RegExp(`Claude Code\\s+Found.*${formatInt(cc.rows)}\\s+rows.*214\\s+files`, 's'));
    assert.match(await claude.innerText(), /\/home\/dev\/\.config\/claude\/projects\s+not found/);
    assert.match(await claude.innerText(), /imported 4 minutes ago/);
    assert.match(await list.locator('[data-source=continue]').innerText(), /EACCES: permission denied/);
    const cline = list.locator('[data-source=cline]');
    assert.match(await cline.innerText(), /Not found/);
    assert.equal(await cline.locator('.root').count(), 3, 'a long list of places starts folded');
    await cline.getByRole('button', { name: /Show all \d+ places/ }).click();
    assert.ok((await cline.locator('.root').count()) > 10);
    await p.page.screenshot({ path: path.join(shots, 'sources-dark.png'), fullPage: true });
    await list.getByRole('button', { name: 'Import now' }).click();
    await until(() => p.host.last('importNow'), 'importNow');
    // Arrow keys move between the tabs.
    await p.page.getByRole('tab', { name: /Sources/ }).focus();
    await p.page.keyboard.press('ArrowLeft');
    assert.equal(await p.page.getByRole('tab', { name: 'Dashboard' }).getAttribute('aria-selected'), 'true');
  });

  it('first run: the empty state says what was looked for, where, and what was found', async () => {
    const empty = await usageStore([]);
    const p = await open({ waitForData: false }, { store: empty, sources: await sourceStatuses(empty), init: { workspaceHasUsage: false } });
    const state = p.page.getByTestId('empty-state');
    await state.locator('.empty-sources li').first().waitFor();
    const t = await state.innerText();
    assert.match(t, /No AI usage found yet/);
    // (The third place is where Connect Claude Code Limits saves the statusLine input.)
    assert.match(t, /Claude Code\s+\/home\/dev\/\.claude\/projects\s+\/home\/dev\/\.config\/claude\/projects\s+and 1 more places\s+not found/);
    assert.match(t, /Cline\s+\/home\/dev\/\.config\/Code\/User\/globalStorage\/saoudrizwan\.claude-dev\s+[^\n]+\s+and \d+ more places\s+not found/);
    assert.match(t, /Codex/);
    assert.equal(p.host.of('dashboard').length, 0, 'no pointless queries');
    await p.page.screenshot({ path: path.join(shots, 'empty-dark.png'), fullPage: true });
    await state.getByRole('button', { name: 'Settings' }).click();
    await until(() => p.host.last('openSettings'), 'openSettings');

    // The first import lands: the dashboard replaces the empty state without a reload.
    await empty.write({ rows: usageRecords(10, 20) });
    await p.host.notify({ type: 'dataChanged', lastImport: NOW, options: filterOptions(empty.catalog) });
    await p.page.getByTestId('metric-messages').waitFor();
    assert.equal(await text(p, 'metric-messages'), formatInt(expected(DEFAULT_VIEW, empty).totals.messages));
  });

  it('shows a skeleton while loading, and a plain error with Retry when a query fails', async () => {
    const host = new FakeHost({ store, sources });
    host.hold('dashboard');
    const p = await openPanel(browser, server, host, { waitForData: false });
    panels.push(p);
    await p.page.locator('.skeleton-page[aria-busy=true]').waitFor();
    host.failNext.set('dashboard', 'The usage database is locked by another VS Code window.');
    host.release('dashboard');
    const err = p.page.getByTestId('error-state');
    await err.waitFor();
    assert.match(await err.innerText(), /The usage could not be loaded\s+The usage database is locked by another VS Code window\./);
    await p.page.screenshot({ path: path.join(shots, 'error-dark.png') });
    await err.getByRole('button', { name: 'Retry' }).click();
    await p.page.getByTestId('metric-cost').waitFor();
    assert.equal(await p.page.getByTestId('error-state').count(), 0);

    // A failed start (no answer to `ready`) is explained too, and Retry starts again.
    const host2 = new FakeHost({ store, sources });
    host2.failNext.set('ready', 'The extension is still starting.');
    const q = await openPanel(browser, server, host2, { waitForData: false });
    panels.push(q);
    await q.page.getByText('The dashboard could not start').waitFor();
    await q.page.getByRole('button', { name: 'Retry' }).click();
    await q.page.getByTestId('metric-cost').waitFor();
  });

  it('dataChanged re-queries in place: filters, sort and scroll position stay', async () => {
    const own = await usageStore();
    const p = await open({}, { store: own, sources });
    const view: ViewQuery = { ...DEFAULT_VIEW, projects: [] };
    await p.page.getByRole('button', { name: /^Projects:/ }).click();
    await p.page.getByRole('dialog', { name: 'Projects' }).getByRole('button', { name: 'All projects' }).click();
    await p.page.keyboard.press('Escape');
    await header(p, 'Tokens Received').getByRole('button').click();
    const sort: TableSort = { column: 'received', dir: 'desc' };
    await until(() => p.host.of('page').find((r) => r.sort.column === 'received'), 'sort');
    const grid = p.page.locator('.grid');
    await grid.evaluate((el) => (el.scrollTop = 4000));
    await until(() => p.host.of('page').find((r) => r.offset === 200 && r.sort.column === 'received'), 'page 2');
    await p.page.locator('#urow-170:not(.skeleton-row)').waitFor();
    const before = { dash: p.host.of('dashboard').length, page: p.host.of('page').length, top: await grid.evaluate((el) => el.scrollTop) };

    // New usage arrives (the host imported it), then the notification.
    await own.write({ rows: usageRecords(2, 400, 99).map((r) => ({ ...r, ts: NOW - 3600_000 })) });
    await p.host.notify({ type: 'dataChanged', lastImport: NOW, options: filterOptions(own.catalog) });
    const again = await until(() => p.host.of('dashboard')[before.dash], 're-query');
    assert.deepEqual(again.view, view, 'filters kept');
    await until(() => p.host.of('page').slice(before.page).length >= 2, 'visible pages refetched');
    for (const r of p.host.of('page').slice(before.page)) {
      assert.deepEqual([r.view, r.sort], [view, sort], 'sort kept');
      assert.ok(r.offset >= 0 && r.offset <= 400, `only pages around the viewport (${r.offset})`);
    }
    const t = expected(view, own).totals;
    await p.page.waitForFunction((want) => document.querySelector('[data-testid=metric-messages]')?.textContent === want, formatInt(t.messages));
    assert.equal(await grid.evaluate((el) => el.scrollTop), before.top, 'scroll position kept');
    assert.equal(await header(p, 'Tokens Received').getAttribute('aria-sort'), 'descending');
    const first = (await rowsOf(view, sort, 170, 1, own)).rows[0];
    await p.page.waitForFunction(
      ([i, want]) => document.querySelector(`#urow-${i} [role=gridcell]:nth-child(5)`)?.textContent?.trim() === want,
      [170, formatInt(first.tokensReceived)] as const,
    );
  });

  it('restores filters, sort and columns from the saved webview state', async () => {
    const saved = {
      view: { projects: [], range: { preset: 'thisMonth' }, models: ['claude-sonnet-4-5'], sources: [], granularity: 'week' },
      sort: { column: 'cost', dir: 'asc' },
      columns: { source: true, session: false },
      tab: 'dashboard',
      pieBy: 'tokens',
      scrollTop: 480,
    };
    const p = await open({ state: saved });
    assert.deepEqual(p.host.of('dashboard')[0].view, saved.view);
    assert.deepEqual(p.host.of('page')[0].sort, saved.sort);
    assert.equal(await header(p, 'Source').count(), 1);
    assert.equal(await p.page.getByRole('button', { name: 'Tokens', pressed: true }).count(), 1);
    assert.match(await p.page.getByRole('button', { name: /^Models:/ }).innerText(), /claude-sonnet-4-5/);
    await p.page.waitForFunction(() => document.querySelector('.grid')?.scrollTop === 480);
    await p.page.locator('#urow-20').waitFor();
    // Garbage in the saved state falls back to the defaults instead of breaking the panel.
    const q = await open({ state: { view: { projects: 'nope' }, sort: { column: 'drop table', dir: 'up' } } });
    assert.deepEqual([q.host.of('dashboard')[0].view, q.host.of('page')[0].sort], [DEFAULT_VIEW, DEFAULT_SORT]);
  });

  it('a workspace without usage says so and offers all projects', async () => {
    const p = await open({}, { init: { workspaceFolders: ['/home/dev/empty-project'], workspaceHasUsage: false } });
    const banner = p.page.getByTestId('no-workspace-usage');
    await banner.waitFor();
    assert.match(await banner.innerText(), /No AI usage was recorded in this workspace's folder \(empty-project\)/);
    await p.page.getByTestId('no-match').waitFor();
    await banner.getByRole('button', { name: 'Show all projects' }).click();
    await until(() => p.host.last('dashboard')!.view.projects.length === 0, 'all projects');
    await p.page.waitForFunction((want) => document.querySelector('[data-testid=metric-messages]')?.textContent === want, formatInt(expected({ ...DEFAULT_VIEW, projects: [] }).totals.messages));
    assert.equal(await p.page.getByTestId('no-workspace-usage').count(), 0);
  });

  describe('layout and themes', () => {
    const noOverflow = (p: Panel) => p.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

    it('stacks to one column at 400 px without horizontal overflow', async () => {
      const p = await open({ width: 400, height: 900 });
      await p.page.locator('#urow-0').waitFor();
      assert.equal(await noOverflow(p), true, 'no page-level horizontal scrollbar');
      const cards = await p.page.locator('.card').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [Math.round(r.x), Math.round(r.width)]));
      assert.ok(cards.every(([x]) => x === cards[0][0]), 'cards stack');
      const charts = await p.page.locator('.chart-panel').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().x)));
      assert.ok(charts.every((x) => x === charts[0]), 'charts stack');
      for (const c of await p.page.locator('.chart canvas').all()) assert.ok((await c.boundingBox())!.width <= 400);
      // The request table fits too: date (with the model's colour chip) and numbers, whole.
      const grid = p.page.getByRole('grid', { name: /Requests/ });
      const widths = await grid.evaluate((el) => [el.scrollWidth, el.clientWidth]);
      assert.ok(widths[0] <= widths[1] + 1, `the table needs no sideways scroll (${widths})`);
      assert.deepEqual(await grid.getByRole('columnheader').allInnerTexts(), ['Date', 'Sent', 'Recv.', 'Cost']);
      const first = p.page.locator('#urow-0 [role=gridcell]');
      assert.match(await first.first().innerText(), /^\d{2}-\d{2} \d{2}:\d{2}$/);
      const cells = await first.evaluateAll((els) => els.map((e) => e.scrollWidth <= e.clientWidth));
      assert.deepEqual(cells, [true, true, true, true], 'date and numbers are not cut off');
      assert.match((await p.page.locator('#urow-0').getAttribute('title'))!, /^[\w.-]+\n/, 'the row names its model');
      const foot = await p.page.getByTestId('table-totals').locator('[role=gridcell]').evaluateAll((els) => els.map((e) => e.scrollWidth <= e.clientWidth));
      assert.ok(foot.every(Boolean), 'totals are not cut off');
      // A picker opened near the right edge stays inside the panel.
      await p.page.getByRole('button', { name: /^Sources:/ }).click();
      const dialog = (await p.page.getByRole('dialog', { name: 'Sources' }).boundingBox())!;
      assert.ok(dialog.x >= 0 && dialog.x + dialog.width <= 400, `picker at ${dialog.x}..${dialog.x + dialog.width}`);
      assert.equal(await noOverflow(p), true);
      await p.page.keyboard.press('Escape');
      await p.page.screenshot({ path: path.join(shots, 'dashboard-dark-400.png'), fullPage: true });
      await p.page.locator('.table-panel').screenshot({ path: path.join(shots, 'table-dark-400.png') });
    });

    it('uses the width at 1400 px: four cards in a row, two charts side by side', async () => {
      const p = await open({ width: 1400, height: 1000 });
      assert.equal(await noOverflow(p), true);
      const cardsY = await p.page.locator('.card').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().y)));
      assert.equal(new Set(cardsY).size, 1);
      const [trend, cost] = await p.page.locator('.chart-panel').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [Math.round(r.x), Math.round(r.y)]));
      assert.equal(trend[1], cost[1]);
      assert.ok(cost[0] > trend[0] + 400);
    });

    for (const theme of ['dark', 'light', 'hc-dark', 'hc-light'] as ThemeName[]) {
      it(`screenshot: ${theme}`, async () => {
        const p = await open({ theme, width: 1400, height: 1000 });
        await p.page.locator('#urow-0').waitFor();
        await p.page.waitForFunction((k) => document.querySelector('.chart')?.getAttribute('data-theme') === k, theme);
        await p.page.screenshot({ path: path.join(shots, `dashboard-${theme}.png`), fullPage: true });
        // UPDATE_DOCS_SCREENSHOTS=1 refreshes the README's copies.
        if (process.env.UPDATE_DOCS_SCREENSHOTS && (theme === 'dark' || theme === 'light')) {
          await fs.copyFile(path.join(shots, `dashboard-${theme}.png`), path.resolve(__dirname, '..', '..', 'docs', 'screenshots', `dashboard-${theme}.png`));
        }
      });
    }

    it('re-themes the charts live when VS Code switches theme', async () => {
      const p = await open({ theme: 'dark' });
      const trendAxisColor = () =>
        p.page.locator('.chart-panel:has(#cost-title) .chart').evaluate((el) => {
          const c = (el as unknown as { echarts: { getModel(): { getComponent(t: string): { get(p: string[]): string } } } }).echarts;
          return c.getModel().getComponent('xAxis').get(['axisLabel', 'color']);
        });
      const darkColor = await trendAxisColor();
      const darkSlice = ((await chartOption(p.page, '.pie-chart .chart')).series as { data: { itemStyle: { color: string } }[] }[])[0].data[0].itemStyle.color;
      await p.page.evaluate((cls) => (document.body.className = cls), BODY_CLASS.light);
      await p.page.waitForFunction(() => document.querySelector('.chart')?.getAttribute('data-theme') === 'light');
      assert.notEqual(await trendAxisColor(), darkColor, 'axis labels follow the theme');
      const lightSlice = ((await chartOption(p.page, '.pie-chart .chart')).series as { data: { itemStyle: { color: string } }[] }[])[0].data[0].itemStyle.color;
      assert.notEqual(lightSlice, darkSlice, 'model colours come from the new theme');
      assert.equal(await p.page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(255, 255, 255)');
    });
  });
});
