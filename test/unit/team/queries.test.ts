import { strict as assert } from 'node:assert';
import { Client } from 'pg';
import type { PricedRecord } from '../../../src/core/model';
import { dashboardData } from '../../../src/core/queries/dashboard';
import type { DashboardData, Granularity, RangeSpec } from '../../../src/core/queries/types';
import { UsageStore } from '../../../src/core/store/usageStore';
import type { SyncRow } from '../../../src/core/team/changeSource';
import { teamBreakdown, teamDashboard, teamFilterOptions, teamPage, teamPageAt, teamSlotCounts, type TeamPageKey, type TeamView } from '../../../src/core/team/queries';
import { syncToTeam } from '../../../src/core/team/sync';
import { TeamBackend } from '../../../src/core/team/backend';
import { TEAM_CSV_HEADER } from '../../../src/core/team/teamCsv';
import { writeExport } from '../../../src/core/queries/exportSink';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../support/tempDir';
import { generateRows, InMemoryChangeLog } from '../../support/changeLog';
import { freshDatabase } from '../../support/teamDb';

function priced(r: SyncRow): PricedRecord {
  return { ...r, dedupeKey: r.id, reportedCost: undefined, cost: r.cost, costSource: r.costSource };
}

/** Floats summed in another order differ in the last bits: compare cents to 1e-9. */
function rounded<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e9) / 1e9 : v)));
}

/** Ties in cost sort by float noise: order both sides by key alone; `lastTs` of a model is per slot in team scopes. */
function comparable(d: DashboardData) {
  return {
    ...d,
    costByModel: [...d.costByModel].sort((a, b) => a.model.localeCompare(b.model)),
    models: d.models.map(({ lastTs: _ignored, ...m }) => m).sort((a, b) => a.key.localeCompare(b.key)),
  };
}

const view = (over: Partial<TeamView> = {}): TeamView => ({ projects: [], range: { preset: 'all' }, models: [], sources: [], granularity: 'day', ...over });

