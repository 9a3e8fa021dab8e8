// The team view in real Chromium: the Scope switch, All my machines and Team answered by the
// engine worker's own TeamBackend from a real PostgreSQL (four machines of three users synced by
// the real sync), the User and Machine breakdowns, the team table, the unreachable, slow and
// empty states, and the Sources view's sync state. Screenshots in the four themes and at 400 px.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { formatInt, formatUsd } from '../../src/core/format';
import type { SourceStatus, ViewQuery } from '../../src/core/queries/types';
import type { UsageStore } from '../../src/core/store/usageStore';
import { TeamBackend } from '../../src/core/team/backend';
import { databaseLabel } from '../../src/core/team/connectionText';
import { migrateTeamSchema } from '../../src/core/team/schema';
import { connectTeamDatabase } from '../../src/core/team/connection';
import type { DashboardView } from '../../src/shared/protocol';
import { PgCluster } from '../support/pgCluster';
import { freshDatabase } from '../support/teamDb';
import { FakeHost, type FakeHostOptions } from './support/fakeHost';
import { buildBundle, closePanels, launchBrowser, openPanel, screenshotDir, startServer, until, type OpenOptions, type Panel, type Server, type ThemeName } from './support/harness';
import { connectedStatus, ME, syncTeam, type TeamFixture } from './support/teamFixture';
import { NOW, TZ, WORKSPACE, sourceStatuses, usageStore } from './support/usageFixture';

const VIEW: ViewQuery = { projects: [WORKSPACE], range: { preset: '30d' }, models: [], sources: [], granularity: 'day' };
const TEAM: DashboardView = { ...VIEW, projects: [], scope: 'team' };

