// The extension over a million stored requests (the store is copied into globalStorage before the
// window opens; see test/support/millionStore.ts), in the real workbench: the dashboard opens
// quickly, answers filter changes and scrolls within the time a user notices, and a new line in
// a log still reaches the badge within 2 s.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { appendWorkspaceRequest, FIXTURE_REQUESTS } from '../fixtures/logs';
import { activateExtension, bridge, fixtures, hasBridge, hostState, report, until, type HostState } from './helpers';

const MILLION = 1_000_000;
/** What a user waits for after a filter change or a scroll, at most. */
const REPAINT_MS = 300;

describe('AI Usage Dashboard with a million stored requests', function () {
  this.timeout(180_000);
  const fx = fixtures();

  before(async () => {
    await activateExtension();
    await until('the fixture logs imported into the big store', async () => {
      const st = await hostState();
      return st.info.rows >= MILLION + FIXTURE_REQUESTS.workspace + FIXTURE_REQUESTS.other && !st.importing && st;
    }, 60_000);
  });

  it('opens the dashboard and paints it within 1.5 s of the webview starting', async function () {
    if (!hasBridge()) this.skip();
    const started = Date.now();
    await vscode.commands.executeCommand('aiUsage.showDashboard');
    await until('the metric cards', async () => (await bridge('metrics')).rendered, 20_000, 25);
    const painted = Date.now();
    // Creating a webview is the workbench's work and costs the same at any store size (code-server in
    // headless Chromium on a shared 2-core machine: 1 to 5 s); from its document's start on, the
    // time is ours: loading the bundle, the first requests over a million rows, the first render.
    const { at, marks } = await bridge<{ at: number; marks: Record<string, number> }>('webviewStart');
    const ours = marks['ai-usage:first-paint'];
    report(
      `      first paint ${painted - started} ms after the command: the workbench created the webview in ${Math.round(at - started)} ms; ` +
        `then init ${marks['ai-usage:init']} ms, first data ${marks['ai-usage:first-data']} ms, painted ${ours} ms`,
    );
    assert.ok(ours !== undefined && ours < 1500, `painted ${ours} ms after the webview started`);
  });

  it(`repaints within ${REPAINT_MS} ms of a filter change over the whole history`, async function () {
    if (!hasBridge()) this.skip();
    // Rounds, each change judged by its median: one slow frame while another process starts is not the dashboard.
    const times = new Map<string, number[]>();
    const step = async (name: string) => times.set(name, [...(times.get(name) ?? []), (await bridge<{ ms: number }>('timedFilter', { step: name })).ms]);
    await step('allProjects');
    for (let round = 0; round < 3; round++) {
      if (round) await step('last30Days');
      for (const name of ['allTime', 'oneSource', 'allSources']) await step(name);
    }
    const medians = [...times].map(([name, ms]) => ({ name, ms: [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)], all: ms.map(Math.round) }));
    report(`      repaint medians: ${medians.map((m) => `${m.name} ${Math.round(m.ms)} ms (${m.all.join(', ')})`).join('; ')}`);
    for (const m of medians) assert.ok(m.ms <= REPAINT_MS, `${m.name}: median ${Math.round(m.ms)} ms of ${m.all.join(', ')}`);
    const m = await bridge('metrics');
    assert.match(m.messages, /^1,0\d\d,\d{3}$/, `every request in view (${m.messages})`);
  });

  it(`shows rows within ${REPAINT_MS} ms of a scroll to the middle of the table`, async function () {
    if (!hasBridge()) this.skip();
    const r = await bridge<{ ms: number; row: number; total: number }>('timedScrollMiddle');
    report(`      rows at ${r.row.toLocaleString('en-US')} of ${r.total.toLocaleString('en-US')} after ${Math.round(r.ms)} ms`);
    assert.ok(r.total > MILLION, `${r.total} rows in the table`);
    assert.ok(r.ms <= REPAINT_MS, `${Math.round(r.ms)} ms`);
  });

  it('a new line in a log reaches the badge within 2 s', async () => {
    const before = await hostState();
    const started = Date.now();
    appendWorkspaceRequest(fx, 5);
    const after = await until<HostState>('the badge with the new request', async () => {
      const h = await hostState();
      return h.badge.text !== before.badge.text && h;
    }, 10_000, 25);
    const ms = Date.now() - started;
    report(`      badge updated ${ms} ms after the append`);
    assert.equal(after.badge.summary.current.messages, before.badge.summary.current.messages + 1);
    assert.ok(ms < 2000, `${ms} ms`);
  });
});
