// What the dashboard, the status bar and the CLI can ask, and what they get back.
// Plain data (structured-clone and JSON safe): it crosses the worker and webview boundaries.
import type { CostSource, SourceId } from '../model';
import type { Granularity } from '../time/calendar';

export type { Granularity };

export interface UsageFilter {
  /** Inclusive lower bound, UTC ms. */
  from?: number;
  /** Exclusive upper bound, UTC ms. */
  to?: number;
  /** Project folders; each includes its subfolders. Empty or absent: all projects. */
  projects?: string[];
  /** Normalised model ids. Empty or absent: all. */
  models?: string[];
  /** Empty or absent: all. */
  sources?: SourceId[];
  /** Git branches ('' = unknown). Empty or absent: all. */
  branches?: string[];
}

/** The token and cost sums every report shares. `inputTokens` is uncached input. */
export interface Sums {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** All four token kinds. */
  totalTokens: number;
  /** USD. */
  cost: number;
  messages: number;
}

export interface Totals extends Sums {
  /** input + cache read + cache write. */
  tokensSent: number;
  /** output. */
  tokensReceived: number;
  reasoningTokens: number;
  unpricedMessages: number;
  approximateMessages: number;
  reportedCost: number;
  estimatedCost: number;
  /** First and last request in view (UTC ms), null when empty. */
  firstTs: number | null;
  lastTs: number | null;
}

export type GroupBy = 'model' | 'project' | 'source' | 'branch' | 'session';

export interface GroupRow extends Sums {
  key: string;
  unpricedMessages: number;
  lastTs: number;
}

export interface SeriesPoint extends Sums {
  /** Period key: YYYY-MM-DD HH:00, YYYY-MM-DD, YYYY-Www or YYYY-MM. */
  key: string;
  /** First instant of the period, UTC ms. */
  start: number;
  tokensSent: number;
  tokensReceived: number;
}

/** One model's cost per period, aligned with `DashboardData.series` (`cost[i]` is in `series[i]`). */
export interface ModelCostSeries {
  model: string;
  cost: number[];
}

export const SORT_COLUMNS = ['ts', 'project', 'model', 'source', 'branch', 'session', 'sent', 'received', 'cost'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];

export interface PageRequest {
  filter: UsageFilter;
  sort: SortColumn;
  dir: 'asc' | 'desc';
  offset: number;
  limit: number;
}

export interface TableRow {
  /** Stable row id (decimal string of the 64-bit id). */
  id: string;
  ts: number;
  project: string;
  model: string;
  modelRaw: string;
  source: SourceId;
  sessionId: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  tokensSent: number;
  tokensReceived: number;
  cost: number;
  costSource: CostSource;
  approximate: boolean;
  /** Git branch, '' when unknown. */
  branch: string;
  /** API requests the row stands for (1, except aggregated session segments). */
  requests: number;
  /** The model whose price was used, when a documented fallback priced it as another model. */
  pricedAs?: string;
}

export interface TablePage {
  rows: TableRow[];
  /** Rows matching the filter, for the scroll height. */
  total: number;
  offset: number;
}

export interface FilterOptions {
  projects: { path: string; messages: number; cost: number }[];
  models: { model: string; messages: number; cost: number }[];
  sources: { source: SourceId; messages: number }[];
  /** Git branches with usage ('(no branch)', '(detached HEAD)' included; unknown left out). Absent where branches are not kept (team scopes). */
  branches?: { branch: string; messages: number; cost: number }[];
  firstTs: number | null;
  lastTs: number | null;
}

export type RangePreset = 'today' | '7d' | '30d' | 'thisMonth' | 'lastMonth' | 'all';
export const RANGE_PRESETS: readonly RangePreset[] = ['today', '7d', '30d', 'thisMonth', 'lastMonth', 'all'];

/** A date range: a preset relative to now, or local calendar days (both included). */
export type RangeSpec = { preset: RangePreset } | { from: string; to: string };

/** What the dashboard shows: everything its filter bar controls. */
export interface ViewQuery {
  /** Project folders (subfolders included); empty = all projects. */
  projects: string[];
  range: RangeSpec;
  /** Normalised model ids; empty = all. */
  models: string[];
  /** Empty = all. */
  sources: SourceId[];
  /** Git branches; empty or absent = all (absent in views saved by older versions). */
  branches?: string[];
  granularity: Granularity;
}

export interface TableSort {
  column: SortColumn;
  dir: 'asc' | 'desc';
}

/** The state of one source, for the Sources view and `ai-usage sources`. */
export interface SourceStatus {
  source: SourceId;
  label: string;
  enabled: boolean;
  /** Some root exists. */
  found: boolean;
  /** Where we looked (from the last import, or computed now if never imported). */
  roots: { path: string; found: boolean }[];
  files: number;
  rows: number;
  skipped: number;
  lastImport: number | null;
  lastError: string | null;
}

/** Everything the dashboard shows above its table, for one view. */
export interface DashboardData {
  totals: Totals;
  /** Same-length period before the range, for the "vs previous" delta; null for All time. */
  previousTotals: Totals | null;
  series: SeriesPoint[];
  /** Most expensive model first. Columns, not one object per period and model: a year by day is 30 KB, not 500. */
  costByModel: ModelCostSeries[];
  models: GroupRow[];
  /** The range actually shown, as UTC ms (from inclusive, to exclusive) and as words. */
  from: number | null;
  to: number | null;
  rangeLabel: string;
}