describe('the team view in Chromium (real PostgreSQL)', function () {
  this.timeout(60_000);
  let server: Server;
  let browser: Browser;
  let store: UsageStore;
  let sources: SourceStatus[];
  let shots: string;
  let url: string;
  let fx: TeamFixture;
  let backend: TeamBackend;
  let panels: Panel[] = [];

  before(async function () {
    this.timeout(180_000);
    buildBundle();
    [server, browser, store, url] = await Promise.all([startServer(), launchBrowser(), usageStore(), freshDatabase()]);
    sources = await sourceStatuses(store);
    fx = await syncTeam(url);
    backend = new TeamBackend(url, undefined);
    shots = await screenshotDir();
  });

  after(async () => {
    await backend?.close();
    await browser?.close();
    await server?.close();
  });

  afterEach(async function () {
    const open = panels;
    panels = [];
    await closePanels(open, this.currentTest?.state === 'passed');
  });

  const teamOf = (b: TeamBackend, database = databaseLabel(url)): FakeHostOptions['team'] => ({ backend: b, identity: ME, status: connectedStatus(database), workspaceFolders: [fx.workspace] });

  async function open(o: OpenOptions = {}, h: Partial<FakeHostOptions> = {}) {
    const host = new FakeHost({ store, sources, team: teamOf(backend), ...h });
    const panel = await openPanel(browser, server, host, o);
    panels.push(panel);
    return { host, ...panel };
  }

  /** The dashboard's answer as the team database gives it, for the view the page last asked. */
  const teamAnswer = (v: DashboardView) => backend.dashboard(v.scope === 'team' ? { kind: 'team' } : { kind: 'mine', user: ME.user }, v, TZ, NOW);

  it('the Scope switch shows only once a team database is connected', async () => {
    const off = await open({}, { team: undefined });
    assert.equal(await off.page.getByTestId('scope-switch').count(), 0);
    const on = await open();
    const scope = on.page.getByRole('group', { name: 'Scope' });
    assert.deepEqual(await scope.getByRole('button').allInnerTexts(), ['This machine', 'All my machines', 'Team']);
    assert.equal(await scope.getByRole('button', { name: 'This machine' }).getAttribute('aria-pressed'), 'true');
  });

  it('Team: totals, the User and Machine breakdowns and the table come from the team database; the workspace becomes its repository', async () => {
    const p = await open();
    await p.page.getByRole('group', { name: 'Scope' }).getByRole('button', { name: 'Team' }).click();
    const req = await until(() => p.host.of('dashboard').find((r) => r.view.scope === 'team'), 'a team dashboard request');
    assert.deepEqual(req.view.projects, ['github.com/acme/webapp'], '"This workspace" carried over as its repository');
    const want = await teamAnswer(req.view);
    await p.page.getByTestId('metric-messages').filter({ hasText: formatInt(want.totals.messages) }).waitFor();
    assert.equal((await p.page.getByTestId('metric-cost').innerText()).includes(formatUsd(want.totals.cost)), true);
    // Cost by user and by machine, as the team database sums them.
    const byUser = await backend.breakdown({ kind: 'team' }, req.view, 'user', TZ, NOW);
    const users = p.page.getByTestId('user-breakdown');
    await users.locator('.breakdown-item').first().waitFor();
    assert.deepEqual(await users.locator('.breakdown-name').allInnerTexts(), byUser.map((u) => u.key));
    assert.deepEqual(await users.locator('.breakdown-value').allInnerTexts(), byUser.map((u) => formatUsd(u.cost)));
    assert.deepEqual((await users.locator('.breakdown-name').allInnerTexts()).sort(), ['bob@example.com', 'carol@example.com', 'dev@example.com']);
    const byMachine = await backend.breakdown({ kind: 'team' }, req.view, 'machine', TZ, NOW);
    assert.deepEqual(await p.page.getByTestId('machine-breakdown').locator('.breakdown-name').allInnerTexts(), byMachine.map((m) => m.key));
    // The table: the team database's rows, newest first, with who and where.
    const grid = p.page.getByRole('grid');
    assert.deepEqual(
      (await grid.getByRole('columnheader').allInnerTexts()).map((t) => t.trim()),
      ['Date', 'User', 'Machine', 'Repository', 'Model', 'Tokens Sent', 'Tokens Received', 'Cost'],
    );
    await p.page.locator('#urow-0:not(.skeleton-row)').waitFor();
    const first = await backend.page({ scope: { kind: 'team' }, view: req.view, tz: TZ, now: NOW, offset: 0, limit: 3, dir: 'desc' });
    const cells = (await p.page.locator('#urow-0 [role=gridcell]').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(cells.slice(1, 4), [first.rows[0].user, first.rows[0].machine, 'acme/webapp']);
    assert.equal(await p.page.getByTestId('row-count').innerText(), `${formatInt(first.total)} requests`);
    assert.equal(first.total, want.totals.messages);
    // Only time order in team scopes.
    assert.equal(await grid.getByRole('columnheader', { name: 'Model' }).getByRole('button').count(), 0);
    // Export CSV writes the team's rows of this view, with who and where, newest first.
    await p.page.locator('vscode-button', { hasText: 'Export CSV' }).click();
    await p.page.getByRole('status').filter({ hasText: `Exported ${formatInt(first.total)} rows` }).waitFor();
    const exportReq = p.host.of('exportCsv').at(-1)!;
    assert.equal(exportReq.view.scope, 'team');
    const lines = p.host.exported.trimEnd().split('\r\n');
    assert.equal(lines.length, first.total + 1, 'a header and every row');
    assert.match(lines[0], /^user,machine,timestamp_utc,local_time,project,/);
    assert.ok(lines[1].startsWith(`${first.rows[0].user},${first.rows[0].machine},${new Date(first.rows[0].ts).toISOString()},`), lines[1]);
    // Pickers: repositories, users and machines.
    assert.match(await p.page.getByRole('button', { name: /^Repositories:/ }).innerText(), /This workspace/);
    await p.page.getByRole('button', { name: /^Repositories:/ }).click();
    const repos = await p.page.getByRole('dialog', { name: 'Repositories' }).locator('.picker-option-label').allInnerTexts();
    assert.ok(repos.includes('acme/api-server') && repos.includes('tools/cli-tool') && repos.some((r) => r.startsWith('h:')), repos.join(', '));
    await p.page.keyboard.press('Escape');
    // Picking a user in the breakdown narrows the whole view to them.
    await users.getByRole('button', { name: /^bob@example\.com/ }).click();
    const bob = await until(() => p.host.of('dashboard').find((r) => r.view.users?.[0] === 'bob@example.com'), 'a request for bob');
    await p.page.getByTestId('metric-messages').filter({ hasText: formatInt((await teamAnswer(bob.view)).totals.messages) }).waitFor();
    assert.match(await p.page.getByRole('button', { name: /^Users:/ }).innerText(), /bob@example\.com/);
    const saved = (await p.savedState()) as { view: DashboardView };
    assert.equal(saved.view.scope, 'team', 'the scope persists with the other filters');
  });

  it('All my machines: my machines only, by machine; back to This machine restores the workspace folders', async () => {
    const p = await open({ state: { view: { ...VIEW, projects: [] } } });
    await p.page.getByRole('group', { name: 'Scope' }).getByRole('button', { name: 'All my machines' }).click();
    const req = await until(() => p.host.of('dashboard').find((r) => r.view.scope === 'mine'), 'a request for my machines');
    const want = await teamAnswer(req.view);
    await p.page.getByTestId('metric-messages').filter({ hasText: formatInt(want.totals.messages) }).waitFor();
    assert.equal(await p.page.getByTestId('user-breakdown').count(), 0, 'one user: no user breakdown');
    const machines = p.page.getByTestId('machine-breakdown');
    await machines.locator('.breakdown-item').first().waitFor();
    assert.deepEqual((await machines.locator('.breakdown-name').allInnerTexts()).sort(), ['dev-desktop', 'dev-laptop']);
    assert.deepEqual(
      (await p.page.getByRole('grid').getByRole('columnheader').allInnerTexts()).map((t) => t.trim()).slice(0, 3),
      ['Date', 'Machine', 'Repository'],
    );
    await machines.getByRole('button', { name: /^dev-desktop/ }).click();
    const desk = await until(() => p.host.of('dashboard').find((r) => r.view.machines?.[0] === 'dev-desktop'), 'a request for the desktop');
    await p.page.getByTestId('metric-messages').filter({ hasText: formatInt((await teamAnswer(desk.view)).totals.messages) }).waitFor();
    await p.page.getByRole('group', { name: 'Scope' }).getByRole('button', { name: 'This machine' }).click();
    const local = await until(() => p.host.of('dashboard').slice(p.host.of('dashboard').indexOf(desk)).find((r) => (r.view.scope ?? 'local') === 'local'), 'a local request');
    assert.deepEqual([local.view.users, local.view.machines, local.view.projects], [[], [], []]);
  });

  it('the team database unreachable: the last answer stays with the error; Retry and Back to This machine', async () => {
    const cluster = await PgCluster.start();
    const own = new TeamBackend(cluster.url(), undefined);
    try {
      const admin = await connectTeamDatabase(cluster.url());
      await migrateTeamSchema(admin);
      await admin.end();
      await syncTeam(cluster.url());
      const p = await open({ state: { view: TEAM } }, { team: teamOf(own, databaseLabel(cluster.url())) });
      const before = await p.page.getByTestId('metric-messages').innerText();
      await p.page.locator('#urow-0:not(.skeleton-row)').waitFor();
      await cluster.stopServer();
      await p.host.notify({ type: 'dataChanged', lastImport: NOW, options: p.host.initData().options });
      const banner = p.page.getByTestId('team-unreachable');
      await banner.waitFor();
      assert.match(await banner.innerText(), /^The team database did not answer: cannot connect to 127\.0\.0\.1:\d+: connection refused \(is PostgreSQL running and listening there\?\) Below is its last answer\./);
      assert.equal(await p.page.getByTestId('metric-messages').innerText(), before, 'the last answer stays on screen');
      await p.page.mouse.move(1, 1);
      await p.page.screenshot({ path: path.join(shots, 'team-unreachable-dark.png') });
      // Opened while the database is down: the error, with the way back.
      const q = await open({ state: { view: TEAM } , waitForData: false }, { team: teamOf(own, databaseLabel(cluster.url())) });
      const state = q.page.getByTestId('error-state');
      await state.waitFor();
      assert.match(await state.innerText(), /The team database could not be reached[\s\S]*connection refused/);
      await state.getByRole('button', { name: 'Back to This machine' }).click();
      await q.page.getByTestId('metric-messages').waitFor();
      assert.equal((q.host.last('dashboard')!.view as DashboardView).scope, 'local');
      // The server is back: Retry brings the team's answer.
      await cluster.startServer();
      await banner.getByRole('button', { name: 'Retry' }).click();
      await banner.waitFor({ state: 'detached' });
    } finally {
      await own.close();
      await cluster.destroy();
    }
  });

  it('a slow answer shows progress and says what it waits for', async () => {
    const p = await open({ state: { view: TEAM }, waitForData: false });
    p.host.hold('dashboard');
    const waiting = p.page.getByTestId('team-waiting');
    await waiting.waitFor({ timeout: 5000 });
    assert.match(await waiting.innerText(), /Waiting for the team database \(127\.0\.0\.1:\d+\/t_\w+\)/);
    assert.equal(await p.page.locator('vscode-progress-bar').count(), 1);
    p.host.release('dashboard');
    await p.page.getByTestId('metric-messages').waitFor();
    assert.equal(await waiting.count(), 0);
  });

  it('nothing synced yet: says so, with Sync Now and the way back', async () => {
    const empty = await freshDatabase();
    const admin = await connectTeamDatabase(empty);
    await migrateTeamSchema(admin);
    await admin.end();
    const b = new TeamBackend(empty, undefined);
    try {
      const p = await open({ state: { view: TEAM }, waitForData: false }, { team: { ...teamOf(b, databaseLabel(empty))!, status: connectedStatus(databaseLabel(empty), { lastSync: null, lastRows: null, pending: null }) } });
      const state = p.page.getByTestId('nothing-synced');
      await state.waitFor();
      assert.match(await state.innerText(), /No one has synced usage to 127\.0\.0\.1:\d+\/t_\w+ yet/);
      await state.getByRole('button', { name: 'Sync Now' }).click();
      await until(() => p.host.last('teamSyncNow'), 'the Sync Now request');
      await p.page.mouse.move(1, 1);
      await p.page.screenshot({ path: path.join(shots, 'team-nothing-synced-dark.png') });
    } finally {
      await b.close();
    }
  });

  it('the Sources view: where usage syncs, as whom, when, what is pending, and the last error in plain words', async () => {
    const status = connectedStatus(databaseLabel(url), { lastError: 'password authentication failed for user "dev"', errorAt: NOW - 60_000, nextAttempt: null, pending: 37 });
    const p = await open({ waitForData: false, state: { view: VIEW, tab: 'sources' } }, { team: { ...teamOf(backend)!, status } });
    const panel = p.page.getByTestId('team-sync');
    await panel.waitFor();
    assert.equal(await panel.getByTestId('team-database').innerText(), databaseLabel(url));
    assert.equal(await panel.getByTestId('team-user').innerText(), 'dev@example.com');
    assert.equal(await panel.getByTestId('team-machine').innerText(), 'dev-laptop');
    assert.equal(await panel.getByTestId('team-pending').innerText(), '37 rows');
    assert.match(await panel.getByTestId('team-last-sync').innerText(), /3 minutes ago: 412 rows/);
    assert.match(await panel.getByTestId('team-error').innerText(), /The last sync failed \(1 minute ago\): password authentication failed for user "dev"\. Fix it, then Sync Now\./);
    assert.equal(await p.page.locator('#tab-sources .tab-badge').count(), 1, 'the tab marks the error');
    await panel.getByRole('button', { name: 'Sync Now' }).click();
    await until(() => p.host.last('teamSyncNow'), 'Sync Now');
    // A new state arrives as a notification.
    p.host.opts.team!.status = connectedStatus(databaseLabel(url), { syncing: true });
    await p.host.notify({ type: 'teamStatus', status: p.host.opts.team!.status });
    await panel.getByTestId('team-state').filter({ hasText: 'Syncing…' }).waitFor();
    // Not connected: the offer to connect.
    const q = await open({ waitForData: false, state: { view: VIEW, tab: 'sources' } }, { team: undefined });
    await q.page.getByTestId('team-sync').getByRole('button', { name: /Connect Team Database/ }).click();
    await until(() => q.host.last('connectTeam'), 'the connect request');
  });

  describe('screenshots', () => {
    for (const theme of ['dark', 'light', 'hc-dark', 'hc-light'] as ThemeName[]) {
      it(`the team view and the sync state: ${theme}`, async () => {
        const p = await open({ theme, height: 1500, state: { view: TEAM } });
        await p.page.getByTestId('user-breakdown').locator('.breakdown-item').first().waitFor();
        await p.page.locator('#urow-0:not(.skeleton-row)').waitFor();
        await p.page.mouse.move(1, 1);
        await p.page.waitForTimeout(300);
        await p.page.screenshot({ path: path.join(shots, `team-${theme}.png`) });
        if (process.env.UPDATE_DOCS_SCREENSHOTS && theme === 'dark') await fs.copyFile(path.join(shots, 'team-dark.png'), path.resolve(__dirname, '..', '..', 'docs', 'screenshots', 'team-dark.png'));
        const q = await open({ theme, waitForData: false, state: { view: VIEW, tab: 'sources' } }, { team: { ...teamOf(backend)!, status: { ...connectedStatus(databaseLabel(url), { pending: 12 }), otlp: { ...connectedStatus('').otlp, enabled: true, endpoint: 'http://localhost:4318/v1/metrics', lastExport: NOW - 60_000, lastRows: 12 } } } });
        await q.page.getByTestId('team-sync').waitFor();
        await q.page.getByTestId('team-sync').screenshot({ path: path.join(shots, `team-sources-${theme}.png`) });
      });
    }

    it('at 400 px: the switch, pickers and breakdowns wrap, nothing overflows', async () => {
      const p = await open({ width: 400, height: 1600, state: { view: { ...TEAM, scope: 'mine' } } });
      await p.page.getByTestId('machine-breakdown').locator('.breakdown-item').first().waitFor();
      const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
      assert.equal(overflow, false, 'no page-level horizontal scrollbar');
      assert.ok((await p.page.getByTestId('scope-switch').boundingBox())!.width <= 400);
      await p.page.locator('#urow-0:not(.skeleton-row)').waitFor();
      const grid = p.page.getByRole('grid', { name: /Requests/ });
      const widths = await grid.evaluate((el) => [el.scrollWidth, el.clientWidth]);
      assert.ok(widths[0] <= widths[1] + 1, `the table needs no sideways scroll (${widths})`);
      assert.match((await p.page.locator('#urow-0').getAttribute('title'))!, /\ndev@example\.com on dev-(laptop|desktop)$/, 'the row says who and where');
      const foot = await p.page.getByTestId('table-totals').locator('[role=gridcell]').evaluateAll((els) => els.map((e) => e.scrollWidth <= e.clientWidth));
      assert.ok(foot.every(Boolean), `a team's totals are not cut off (${foot})`);
      await p.page.mouse.move(1, 1);
      await p.page.screenshot({ path: path.join(shots, 'team-dark-400.png'), fullPage: true });
      const q = await open({ width: 400, height: 900, waitForData: false, state: { view: VIEW, tab: 'sources' } }, { team: { ...teamOf(backend)!, status: connectedStatus(databaseLabel(url), { lastError: 'cannot connect to db.example.com:5432: connection refused (is PostgreSQL running and listening there?)', errorAt: NOW - 30_000, nextAttempt: NOW + 90_000 }) } });
      await q.page.getByTestId('team-sync').waitFor();
      await q.page.screenshot({ path: path.join(shots, 'team-sources-dark-400.png') });
    });
  });
});
