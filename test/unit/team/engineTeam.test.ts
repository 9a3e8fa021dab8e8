// Team sync and team answers through the engine worker's service, as the extension drives it:
// real logs imported into a real store, synced after the import by the worker itself, and the
// team scopes answered from a real PostgreSQL exactly as the local dashboard answers.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { pricerFor } from '../../../src/core/pricing';
import type { DashboardData, ViewQuery } from '../../../src/core/queries/types';
import { StoreChangeFeed } from '../../../src/core/store/changeFeed';
import { UsageStore } from '../../../src/core/store/usageStore';
import { TeamSyncRunner } from '../../../src/core/team/syncRunner';
import type { TeamStatus } from '../../../src/core/team/teamTypes';
import { syncToTeam } from '../../../src/core/team/sync';
import { EngineService } from '../../../src/core/worker/engineService';
import type { EngineEvent } from '../../../src/core/worker/workerProtocol';
import { FIXTURE_REQUESTS, writeFixtures } from '../../e2e/fixtures/logs';
import { InMemoryChangeLog } from '../../support/changeLog';
import { freshDatabase, query } from '../../support/teamDb';
import { tempDir } from '../../support/tempDir';

const ALL: ViewQuery = { projects: [], range: { preset: 'all' }, models: [], sources: [], granularity: 'day' };
const FAST = { startDelayMs: 3_600_000, debounceMs: 20, safetyNetMs: 3_600_000, retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 } };

/** Floats summed in another order differ in the last bits; `lastTs` of a model is per slot in team scopes. */
function comparable(d: DashboardData) {
  return JSON.parse(
    JSON.stringify({ ...d, models: d.models.map(({ lastTs: _t, ...m }) => m).sort((a, b) => a.key.localeCompare(b.key)), costByModel: [...d.costByModel].sort((a, b) => a.model.localeCompare(b.model)) }, (_k, v) =>
      typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e9) / 1e9 : v,
    ),
  );
}

describe('team sync through the engine worker’s service (real logs, real PostgreSQL)', function () {
  this.timeout(60_000);

  it('syncs after its own import, unasked, and answers All my machines and Team exactly as the local dashboard', async () => {
    const url = await freshDatabase();
    await syncToTeam(new InMemoryChangeLog(), { url, identity: { user: 'owner', machine: 'server', projects: 'path' } });
    const dir = await tempDir();
    const fx = writeFixtures(dir);
    const events: EngineEvent[] = [];
    const s = await EngineService.open({
      dbFile: path.join(dir, 'storage', 'usage.db'),
      config: { ctx: { home: fx.home, env: { CLAUDE_CONFIG_DIR: fx.claudeConfigDir, CODEX_HOME: fx.codexHome }, platform: 'linux', extraPaths: {}, workspaceFolders: [fx.workspace], workspaceTrusted: true }, disabledSources: [], priceOverrides: {} },
      emit: (e) => events.push(e),
      makePricer: (o, f) => pricerFor(o, f).pricer,
      teamTiming: FAST,
    });
    try {
      const configured = await s.handle('teamConfigure', { url, user: 'me@example.com', machine: 'laptop', projects: 'path' });
      assert.deepEqual([configured.connected, configured.user, configured.machine, configured.lastSync], [true, 'me@example.com', 'laptop', null]);
      await s.handle('importNow', { reason: 'test' });
      const rows = FIXTURE_REQUESTS.workspace + FIXTURE_REQUESTS.other;
      let synced: TeamStatus | undefined;
      for (let i = 0; i < 400 && !synced; i++) {
        synced = events.flatMap((e) => (e.type === 'teamStatus' && e.status.sync.lastSync !== null ? [e.status] : []))[0];
        if (!synced) await new Promise((r) => setTimeout(r, 25));
      }
      assert.ok(synced, 'the worker synced after the import by itself');
      assert.deepEqual([synced.sync.lastRows, synced.sync.pending, synced.sync.lastError], [rows, 0, null]);
      const [{ n }] = await query<{ n: string }>(url, `SELECT count(*) AS n FROM ai_usage.requests WHERE user_name = 'me@example.com' AND machine = 'laptop'`);
      assert.equal(Number(n), rows);
      const now = Date.now();
      const local = await s.handle('dashboard', { view: ALL, timeZone: 'UTC', now });
      for (const scope of ['mine', 'team'] as const) {
        const team = await s.handle('teamDashboard', { scope, view: ALL, timeZone: 'UTC', now });
        assert.deepEqual(comparable(team), comparable(local), `${scope}: the team database answers as the local store`);
      }
      const page = await s.handle('teamPage', { scope: 'mine', view: ALL, timeZone: 'UTC', now, offset: 0, limit: 1000, dir: 'desc' });
      assert.equal(page.total, rows);
      assert.ok(page.rows.every((r) => r.user === 'me@example.com' && r.machine === 'laptop'));
      const exported = await s.handle('teamExport', { scope: 'team', view: ALL, timeZone: 'UTC', now, dir: 'desc' });
      assert.equal(exported.rows, rows);
      assert.equal(exported.text!.split('\r\n').filter((l) => l.startsWith('me@example.com,laptop,')).length, rows, 'Export CSV: every row, with who and where');
      const options = await s.handle('teamOptions', { scope: 'team', workspaceFolders: [fx.workspace] });
      assert.deepEqual([options.user, options.workspace], ['me@example.com', [fx.workspace]], 'path mode: the workspace folder is its own key');
      assert.deepEqual(options.machines.map((m) => m.machine), ['laptop']);
      const byMachine = await s.handle('teamBreakdown', { scope: 'team', view: ALL, by: 'machine', timeZone: 'UTC', now });
      assert.deepEqual(byMachine.map((m) => [m.key, m.messages]), [['laptop', rows]]);
      // Disconnected: team answers say so plainly.
      await s.handle('teamConfigure', { url: '', user: 'me@example.com', machine: 'laptop', projects: 'path' });
      await assert.rejects(s.handle('teamDashboard', { scope: 'team', view: ALL, timeZone: 'UTC', now }), /No team database is connected: run AI Usage: Connect Team Database first/);
      await assert.rejects(s.handle('teamExport', { scope: 'team', view: ALL, timeZone: 'UTC', now, dir: 'desc' }), /No team database is connected/);
    } finally {
      await s.dispose();
    }
  });

  it('without a team database the PostgreSQL side is never loaded; connected, it is loaded once', async () => {
    let loads = 0;
    const r = new TeamSyncRunner({
      source: new StoreChangeFeed(await UsageStore.inMemory()),
      timing: FAST,
      onState: () => undefined,
      loadBackend: () => {
        loads++;
        return require('../../../src/core/team/backend');
      },
    });
    try {
      await r.configure({ url: '', user: 'me@example.com', projects: 'repository' });
      r.dataChanged(true);
      await new Promise((res) => setTimeout(res, 100));
      await assert.rejects(r.syncNow(), /No team database is connected/);
      assert.throws(() => r.backend(), /No team database is connected/);
      assert.equal(loads, 0);
      const url = await freshDatabase();
      await syncToTeam(new InMemoryChangeLog(), { url, identity: { user: 'owner', machine: 'server', projects: 'path' } });
      await r.configure({ url, user: 'me@example.com', machine: 'm', projects: 'repository' });
      await r.syncNow();
      await r.syncNow();
      r.backend();
      assert.equal(loads, 1);
    } finally {
      await r.dispose();
    }
  });
});
