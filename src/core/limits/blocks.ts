// Claude Code's 5-hour blocks rebuilt from its requests, as ccusage's `blocks` report defines
// them (limits-and-plans.md §5, ryoppippi/ccusage blocks.rs @5816e640): a block opens at the UTC
// hour of its first entry and lasts D (5 h); an entry more than D after the block's start, or
// more than D after the block's last entry, opens the next one (strict >), and a silence longer
// than D leaves a gap block. Anthropic's own window starts at the first request, so a rebuilt
// block is an estimate: an official reset time, when one has arrived, is the truth.

export const BLOCK_MS = 5 * 3_600_000;
const HOUR = 3_600_000;

export interface BlockEntry {
  ts: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** USD. */
  cost: number;
  model: string;
  /** A limit hit's reset time (zero-token limit lines still open and extend blocks, as in ccusage). */
  limitResetsAt?: number;
}

export interface Block {
  id: string;
  start: number;
  /** start + D. */
  end: number;
  /** The last entry's time (for a gap: its end). */
  actualEnd: number;
  isActive: boolean;
  isGap: boolean;
  entries: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** All four kinds (ccusage's totalTokens). */
  totalTokens: number;
  cost: number;
  models: string[];
  /** The first limit reset logged in the block. */
  usageLimitResetTime: number | null;
  /** Active blocks only. */
  burnRate: { tokensPerMinute: number; tokensPerMinuteForIndicator: number; costPerHour: number } | null;
  /** Active blocks only: where the block ends up at this burn rate. */
  projection: { totalTokens: number; cost: number; remainingMinutes: number } | null;
}

const floorToHour = (ts: number) => Math.floor(ts / HOUR) * HOUR;

function emptyBlock(start: number, D: number): Block {
  return {
    id: new Date(start).toISOString(),
    start,
    end: start + D,
    actualEnd: start,
    isActive: false,
    isGap: false,
    entries: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    totalTokens: 0,
    cost: 0,
    models: [],
    usageLimitResetTime: null,
    burnRate: null,
    projection: null,
  };
}

/** Blocks of `entries` (any order), oldest first, gaps included; `now` decides which is active. */
export function identifyBlocks(entries: readonly BlockEntry[], now: number, D = BLOCK_MS): Block[] {
  if (!(D > 0)) throw new Error('The block length must be positive');
  const sorted = [...entries].sort((a, b) => a.ts - b.ts);
  const blocks: Block[] = [];
  let current: Block | undefined;
  let first = 0;
  let last = 0;
  const close = () => {
    if (!current) return;
    finish(current, first, last, now, D);
    blocks.push(current);
  };
  for (const e of sorted) {
    if (current && (e.ts - current.start > D || e.ts - last > D)) {
      close();
      if (e.ts - last > D) {
        const gap = emptyBlock(last + D, 0);
        gap.id = `gap-${new Date(last + D).toISOString()}`;
        gap.isGap = true;
        gap.end = e.ts;
        gap.actualEnd = e.ts;
        blocks.push(gap);
      }
      current = undefined;
    }
    if (!current) {
      current = emptyBlock(floorToHour(e.ts), D);
      first = e.ts;
    }
    last = e.ts;
    current.entries++;
    current.input += e.input;
    current.output += e.output;
    current.cacheRead += e.cacheRead;
    current.cacheWrite += e.cacheWrite;
    current.cost += e.cost;
    if (e.model && !current.models.includes(e.model)) current.models.push(e.model);
    if (e.limitResetsAt !== undefined && current.usageLimitResetTime === null) current.usageLimitResetTime = e.limitResetsAt;
  }
  close();
  return blocks;
}

function finish(b: Block, first: number, last: number, now: number, D: number): void {
  b.actualEnd = last;
  b.totalTokens = b.input + b.output + b.cacheRead + b.cacheWrite;
  b.isActive = now - last < D && now < b.end;
  if (!b.isActive) return;
  const minutes = (last - first) / 60_000;
  if (minutes <= 0) return;
  b.burnRate = { tokensPerMinute: b.totalTokens / minutes, tokensPerMinuteForIndicator: (b.input + b.output) / minutes, costPerHour: (b.cost / minutes) * 60 };
  const remainingMinutes = Math.round((b.end - now) / 60_000);
  b.projection = {
    totalTokens: Math.round(b.totalTokens + b.burnRate.tokensPerMinute * remainingMinutes),
    cost: Math.round((b.cost + (b.burnRate.costPerHour / 60) * remainingMinutes) * 100) / 100,
    remainingMinutes,
  };
}

/** ccusage's statusline burn indicator. */
export function burnLevel(tokensPerMinuteForIndicator: number): 'normal' | 'moderate' | 'high' {
  return tokensPerMinuteForIndicator < 2000 ? 'normal' : tokensPerMinuteForIndicator < 5000 ? 'moderate' : 'high';
}
