// The typed protocol between the extension host and the dashboard webview, shared by both.
// Webview → host: requests with an id; host → webview: a reply per request (same id) and
// notifications. The webview says `ready` first; the host never posts before that.
// The host treats every incoming message as untrusted: `parseRequest` accepts only
// well-formed requests and returns undefined for anything else.
import { isSourceId } from '../core/model';
import { GRANULARITIES } from '../core/time/calendar';
import { RANGE_PRESETS, SORT_COLUMNS } from '../core/queries/types';
import type { DashboardData, FilterOptions, GroupRow, RangeSpec, SourceStatus, TablePage, TableSort, ViewQuery } from '../core/queries/types';
import type { BudgetStatus, PlanValue } from '../core/budgets/types';
import type { LimitsData } from '../core/limits/limitsView';
import type { SessionDetail } from '../core/sessions/types';
import { DASHBOARD_SCOPES, type DashboardScope, type TeamOptions, type TeamStatus, type TeamTableRow } from '../core/team/teamTypes';

/** The dashboard's breakdowns of this machine's usage (models have their own chart). */
export type BreakdownBy = 'branch' | 'project' | 'source';
/** …and in team scopes, by user and machine too. */
export type DashboardBreakdown = BreakdownBy | 'user' | 'machine';

export type { DashboardData, BudgetStatus, PlanValue, LimitsData, SessionDetail, GroupRow, DashboardScope, TeamOptions, TeamStatus, TeamTableRow };

export const BREAKDOWNS: readonly DashboardBreakdown[] = ['branch', 'project', 'source', 'user', 'machine'];
/** Breakdowns only the team database has. */
export const TEAM_BREAKDOWNS: readonly DashboardBreakdown[] = ['user', 'machine'];

/**
 * What the dashboard shows: the filters, and whose usage. In the team scopes ("mine": all my
 * machines, "team") the usage comes from the team database, projects are repository identities,
 * and users and machines can be picked too.
 */
export interface DashboardView extends ViewQuery {
  /** Absent: this machine (views saved by older versions). */
  scope?: DashboardScope;
  /** Team scopes: users and machines to include; empty or absent = all. */
  users?: string[];
  machines?: string[];
}

/** The view asks the team database. */
export const isRemote = (v: DashboardView): v is DashboardView & { scope: 'mine' | 'team' } => v.scope === 'mine' || v.scope === 'team';

/** Team rows are listed by date only: the table's direction there (sorted by another column: newest first). */
export const teamDir = (sort: TableSort): 'asc' | 'desc' => (sort.column === 'ts' ? sort.dir : 'desc');

export type { RangePreset, RangeSpec, ViewQuery, TableSort } from '../core/queries/types';
export { RANGE_PRESETS } from '../core/queries/types';

// ---- requests (webview → host) -----------------------------------------------------------

export type Request =
  | { id: number; type: 'ready' }
  | { id: number; type: 'dashboard'; view: DashboardView }
  | { id: number; type: 'page'; view: DashboardView; sort: TableSort; offset: number; limit: number }
  | { id: number; type: 'exportCsv'; view: DashboardView; sort: TableSort }
  | { id: number; type: 'sources' }
  | { id: number; type: 'importNow' }
  | { id: number; type: 'openSettings' }
  | { id: number; type: 'limits' }
  | { id: number; type: 'budgets' }
  | { id: number; type: 'planValue' }
  | { id: number; type: 'breakdown'; view: DashboardView; by: DashboardBreakdown }
  | { id: number; type: 'session'; sessionId: string }
  /** Runs Connect Claude Code Limits (it shows its diff and asks first). */
  | { id: number; type: 'connectClaudeLimits' }
  /** What the pickers offer in a team scope (users, machines, repositories). */
  | { id: number; type: 'teamOptions'; scope: 'mine' | 'team' }
  | { id: number; type: 'teamStatus' }
  | { id: number; type: 'teamSyncNow' }
  /** Runs Connect Team Database (it asks for the connection string). */
  | { id: number; type: 'connectTeam' };

