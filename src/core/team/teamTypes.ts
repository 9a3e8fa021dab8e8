// The team database and the OpenTelemetry export as plain data: what the engine worker reports to
// the extension host and the dashboard (structured-clone and JSON safe, no Node types).
import type { FilterOptions, TableRow } from '../queries/types';

/** Whose usage the dashboard shows: this machine's store, all my machines, or the whole team (the last two from the team database). */
export type DashboardScope = 'local' | 'mine' | 'team';
export const DASHBOARD_SCOPES: readonly DashboardScope[] = ['local', 'mine', 'team'];

/** How a project folder is shared: see identity.ts. */
export type ProjectPrivacy = 'repository' | 'hash' | 'path';
export const PROJECT_PRIVACY: readonly ProjectPrivacy[] = ['repository', 'hash', 'path'];

export interface TeamSyncState {
  /** A team database is connected (a connection string is stored). */
  connected: boolean;
  /** host:port/db: never the user or password. */
  database: string | null;
  user: string | null;
  machine: string | null;
  projects: ProjectPrivacy | null;
  syncing: boolean;
  /** When the last successful sync finished (UTC ms). */
  lastSync: number | null;
  /** Rows the last successful sync sent, and how many were in its last batch. */
  lastRows: number | null;
  lastBatchRows: number | null;
  /** Rows changed here since the server acknowledged them; null before this window first synced. */
  pending: number | null;
  /** The last failure, in plain words (never the password), and when. */
  lastError: string | null;
  errorAt: number | null;
  /** When the next attempt after a failure is due; null when it waits for Sync Now or a change of settings. */
  nextAttempt: number | null;
  /** Another window (or `ai-usage sync`) was syncing this machine at the last attempt. */
  busyElsewhere: boolean;
}

export interface OtlpState {
  /** An endpoint is set. */
  enabled: boolean;
  /** The endpoint's metrics URL, without credentials. */
  endpoint: string | null;
  protocol: 'http/protobuf' | 'http/json';
  temporality: 'cumulative' | 'delta';
  names: 'semconv' | 'claude-code' | 'both';
  /** Another window exports for this machine (one window at a time does). */
  otherWindow: boolean;
  exporting: boolean;
  lastExport: number | null;
  /** Requests that added to the metrics in the last export. */
  lastRows: number | null;
  lastError: string | null;
  errorAt: number | null;
  nextAttempt: number | null;
  /** Claude Code's own telemetry is on: its usage may be counted twice (compatibility names only). */
  doubleCountWarning: string | null;
}

export interface TeamStatus {
  sync: TeamSyncState;
  otlp: OtlpState;
}

/** What the pickers offer in a team scope: projects are repository identities (or hashes). */
export interface TeamFilterOptions extends FilterOptions {
  users: { user: string; messages: number; cost: number }[];
  machines: { machine: string; user: string; messages: number; cost: number }[];
}

export interface TeamOptions extends TeamFilterOptions {
  /** The open workspace's folders as the team database knows them (the "This workspace" preset). */
  workspace: string[];
  /** This machine's team user ("All my machines" is theirs). */
  user: string;
}

/** A table row in a team scope: who and where it came from. */
export interface TeamTableRow extends TableRow {
  user: string;
  machine: string;
  repository: string;
}

export const NOT_CONNECTED: TeamSyncState = {
  connected: false,
  database: null,
  user: null,
  machine: null,
  projects: null,
  syncing: false,
  lastSync: null,
  lastRows: null,
  lastBatchRows: null,
  pending: null,
  lastError: null,
  errorAt: null,
  nextAttempt: null,
  busyElsewhere: false,
};

export const OTLP_OFF: OtlpState = {
  enabled: false,
  endpoint: null,
  protocol: 'http/protobuf',
  temporality: 'cumulative',
  names: 'semconv',
  otherWindow: false,
  exporting: false,
  lastExport: null,
  lastRows: null,
  lastError: null,
  errorAt: null,
  nextAttempt: null,
  doubleCountWarning: null,
};
