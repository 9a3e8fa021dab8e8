import type { PricedRecord } from '../../src/core/model';
import { UsageStore } from '../../src/core/store/usageStore';

/** A priced record with sensible defaults; override what the test is about. */
export function rec(over: Partial<PricedRecord> & { dedupeKey: string }): PricedRecord {
  return {
    source: 'claude-code',
    ts: Date.UTC(2026, 7, 20, 10),
    project: '/home/u/app',
    modelRaw: 'claude-sonnet-4-5-20250929',
    model: 'claude-sonnet-4-5',
    sessionId: 's1',
    inputTokens: 10,
    outputTokens: 100,
    cacheReadTokens: 1000,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
    reasoningTokens: 0,
    cost: 0.01,
    costSource: 'estimated',
    ...over,
  };
}

/** An in-memory store holding these records. */
export async function storeWith(records: PricedRecord[]): Promise<UsageStore> {
  const s = await UsageStore.inMemory();
  await s.write({ rows: records });
  return s;
}