export type RequestType = Request['type'];

// ---- replies (host → webview) ------------------------------------------------------------

export interface InitData {
  /** The open workspace's folders: the default project filter. */
  workspaceFolders: string[];
  /** Whether any usage lies under the workspace folders (else the webview offers all projects). */
  workspaceHasUsage: boolean;
  timeZone: string;
  options: FilterOptions;
  /** When the last import finished (UTC ms), null before the first. */
  lastImport: number | null;
  importing: boolean;
  /** aiUsage.plans: their sources' cost is labelled as API-equivalent. */
  plans: PlanInfo[];
  /** The team database and the OpenTelemetry export (the Scope switch shows once one is connected). */
  team: TeamStatus;
}

export interface PlanInfo {
  name: string;
  monthlyUsd: number;
  sources: string[];
}


export interface ReplyMap {
  ready: InitData;
  dashboard: DashboardData;
  /** In team scopes the rows are TeamTableRows (user, machine, repository). */
  page: TablePage & { rows: (TablePage['rows'][number] | TeamTableRow)[] };
  exportCsv: { saved: string | null; rows: number };
  sources: SourceStatus[];
  importNow: { newRows: number; errors: string[] };
  openSettings: null;
  limits: LimitsData;
  budgets: BudgetStatus[];
  planValue: PlanValue[];
  breakdown: GroupRow[];
  session: SessionDetail;
  connectClaudeLimits: null;
  teamOptions: TeamOptions;
  teamStatus: TeamStatus;
  teamSyncNow: TeamStatus;
  connectTeam: null;
}

export type Reply =
  | { [K in RequestType]: { id: number; type: 'reply'; ok: true; data: ReplyMap[K] } }[RequestType]
  | { id: number; type: 'reply'; ok: false; error: string };

// ---- notifications (host → webview) ------------------------------------------------------

export type Notification =
  /** New usage was imported (or another window saved): re-query, keeping filters, sort and scroll. */
  | { type: 'dataChanged'; lastImport: number | null; options: FilterOptions; plans?: PlanInfo[] }
  | { type: 'importState'; importing: boolean; error: string | null }
  /** Team sync or the OpenTelemetry export changed state. */
  | { type: 'teamStatus'; status: TeamStatus };

export type HostMessage = Reply | Notification;

// ---- validation of untrusted webview messages --------------------------------------------

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown, max = 4096): v is string => typeof v === 'string' && v.length <= max;
const isStrList = (v: unknown, max = 500): v is string[] => Array.isArray(v) && v.length <= max && v.every((x) => isStr(x));
const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isRangeSpec(v: unknown): v is RangeSpec {
  if (!isObj(v)) return false;
  if ('preset' in v) return Object.keys(v).length === 1 && (RANGE_PRESETS as readonly unknown[]).includes(v.preset);
  return Object.keys(v).length === 2 && isStr(v.from) && isStr(v.to) && DATE.test(v.from) && DATE.test(v.to) && v.from <= v.to;
}

/** What is wrong with a view, naming the field; null when it is a well-formed DashboardView. */
export function viewProblem(v: unknown): string | null {
  if (!isObj(v)) return 'view is not an object';
  if (!isStrList(v.projects)) return 'view.projects must be a list of at most 500 strings';
  if (!isRangeSpec(v.range)) return 'view.range must be a preset or two dates (YYYY-MM-DD, from ≤ to)';
  if (!isStrList(v.models)) return 'view.models must be a list of at most 500 strings';
  if (!Array.isArray(v.sources) || !v.sources.every(isSourceId)) return 'view.sources must be a list of source ids';
  if (v.branches !== undefined && !isStrList(v.branches)) return 'view.branches must be a list of at most 500 strings';
  if (!(GRANULARITIES as readonly unknown[]).includes(v.granularity)) return `view.granularity must be one of ${GRANULARITIES.join(', ')}`;
  if (v.scope !== undefined && !(DASHBOARD_SCOPES as readonly unknown[]).includes(v.scope)) return `view.scope must be one of ${DASHBOARD_SCOPES.join(', ')}`;
  for (const k of ['users', 'machines'] as const) {
    if (v[k] === undefined) continue;
    if (!isStrList(v[k])) return `view.${k} must be a list of at most 500 strings`;
    if ((v[k] as string[]).length && v.scope !== 'mine' && v.scope !== 'team') return `view.${k} filters a team scope only`;
  }
  return null;
}

