// The one contract between the local store and everything that ships usage elsewhere (the team
// database sync, the OpenTelemetry export): the store says what changed since a cursor.
import type { CostSource, SourceId } from '../model';

/** One stored request as sync sees it, before identity and privacy mapping. */
export interface SyncRow {
  id: string; // decimal string of the local signed 64-bit row id = hash(source, dedupe key): the same request has the same id on every machine and after a re-import
  ts: number; // UTC epoch ms
  source: SourceId;
  project: string; // local absolute folder, '' when unknown
  model: string; // normalised id
  modelRaw: string;
  sessionId: string;
  branch: string; // git branch, '' when unknown
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  reasoningTokens: number;
  requests: number; // API requests this row aggregates (1, except Copilot CLI session segments)
  cost: number; // USD
  costSource: CostSource;
  approximate: boolean;
}

export interface ChangeBatch {
  rows: SyncRow[];
  deletedIds: string[];
}

export interface ChangeSource {
  /** This local history's identity; it changes when the user resets the local store (cursors of another epoch are void). */
  epoch(): string;
  /** Everything after `cursor` (null: from the start), in batches of at most `batchRows`, each with the cursor that acknowledges it and all before it. A batch may repeat rows already sent (sync upserts are idempotent). */
  changesSince(cursor: string | null, batchRows: number): AsyncIterable<{ batch: ChangeBatch; cursor: string }>;
  /** About how many rows (and deletions) a sync from `cursor` would send, without reading them: for the Sources view. */
  pending?(cursor: string | null): number;
}
