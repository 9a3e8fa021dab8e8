// What the scale bench asks of an engine. One adapter per engine (engines/*.ts) implements it
// against that engine's own API; everything else in bench/scale is engine-agnostic.
//
// An adapter imports its engine as `engine/...` (e.g. `engine/core/worker/engineService`): the
// bench compiles it with esbuild against a source tree (the baseline worktree, or this checkout),
// and defines ENGINE_DIST as that tree's built dist/ folder (its wasm, workers and CLI).
import type { SourceId, UsageRecord } from '../../src/core/model';

/** What the dashboard's filter bar controls (the engine's ViewQuery). */
export interface View {
  projects: string[];
  range: { preset: 'today' | '7d' | '30d' | 'thisMonth' | 'lastMonth' | 'all' } | { from: string; to: string };
  models: string[];
  sources: SourceId[];
  granularity: 'hour' | 'day' | 'week' | 'month';
}

export interface Sort {
  column: 'ts' | 'project' | 'model' | 'source' | 'session' | 'sent' | 'received' | 'cost';
  dir: 'asc' | 'desc';
}

/** The parts of a dashboard answer the bench checks (an engine returns more). */
export interface DashboardAnswer {
  totals: { messages: number; totalTokens: number; cost: number; reportedCost: number };
}

export interface PageAnswer {
  rows: { id: string; ts: number; project: string }[];
  /** Rows matching the view. */
  total: number;
}

export interface FilterOptionsAnswer {
  sources: { source: string; messages: number }[];
  projects: { path: string; messages: number }[];
}

export interface Queries {
  dashboard(view: View, tz: string, now: number): Promise<DashboardAnswer>;
  page(view: View, sort: Sort, offset: number, limit: number, tz: string, now: number): Promise<PageAnswer>;
}

/** The engine in this process, driven call by call (the figures). */
export interface ScaleEngine extends Queries {
  /** Opens (or creates) the store whose main file is `dbFile`; every file the engine keeps lives in its folder. */
  open(dbFile: string): Promise<void>;
  /** Bulk load into the open store: price each record with the engine's own pricer, store, save. */
  load(batches: Iterable<UsageRecord[]>, progress?: (records: number) => void): Promise<void>;
  filterOptions(): Promise<FilterOptionsAnswer>;
  /** One new request through the engine's API path (what `recordUsage` does), then a save. */
  addOneAndSave(record: UsageRecord): Promise<void>;
  close(): Promise<void>;
  /** The engine as the extension runs it (its worker, importers, saves and timers), for the trickle. */
  startService(opts: ServiceOptions): Promise<RunningService>;
}

export interface ServiceOptions {
  dbFile: string;
  /** The fake home folder the importers look in (also $HOME of this process). */
  home: string;
  /** Rows were added, merged or changed: the extension re-queries the badge. */
  onDataChanged(): void;
  log(message: string): void;
}

export interface RunningService extends Queries {
  /** `files`: what the file watcher saw change (an engine may read just those). */
  importNow(reason: string, files?: string[]): Promise<void>;
  /** What the extension would watch: folders, each with the glob of the files in it that matter. */
  watchRoots(): Promise<{ path: string; glob: string }[]>;
  /** The status bar badge's query (today, all projects). */
  badge(tz: string, now: number): Promise<unknown>;
  /** Saves now what is unsaved. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** The default export of an adapter. */
export type CreateEngine = () => ScaleEngine;
