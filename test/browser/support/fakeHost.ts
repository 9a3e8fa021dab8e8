// The extension host's side of the protocol, for the browser tests: every request the webview
// posts is validated with the real parseRequest and answered from the real queries over a real
// store, so what the page shows can be compared with the database.
import { budgetStatuses } from '../../../src/core/budgets/budgetStatus';
import { planValues } from '../../../src/core/budgets/planValue';
import type { Budget, Plan } from '../../../src/core/budgets/types';
import { limitsData } from '../../../src/core/limits/limitsData';
import { groupBy } from '../../../src/core/queries/aggregate';
import { sessionDetail } from '../../../src/core/sessions/sessionDetail';
import { dashboardData, filterOfView, resolveRange } from '../../../src/core/queries/dashboard';
import { filterOptions } from '../../../src/core/queries/filterOptions';
import { page } from '../../../src/core/queries/tablePages';
import type { SourceStatus } from '../../../src/core/engine/sourceStatus';
import type { UsageStore } from '../../../src/core/store/usageStore';
import type { TeamBackend } from '../../../src/core/team/backend';
import type { TeamIdentity } from '../../../src/core/team/identity';
import { NOT_CONNECTED, OTLP_OFF, type TeamStatus } from '../../../src/core/team/teamTypes';
import { writeExport } from '../../../src/core/queries/exportSink';
import { isRemote, parseRequest, teamDir, type BreakdownBy, type HostMessage, type InitData, type Notification, type ReplyMap, type Request, type RequestType } from '../../../src/shared/protocol';
import { NOW, TZ, WORKSPACE } from './usageFixture';

type Answer = { [K in RequestType]?: (req: Extract<Request, { type: K }>) => ReplyMap[K] | Promise<ReplyMap[K]> };

export interface FakeHostOptions {
  store: UsageStore;
  sources: SourceStatus[];
  init?: Partial<InitData>;
  /** Replaces the store-backed answer for some request types. */
  answer?: Answer;
  /** aiUsage.budgets and aiUsage.plans, as the host would read them from settings. */
  budgets?: Budget[];
  plans?: Plan[];
  /**
   * A connected team database: team scopes are answered by the engine worker's own TeamBackend
   * over a real PostgreSQL, as this identity (the workspace folders: the "This workspace" preset).
   */
  team?: { backend: TeamBackend; identity: TeamIdentity; status: TeamStatus; workspaceFolders: string[] };
}

export class FakeHost {
  /** Every request the webview sent, in order. */
  readonly requests: Request[] = [];
  /** Messages that did not pass parseRequest (must stay empty). */
  readonly invalid: unknown[] = [];
  /** Request types to fail (each entry fails once) with this message. */
  readonly failNext = new Map<RequestType, string>();
  /** The text of the last team export (Export CSV in a team scope). */
  exported = '';
  /** Request types to hold until released (skeleton and "in flight" states). */
  private readonly held = new Map<RequestType, (() => void)[]>();
  private readonly holding = new Set<RequestType>();
  private post: (m: HostMessage) => Promise<void> = async () => undefined;

  constructor(readonly opts: FakeHostOptions) {}

  connect(post: (m: HostMessage) => Promise<void>): void {
    this.post = post;
  }

  hold(type: RequestType): void {
    this.holding.add(type);
  }
  release(type: RequestType): void {
    this.holding.delete(type);
    for (const go of this.held.get(type) ?? []) go();
    this.held.delete(type);
  }

  of<T extends RequestType>(type: T): Extract<Request, { type: T }>[] {
    return this.requests.filter((r): r is Extract<Request, { type: T }> => r.type === type);
  }
  last<T extends RequestType>(type: T): Extract<Request, { type: T }> | undefined {
    return this.of(type).at(-1);
  }

  async notify(n: Notification): Promise<void> {
    await this.post(n);
  }

  initData(): InitData {
    const plans = (this.opts.plans ?? []).map((p) => ({ name: p.name, monthlyUsd: p.monthlyUsd, sources: [...p.sources] }));
    const team = this.opts.team?.status ?? { sync: NOT_CONNECTED, otlp: OTLP_OFF };
    return { workspaceFolders: [WORKSPACE], workspaceHasUsage: true, timeZone: TZ, options: filterOptions(this.opts.store.catalog), lastImport: NOW - 4 * 60_000, importing: false, plans, team, ...this.opts.init };
  }

