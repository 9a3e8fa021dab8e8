// Usage reported by other extensions (the `recordUsage` API and the `aiUsage.recordUsage`
// command). The input comes from code we do not control, so every field is checked and a bad
// record is refused with a message that names the field, instead of being stored half-right.
import type { UsageRecord } from '../model';

/** What a caller passes. Token counts are whole numbers ≥ 0; `cost` is USD. */
export interface ApiUsageInput {
  /** Unique per request: recording the same key twice stores one row. */
  dedupeKey: string;
  /** When the request happened: epoch milliseconds or an ISO 8601 string. */
  ts: number | string;
  /** The model id as the provider names it, e.g. "claude-sonnet-4-5" or "gpt-5". */
  model: string;
  /** Uncached input tokens. */
  inputTokens: number;
  /** Output tokens, reasoning included. */
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /** The part of cacheWriteTokens written with a 1-hour TTL. */
  cacheWrite1hTokens?: number;
  /** The part of outputTokens spent on reasoning (informational). */
  reasoningTokens?: number;
  /** USD the caller already knows it cost; when absent the usage is priced from the price table. */
  cost?: number;
  /** Absolute path of the project folder the request was made for. */
  project?: string;
  sessionId?: string;
}

export class ApiRecordError extends Error {
  constructor(problem: string) {
    super(`Invalid usage record: ${problem}`);
    this.name = 'ApiRecordError';
  }
}

const KNOWN = new Set([
  'dedupeKey',
  'ts',
  'model',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'cacheWrite1hTokens',
  'reasoningTokens',
  'cost',
  'project',
  'sessionId',
]);

// Sanity bounds: far beyond any real request, low enough to catch unit mix-ups (seconds vs ms).
const MAX_TOKENS = 1e12;
const MIN_TS = Date.UTC(2000, 0, 1);
const MAX_FUTURE_MS = 7 * 86_400_000;

function tokens(o: Record<string, unknown>, key: string, required: boolean): number {
  const v = o[key];
  if (v === undefined && !required) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_TOKENS) {
    throw new ApiRecordError(`"${key}" must be a whole number ≥ 0${required ? '' : ' (or left out)'}, got ${describe(v)}`);
  }
  return v;
}

function text(o: Record<string, unknown>, key: string, max: number, required: boolean): string {
  const v = o[key];
  if (v === undefined && !required) return '';
  if (typeof v !== 'string' || (required && !v.trim()) || v.length > max) {
    throw new ApiRecordError(`"${key}" must be a ${required ? 'non-empty ' : ''}string of at most ${max} characters, got ${describe(v)}`);
  }
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function timestamp(v: unknown, now: number): number {
  let ms: number;
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) ms = Date.parse(v);
  else throw new ApiRecordError(`"ts" must be epoch milliseconds or an ISO 8601 date-time string, got ${describe(v)}`);
  if (!Number.isFinite(ms)) throw new ApiRecordError(`"ts" is not a valid date: ${describe(v)}`);
  if (ms < MIN_TS || ms > now + MAX_FUTURE_MS) {
    throw new ApiRecordError(`"ts" ${describe(v)} is not a plausible time (milliseconds since 1970 expected, between 2000 and now)`);
  }
  return Math.round(ms);
}

/** Checks one record from another extension and turns it into a usage record (source 'api'). Throws ApiRecordError. */
export function parseApiRecord(value: unknown, now = Date.now()): UsageRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiRecordError(`expected an object with dedupeKey, ts, model, inputTokens and outputTokens, got ${describe(value)}`);
  }
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KNOWN.has(k));
  if (unknown.length) throw new ApiRecordError(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${[...KNOWN].join(', ')})`);
  const dedupeKey = text(o, 'dedupeKey', 512, true);
  const ts = timestamp(o.ts, now);
  const model = text(o, 'model', 200, true).trim();
  const inputTokens = tokens(o, 'inputTokens', true);
  const outputTokens = tokens(o, 'outputTokens', true);
  const cacheReadTokens = tokens(o, 'cacheReadTokens', false);
  const cacheWriteTokens = tokens(o, 'cacheWriteTokens', false);
  const cacheWrite1hTokens = tokens(o, 'cacheWrite1hTokens', false);
  const reasoningTokens = tokens(o, 'reasoningTokens', false);
  if (cacheWrite1hTokens > cacheWriteTokens) throw new ApiRecordError('"cacheWrite1hTokens" is part of "cacheWriteTokens" and cannot exceed it');
  if (reasoningTokens > outputTokens) throw new ApiRecordError('"reasoningTokens" is part of "outputTokens" and cannot exceed it');
  let reportedCost: number | undefined;
  if (o.cost !== undefined) {
    if (typeof o.cost !== 'number' || !Number.isFinite(o.cost) || o.cost < 0) throw new ApiRecordError(`"cost" must be a number of USD ≥ 0 (or left out), got ${describe(o.cost)}`);
    reportedCost = o.cost;
  }
  const project = text(o, 'project', 4096, false);
  const sessionId = text(o, 'sessionId', 512, false);
  return {
    source: 'api',
    dedupeKey,
    ts,
    project,
    modelRaw: model,
    sessionId,
    inputTokens,
    outputTokens,
    cacheReadTokens,
    cacheWriteTokens,
    cacheWrite1hTokens,
    reasoningTokens,
    ...(reportedCost !== undefined ? { reportedCost } : {}),
  };
}
