// The vocabulary every layer shares: what one AI request's usage looks like once a
// source's quirks are normalised away. Nothing here imports `vscode`.

/** Every tool we import from, plus `api` for usage other extensions report. */
export const SOURCE_IDS = [
  'claude-code',
  'codex',
  'gemini-cli',
  'qwen-code',
  'aider',
  'aider-desk',
  'cline',
  'roo-code',
  'kilo-code',
  'continue',
  'opencode',
  'kilo-cli',
  'copilot-cli',
  'api',
] as const;
export type SourceId = (typeof SOURCE_IDS)[number];

export function isSourceId(value: unknown): value is SourceId {
  return typeof value === 'string' && (SOURCE_IDS as readonly string[]).includes(value);
}

/** How a row's cost was obtained. */
export type CostSource = 'reported' | 'estimated' | 'unpriced';

/**
 * One AI request as an importer produces it, before pricing.
 * Token counts follow one convention for every source (see log-formats.md §0):
 * `inputTokens` is uncached input; cache reads and writes are separate;
 * `outputTokens` includes reasoning, and `reasoningTokens` is an informational subset.
 */
export interface UsageRecord {
  source: SourceId;
  /** Unique per source: two records with the same key are the same request. */
  dedupeKey: string;
  /** UTC epoch milliseconds. */
  ts: number;
  /** Absolute path of the project folder, or '' when the source does not say. */
  project: string;
  /** The model id exactly as the tool logged it. */
  modelRaw: string;
  /** The tool's session, conversation or task id; '' when unknown. */
  sessionId: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  /** All cache writes (5-minute and 1-hour). */
  cacheWriteTokens: number;
  /** The part of cacheWriteTokens written with a 1-hour TTL (priced at the 1h rate). */
  cacheWrite1hTokens: number;
  reasoningTokens: number;
  /**
   * API requests this record stands for, when a tool logs a sum over several (default 1): Copilot
   * CLI's `session.shutdown` segments (`requests.count`). Priced as that many requests of the
   * average size (see `costOf` in pricing/pricer.ts).
   */
  requests?: number;
  /** The git branch the request was made on, when the log says. */
  branch?: string;
  /** USD the tool itself recorded for this request; undefined when it records none. */
  reportedCost?: number;
  /** Token counts are rounded by the source (Aider's chat history "15k sent"). */
  approximate?: boolean;
  /**
   * A possible replay of another request (Claude Code sidechain copies). When a row that
   * is not a copy shares `aliasKey`, the copy is dropped, whichever was imported first.
   */
  aliasKey?: string;
  isCopy?: boolean;
}

/** A record with its price, as the store keeps it. */
export interface PricedRecord extends UsageRecord {
  /** Normalised model id used for pricing and grouping. */
  model: string;
  cost: number;
  costSource: CostSource;
  /** The model id whose price was used, when a documented fallback priced it as another model. */
  pricedAs?: string;
}

export function totalTokens(r: Pick<UsageRecord, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens'>): number {
  return r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens;
}

/**
 * What an import remembers about one file, so the next import reads only what is new.
 * Stored in the database (`files` table) next to the rows it produced, in the same transaction.
 */
export interface FileCursor {
  size: number;
  mtimeMs: number;
  /** Bytes consumed: everything before this offset has been turned into records. */
  offset: number;
  /** Hash of the file's first bytes (up to HEAD_BYTES) when last read: tells a rewrite from an append. */
  headHash: string;
  /** Parser state as of `offset` (e.g. Codex running totals); JSON-serialisable. */
  state?: unknown;
}

/**
 * A plan limit's state as a tool reported it (Codex `rate_limits`, Claude Code's statusLine input):
 * one window of one bucket at one moment. The store keeps the newest per (source, limitId, window).
 */
export interface LimitObservation {
  source: SourceId;
  /** The bucket: Codex's `limit_id` (`codex` is the account-wide one), `claude` for a Claude plan. */
  limitId: string;
  /** The bucket's display name when the tool gives one (Codex `limit_name`, e.g. "GPT-5.3-Codex-Spark"). */
  limitName?: string;
  /** The window's key within its bucket: its length in minutes ("300", "10080"), else the slot the tool put it in. */
  window: string;
  /** The window's length in minutes (300 = 5 h, 10080 = 7 d), null when the tool does not say. */
  windowMinutes: number | null;
  /** 0–100 as reported (stored raw, clamped only for display). */
  usedPercent: number;
  /** When the window resets, UTC ms; null when unknown (old Codex logs). */
  resetsAt: number | null;
  /** When the tool reported it, UTC ms. */
  observedAt: number;
  /** The plan, when the tool says (Codex `plan_type`: plus, pro, team…). */
  planType?: string;
  /** Set when the tool said the limit was reached (Codex `rate_limit_reached_type`). */
  reachedType?: string;
}

/**
 * A request refused because a plan limit was reached (Claude Code's "usage limit reached" lines,
 * Codex's `rate_limit_reached_type`). Hits with the same reset instant are one hit.
 */
export interface LimitHit {
  source: SourceId;
  /** When the tool logged it, UTC ms. */
  ts: number;
  /** When the limit resets, UTC ms; null when the log does not say. */
  resetsAt: number | null;
  /** session, weekly, opus, five_hour, generic, or the tool's own reason. */
  kind: string;
  /** The banner or reason as logged (for tooltips). */
  text: string;
}

/** The key hits are stored under: one per reset instant (retries and parallel sessions repeat a hit). */
export function limitHitKey(h: LimitHit): string {
  return h.resetsAt !== null ? `reset:${h.resetsAt}` : `at:${h.ts}:${h.kind}`;
}