  async receive(raw: unknown): Promise<void> {
    const req = parseRequest(raw);
    if (!req) {
      this.invalid.push(raw);
      return;
    }
    this.requests.push(req);
    if (this.holding.has(req.type)) await new Promise<void>((go) => this.held.set(req.type, [...(this.held.get(req.type) ?? []), go]));
    const failure = this.failNext.get(req.type);
    if (failure !== undefined) {
      this.failNext.delete(req.type);
      await this.post({ id: req.id, type: 'reply', ok: false, error: failure });
      return;
    }
    try {
      const data = await this.answer(req);
      await this.post({ id: req.id, type: 'reply', ok: true, data } as HostMessage);
    } catch (e) {
      await this.post({ id: req.id, type: 'reply', ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }

  private async answer(req: Request): Promise<unknown> {
    const custom = this.opts.answer?.[req.type] as ((r: Request) => unknown) | undefined;
    if (custom) return custom(req);
    const store = this.opts.store;
    if ('view' in req && isRemote(req.view)) return this.answerTeam(req as Extract<Request, { view: unknown }>);
    switch (req.type) {
      case 'ready':
        return this.initData();
      case 'dashboard':
        return dashboardData(store.catalog, req.view, TZ, NOW);
      case 'page':
        return page(store, { filter: filterOfView(req.view, resolveRange(req.view.range, NOW, TZ)), sort: req.sort.column, dir: req.sort.dir, offset: req.offset, limit: req.limit });
      case 'exportCsv': {
        const total = (await page(store, { filter: filterOfView(req.view, resolveRange(req.view.range, NOW, TZ)), sort: req.sort.column, dir: req.sort.dir, offset: 0, limit: 1 })).total;
        return { saved: '/home/dev/ai-usage.csv', rows: total };
      }
      case 'sources':
        return this.opts.sources;
      case 'importNow':
        return { newRows: 0, errors: [] };
      case 'openSettings':
      case 'connectClaudeLimits':
        return null;
      case 'limits':
        return limitsData(store, NOW);
      case 'budgets':
        return budgetStatuses(store.catalog, this.opts.budgets ?? [], { now: NOW, tz: TZ, workspaceFolders: [WORKSPACE] });
      case 'planValue':
        return planValues(store.catalog, this.opts.plans ?? [], NOW, TZ);
      case 'breakdown':
        return groupBy(store.catalog, filterOfView(req.view, resolveRange(req.view.range, NOW, TZ)), req.by as BreakdownBy, TZ);
      case 'session':
        return sessionDetail(store, req.sessionId);
      case 'teamStatus':
      case 'teamSyncNow':
        return this.teamStatus;
      case 'connectTeam':
        return null;
      case 'teamOptions': {
        const t = this.connectedTeam();
        const scope = req.scope === 'team' ? ({ kind: 'team' } as const) : ({ kind: 'mine', user: t.identity.user } as const);
        const [options, workspace] = await Promise.all([t.backend.options(scope), t.backend.workspaceKeys(t.workspaceFolders, t.identity)]);
        return { ...options, workspace, user: t.identity.user };
      }
    }
  }

  /** The team database's state, as the host last heard it (tests change it and notify). */
  get teamStatus(): TeamStatus {
    return this.opts.team?.status ?? { sync: NOT_CONNECTED, otlp: OTLP_OFF };
  }

  private connectedTeam(): NonNullable<FakeHostOptions['team']> {
    if (!this.opts.team) throw new Error('No team database is connected: run AI Usage: Connect Team Database first.');
    return this.opts.team;
  }

  /** Team scopes, as dashboardRequests.ts routes them to the worker's team methods. */
  private async answerTeam(req: Extract<Request, { view: unknown }>): Promise<unknown> {
    const t = this.connectedTeam();
    const scope = req.view.scope === 'team' ? ({ kind: 'team' } as const) : ({ kind: 'mine', user: t.identity.user } as const);
    switch (req.type) {
      case 'dashboard':
        return t.backend.dashboard(scope, req.view, TZ, NOW);
      case 'page':
        return t.backend.page({ scope, view: req.view, tz: TZ, now: NOW, offset: req.offset, limit: req.limit, dir: teamDir(req.sort) });
      case 'breakdown':
        return t.backend.breakdown(scope, req.view, req.by, TZ, NOW);
      case 'exportCsv': {
        // The real export, into text (the host's save dialog is VS Code's).
        const { rows, text } = await writeExport(undefined, (write) => t.backend.exportCsv({ scope, view: req.view, tz: TZ, now: NOW, dir: teamDir(req.sort) }, write));
        this.exported = text ?? '';
        return { saved: '/home/dev/ai-usage-team.csv', rows };
      }
    }
  }
}
