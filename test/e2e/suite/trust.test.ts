// Workspace trust, in a workbench of its own with trust on: a cloned repository holding an Aider
// chat history and an .aider.conf.yml whose analytics-log names a file outside it opens in
// Restricted Mode. Nothing of it is read (database rows and files, Sources view, badge), while
// the usage under the home folder is. Trusted through the Workspace Trust editor, both are read.
// The stored rows are read from the files on disk by a store of the test's own.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatInt, formatUsd } from '../../../src/core/format';
import { FIXTURE_REQUESTS, TRUST_FIXTURE, type TrustFixturePaths } from '../fixtures/logs';
import { activateExtension, bridge, dbSource, dbSums, fixtures, hasBridge, hostState, until, utcDay } from './helpers';

interface ShownSource {
  state: string;
  rows: string;
  roots: { path: string; found: boolean }[];
}

describe('AI Usage Dashboard in an untrusted workspace', function () {
  const fx = fixtures<TrustFixturePaths>();
  const history = path.join(fx.clonedRepo, '.aider.chat.history.md');
  const homeRows = FIXTURE_REQUESTS.workspace + FIXTURE_REQUESTS.other;
  const badgeFor = (cost: number) => `${formatUsd(cost)} today`;

  before(async () => {
    await activateExtension();
  });

  it('runs in Restricted Mode and imports the usage logged under the home folder', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the cloned folder opened untrusted');
    assert.deepEqual(vscode.workspace.workspaceFolders?.map((f) => f.uri.fsPath), [fx.clonedRepo]);
    const s = await until('the home logs', async () => {
      const st = await hostState({ flush: true });
      return st.info.rows >= homeRows && !st.importing && st;
    });
    assert.equal(s.info.rows, homeRows);
    if (hasBridge()) {
      const r = await bridge<{ banner: string | null }>('restrictedMode');
      assert.match(r.banner ?? '', /Restricted Mode/);
    }
  });

  it("reads neither the folder's chat history nor the log its .aider.conf.yml names", async () => {
    const h = await hostState({ flush: true });
    assert.deepEqual(await dbSource(h.dbFile, 'aider'), { requests: 0, files: [] }, 'no Aider rows, no Aider file read');
    assert.equal((await dbSums(h.dbFile, null, null, null)).messages, homeRows);
    assert.ok(!h.watchedRoots.some((r) => r.startsWith(fx.clonedRepo) || r === fx.plantedLog), `neither is watched: ${h.watchedRoots.join(', ')}`);
    // The badge counts this workspace: nothing.
    await until('the badge', async () => (await hostState()).badge.text === `$(graph) ${badgeFor(0)}`);
    await vscode.commands.executeCommand('aiUsage.showDashboard');
    await until('the dashboard', async () => (await hostState()).panel?.ready);
    if (hasBridge()) {
      assert.equal((await bridge<{ badge: string | null }>('statusbar')).badge, badgeFor(0));
      const aider = await bridge<ShownSource>('sourceStatus', { source: 'aider' });
      assert.equal(aider.rows, '0');
      assert.equal(aider.state, 'Not found');
      assert.deepEqual(aider.roots.filter((r) => r.path.startsWith(fx.clonedRepo) || r.path === fx.plantedLog), [], 'the Sources view lists no place in the workspace');
      await bridge('screenshot', { name: 'workbench-restricted.png' });
    }
  });

  it('once the folder is trusted in the Workspace Trust editor, both files are read', async function () {
    if (!hasBridge()) this.skip(); // trust is granted by a click in the page (code-server runner only)
    await vscode.commands.executeCommand('workbench.trust.manage');
    await bridge('trustInEditor');
    await until('workspace trust', async () => vscode.workspace.isTrusted);
    const expected = TRUST_FIXTURE.historyRequests + TRUST_FIXTURE.plantedRequests;
    const h = await until('the Aider rows', async () => {
      const st = await hostState({ flush: true });
      return (await dbSource(st.dbFile, 'aider')).requests === expected && st;
    });
    assert.deepEqual((await dbSource(h.dbFile, 'aider')).files, [history, fx.plantedLog].sort(), 'the history and the log its config names');
    const day = utcDay();
    const repo = await dbSums(h.dbFile, fx.clonedRepo, day.from, day.to);
    assert.equal(repo.messages, TRUST_FIXTURE.historyRequests, "the history's requests are the workspace's");
    assert.ok(Math.abs(repo.cost - TRUST_FIXTURE.historyCost) < 1e-9, `Aider's reported cost: ${repo.cost}`);
    // The history is watched from now on, and the badge counts it.
    await until('the history watched', async () => (await hostState()).watchedRoots.includes(history));
    await until('the badge', async () => (await hostState()).badge.text === `$(graph) ${badgeFor(repo.cost)}`);
    await until('the badge on screen', async () => (await bridge<{ badge: string | null }>('statusbar')).badge === badgeFor(repo.cost));
    const aider = await until('the Sources view', async () => {
      const s = await bridge<ShownSource>('sourceStatus', { source: 'aider' });
      return s.rows === formatInt(expected) && s;
    });
    assert.equal(aider.state, 'Found');
    assert.deepEqual(aider.roots.find((r) => r.path === history), { path: history, found: true });
    await bridge('screenshot', { name: 'workbench-trusted.png' });
  });
});