export function isViewQuery(v: unknown): v is DashboardView {
  return viewProblem(v) === null;
}

function isSort(v: unknown): v is TableSort {
  return isObj(v) && Object.keys(v).length === 2 && (SORT_COLUMNS as readonly unknown[]).includes(v.column) && (v.dir === 'asc' || v.dir === 'desc');
}

const NO_PAYLOAD = ['ready', 'sources', 'importNow', 'openSettings', 'limits', 'budgets', 'planValue', 'connectClaudeLimits', 'teamStatus', 'teamSyncNow', 'connectTeam'] as const;

/**
 * The request `msg` is, or why it is none (naming the field): the host answers a malformed request
 * that has an id with that error, and ignores anything else.
 */
export function checkRequest(msg: unknown): { request: Request } | { error: string } {
  if (!isObj(msg) || !isInt(msg.id, 0, Number.MAX_SAFE_INTEGER) || !isStr(msg.type, 32)) return { error: 'not a request (an object with a numeric id and a type)' };
  const id = msg.id;
  const type = msg.type;
  const ok = (request: Request) => ({ request });
  const bad = (why: string) => ({ error: `invalid ${type} request: ${why}` });
  if ((NO_PAYLOAD as readonly string[]).includes(type)) return ok({ id, type: type as (typeof NO_PAYLOAD)[number] });
  const view = () => viewProblem(msg.view);
  switch (type) {
    case 'breakdown': {
      const why = view();
      if (why) return bad(why);
      if (!(BREAKDOWNS as readonly unknown[]).includes(msg.by)) return bad(`by must be one of ${BREAKDOWNS.join(', ')}`);
      const v = msg.view as DashboardView;
      if ((TEAM_BREAKDOWNS as readonly unknown[]).includes(msg.by) && !isRemote(v)) return bad(`a ${String(msg.by)} breakdown needs a team scope`);
      return ok({ id, type, view: v, by: msg.by as DashboardBreakdown });
    }
    case 'session':
      return isStr(msg.sessionId, 512) && msg.sessionId ? ok({ id, type, sessionId: msg.sessionId }) : bad('sessionId must be a non-empty string of at most 512 characters');
    case 'dashboard': {
      const why = view();
      return why ? bad(why) : ok({ id, type, view: msg.view as DashboardView });
    }
    case 'page': {
      const why = view() ?? (!isSort(msg.sort) ? 'sort must be { column, dir }' : !isInt(msg.offset, 0, 1e9) ? 'offset must be a whole number from 0' : !isInt(msg.limit, 1, 1000) ? 'limit must be a whole number from 1 to 1000' : null);
      return why ? bad(why) : ok({ id, type, view: msg.view as DashboardView, sort: msg.sort as TableSort, offset: msg.offset as number, limit: msg.limit as number });
    }
    case 'exportCsv': {
      const why = view() ?? (!isSort(msg.sort) ? 'sort must be { column, dir }' : null);
      return why ? bad(why) : ok({ id, type, view: msg.view as DashboardView, sort: msg.sort as TableSort });
    }
    case 'teamOptions':
      return msg.scope === 'mine' || msg.scope === 'team' ? ok({ id, type, scope: msg.scope }) : bad('scope must be "mine" or "team"');
    default:
      return { error: `unknown request type "${type}"` };
  }
}

/** Returns the request if `msg` is a well-formed one, else undefined (the host logs and ignores it). */
export function parseRequest(msg: unknown): Request | undefined {
  const r = checkRequest(msg);
  return 'request' in r ? r.request : undefined;
}