describe('team queries (real PostgreSQL)', function () {
  this.timeout(120_000);
  let url: string;
  let db: Client;
  let alice: SyncRow[];
  let aliceDesk: SyncRow[];
  let bob: SyncRow[];
  let local: UsageStore; // everything, in the local store, as the oracle

  before(async () => {
    url = await freshDatabase();
    // 15 minutes ± 2 s steps cross slot, hour, day and month edges at odd minutes.
    alice = generateRows(1500, { prefix: 'alice', start: Date.UTC(2026, 9, 28, 21, 44, 59), stepMs: 13 * 60_000 + 7_000, projects: ['/home/alice/app', '/home/alice/api'] });
    aliceDesk = generateRows(700, { prefix: 'desk', start: Date.UTC(2026, 10, 2, 5, 30), stepMs: 21 * 60_000, projects: ['/home/alice/app'] });
    bob = generateRows(900, { prefix: 'bob', start: Date.UTC(2026, 9, 30, 11, 15), stepMs: 17 * 60_000, projects: ['/home/bob/web'] });
    const sync = async (rows: SyncRow[], user: string, machine: string) => {
      const log = new InMemoryChangeLog(machine);
      log.upsert(rows);
      await syncToTeam(log, { url, identity: { user, machine, projects: 'path' }, batchRows: 400 });
    };
    await sync(alice, 'alice@example.com', 'laptop');
    await sync(aliceDesk, 'alice@example.com', 'desktop');
    await sync(bob, 'bob@example.com', 'bob-pc');
    db = new Client({ connectionString: url });
    await db.connect();
    local = await UsageStore.inMemory();
    await local.write({ rows: [...alice, ...aliceDesk, ...bob].map(priced) });
  });
  after(async () => db?.end());

  const now = Date.UTC(2026, 10, 20, 12);
  const cases: { tz: string; range: RangeSpec; granularity: Granularity }[] = [
    { tz: 'UTC', range: { preset: 'all' }, granularity: 'day' },
    { tz: 'Asia/Kathmandu', range: { from: '2026-10-29', to: '2026-11-03' }, granularity: 'hour' }, // +05:45
    { tz: 'America/St_Johns', range: { from: '2026-10-30', to: '2026-11-05' }, granularity: 'day' }, // -02:30 → -03:30 on Nov 1
    { tz: 'Europe/Paris', range: { preset: 'lastMonth' }, granularity: 'week' },
    { tz: 'America/New_York', range: { from: '2026-10-31', to: '2026-11-02' }, granularity: 'hour' }, // 01:00–02:00 twice on Nov 1
    { tz: 'Australia/Eucla', range: { preset: '30d' }, granularity: 'month' }, // +08:45
  ];
  for (const c of cases) {
    it(`team scope gives exactly the local dashboard’s answer: ${c.tz}, ${JSON.stringify(c.range)}, by ${c.granularity}`, async () => {
      const v = view({ range: c.range, granularity: c.granularity });
      const team = await teamDashboard(db, { kind: 'team' }, v, c.tz, now);
      const mine = dashboardData(local.catalog, v, c.tz, now);
      assert.ok(team.totals.messages > 0, 'the range holds usage');
      assert.deepEqual(rounded(comparable(team)), rounded(comparable(mine)));
    });
  }

  it('filters by project (team scope: the synced project key), model and source as the local dashboard does', async () => {
    const v = view({ projects: ['/home/alice/app'], models: ['gpt-5', 'claude-sonnet-4-5'], sources: ['claude-code', 'gemini-cli', 'codex'], range: { from: '2026-10-29', to: '2026-11-10' } });
    const team = await teamDashboard(db, { kind: 'team' }, v, 'Europe/Paris', now);
    const mine = dashboardData(local.catalog, v, 'Europe/Paris', now);
    assert.ok(team.totals.messages > 0);
    assert.deepEqual(rounded(comparable(team)), rounded(comparable(mine)));
  });

  it('"all my machines" is one user’s machines; the User and Machine breakdowns add up', async () => {
    const mineScope = await teamDashboard(db, { kind: 'mine', user: 'alice@example.com' }, view(), 'UTC', now);
    assert.equal(mineScope.totals.messages, alice.length + aliceDesk.length);
    const byUser = await teamBreakdown(db, { kind: 'team' }, view(), 'user', 'UTC', now);
    assert.deepEqual(
      byUser.map((u) => [u.key, u.messages]).sort(),
      [
        ['alice@example.com', 2200],
        ['bob@example.com', 900],
      ],
    );
    const byMachine = await teamBreakdown(db, { kind: 'mine', user: 'alice@example.com' }, view(), 'machine', 'UTC', now);
    assert.deepEqual(byMachine.map((m) => [m.key, m.messages]).sort(), [
      ['desktop', 700],
      ['laptop', 1500],
    ]);
    const onlyDesk = await teamDashboard(db, { kind: 'team' }, view({ machines: ['desktop'] }), 'UTC', now);
    assert.equal(onlyDesk.totals.messages, 700);
    const onlyBob = await teamBreakdown(db, { kind: 'team' }, view({ users: ['bob@example.com'] }), 'project', 'UTC', now);
    assert.deepEqual(onlyBob.map((p) => [p.key, p.messages]), [['/home/bob/web', 900]]);
    const opts = await teamFilterOptions(db, { kind: 'team' });
    assert.deepEqual(opts.users.map((u) => u.user).sort(), ['alice@example.com', 'bob@example.com']);
    assert.deepEqual(opts.machines.map((m) => `${m.user}/${m.machine}`).sort(), ['alice@example.com/desktop', 'alice@example.com/laptop', 'bob@example.com/bob-pc']);
    assert.deepEqual(opts.projects.map((p) => p.path), ['/home/alice/api', '/home/alice/app', '/home/bob/web']);
    assert.equal(opts.models.reduce((a, m) => a + m.messages, 0), 3100);
  });

  it('table pages: keyset paging visits every row once, newest first, with the filter’s total', async () => {
    const v = view({ range: { from: '2026-10-30', to: '2026-11-06' }, sources: ['codex', 'cline'] });
    const all = [...alice, ...aliceDesk, ...bob].filter((r) => ['codex', 'cline'].includes(r.source));
    const seen: string[] = [];
    let after: TeamPageKey | null = null;
    let total = -1;
    let lastTs = Infinity;
    for (let i = 0; i < 100; i++) {
      const page = await teamPage(db, { scope: { kind: 'team' }, view: v, tz: 'UTC', now, limit: 97, after });
      total = page.total;
      for (const r of page.rows) {
        assert.ok(r.ts <= lastTs, 'newest first');
        lastTs = r.ts;
        seen.push(`${r.user}/${r.id}`);
      }
      after = page.next;
      if (!after) break;
    }
    const from = Date.UTC(2026, 9, 30);
    const to = Date.UTC(2026, 10, 7);
    const users = new Map<SyncRow[], string>([
      [alice, 'alice@example.com'],
      [aliceDesk, 'alice@example.com'],
      [bob, 'bob@example.com'],
    ]);
    const want = [...users.entries()].flatMap(([rows, u]) => rows.filter((r) => all.includes(r) && r.ts >= from && r.ts < to).map((r) => `${u}/${r.id}`));
    assert.equal(total, want.length);
    assert.equal(seen.length, want.length);
    assert.deepEqual([...seen].sort(), [...want].sort());
    const first = await teamPage(db, { scope: { kind: 'mine', user: 'bob@example.com' }, view: view(), tz: 'UTC', now, limit: 3, dir: 'asc' });
    assert.deepEqual(first.rows.map((r) => r.ts), bob.slice(0, 3).map((r) => r.ts));
    assert.equal(first.rows[0].machine, 'bob-pc');
    assert.equal(first.total, 900);
  });

  it('table pages by row number, at any depth, hold exactly the rows the keyset walk gives there, in both orders', async () => {
    const v = view({ range: { from: '2026-10-29', to: '2026-11-12' }, users: ['alice@example.com'], sources: ['codex', 'claude-code', 'cline'] });
    for (const dir of ['desc', 'asc'] as const) {
      const walk: string[] = [];
      let after: TeamPageKey | null = null;
      do {
        const p = await teamPage(db, { scope: { kind: 'team' }, view: v, tz: 'UTC', now, limit: 500, after, dir });
        walk.push(...p.rows.map((r) => `${r.user}/${r.id}/${r.machine}`));
        after = p.next;
      } while (after);
      const counts = await teamSlotCounts(db, { scope: { kind: 'team' }, view: v, tz: 'UTC', now, dir });
      assert.equal(counts.upTo.at(-1), walk.length, 'the slot counts add up to the rows');
      for (const offset of [0, 1, 97, 333, walk.length - 5, walk.length + 10]) {
        const page = await teamPageAt(db, { scope: { kind: 'team' }, view: v, tz: 'UTC', now, offset, limit: 50, dir }, counts);
        assert.equal(page.total, walk.length);
        assert.deepEqual(page.rows.map((r) => `${r.user}/${r.id}/${r.machine}`), walk.slice(offset, offset + 50), `${dir} page at ${offset}`);
      }
    }
  });

  it('Export CSV: every row of the view once, newest first, across pages of 1,000, with user and machine; the file appears only whole', async () => {
    const backend = new TeamBackend(url, undefined);
    try {
      const dir = await tempDir();
      const file = path.join(dir, 'team.csv');
      const r = await writeExport(file, (w) => backend.exportCsv({ scope: { kind: 'team' }, view: view(), tz: 'UTC', now, dir: 'desc' }, w));
      const lines = (await fs.readFile(file, 'utf8')).trimEnd().split('\r\n');
      assert.equal(lines[0], TEAM_CSV_HEADER.trimEnd());
      const rows = lines.slice(1).map((l) => l.split(','));
      assert.equal(r.rows, 3100);
      assert.equal(rows.length, 3100);
      const key = (user: string, machine: string, ts: number) => `${user} ${machine} ${new Date(ts).toISOString()}`;
      const want = [
        ...alice.map((x) => key('alice@example.com', 'laptop', x.ts)),
        ...aliceDesk.map((x) => key('alice@example.com', 'desktop', x.ts)),
        ...bob.map((x) => key('bob@example.com', 'bob-pc', x.ts)),
      ].sort();
      assert.deepEqual(rows.map((f) => `${f[0]} ${f[1]} ${f[2]}`).sort(), want, 'each synced row once');
      const times = rows.map((f) => Date.parse(f[2]));
      assert.ok(times.every((t, i) => i === 0 || times[i - 1] >= t), 'newest first');
      // One user's machines only, oldest first.
      const mine = await writeExport(undefined, (w) => backend.exportCsv({ scope: { kind: 'mine', user: 'bob@example.com' }, view: view(), tz: 'UTC', now, dir: 'asc' }, w));
      assert.equal(mine.rows, 900);
      assert.ok(mine.text!.split('\r\n').slice(1, -1).every((l) => l.startsWith('bob@example.com,bob-pc,')));
      // A failed export leaves neither the file nor its temporary beside it.
      const broken = path.join(dir, 'broken.csv');
      await assert.rejects(
        writeExport(broken, async (w) => {
          await w(TEAM_CSV_HEADER);
          throw new Error('connection lost');
        }),
        /connection lost/,
      );
      assert.deepEqual((await fs.readdir(dir)).sort(), ['team.csv']);
    } finally {
      await backend.close();
    }
  });

  it('the branch filter and options, as the local dashboard has them', async () => {
    const v = view({ branches: ['feature/x'], range: { from: '2026-10-29', to: '2026-11-10' } });
    const team = await teamDashboard(db, { kind: 'team' }, v, 'Europe/Paris', now);
    const mine = dashboardData(local.catalog, v, 'Europe/Paris', now);
    assert.ok(team.totals.messages > 0 && team.totals.messages < 3100);
    assert.deepEqual(rounded(comparable(team)), rounded(comparable(mine)));
    const opts = await teamFilterOptions(db, { kind: 'team' });
    assert.deepEqual(opts.branches!.map((b) => b.branch).sort(), ['feature/x', 'main']);
    assert.equal(opts.branches!.reduce((a, b) => a + b.messages, 0), 3100);
  });
});
