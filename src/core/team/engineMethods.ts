// The engine worker's calls for the team database and the OpenTelemetry export: typed here,
// answered by the two runners the worker keeps, and merged into the worker's RPC
// (workerProtocol.ts / engineService.ts) in one line each.
import * as path from 'node:path';
import { writeExport } from '../queries/exportSink';
import type { DashboardData, GroupRow } from '../queries/types';
import { StoreChangeFeed } from '../store/changeFeed';
import type { UsageStore } from '../store/usageStore';
import { ExportRunner, type OtlpConfig } from '../telemetry/exportRunner';
import type { TeamCheck } from './check';
import type { TeamGroupBy, TeamScope, TeamView } from './queries';
import { TeamSyncRunner, type SyncTiming, type TeamConfig } from './syncRunner';
import type { OtlpState, TeamOptions, TeamStatus, TeamSyncState, TeamTableRow } from './teamTypes';

/** A team scope of the dashboard. */
export type RemoteScope = 'mine' | 'team';

interface TeamViewAt {
  scope: RemoteScope;
  view: TeamView;
  timeZone: string;
  now: number;
}

/** method → [params, result] */
export interface TeamMethods {
  teamConfigure: [TeamConfig, TeamSyncState];
  otlpConfigure: [OtlpConfig, OtlpState];
  teamStatus: [Record<string, never>, TeamStatus];
  teamSyncNow: [Record<string, never>, TeamSyncState];
  /** Connect Team Database's check of a connection string not stored yet (see check.ts). */
  teamCheck: [{ url: string; caFile?: string; migrate: boolean }, TeamCheck];
  teamDashboard: [TeamViewAt, DashboardData];
  teamBreakdown: [TeamViewAt & { by: TeamGroupBy }, GroupRow[]];
  teamOptions: [{ scope: RemoteScope; workspaceFolders: string[] }, TeamOptions];
  teamPage: [TeamViewAt & { offset: number; limit: number; dir: 'asc' | 'desc' }, { rows: TeamTableRow[]; total: number; offset: number }];
  /** Every row of the view as CSV, in time order: into `file`, or returned as text without one. */
  teamExport: [TeamViewAt & { dir: 'asc' | 'desc'; file?: string }, { rows: number; text?: string }];
}

type Impl<M> = { [K in keyof M]: M[K] extends [infer P, infer R] ? (p: P) => Promise<R> | R : never };

export interface TeamServicesOptions {
  store: UsageStore;
  dbFile: string;
  onStatus: (status: TeamStatus) => void;
  timing?: Partial<SyncTiming>;
}

export class TeamServices {
  readonly sync: TeamSyncRunner;
  readonly otlp: ExportRunner;

  constructor(opts: TeamServicesOptions) {
    const source = new StoreChangeFeed(opts.store);
    const onState = () => opts.onStatus(this.status());
    this.sync = new TeamSyncRunner({ source, onState, timing: opts.timing });
    this.otlp = new ExportRunner({ source, dir: path.join(path.dirname(opts.dbFile), 'otlp'), onState, timing: opts.timing });
  }

  status(): TeamStatus {
    return { sync: this.sync.state(), otlp: this.otlp.state() };
  }

  /** Rows were stored, by this window (its imports, API records, a re-price or reset) or by another. */
  dataChanged(byThisWindow: boolean): void {
    this.sync.dataChanged(byThisWindow);
    this.otlp.dataChanged(byThisWindow);
  }

  private scope(s: RemoteScope): TeamScope {
    if (s === 'team') return { kind: 'team' };
    const id = this.sync.identity;
    if (!id) throw new Error(this.sync.state().lastError ?? 'No team database is connected.');
    return { kind: 'mine', user: id.user };
  }

  /** Failures of team answers in plain words, never with the connection string. */
  private async answer<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw new Error(this.sync.scrub(e).message);
    }
  }

  methods(): Impl<TeamMethods> {
    return {
      teamConfigure: (c) => this.sync.configure(c),
      otlpConfigure: (c) => this.otlp.configure(c),
      teamStatus: () => this.status(),
      teamSyncNow: () => this.sync.syncNow(),
      teamCheck: (x) => this.sync.check(x.url, x.caFile, x.migrate),
      teamDashboard: (x) => this.answer(() => this.sync.backend().dashboard(this.scope(x.scope), x.view, x.timeZone, x.now)),
      teamBreakdown: (x) => this.answer(() => this.sync.backend().breakdown(this.scope(x.scope), x.view, x.by, x.timeZone, x.now)),
      teamOptions: (x) =>
        this.answer(async () => {
          const backend = this.sync.backend();
          const scope = this.scope(x.scope);
          const [options, workspace] = await Promise.all([backend.options(scope), this.sync.identity ? backend.workspaceKeys(x.workspaceFolders, this.sync.identity) : []]);
          return { ...options, workspace, user: this.sync.identity?.user ?? '' };
        }),
      teamPage: (x) => this.answer(() => this.sync.backend().page({ scope: this.scope(x.scope), view: x.view, tz: x.timeZone, now: x.now, offset: x.offset, limit: x.limit, dir: x.dir })),
      teamExport: (x) =>
        this.answer(() => writeExport(x.file, (write) => this.sync.backend().exportCsv({ scope: this.scope(x.scope), view: x.view, tz: x.timeZone, now: x.now, dir: x.dir }, write))),
    };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.sync.dispose(), this.otlp.dispose()]);
  }
}
