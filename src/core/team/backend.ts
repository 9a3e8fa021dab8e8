// Everything the engine worker does with the team database, behind one object: sync, Connect's
// check, and the dashboard's team answers over a small connection pool. This module (and with it
// PostgreSQL's client) is loaded only once a team database is connected: see syncRunner.ts.
import { Pool, type ClientConfig } from 'pg';
import type { DashboardData, GroupRow } from '../queries/types';
import type { ChangeSource } from './changeSource';
import { checkTeamDatabase, type TeamCheck } from './check';
import { clientConfig, explainPgError, type TeamConnectionError } from './connection';
import type { TeamIdentity } from './identity';
import { sharedProject } from './identity';
import { teamBreakdown, teamDashboard, teamFilterOptions, teamPageAt, teamRows, teamSlotCounts, type SlotCounts, type TeamGroupBy, type TeamScope, type TeamView } from './queries';
import { RepositoryResolver } from './repository';
import { syncToTeam, type RetryPolicy, type SyncReport } from './sync';
import { TEAM_CSV_HEADER, teamCsvRow } from './teamCsv';
import type { TeamFilterOptions, TeamTableRow } from './teamTypes';
import type { Write } from '../queries/exportSink';

export interface SyncHooks {
  retry: RetryPolicy;
  signal?: AbortSignal;
  onBatch?: (rows: number, cursor: string | null) => void;
  onRetry?: (e: TeamConnectionError, attempt: number, delayMs: number) => void;
}

/** Table pages of one view reuse its slot counts this long (the team's data moves on meanwhile). */
const COUNTS_TTL_MS = 30_000;

export class TeamBackend {
  private pool: Promise<Pool> | undefined;
  /** Where the pool connects (for messages: host, port, user, database). */
  private where: ClientConfig | undefined;
  private readonly repos = new RepositoryResolver();
  private counts: { key: string; at: number; counts: Promise<SlotCounts> } | undefined;

  constructor(
    private readonly url: string,
    private readonly caFile: string | undefined,
  ) {}

  sync(source: ChangeSource, identity: TeamIdentity, hooks: SyncHooks): Promise<SyncReport> {
    let rows = 0;
    return syncToTeam(source, {
      url: this.url,
      caFile: this.caFile,
      identity,
      repos: this.repos,
      // The schema is created or upgraded only by Connect Team Database, when the user agreed.
      migrate: false,
      retry: hooks.retry,
      signal: hooks.signal,
      onRetry: hooks.onRetry,
      onProgress: (p) => {
        hooks.onBatch?.(p.rows - rows, p.cursor);
        rows = p.rows;
      },
    });
  }

  check(user: string, migrate: boolean): Promise<TeamCheck> {
    return checkTeamDatabase(this.url, { caFile: this.caFile, user, migrate });
  }

  /** The open workspace's folders as the team knows them: the "This workspace" preset in team scopes. */
  async workspaceKeys(folders: string[], identity: TeamIdentity): Promise<string[]> {
    const keys = await Promise.all(folders.map(async (f) => sharedProject(f, identity.projects, this.repos)));
    return [...new Set(keys.map((k) => k.repository || k.project).filter(Boolean))];
  }

  private db(): Promise<Pool> {
    this.pool ??= clientConfig(this.url, { caFile: this.caFile, statementTimeoutMs: 60_000 }).then((config) => {
      this.where = config;
      const pool = new Pool({ ...config, max: 2, idleTimeoutMillis: 30_000 });
      pool.on('error', () => undefined); // an idle connection lost: the next query opens another
      return pool;
    });
    // A pool that could not be made (a CA file gone) is tried again next time.
    this.pool.catch(() => (this.pool = undefined));
    return this.pool;
  }

  private async ask<T>(fn: (db: Pool) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.db());
    } catch (e) {
      throw explainPgError(e, this.where);
    }
  }

  dashboard(scope: TeamScope, view: TeamView, tz: string, now: number): Promise<DashboardData> {
    return this.ask((db) => teamDashboard(db, scope, view, tz, now));
  }

  breakdown(scope: TeamScope, view: TeamView, by: TeamGroupBy, tz: string, now: number): Promise<GroupRow[]> {
    return this.ask((db) => teamBreakdown(db, scope, view, by, tz, now));
  }

  options(scope: TeamScope): Promise<TeamFilterOptions> {
    return this.ask((db) => teamFilterOptions(db, scope));
  }

  /** A table page by row number; the view's slot counts are kept for the next pages of the same view. */
  page(req: { scope: TeamScope; view: TeamView; tz: string; now: number; offset: number; limit: number; dir: 'asc' | 'desc' }): Promise<{ rows: TeamTableRow[]; total: number; offset: number }> {
    return this.ask(async (db) => {
      const key = JSON.stringify([req.scope, req.view, req.tz, req.dir, Math.floor(req.now / COUNTS_TTL_MS)]);
      if (!this.counts || this.counts.key !== key || Date.now() - this.counts.at > COUNTS_TTL_MS) {
        const counts = teamSlotCounts(db, req);
        this.counts = { key, at: Date.now(), counts };
        counts.catch(() => (this.counts = undefined));
      }
      const { counts } = this.counts;
      return teamPageAt(db, req, await counts);
    });
  }

  /** Writes every row of a view as CSV, in time order, a page at a time; returns the row count. */
  exportCsv(req: { scope: TeamScope; view: TeamView; tz: string; now: number; dir: 'asc' | 'desc' }, write: Write): Promise<number> {
    return this.ask(async (db) => {
      let rows = 0;
      await write(TEAM_CSV_HEADER);
      for await (const page of teamRows(db, req)) {
        await write(page.map((r) => teamCsvRow(r, req.tz)).join(''));
        rows += page.length;
      }
      return rows;
    });
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await (await pool?.catch(() => undefined))?.end().catch(() => undefined);
  }
}
