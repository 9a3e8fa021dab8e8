import type { UsageRecord } from '../../../src/core/model';

/** A usage record with zero tokens, overridable field by field. */
export function rec(modelRaw: string, t: Partial<UsageRecord> = {}): UsageRecord {
  return {
    source: 'api', dedupeKey: 'k', ts: Date.UTC(2025, 10, 1), project: '', modelRaw, sessionId: '',
    inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, reasoningTokens: 0,
    ...t,
  };
}

/** Fixed-point comparison: float sums of per-token rates are exact to well under 1e-12 USD. */
export const usd = (n: number): string => n.toFixed(10);
