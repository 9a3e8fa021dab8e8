// The typed RPC between the extension host and the engine worker (worker_threads). The worker
// owns the sql.js database; the host only sends calls and receives results and events.
// Everything here is structured-clone safe.
import type { BadgeQuery, BadgeSummary } from '../queries/badge';
import type { ImportReport } from '../engine/runImport';
import type { SourceId, UsageRecord } from '../model';
import type { PriceOverrides } from '../pricing';
import type { FilterOptions, TablePage, TableSort, ViewQuery } from '../queries/types';
import type { DashboardData, SourceStatus } from '../queries/types';
import type { SourceContext } from '../importers/types';
import type { LimitsMethods } from '../limits/engineMethods';
import type { TeamMethods } from '../team/engineMethods';
import type { TeamStatus } from '../team/teamTypes';

/** What the worker needs to import: where to look, what is switched off, and the user's prices. */
export interface EngineConfig {
  /** SourceContext minus `env` functions: plain data (env is copied from the host's process). */
  ctx: SourceContext;
  disabledSources: SourceId[];
  priceOverrides: PriceOverrides;
  /** The price table stored by Update Prices (a genai-prices data file); absent: the bundled table. */
  priceTableFile?: string;
}

/** Given to the worker at start (workerData). */
export interface EngineWorkerData {
  dbFile: string;
  wasmPath: string;
  /** The bundled parse worker, for reading big imports on several threads. */
  parseWorkerFile?: string;
  config: EngineConfig;
  /** How often to look for rows another window stored (ms): two stats when nothing changed. */
  refreshIntervalMs?: number;
}

export interface ImportSummary {
  newRows: number;
  changedRows: number;
  errors: string[];
  durationMs: number;
  /** Repeated from the report for logs. */
  filesRead: number;
}

export function summariseImport(r: ImportReport): ImportSummary {
  return { newRows: r.newRows, changedRows: r.changedRows, errors: r.errors, durationMs: r.durationMs, filesRead: r.filesRead };
}

export interface ViewAt {
  view: ViewQuery;
  timeZone: string;
  /** The instant range presets are relative to (the host's clock). */
  now: number;
}

export interface ExportRequest extends ViewAt {
  sort: TableSort;
  format: 'csv' | 'json';
  /** Absolute file path; undefined = return the content as text instead of writing a file. */
  file?: string;
}

/** A folder to watch and the glob (relative to it) of the files whose changes can bring usage. */
export interface WatchSpec {
  path: string;
  glob: string;
}

/** method → [params, result] (limits, budgets, plan value, breakdowns and sessions: see limits/engineMethods.ts) */
export interface EngineMethods extends LimitsMethods, TeamMethods {
  configure: [EngineConfig, { repriced: number | null }];
  /** With `files`, only those (changed files the watcher saw) are read where their source allows it. */
  importNow: [{ reason: string; files?: string[] }, ImportSummary];
  recordUsage: [{ records: UsageRecord[] }, { changed: number }];
  initData: [{ workspaceFolders: string[] }, { options: FilterOptions; workspaceHasUsage: boolean; lastImport: number | null }];
  filterOptions: [Record<string, never>, FilterOptions];
  dashboard: [ViewAt, DashboardData];
  page: [ViewAt & { sort: TableSort; offset: number; limit: number }, TablePage];
  exportRows: [ExportRequest, { rows: number; text?: string }];
  sources: [Record<string, never>, SourceStatus[]];
  badge: [BadgeQuery, BadgeSummary];
  /** What to watch: folders of enabled sources that exist, each with the glob of the files that matter. */
  watchRoots: [Record<string, never>, WatchSpec[]];
  reprice: [Record<string, never>, { changed: number; rows: number }];
  reset: [Record<string, never>, null];
  /** Saves now if anything changed (before the window closes). */
  flush: [Record<string, never>, null];
  info: [Record<string, never>, { dbFile: string; rows: number; bytes: number; warnings: string[] }];
}

export type EngineMethod = keyof EngineMethods;
export type ParamsOf<M extends EngineMethod> = EngineMethods[M][0];
export type ResultOf<M extends EngineMethod> = EngineMethods[M][1];

/** Unsolicited news from the worker. */
export type EngineEvent =
  /** Rows were added, changed or removed (an import, a merge from another window, a reset, a re-price). */
  | { type: 'dataChanged'; lastImport: number | null; reason: string }
  | { type: 'importState'; importing: boolean; error: string | null }
  /** Something the user should know (a corrupt database moved aside, a failed save). */
  | { type: 'warning'; message: string }
  | { type: 'log'; message: string }
  /** Team sync or the OpenTelemetry export changed state (syncing, done, failed). */
  | { type: 'teamStatus'; status: TeamStatus };

export type HostToWorker = { kind: 'call'; id: number; method: EngineMethod; params: unknown };

export type WorkerToHost =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: string }
  | { kind: 'event'; event: EngineEvent };
