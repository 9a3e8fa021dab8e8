// A team database for the browser tests: the usage fixture's kind of history for four machines of
// three users, each in its own real store, synced to a real PostgreSQL by the real sync through
// the store's change feed. Projects live in real folders whose .git/config names an origin, so
// the team groups them by repository as it would on real machines.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PricedRecord } from '../../../src/core/model';
import { StoreChangeFeed } from '../../../src/core/store/changeFeed';
import type { UsageStore } from '../../../src/core/store/usageStore';
import type { TeamIdentity } from '../../../src/core/team/identity';
import { syncToTeam } from '../../../src/core/team/sync';
import { NOT_CONNECTED, OTLP_OFF, type TeamStatus } from '../../../src/core/team/teamTypes';
import { tempDir } from '../../support/tempDir';
import { NOW, PROJECTS, usageRecords, usageStore } from './usageFixture';

export const ME: TeamIdentity = { user: 'dev@example.com', machine: 'dev-laptop', projects: 'repository' };

/** The machines synced, with the fixture history each logged (days, requests a day, seed). */
export const MACHINES: { identity: TeamIdentity; days: number; perDay: number; seed: number }[] = [
  { identity: ME, days: 60, perDay: 40, seed: 7 },
  { identity: { ...ME, machine: 'dev-desktop' }, days: 60, perDay: 15, seed: 11 },
  { identity: { user: 'bob@example.com', machine: 'bob-mbp', projects: 'repository' }, days: 60, perDay: 30, seed: 23 },
  { identity: { user: 'carol@example.com', machine: 'carol-linux', projects: 'repository' }, days: 45, perDay: 20, seed: 31 },
];

/** The fixture's project folders, each a real folder here; all but the notes are git checkouts. */
const ORIGINS = ['git@github.com:acme/webapp.git', null, 'https://github.com/acme/api-server.git', 'ssh://git@gitlab.example.com:2222/tools/cli-tool.git', null];

export interface TeamFixture {
  /** The fixture's project folders → these real folders. */
  folders: Map<string, string>;
  /** The workspace folder (the fixture's WORKSPACE) here. */
  workspace: string;
  stores: UsageStore[];
}

/** Lays out the project folders and syncs every machine's store to `url`. */
export async function syncTeam(url: string): Promise<TeamFixture> {
  const root = await tempDir('ai-usage-team-');
  const folders = new Map<string, string>();
  for (const [i, p] of PROJECTS.entries()) {
    const here = path.join(root, ...p.split('/').filter(Boolean));
    await fs.mkdir(here, { recursive: true });
    const origin = ORIGINS[i];
    if (origin) {
      await fs.mkdir(path.join(here, '.git'), { recursive: true });
      await fs.writeFile(path.join(here, '.git', 'config'), `[core]\n\trepositoryformatversion = 0\n[remote "origin"]\n\turl = ${origin}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`);
    }
    folders.set(p, here);
  }
  const stores: UsageStore[] = [];
  for (const m of MACHINES) {
    const rows: PricedRecord[] = usageRecords(m.days, m.perDay, m.seed).map((r) => ({ ...r, project: folders.get(r.project) ?? r.project }));
    const store = await usageStore(rows);
    stores.push(store);
    await syncToTeam(new StoreChangeFeed(store), { url, identity: m.identity, batchRows: 2000 });
  }
  return { folders, workspace: folders.get(PROJECTS[0])!, stores };
}

/** The state the host reports for a team database this window synced three minutes before NOW. */
export function connectedStatus(database: string, over: Partial<TeamStatus['sync']> = {}): TeamStatus {
  return {
    sync: { ...NOT_CONNECTED, connected: true, database, user: ME.user, machine: ME.machine, projects: ME.projects, lastSync: NOW - 3 * 60_000, lastRows: 412, lastBatchRows: 412, pending: 0, ...over },
    otlp: OTLP_OFF,
  };
}
