// A realistic usage history of a heavy AI-coding user, as `UsageRecord` batches: no log files,
// so a million requests take seconds. Deterministic for a seed; used by `npm run bench:scale`
// and by tests that need a big store.
//
// Shape: 14 months of 1,000–3,000 requests per active day (quieter weekends, a vacation, some
// days off), 34 projects (a few nested), 6 sources with their own session and dedupe-key
// formats, 12 priced models plus one the price table does not know, token counts that follow a
// growing context (big cache reads, small uncached input, compaction, occasional >200k
// requests), reported costs where the tools record them, and the copies a correct store keeps
// once: exact duplicates (archived or re-read files), Claude Code resumed-session replays,
// streamed partial copies and sidechain replays.
//
// The daily rate does not depend on the size asked for: `requests` decides how far back the
// history reaches (1M ≈ 14 months; 100k ≈ the last 6 weeks). Each day is generated from its own
// seed, so a smaller history is the tail of a bigger one with the same seed and end.
import type { SourceId, UsageRecord } from '../../src/core/model';

/** Bump when the output changes: cached stores built from an older version are rebuilt. */
export const GENERATOR_VERSION = 1;

/** The 14-month history holds this many requests; more than this makes every day busier. */
export const FULL_HISTORY_REQUESTS = 1_000_000;
const MONTHS = 14;
const DAY_MS = 86_400_000;
const MIN_ACTIVE_DAY = 1_000;
const MAX_ACTIVE_DAY = 3_000;

export interface HistoryOptions {
  /** Requests a correct store ends up with (duplicates and replays come on top). */
  requests: number;
  seed?: number;
  /** The last day of the history, YYYY-MM-DD (UTC). */
  end?: string;
  /** Records per yielded batch. */
  batchSize?: number;
}

export const DEFAULT_END = '2026-11-30';

export interface HistoryTruth {
  generatorVersion: number;
  seed: number;
  end: string;
  /** Requests after dedupe: what a correct store holds. */
  requests: number;
  /** Records yielded, copies included. */
  emitted: number;
  firstTs: number;
  lastTs: number;
  days: number;
  activeDays: number;
  /** Fewest and most requests on a whole active day. */
  perActiveDay: { min: number; max: number };
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number; cacheWrite1h: number; reasoning: number; total: number };
  /** Requests whose input (uncached + cache read + cache write) exceeds 200k tokens. */
  longContext: number;
  /** Requests that carry the tool's own cost, and its sum (USD). */
  reported: { requests: number; cost: number };
  bySource: Partial<Record<SourceId, number>>;
  byProject: Record<string, number>;
  byModel: Record<string, number>;
  copies: { exactDuplicates: number; resumedReplays: number; streamedPartials: number; sidechainReplays: number };
  sessions: number;
}

// ---------------------------------------------------------------- randomness

