// The team database in the real workbench: Connect Team Database through its password box, this
// window's usage synced by the engine worker, the Team and All my machines scopes showing the rows
// and exact totals two other machines synced before (checked against PostgreSQL itself), a sync
// failure in the Sources view, the connection string in no log, setting or webview, and Disconnect.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import * as vscode from 'vscode';
import { formatInt, formatUsd } from '../../../src/core/format';
import { REPOSITORY, type TeamFixturePaths } from '../fixtures/team';
import { FIXTURE_REQUESTS } from '../fixtures/logs';
import { activateExtension, bridge, fixtures, hasBridge, hostState, report, until } from './helpers';

interface TeamView {
  messages: string | null;
  cost: string | null;
  rowCount: string | null;
  headers: string[];
  user: { names: string[]; values: string[] };
  machine: { names: string[]; values: string[] };
  rows: string[][];
}

async function ask<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** What PostgreSQL itself holds for the repository, per user and machine (requests, USD). */
async function serverSums(url: string, user?: string) {
  const rows = await ask<{ user_name: string; machine: string; n: string; cost: number }>(
    url,
    `SELECT user_name, machine, sum(requests) AS n, sum(cost)::float8 AS cost FROM ai_usage.requests
     WHERE repository = $1 AND ($2::text IS NULL OR user_name = $2) GROUP BY 1, 2 ORDER BY 1, 2`,
    [REPOSITORY, user ?? null],
  );
  const machines = rows.map((r) => ({ user: r.user_name, machine: r.machine, requests: Number(r.n), cost: r.cost }));
  return { machines, requests: machines.reduce((a, m) => a + m.requests, 0), cost: machines.reduce((a, m) => a + m.cost, 0) };
}

/** Every file under `dir` whose bytes hold `secret`. */
function filesHolding(dir: string, secret: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.statSync(p).size < 64 * 1024 * 1024 && fs.readFileSync(p).includes(secret)) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

