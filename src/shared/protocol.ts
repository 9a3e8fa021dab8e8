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

/** The dashboard's breakdowns (models have their own chart). */
export type BreakdownBy = 'branch' | 'project' | 'source';

export type { DashboardData, BudgetStatus, PlanValue, LimitsData, SessionDetail, GroupRow };

export const BREAKDOWNS: readonly BreakdownBy[] = ['branch', 'project', 'source'];

export type { RangePreset, RangeSpec, ViewQuery, TableSort } from '../core/queries/types';
export { RANGE_PRESETS } from '../core/queries/types';

// ---- requests (webview → host) -----------------------------------------------------------

export type Request =
  | { id: number; type: 'ready' }
  | { id: number; type: 'dashboard'; view: ViewQuery }
  | { id: number; type: 'page'; view: ViewQuery; sort: TableSort; offset: number; limit: number }
  | { id: number; type: 'exportCsv'; view: ViewQuery; sort: TableSort }
  | { id: number; type: 'sources' }
  | { id: number; type: 'importNow' }
  | { id: number; type: 'openSettings' }
  | { id: number; type: 'limits' }
  | { id: number; type: 'budgets' }
  | { id: number; type: 'planValue' }
  | { id: number; type: 'breakdown'; view: ViewQuery; by: BreakdownBy }
  | { id: number; type: 'session'; sessionId: string }
  /** Runs Connect Claude Code Limits (it shows its diff and asks first). */
  | { id: number; type: 'connectClaudeLimits' };

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
}

export interface PlanInfo {
  name: string;
  monthlyUsd: number;
  sources: string[];
}


export interface ReplyMap {
  ready: InitData;
  dashboard: DashboardData;
  page: TablePage;
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
}

export type Reply =
  | { [K in RequestType]: { id: number; type: 'reply'; ok: true; data: ReplyMap[K] } }[RequestType]
  | { id: number; type: 'reply'; ok: false; error: string };

// ---- notifications (host → webview) ------------------------------------------------------

export type Notification =
  /** New usage was imported (or another window saved): re-query, keeping filters, sort and scroll. */
  | { type: 'dataChanged'; lastImport: number | null; options: FilterOptions; plans?: PlanInfo[] }
  | { type: 'importState'; importing: boolean; error: string | null };

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

export function isViewQuery(v: unknown): v is ViewQuery {
  return (
    isObj(v) &&
    isStrList(v.projects) &&
    isRangeSpec(v.range) &&
    isStrList(v.models) &&
    Array.isArray(v.sources) &&
    v.sources.every(isSourceId) &&
    (v.branches === undefined || isStrList(v.branches)) &&
    (GRANULARITIES as readonly unknown[]).includes(v.granularity)
  );
}

function isSort(v: unknown): v is TableSort {
  return isObj(v) && Object.keys(v).length === 2 && (SORT_COLUMNS as readonly unknown[]).includes(v.column) && (v.dir === 'asc' || v.dir === 'desc');
}

/** Returns the request if `msg` is a well-formed one, else undefined (the host logs and ignores it). */
export function parseRequest(msg: unknown): Request | undefined {
  if (!isObj(msg) || !isInt(msg.id, 0, Number.MAX_SAFE_INTEGER) || !isStr(msg.type, 32)) return undefined;
  switch (msg.type) {
    case 'ready':
    case 'sources':
    case 'importNow':
    case 'openSettings':
    case 'limits':
    case 'budgets':
    case 'planValue':
    case 'connectClaudeLimits':
      return { id: msg.id, type: msg.type };
    case 'breakdown':
      return isViewQuery(msg.view) && (BREAKDOWNS as readonly unknown[]).includes(msg.by) ? { id: msg.id, type: 'breakdown', view: msg.view, by: msg.by as BreakdownBy } : undefined;
    case 'session':
      return isStr(msg.sessionId, 512) && msg.sessionId ? { id: msg.id, type: 'session', sessionId: msg.sessionId } : undefined;
    case 'dashboard':
      return isViewQuery(msg.view) ? { id: msg.id, type: 'dashboard', view: msg.view } : undefined;
    case 'page':
      return isViewQuery(msg.view) && isSort(msg.sort) && isInt(msg.offset, 0, 1e9) && isInt(msg.limit, 1, 1000)
        ? { id: msg.id, type: 'page', view: msg.view, sort: msg.sort, offset: msg.offset, limit: msg.limit }
        : undefined;
    case 'exportCsv':
      return isViewQuery(msg.view) && isSort(msg.sort) ? { id: msg.id, type: 'exportCsv', view: msg.view, sort: msg.sort } : undefined;
    default:
      return undefined;
  }
}