/** sfc32: small, fast, and good enough for synthetic data. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;

  constructor(...seeds: number[]) {
    // splitmix32 over the seeds fills the state.
    let h = 0x9e3779b9;
    const mix = (x: number) => {
      h = (h + x + 0x9e3779b9) | 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    for (const s of seeds) mix(s >>> 0);
    this.a = mix(1);
    this.b = mix(2);
    this.c = mix(3);
    this.d = mix(4);
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.u32() / 4294967296;
  }

  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal around `median`; `sigma` is the spread of its logarithm. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  weighted<T>(items: readonly T[], weight: (t: T) => number): T {
    let total = 0;
    for (const t of items) total += weight(t);
    let x = this.next() * total;
    for (const t of items) {
      x -= weight(t);
      if (x < 0) return t;
    }
    return items[items.length - 1];
  }

  base62(n: number): string {
    let s = '';
    while (s.length < n) {
      let x = this.u32();
      for (let i = 0; i < 5 && s.length < n; i++) {
        s += B62[x % 62];
        x = Math.floor(x / 62);
      }
    }
    return s;
  }

  hex(n: number): string {
    let s = '';
    while (s.length < n) s += this.u32().toString(16).padStart(8, '0');
    return s.slice(0, n);
  }

  uuid(): string {
    const h = this.hex(32);
    const variant = '89ab'[this.u32() & 3];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** A UUIDv7 (time-ordered), as Codex names its sessions. */
  uuid7(ts: number): string {
    const t = ts.toString(16).padStart(12, '0');
    const h = this.hex(20);
    const variant = '89ab'[this.u32() & 3];
    return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${h.slice(0, 3)}-${variant}${h.slice(3, 6)}-${h.slice(6, 18)}`;
  }
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// ---------------------------------------------------------------- the user's world

/** [path, weight, active from, active until] as fractions of the 14-month timeline. */
const PROJECTS: readonly (readonly [string, number, number, number])[] = [
  ['/home/alex/work/acme/platform', 10, 0, 1],
  ['/home/alex/work/acme/platform/services/billing', 6, 0.1, 1],
  ['/home/alex/work/acme/platform/services/gateway', 5, 0, 0.8],
  ['/home/alex/work/acme/platform/services/auth', 2, 0.3, 1],
  ['/home/alex/work/acme/platform/web', 7, 0.2, 1],
  ['/home/alex/work/acme/mobile-app', 4, 0.3, 1],
  ['/home/alex/work/acme/infra', 3, 0, 1],
  ['/home/alex/work/acme/data-pipeline', 3, 0.5, 1],
  ['/home/alex/work/acme/design-system', 2, 0, 0.6],
  ['/home/alex/src/ai-usage-dashboard', 8, 0.6, 1],
  ['/home/alex/src/dotfiles', 1, 0, 1],
  ['/home/alex/src/blog', 1, 0, 1],
  ['/home/alex/src/rust-raytracer', 2, 0.2, 0.5],
  ['/home/alex/src/advent-of-code-2025', 2, 0.15, 0.25],
  ['/home/alex/src/homelab', 1.5, 0, 1],
  ['/home/alex/src/cli-tools', 1, 0, 1],
  ['/home/alex/src/scratch', 1, 0, 1],
  ['/home/alex/src/llm-evals', 3, 0.4, 1],
  ['/home/alex/src/tiny-http', 1, 0.1, 0.4],
  ['/home/alex/src/notes-sync', 1, 0.5, 0.9],
  ['/home/alex/src/kotlin-playground', 0.5, 0, 0.3],
  ['/home/alex/oss/vitest', 2, 0, 1],
  ['/home/alex/oss/ruff', 1.5, 0.3, 1],
  ['/home/alex/oss/tokio', 1, 0.2, 0.7],
  ['/home/alex/oss/sqlite-utils', 1, 0, 0.5],
  ['/home/alex/oss/neovim', 0.8, 0.5, 1],
  ['/home/alex/clients/northwind/erp-sync', 4, 0, 0.45],
  ['/home/alex/clients/northwind/reporting', 2, 0.1, 0.45],
  ['/home/alex/clients/globex/checkout', 4, 0.45, 1],
  ['/home/alex/clients/globex/checkout/packages/sdk', 2, 0.5, 1],
  ['/home/alex/clients/globex/search', 3, 0.6, 1],
  ['/home/alex/clients/initech/tps-reports', 2, 0.7, 1],
  ['/home/alex/Documents/thesis', 0.5, 0, 0.2],
  ['/tmp/repro-issue-4821', 0.2, 0.8, 0.85],
];

type GenSource = 'claude-code' | 'codex' | 'gemini-cli' | 'opencode' | 'cline' | 'copilot-cli';

/** Share of sessions' requests per source. Copilot CLI logs one row per session segment. */
const SOURCES: readonly (readonly [GenSource, number])[] = [
  ['claude-code', 55],
  ['codex', 25],
  ['gemini-cli', 6],
  ['opencode', 5],
  ['cline', 5],
  ['copilot-cli', 4],
];

interface ModelSpec {
  raw: string;
  from?: string;
  until?: string;
  weight: number;
  /** USD per million tokens [input, output, cache read, cache write], for tools that record a cost. */
  rates?: readonly [number, number, number, number];
}

const SONNET_RATES = [3, 15, 0.3, 3.75] as const;
const OPUS_RATES = [5, 25, 0.5, 6.25] as const;
const GPT_RATES = [1.25, 10, 0.125, 0] as const;

/** What each tool ran, and when (release dates; old models fade out). */
const MODELS: Record<GenSource, readonly ModelSpec[]> = {
  'claude-code': [
    { raw: 'claude-sonnet-4-5-20250929', from: '2025-09-29', until: '2026-04-15', weight: 5 },
    { raw: 'claude-opus-4-5-20251101', from: '2025-11-24', until: '2026-03-01', weight: 4 },
    { raw: 'claude-opus-4-6', from: '2026-02-05', weight: 5 },
    { raw: 'claude-sonnet-4-6', from: '2026-02-17', weight: 4 },
  ],
  codex: [
    { raw: 'gpt-5-codex', from: '2025-09-15', until: '2026-01-31', weight: 5 },
    { raw: 'gpt-5.1-codex', from: '2025-11-13', until: '2026-05-31', weight: 4 },
    { raw: 'gpt-5.1-codex-max', from: '2025-11-19', until: '2026-06-30', weight: 3 },
    { raw: 'gpt-5.2-codex', from: '2026-01-14', weight: 6 },
  ],
  'gemini-cli': [
    { raw: 'gemini-2.5-pro', until: '2026-03-31', weight: 4 },
    { raw: 'gemini-2.5-flash', weight: 2 },
    { raw: 'gemini-3-pro-preview', from: '2025-11-18', weight: 5 },
  ],
  opencode: [
    { raw: 'claude-sonnet-4-5', from: '2025-09-29', weight: 3, rates: SONNET_RATES },
    { raw: 'gpt-5.1-codex', from: '2025-11-13', weight: 2, rates: GPT_RATES },
    { raw: 'qwen3-coder:30b', weight: 2 }, // a local model: the price table does not know it
  ],
  cline: [
    { raw: 'claude-sonnet-4-5-20250929', from: '2025-09-29', weight: 4, rates: SONNET_RATES },
    { raw: 'claude-opus-4-5-20251101', from: '2025-11-24', weight: 2, rates: OPUS_RATES },
  ],
  'copilot-cli': [
    { raw: 'claude-sonnet-4.5', from: '2025-09-29', weight: 3 },
    { raw: 'gpt-5.1-codex', from: '2025-11-13', weight: 2 },
  ],
};
/** Claude Code's sub-agents and quick tasks. */
const HAIKU = { raw: 'claude-haiku-4-5-20251001', from: '2025-10-15' };

/** How often the copies a store must keep once appear. */
const EXACT_DUPLICATE = 0.002;
const RESUMED_REPLAY = 0.002;
const STREAMED_PARTIAL = 0.001;
const SIDECHAIN_REPLAY = 0.001;

/** UTC hour weights: a working day in Europe, some evenings, little at night. */
const HOUR_WEIGHTS = [0.2, 0.1, 0.05, 0.05, 0.1, 0.3, 1, 3, 5, 6, 6, 4, 3, 5, 6, 6, 5, 4, 2.5, 2.5, 2, 1.5, 1, 0.5];
const HOURS = HOUR_WEIGHTS.map((w, h) => ({ h, w }));

// ---------------------------------------------------------------- the calendar

function parseDay(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new Error(`expected a date YYYY-MM-DD, got "${day}"`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(t).toISOString().slice(0, 10) !== day) throw new Error(`no such date: ${day}`);
  return t;
}

interface PlannedDay {
  start: number;
  index: number;
  count: number;
  /** Position on the 14-month timeline, 0…1. */
  t: number;
}

/** Requests per day over the full 14 months, summing to FULL_HISTORY_REQUESTS. */
function fullCalendar(end: number, seed: number): PlannedDay[] {
  const e = new Date(end);
  const first = Date.UTC(e.getUTCFullYear(), e.getUTCMonth() - MONTHS, e.getUTCDate() + 1);
  const n = Math.round((end - first) / DAY_MS) + 1;
  const rng = new Rng(seed, 0x0ca1e);
  const vacation = rng.int(Math.floor(n * 0.55), Math.floor(n * 0.75)); // ten days off in the summer-ish middle
  const weights: number[] = [];
  for (let i = 0; i < n; i++) {
    const day = new Date(first + i * DAY_MS).getUTCDay();
    const weekend = day === 0 || day === 6;
    const trend = 0.8 + 0.25 * (i / n);
    let w: number;
    if (i >= vacation && i < vacation + 10) w = 0;
    else if (weekend) w = rng.chance(0.15) ? 0 : rng.between(0.5, 0.7) * trend;
    else w = rng.chance(0.01) ? 0 : rng.between(0.7, 1) * trend;
    weights.push(w);
  }
  // Scale to the full size, keeping every active day within the realistic band.
  let counts = weights.map(() => 0);
  let scale = FULL_HISTORY_REQUESTS / weights.reduce((a, b) => a + b, 0);
  for (let round = 0; round < 8; round++) {
    counts = weights.map((w) => (w === 0 ? 0 : Math.min(MAX_ACTIVE_DAY, Math.max(MIN_ACTIVE_DAY, Math.round(w * scale)))));
    const sum = counts.reduce((a, b) => a + b, 0);
    scale *= FULL_HISTORY_REQUESTS / sum;
  }
  // Exact total: nudge the days that have room, newest first.
  let diff = FULL_HISTORY_REQUESTS - counts.reduce((a, b) => a + b, 0);
  for (let i = n - 1; diff !== 0; i = i === 0 ? n - 1 : i - 1) {
    if (!counts[i]) continue;
    const step = diff > 0 ? (counts[i] < MAX_ACTIVE_DAY ? 1 : 0) : counts[i] > MIN_ACTIVE_DAY ? -1 : 0;
    counts[i] += step;
    diff -= step;
  }
  return counts.map((count, index) => ({ start: first + index * DAY_MS, index, count, t: index / (n - 1) }));
}

/** The days of a history of `requests`: the newest days whole, the first day partly; more than the full history makes days busier. */
export function planDays(requests: number, end: string, seed: number): PlannedDay[] {
  if (!Number.isInteger(requests) || requests < 1) throw new Error(`requests must be a positive whole number, got ${requests}`);
  const full = fullCalendar(parseDay(end), seed);
  if (requests >= FULL_HISTORY_REQUESTS) {
    const factor = requests / FULL_HISTORY_REQUESTS;
    const days = full.map((d) => ({ ...d, count: Math.round(d.count * factor) }));
    let diff = requests - days.reduce((a, d) => a + d.count, 0);
    for (let i = days.length - 1; diff !== 0; i = i === 0 ? days.length - 1 : i - 1) {
      if (!days[i].count) continue;
      const step = diff > 0 ? 1 : -1;
      days[i].count += step;
      diff -= step;
    }
    return days;
  }
  const out: PlannedDay[] = [];
  let left = requests;
  for (let i = full.length - 1; i >= 0 && left > 0; i--) {
    const take = Math.min(left, full[i].count);
    if (take) out.unshift({ ...full[i], count: take });
    left -= take;
  }
  return out;
}

// ---------------------------------------------------------------- sessions

interface Tokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
  reasoning: number;
}

interface Session {
  source: GenSource;
  id: string;
  project: string;
  model: ModelSpec;
  /** Requests in this session. */
  length: number;
  /** Next request's tokens and key. */
  next(rng: Rng, ts: number): { key: string; tokens: Tokens; model: string; alias?: string };
  /** Milliseconds to the next request. */
  gap(rng: Rng): number;
}

function available(models: readonly ModelSpec[], day: string): ModelSpec[] {
  const ok = models.filter((m) => (!m.from || m.from <= day) && (!m.until || m.until >= day));
  return ok.length ? ok : [...models];
}

const round = Math.round;

interface ContextShape {
  start: readonly [number, number];
  /** Tokens added per request: log-normal median and spread, and a cap. */
  growth: readonly [number, number];
  cap: number;
  /** The size after a compaction. */
  reset: readonly [number, number];
}

/** A chat agent's conversation (Claude Code, Cline, OpenCode). */
const CHAT: ContextShape = { start: [12_000, 28_000], growth: [900, 1.1], cap: 60_000, reset: [25_000, 45_000] };

/** A conversation's context grows with each request and is compacted past a limit. */
class Context {
  size: number;
  constructor(
    rng: Rng,
    private readonly limit: number,
    private readonly shape: ContextShape = CHAT,
  ) {
    this.size = round(rng.between(...shape.start));
  }
  grow(rng: Rng): number {
    const added = round(Math.min(this.shape.cap, rng.logNormal(...this.shape.growth)));
    this.size += added;
    if (this.size > this.limit) this.size = round(rng.between(...this.shape.reset)); // compacted
    return added;
  }
}

function outputTokens(rng: Rng, median: number): number {
  const o = rng.chance(0.004) ? rng.between(16_000, 32_000) : rng.logNormal(median, 1.0);
  return Math.max(1, Math.min(32_000, round(o)));
}

function sessionLength(rng: Rng, source: GenSource): number {
  if (source === 'copilot-cli') return rng.int(1, 3); // one row per session segment
  const median = source === 'claude-code' ? 45 : source === 'codex' ? 30 : 20;
  return Math.max(2, Math.min(600, round(rng.logNormal(median, 0.9))));
}

function newSession(rng: Rng, source: GenSource, project: string, day: string, startTs: number): Session {
  const model = rng.weighted(available(MODELS[source], day), (m) => m.weight);
  const length = sessionLength(rng, source);
  /** Seconds while the agent works, now and then minutes while its user reads. */
  const working = (median: number) => (r: Rng) => (r.chance(0.08) ? r.between(60_000, 900_000) : r.logNormal(median, 0.7));
  const session = (id: string, gap: Session['gap'], next: Session['next']): Session => ({ source, id, project, model, length, gap, next });
  switch (source) {
    case 'claude-code': {
      // A few sessions run with the 1M-token context: those requests go past 200k.
      const longCtx = model.raw.includes('sonnet') && rng.chance(0.03);
      const ctx = new Context(rng, longCtx ? 450_000 : 165_000);
      const oneHour = rng.chance(0.2);
      const haiku = day >= HAIKU.from;
      let first = true;
      return session(rng.uuid(), working(9_000), (r) => {
        const sub = haiku && r.chance(0.15);
        const msg = `msg_01${r.base62(22)}`;
        const key = `${msg}:req_011C${r.base62(20)}`;
        let tokens: Tokens;
        if (sub) {
          const w = round(r.between(3_000, 15_000));
          tokens = { input: r.int(3, 40), output: outputTokens(r, 180), cacheRead: round(r.between(8_000, 30_000)), cacheWrite: w, cacheWrite1h: 0, reasoning: 0 };
        } else {
          // The first request reads the shared system prompt from the cache and writes the rest.
          const before = ctx.size;
          const read = first ? round(before * r.between(0.4, 0.7)) : before;
          const write = first ? before - read : ctx.grow(r);
          first = false;
          tokens = {
            input: r.chance(0.05) ? r.int(100, 4_000) : r.int(1, 12),
            output: outputTokens(r, 260),
            cacheRead: read,
            cacheWrite: write,
            cacheWrite1h: oneHour ? write : 0,
            reasoning: 0,
          };
        }
        return { key, tokens, model: sub ? HAIKU.raw : model.raw, alias: msg };
      });
    }
    case 'codex': {
      const id = rng.uuid7(startTs);
      const cum = [0, 0, 0, 0, 0];
      const ctx = new Context(rng, rng.chance(0.05) ? 260_000 : 180_000, { start: [9_000, 16_000], growth: [2_500, 0.9], cap: Infinity, reset: [20_000, 40_000] });
      return session(id, working(20_000), (r) => {
        ctx.grow(r);
        const cached = round(ctx.size * r.between(0.75, 0.97));
        const out = outputTokens(r, 450);
        const reasoning = round(out * r.between(0.2, 0.7));
        const d = [ctx.size, cached, 0, out, reasoning];
        for (let i = 0; i < 5; i++) cum[i] += d[i];
        return {
          key: `${id}:0:${cum.join(':')}`,
          tokens: { input: ctx.size - cached, output: out, cacheRead: cached, cacheWrite: 0, cacheWrite1h: 0, reasoning },
          model: model.raw,
        };
      });
    }
    case 'gemini-cli': {
      const id = rng.uuid();
      const ctx = new Context(rng, rng.chance(0.05) ? 320_000 : 160_000, { start: [8_000, 20_000], growth: [3_000, 1], cap: Infinity, reset: [20_000, 50_000] });
      return session(id, working(15_000), (r) => {
        ctx.grow(r);
        const cached = r.chance(0.2) ? 0 : round(ctx.size * r.between(0.5, 0.9));
        const thoughts = r.chance(0.7) ? round(r.logNormal(500, 0.8)) : 0;
        const out = outputTokens(r, 300);
        return {
          key: `${id}:${r.uuid()}`,
          tokens: { input: ctx.size - cached, output: out + thoughts, cacheRead: cached, cacheWrite: 0, cacheWrite1h: 0, reasoning: thoughts },
          model: model.raw,
        };
      });
    }
    case 'opencode': {
      const local = !model.rates;
      const ctx = new Context(rng, local ? 120_000 : 180_000);
      const tsHex = (ts: number) => ts.toString(16).padStart(12, '0');
      return session(`ses_${tsHex(startTs)}${rng.base62(14)}`, working(12_000), (r, ts) => {
        const before = ctx.size;
        const added = ctx.grow(r);
        const out = outputTokens(r, 300);
        const tokens: Tokens = local
          ? { input: before + added, output: out, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, reasoning: 0 }
          : { input: r.int(1, 600), output: out, cacheRead: before, cacheWrite: added, cacheWrite1h: 0, reasoning: 0 };
        return { key: `msg_${tsHex(ts)}${r.base62(14)}`, tokens, model: model.raw };
      });
    }
    case 'cline': {
      const ctx = new Context(rng, 180_000);
      const taskId = String(startTs);
      return session(taskId, working(14_000), (r, ts) => {
        const before = ctx.size;
        const added = ctx.grow(r);
        return {
          key: `${taskId}:${ts}`,
          tokens: { input: r.int(2, 900), output: outputTokens(r, 350), cacheRead: before, cacheWrite: added, cacheWrite1h: 0, reasoning: 0 },
          model: model.raw,
        };
      });
    }
    case 'copilot-cli': {
      const id = rng.uuid();
      // One row per session segment: segments end when the CLI is closed.
      return session(id, (r) => r.between(600_000, 3_600_000), (r) => {
        const requests = r.int(5, 60);
        const cacheRead = round(requests * r.between(20_000, 60_000));
        const out = round(requests * r.logNormal(400, 0.6));
        return {
          key: `${id}:${r.uuid()}:${model.raw}`,
          tokens: { input: round(requests * r.between(500, 4_000)), output: out, cacheRead, cacheWrite: round(cacheRead * r.between(0.02, 0.08)), cacheWrite1h: 0, reasoning: round(out * r.between(0, 0.3)) },
          model: model.raw,
        };
      });
    }
  }
}

function reportedCostOf(rates: readonly [number, number, number, number], t: Tokens): number {
  return Math.round((t.input * rates[0] + t.output * rates[1] + t.cacheRead * rates[2] + t.cacheWrite * rates[3]) / 1e6 * 1e8) / 1e8;
}

// ---------------------------------------------------------------- the history

export interface History {
  batches: Iterable<UsageRecord[]>;
  /** Complete once `batches` has been consumed. */
  truth(): HistoryTruth;
}

/** The history as batches of records; iterate once. */
export function history(opts: HistoryOptions): History {
  const seed = opts.seed ?? 1;
  const end = opts.end ?? DEFAULT_END;
  const batchSize = opts.batchSize ?? 10_000;
  const days = planDays(opts.requests, end, seed);
  const truth: HistoryTruth = {
    generatorVersion: GENERATOR_VERSION,
    seed,
    end,
    requests: 0,
    emitted: 0,
    firstTs: Infinity,
    lastTs: -Infinity,
    days: days.length,
    activeDays: days.filter((d) => d.count > 0).length,
    perActiveDay: { min: Infinity, max: 0 },
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, reasoning: 0, total: 0 },
    longContext: 0,
    reported: { requests: 0, cost: 0 },
    bySource: {},
    byProject: {},
    byModel: {},
    copies: { exactDuplicates: 0, resumedReplays: 0, streamedPartials: 0, sidechainReplays: 0 },
    sessions: 0,
  };
  for (const [i, d] of days.entries()) {
    if (d.count && (i > 0 || days.length === 1 || d.count >= MIN_ACTIVE_DAY)) {
      truth.perActiveDay.min = Math.min(truth.perActiveDay.min, d.count);
      truth.perActiveDay.max = Math.max(truth.perActiveDay.max, d.count);
    }
  }

  const count = (r: UsageRecord) => {
    truth.requests++;
    const t = truth.tokens;
    t.input += r.inputTokens;
    t.output += r.outputTokens;
    t.cacheRead += r.cacheReadTokens;
    t.cacheWrite += r.cacheWriteTokens;
    t.cacheWrite1h += r.cacheWrite1hTokens;
    t.reasoning += r.reasoningTokens;
    t.total += r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens;
    if (r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens > 200_000) truth.longContext++;
    if (r.reportedCost !== undefined) {
      truth.reported.requests++;
      truth.reported.cost += r.reportedCost;
    }
    truth.bySource[r.source] = (truth.bySource[r.source] ?? 0) + 1;
    truth.byProject[r.project] = (truth.byProject[r.project] ?? 0) + 1;
    truth.byModel[r.modelRaw] = (truth.byModel[r.modelRaw] ?? 0) + 1;
    if (r.ts < truth.firstTs) truth.firstTs = r.ts;
    if (r.ts > truth.lastTs) truth.lastTs = r.ts;
  };

  function* generate(): Generator<UsageRecord[]> {
    let batch: UsageRecord[] = [];
    const emit = (r: UsageRecord) => {
      batch.push(r);
      truth.emitted++;
    };
    for (const day of days) {
      const rng = new Rng(seed, day.index + 1);
      const dayText = new Date(day.start).toISOString().slice(0, 10);
      const projects = PROJECTS.filter(([, , from, until]) => day.t >= from && day.t <= until);
      let left = day.count;
      while (left > 0) {
        const source = rng.weighted(SOURCES, ([, w]) => w)[0];
        const project = rng.weighted(projects, ([, w]) => w)[0];
        const hour = rng.weighted(HOURS, (h) => h.w).h;
        let ts = day.start + hour * 3_600_000 + Math.floor(rng.next() * 3_600_000);
        const s = newSession(rng, source, project, dayText, ts);
        truth.sessions++;
        const n = Math.min(s.length, left);
        left -= n;
        for (let i = 0; i < n; i++) {
          ts += Math.max(1_000, round(s.gap(rng)));
          const { key, tokens, model, alias } = s.next(rng, ts);
          const r: UsageRecord = {
            source,
            dedupeKey: key,
            ts,
            project,
            modelRaw: model,
            sessionId: s.id,
            inputTokens: tokens.input,
            outputTokens: tokens.output,
            cacheReadTokens: tokens.cacheRead,
            cacheWriteTokens: tokens.cacheWrite,
            cacheWrite1hTokens: tokens.cacheWrite1h,
            reasoningTokens: tokens.reasoning,
          };
          if (alias) {
            r.aliasKey = alias;
            r.isCopy = false;
          }
          if (s.model.rates && !(source === 'opencode' && rng.chance(0.4))) r.reportedCost = reportedCostOf(s.model.rates, tokens); // OpenCode: 0 on subscriptions
          count(r);
          const sidechain = source === 'claude-code' && rng.chance(SIDECHAIN_REPLAY);
          // A replay may be read before the request it copies (its file listed first).
          const sidechainFirst = sidechain && rng.chance(0.2);
          const sidechainCopy = (): UsageRecord => ({ ...r, dedupeKey: `${alias}:sidechain`, isCopy: true });
          if (sidechainFirst) emit(sidechainCopy());
          if (source === 'claude-code' && rng.chance(STREAMED_PARTIAL)) {
            emit({ ...r, outputTokens: Math.max(1, Math.floor(r.outputTokens * rng.between(0.05, 0.6))) });
            truth.copies.streamedPartials++;
          }
          emit(r);
          if (sidechain) {
            if (!sidechainFirst) emit(sidechainCopy());
            truth.copies.sidechainReplays++;
          }
          if (rng.chance(EXACT_DUPLICATE)) {
            emit({ ...r });
            truth.copies.exactDuplicates++;
          }
          if (source === 'claude-code' && rng.chance(RESUMED_REPLAY)) {
            // A resumed session copies earlier lines under its own session id, stamped later.
            emit({ ...r, sessionId: rng.uuid(), ts: r.ts + round(rng.between(60_000, 86_400_000)) });
            truth.copies.resumedReplays++;
          }
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
      }
    }
    if (batch.length) yield batch;
  }

  let started = false;
  return {
    batches: {
      [Symbol.iterator]() {
        if (started) throw new Error('a history can be iterated once');
        started = true;
        return generate();
      },
    },
    truth: () => truth,
  };
}

/** The truth of a history without keeping its records (one fast pass). */
export function historyTruth(opts: HistoryOptions): HistoryTruth {
  const h = history(opts);
  for (const batch of h.batches) void batch;
  return h.truth();
}

/** "100k", "1m", "1.5M", "250000" → a number of requests. */
export function parseRequestCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!m) throw new Error(`expected a number of requests like 100k or 1m, got "${text}"`);
  const n = Number(m[1]) * ({ '': 1, k: 1e3, m: 1e6 } as const)[m[2].toLowerCase() as '' | 'k' | 'm'];
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a whole positive number of requests: "${text}"`);
  return n;
}

/** 1000000 → "1m", 100000 → "100k". */
export function formatRequestCount(n: number): string {
  if (n % 1e6 === 0) return `${n / 1e6}m`;
  if (n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}
