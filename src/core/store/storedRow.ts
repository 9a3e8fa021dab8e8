// One request as the store keeps it: dimension values still as text (each process maps them to
// its own small ids), cost in integer nano-dollars (so sums and rollups add up exactly), the
// 64-bit content-hash id. The same shape is written to the journal.
import type { CostSource, PricedRecord, SourceId } from '../model';
import { hash64 } from './hash';

export const NANO = 1e9;

/** Bits of `flags`. */
export const COST_SOURCE_MASK = 3;
export const COST_SOURCES: readonly CostSource[] = ['estimated', 'reported', 'unpriced'];
export const FLAG_APPROXIMATE = 4;
/** A possible replay of another request (see UsageRecord.isCopy). */
export const FLAG_COPY = 8;
/** Aider chat-history rows: session-start times and rounded counts (see engine/overlaps.ts). */
export const FLAG_CHAT_HISTORY = 16;

/** What a stored row measures, the same in memory and in a month file. */
export interface RowMeasures {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
  reasoning: number;
  /** API requests this row stands for (1, except aggregated session segments). */
  requests: number;
  /** Nano-USD. */
  cost: number;
  /** Nano-USD the tool recorded, or null. */
  reported: number | null;
  flags: number;
  /** hash64(source NUL aliasKey), or null when the row has no alias. */
  alias: bigint | null;
}

export interface StoredRow extends RowMeasures {
  id: bigint;
  source: SourceId;
  ts: number;
  project: string;
  modelRaw: string;
  model: string;
  /** The model id whose price was used, when it is not `model` (a documented fallback). */
  pricedAs: string | null;
  session: string;
  branch: string;
}

export function rowId(source: SourceId, dedupeKey: string): bigint {
  return hash64(`${source}\0${dedupeKey}`);
}

export function aliasId(source: SourceId, aliasKey: string): bigint {
  return hash64(`${source}\0${aliasKey}`);
}

export const toNano = (usd: number): number => Math.round(usd * NANO);

const AIDER_HISTORY_KEY = /\.md:\d+$/;

export function fromPriced(r: PricedRecord): StoredRow {
  let flags = COST_SOURCES.indexOf(r.costSource);
  if (flags < 0) flags = 0;
  if (r.approximate) flags |= FLAG_APPROXIMATE;
  if (r.isCopy) flags |= FLAG_COPY;
  if (r.source === 'aider' && AIDER_HISTORY_KEY.test(r.dedupeKey)) flags |= FLAG_CHAT_HISTORY;
  return {
    id: rowId(r.source, r.dedupeKey),
    source: r.source,
    ts: Math.round(r.ts),
    project: r.project,
    modelRaw: r.modelRaw,
    model: r.model,
    pricedAs: r.pricedAs && r.pricedAs !== r.model ? r.pricedAs : null,
    session: r.sessionId,
    branch: r.branch ?? '',
    input: r.inputTokens,
    output: r.outputTokens,
    cacheRead: r.cacheReadTokens,
    cacheWrite: r.cacheWriteTokens,
    cacheWrite1h: r.cacheWrite1hTokens,
    reasoning: r.reasoningTokens,
    requests: r.requests && r.requests > 1 ? Math.round(r.requests) : 1,
    cost: toNano(r.cost),
    reported: r.reportedCost === undefined ? null : toNano(r.reportedCost),
    flags,
    alias: r.aliasKey ? aliasId(r.source, r.aliasKey) : null,
  };
}

export function costSourceOf(flags: number): CostSource {
  return COST_SOURCES[flags & COST_SOURCE_MASK] ?? 'estimated';
}

export function tokensOf(r: Pick<StoredRow, 'input' | 'output' | 'cacheRead' | 'cacheWrite'>): number {
  return r.input + r.output + r.cacheRead + r.cacheWrite;
}

/**
 * Whether `b` is a better copy of the same request than `a`: more tokens (a later streamed line),
 * then a tool-recorded cost, then not being a replay. Equal copies keep what is stored.
 */
export function isBetter(b: StoredRow, a: StoredRow): boolean {
  const tb = tokensOf(b);
  const ta = tokensOf(a);
  if (tb !== ta) return tb > ta;
  if ((b.reported !== null) !== (a.reported !== null)) return b.reported !== null;
  return (a.flags & FLAG_COPY) !== 0 && (b.flags & FLAG_COPY) === 0;
}

// ---- journal form: an array per row, ids as decimal strings ---------------------------

export type JournalRow = [
  id: string,
  source: SourceId,
  ts: number,
  project: string,
  modelRaw: string,
  model: string,
  pricedAs: string | null,
  session: string,
  branch: string,
  input: number,
  output: number,
  cacheRead: number,
  cacheWrite: number,
  cacheWrite1h: number,
  reasoning: number,
  requests: number,
  cost: number,
  reported: number | null,
  flags: number,
  alias: string | null,
];

export function toJournal(r: StoredRow): JournalRow {
  return [
    r.id.toString(),
    r.source,
    r.ts,
    r.project,
    r.modelRaw,
    r.model,
    r.pricedAs,
    r.session,
    r.branch,
    r.input,
    r.output,
    r.cacheRead,
    r.cacheWrite,
    r.cacheWrite1h,
    r.reasoning,
    r.requests,
    r.cost,
    r.reported,
    r.flags,
    r.alias === null ? null : r.alias.toString(),
  ];
}

export function fromJournal(j: JournalRow): StoredRow {
  return {
    id: BigInt(j[0]),
    source: j[1],
    ts: j[2],
    project: j[3],
    modelRaw: j[4],
    model: j[5],
    pricedAs: j[6],
    session: j[7],
    branch: j[8],
    input: j[9],
    output: j[10],
    cacheRead: j[11],
    cacheWrite: j[12],
    cacheWrite1h: j[13],
    reasoning: j[14],
    requests: j[15],
    cost: j[16],
    reported: j[17],
    flags: j[18],
    alias: j[19] === null ? null : BigInt(j[19]),
  };
}
