// One session's drill-down, as the dashboard receives it (plain data).
import type { SourceId } from '../model';
import type { TableRow } from '../queries/types';

export interface SessionModel {
  model: string;
  messages: number;
  cost: number;
  tokens: number;
}

export interface SessionDetail {
  sessionId: string;
  found: boolean;
  sources: SourceId[];
  projects: string[];
  branches: string[];
  first: number | null;
  last: number | null;
  durationMs: number;
  messages: number;
  cost: number;
  tokensSent: number;
  tokensReceived: number;
  unpricedMessages: number;
  models: SessionModel[];
  /** Each request's cost and the running total, in time order (the chart). */
  points: { ts: number; cost: number; total: number }[];
  /** In time order; at most SESSION_ROW_LIMIT. */
  rows: TableRow[];
  truncated: boolean;
}