describe('the team database in VS Code', function () {
  const fx = fixtures<TeamFixturePaths>();
  const t = fx.team;
  const local = FIXTURE_REQUESTS.workspace + FIXTURE_REQUESTS.other;

  before(async function () {
    if (!hasBridge()) this.skip(); // the password box is typed into in the page
    await activateExtension();
    await until('the fixture rows', async () => {
      const st = await hostState();
      return st.info.rows >= local && !st.importing && st;
    });
  });

  it('Connect Team Database: the connection string typed into its password box is checked, kept, and this window syncs', async () => {
    const before = await hostState();
    assert.equal(before.team.sync.connected, false);
    const connecting = Promise.resolve(vscode.commands.executeCommand('aiUsage.connectTeamDatabase'));
    await bridge('typeQuickInput', { title: 'Connect Team Database', text: t.memberUrl });
    await connecting;
    const st = await until(
      'the first sync of this window',
      async () => {
        const h = await hostState();
        return h.team.sync.lastSync !== null && h.team.sync.lastRows === local && h;
      },
      30_000,
    );
    assert.deepEqual([st.team.sync.user, st.team.sync.machine, st.team.sync.pending, st.team.sync.lastError], [t.user, t.machine, 0, null]);
    assert.equal(st.team.sync.database, `${new URL(t.memberUrl).host}${new URL(t.memberUrl).pathname}`);
    const [{ n }] = await ask<{ n: string }>(t.adminUrl, 'SELECT count(*) AS n FROM ai_usage.requests WHERE user_name = $1 AND machine = $2', [t.user, t.machine]);
    assert.equal(Number(n), local, 'every request of this window is in the team database');
    await until('the sync in the badge tooltip', async () => /Team database: synced at .* to 127\.0\.0\.1:\d+\/e2e\\?_team/.test((await hostState()).badge.tooltip));
  });

  it('Team: the rows and totals of every machine, exactly as PostgreSQL holds them', async () => {
    await vscode.commands.executeCommand('aiUsage.showDashboard');
    await until('the dashboard', async () => (await hostState()).panel?.lastDashboard && true);
    await bridge('clickScope', { label: 'Team' });
    const want = await serverSums(t.adminUrl);
    assert.deepEqual(
      want.machines.map((m) => `${m.user}/${m.machine}:${m.requests}`),
      [`e2e@example.com/e2e-desktop:4`, `e2e@example.com/e2e-workbench:${FIXTURE_REQUESTS.workspace}`, 'teammate@example.com/teammate-pc:6'],
    );
    const host = await until('the team answer in the host', async () => {
      const d = (await hostState()).panel?.lastDashboard;
      return d?.view?.scope === 'team' && d.totals.messages === want.requests && d;
    });
    assert.deepEqual(host.view.projects, [REPOSITORY], 'this workspace, as its repository');
    assert.ok(Math.abs(host.totals.cost - want.cost) < 1e-9, `cost ${host.totals.cost} = ${want.cost}`);
    const shown = await until('the team view on screen', async () => {
      const v = await bridge<TeamView>('teamView');
      return v.messages === formatInt(want.requests) && v.machine.names.length === 3 && v.rows.length >= want.requests && v;
    });
    assert.equal(shown.cost, formatUsd(want.cost));
    assert.equal(shown.rowCount, `${formatInt(want.requests)} requests`);
    assert.deepEqual(shown.headers.slice(0, 4), ['Date', 'User', 'Machine', 'Repository']);
    // Every machine's rows are in the table, with its user, and its cost in the Machine breakdown.
    for (const m of want.machines) {
      assert.equal(shown.rows.filter((r) => r[1] === m.user && r[2] === m.machine).length, m.requests, `${m.machine}'s rows in the table`);
      const i = shown.machine.names.indexOf(m.machine);
      assert.equal(shown.machine.values[i], formatUsd(m.cost), `${m.machine}'s cost`);
    }
    assert.deepEqual(shown.user.names.sort(), ['e2e@example.com', 'teammate@example.com']);
    assert.ok(shown.rows.every((r) => r[3] === 'acme/demo-app'), 'one repository, though each machine has its own folder');
    await bridge('screenshot', { name: 'workbench-team.png' });
    report(`      team: ${shown.messages} requests, ${shown.cost}, machines ${shown.machine.names.join(', ')}`);
  });

  it('All my machines: this one and my desktop, not the teammate', async () => {
    await bridge('clickScope', { label: 'All my machines' });
    const want = await serverSums(t.adminUrl, t.user);
    await until('my machines in the host', async () => {
      const d = (await hostState()).panel?.lastDashboard;
      return d?.view?.scope === 'mine' && d.totals.messages === want.requests && d;
    });
    const shown = await until('my machines on screen', async () => {
      const v = await bridge<TeamView>('teamView');
      return v.messages === formatInt(want.requests) && v.machine.names.length === 2 && v;
    });
    assert.deepEqual(shown.machine.names.sort(), ['e2e-desktop', 'e2e-workbench']);
    assert.equal(shown.cost, formatUsd(want.cost));
    assert.equal(shown.user.names.length, 0, 'no user breakdown for one user');
  });

  it('a sync failure shows in the Sources view in plain words; fixed, Sync Now clears it', async () => {
    await ask(t.adminUrl, `ALTER ROLE ${t.memberRole} PASSWORD 'changed-by-the-dba'`);
    try {
      await vscode.commands.executeCommand('aiUsage.syncTeamDatabase');
      const failed = await until('the failure in the host', async () => {
        const h = await hostState();
        return h.team.sync.lastError ? h : undefined;
      });
      assert.equal(failed.team.sync.lastError, `password authentication failed for user "${t.memberRole}"`);
      assert.equal(failed.team.sync.nextAttempt, null, 'a wrong password is not retried by itself');
      const sources = await bridge<{ text: string; error: string | null }>('teamSources');
      assert.match(sources.error ?? '', new RegExp(`The last sync failed \\(.*\\): password authentication failed for user "${t.memberRole}"\\. Fix it, then Sync Now\\.`));
      assert.match(sources.text, new RegExp(`User ${t.user} Machine ${t.machine}`));
      await until('the failure in the badge tooltip', async () => /Team database: sync failed: password authentication failed/.test((await hostState()).badge.tooltip));
    } finally {
      await ask(t.adminUrl, `ALTER ROLE ${t.memberRole} PASSWORD '${t.memberPassword}'`);
      await vscode.commands.executeCommand('notifications.clearAll');
    }
    await vscode.commands.executeCommand('aiUsage.syncTeamDatabase');
    const fixed = await hostState();
    assert.equal(fixed.team.sync.lastError, null);
    assert.equal((await bridge<{ error: string | null }>('teamSources')).error, null);
  });

  it('the connection string is in no setting, no log, no file of ours and not in the webview', async () => {
    await hostState({ flush: true });
    const secret = t.memberPassword;
    const settings = fs.readFileSync(path.join(fx.userDataDir, 'User', 'settings.json'), 'utf8');
    assert.ok(!settings.includes(secret) && !settings.includes('postgres://'), 'not in settings.json');
    const logs = filesHolding(path.join(fx.userDataDir, 'logs'), secret);
    assert.deepEqual(logs, [], 'in no log file (the Output channel included)');
    const ours = filesHolding(path.join(fx.userDataDir, 'User', 'globalStorage', 'ai-usage-dashboard.ai-usage-dashboard'), secret);
    assert.deepEqual(ours, [], 'in no file of the extension’s storage');
    const { html, state } = await bridge<{ html: string; state: string }>('webviewDump');
    assert.ok(html.length > 1000 && !html.includes(secret), 'not in the webview');
    assert.ok(!state.includes(secret), 'not in the state the workbench keeps');
    // Where it is: VS Code's secret storage, and nowhere else under the user data folder.
    const anywhere = filesHolding(fx.userDataDir, secret);
    report(`      the password is in: ${anywhere.length ? anywhere.map((f) => path.relative(fx.userDataDir, f)).join(', ') : 'no file under the user data folder'}`);
    assert.ok(anywhere.every((f) => !/\.(log|json)$/.test(f)), `not in a log or JSON file: ${anywhere.join(', ')}`);
  });

  it('Disconnect Team Database forgets the connection string; the Scope switch goes', async () => {
    const disconnecting = Promise.resolve(vscode.commands.executeCommand('aiUsage.disconnectTeamDatabase'));
    await bridge('pickQuickInput', { title: 'Disconnect Team Database?', label: 'Disconnect' });
    await disconnecting;
    const st = await until('disconnected', async () => {
      const h = await hostState();
      return !h.team.sync.connected && h;
    });
    assert.equal(st.team.sync.database, null);
    await until('the dashboard back on this machine', async () => {
      const d = (await hostState()).panel?.lastDashboard;
      return (d?.view?.scope ?? 'local') === 'local' && d?.totals.messages === FIXTURE_REQUESTS.workspace && d;
    });
    const { html } = await bridge<{ html: string }>('webviewDump');
    assert.ok(!html.includes('data-testid="scope-switch"'), 'no Scope switch without a team database');
  });
});
