// Prices one request at import time. Lookup order for a logged model id:
//   1. user override (keys normalised like logged ids; a raw lower-case key also matches);
//   2. '-fast' ids: base model × FAST_MULTIPLIERS (Claude without a known multiplier → unpriced);
//   3. genai-prices by the normalised id (+ documented supplement);
//   4. genai-prices by the raw id, then by 'provider/model' with that provider (for ids whose
//      provider prefix matters, e.g. '@cf/…' or 'zai/glm-4.6'), then within each first-party
//      vendor (the package only searches the provider whose id pattern claims the model, so
//      'codex-mini-latest' or 'codestral-latest' would otherwise miss);
//   5. table prices get the regional-endpoint premium where the id names a Bedrock geography
//      (regional.ts); overrides are taken as given;
//   6. a released name the table lacks is priced as its '-preview' when the table has that
//      (marked with pricedAs);
//   7. unpriced (cost 0), never a silent $0 'estimated'. Ids routed to a local runtime
//      ('ollama/…', 'lmstudio/…') skip the table: they cost nothing, so only an override prices them.
// Everything up to the rates is cached per raw id, so a record costs one Map lookup and a few
// multiplications.

import { createHash } from 'node:crypto';
import type { CostSource, UsageRecord } from '../model';
import { normalizeModelId } from './modelId';
import { loadStoredPriceTable } from './priceData';
import { regionalMultiplier } from './regional';
import { fastMultiplier } from './supplement';
import { BUNDLED_TABLE, compileTableModel, findTableModel, type PriceTable } from './table';
import type { PriceOverride, PriceOverrides, PriceVariant, Rates, ResolvedPrice, TieredRates } from './types';

/** Bump when normalisation, supplements or cost rules change, so stored rows get re-priced. */
export const PRICING_RULES_VERSION = 2;

const PER_TOKEN = 1e-6;

interface Entry extends TablePrice {
  model: string;
}

interface TablePrice {
  price: ResolvedPrice | null;
  /** The id whose table price is used, when it is not the model's own (the preview fallback). */
  pricedAs?: string;
}

export interface PriceResult {
  model: string;
  cost: number;
  costSource: CostSource;
  /** Only when the price of another model was used (see `pricedAs` on PricedRecord). */
  pricedAs?: string;
}

export class Pricer {
  /** Stable hash of the overrides, the price table in use and the rules: changes when prices change, so stored rows can be re-priced. */
  readonly fingerprint: string;
  /** Override keys that were ignored because their rates are not finite non-negative numbers. */
  readonly invalidOverrides: string[] = [];
  private readonly overrides = new Map<string, ResolvedPrice>();
  private readonly cache = new Map<string, Entry>();

  /** `table`: the bundled genai-prices data unless a stored data file was loaded (priceData.ts). */
  constructor(
    overrides: PriceOverrides = {},
    readonly table: PriceTable = BUNDLED_TABLE,
  ) {
    // Exact normalised keys win over un-normalised ones that normalise to the same id.
    const isCanonical = (key: string) => normalizeModelId(key, table) === key;
    const keys = Object.keys(overrides).sort((a, b) => Number(isCanonical(b)) - Number(isCanonical(a)));
    for (const key of keys) {
      const compiled = compileOverride(overrides[key]);
      if (!compiled) {
        this.invalidOverrides.push(key);
        continue;
      }
      const id = normalizeModelId(key, table);
      if (!this.overrides.has(id)) this.overrides.set(id, compiled);
      const rawKey = key.trim().toLowerCase();
      if (!this.overrides.has(rawKey)) this.overrides.set(rawKey, compiled);
    }
    this.fingerprint = fingerprintOf(overrides, table);
  }

  /** Price one request. Uses record.reportedCost when present (costSource 'reported'); otherwise the table ('estimated'); else 'unpriced' with cost 0. */
  price(r: UsageRecord): PriceResult {
    let e = this.cache.get(r.modelRaw);
    if (e === undefined) {
      e = this.resolve(r.modelRaw);
      this.cache.set(r.modelRaw, e);
    }
    const reported = r.reportedCost;
    if (reported !== undefined && Number.isFinite(reported)) return { model: e.model, cost: reported, costSource: 'reported' };
    if (e.price === null) return { model: e.model, cost: 0, costSource: 'unpriced' };
    const cost = costOf(pickVariant(e.price.variants, r.ts).rates, r);
    return e.pricedAs ? { model: e.model, cost, costSource: 'estimated', pricedAs: e.pricedAs } : { model: e.model, cost, costSource: 'estimated' };
  }

  /** Where a model's rates come from ('override', 'genai-prices:anthropic/claude-sonnet-4-5', …) or null when unpriced. */
  describe(modelRaw: string): { model: string; origin: string | null } {
    let e = this.cache.get(modelRaw);
    if (e === undefined) {
      e = this.resolve(modelRaw);
      this.cache.set(modelRaw, e);
    }
    return { model: e.model, origin: e.price?.origin ?? null };
  }

  private resolve(raw: string): Entry {
    const model = normalizeModelId(raw, this.table);
    const override = this.overrides.get(model) ?? this.overrides.get(raw.trim().toLowerCase());
    if (override) return { model, price: override };
    return { model, ...tablePrice(this.table, model, raw) };
  }
}

/**
 * The pricer for the user's overrides and the table Update Prices stored at `priceTableFile`
 * (none there: the bundled table). A stored table that cannot be used gives the bundled table
 * and a warning to show.
 */
export function pricerFor(overrides: PriceOverrides, priceTableFile?: string): { pricer: Pricer; warning?: string } {
  if (!priceTableFile) return { pricer: new Pricer(overrides) };
  try {
    return { pricer: new Pricer(overrides, loadStoredPriceTable(priceTableFile) ?? BUNDLED_TABLE) };
  } catch (e) {
    return { pricer: new Pricer(overrides), warning: (e as Error).message };
  }
}

const tableCaches = new WeakMap<PriceTable, Map<string, TablePrice>>();

/** Table price for a normalised id (falling back to the raw id); shared by all Pricers of a table. */
function tablePrice(table: PriceTable, model: string, raw: string): TablePrice {
  let tableCache = tableCaches.get(table);
  if (!tableCache) tableCaches.set(table, (tableCache = new Map()));
  const key = `${model}\u0000${raw}`;
  let p = tableCache.get(key);
  if (p === undefined) {
    p = lookupTable(table, model, raw);
    tableCache.set(key, p);
  }
  return p;
}

/** Vendors that price their own models; tried last, in this order. */
const FIRST_PARTY = ['openai', 'anthropic', 'google', 'x-ai', 'deepseek', 'mistral', 'moonshotai', 'zai', 'zhipuai', 'minimax', 'cohere', 'perplexity'];
const LOCAL_RUNTIME = /^(?:ollama|ollama_chat|lmstudio|lm-studio|lm_studio|llamacpp|llama\.cpp|llama-cpp|local|localhost)\//;

/**
 * The table's price for a logged id, with the regional-endpoint premium where it applies
 * (regional.ts). Preview fallback: a released name the table does not know at all, while it
 * knows '<name>-preview' (e.g. 'gemini-3-pro' before the table caught up with the release), is
 * priced as the preview and marked with `pricedAs`; any entry for the released name wins.
 */
function lookupTable(table: PriceTable, model: string, raw: string): TablePrice {
  let price = lookupTableBase(table, model, raw);
  let pricedAs: string | undefined;
  if (!price && !model.endsWith('-preview') && !model.endsWith('-fast')) {
    const preview = `${model}-preview`;
    price = lookupTableBase(table, preview, preview);
    if (price) pricedAs = preview;
  }
  const premium = regionalMultiplier(raw, model);
  if (price && premium !== 1) price = scale(price, premium, 'regional endpoint');
  return pricedAs ? { price, pricedAs } : { price };
}

function lookupTableBase(table: PriceTable, model: string, raw: string): ResolvedPrice | null {
  const find = (id: string, providerId?: string) => findTableModel(id, providerId, table);
  const lower = raw.trim().toLowerCase();
  if (LOCAL_RUNTIME.test(lower)) return null;
  if (model.endsWith('-fast')) {
    const base = model.slice(0, -5);
    const mult = fastMultiplier(base);
    if (mult !== undefined) {
      const m = find(base);
      return m ? scale(compileTableModel(m), mult, 'fast mode') : null;
    }
    // A Claude fast-mode id would prefix-match the base model and be billed far too low.
    if (model.startsWith('claude-')) return null;
  }
  let m = find(model);
  if (!m && lower !== model) m = find(lower);
  const slash = lower.indexOf('/');
  if (!m && slash > 0) m = find(lower.slice(slash + 1), lower.slice(0, slash));
  for (let i = 0; !m && i < FIRST_PARTY.length; i++) m = find(model, FIRST_PARTY[i]);
  return m ? compileTableModel(m) : null;
}

function scale(p: ResolvedPrice, k: number, why: string): ResolvedPrice {
  const sr = (r: Rates): Rates => ({
    input: r.input * k,
    output: r.output * k,
    cacheRead: r.cacheRead * k,
    cacheWrite: r.cacheWrite * k,
    cacheWrite1h: r.cacheWrite1h * k,
    reasoning: r.reasoning * k,
    perRequest: r.perRequest * k,
  });
  return {
    origin: `${p.origin} ×${k} (${why})`,
    variants: p.variants.map((v) => ({ ...v, rates: { base: sr(v.rates.base), tiers: v.rates.tiers.map((t) => ({ above: t.above, rates: sr(t.rates) })) } })),
  };
}

/** genai-prices' rule: the last variant whose constraint matches, else the first. */
function pickVariant(vs: PriceVariant[], ts: number): PriceVariant {
  if (vs.length === 1) return vs[0];
  for (let i = vs.length - 1; i >= 0; i--) {
    const v = vs[i];
    if (v.tod) {
      const s = (((ts / 1000) % 86400) + 86400) % 86400;
      const { start, end } = v.tod;
      if (end < start ? s >= start || s < end : s >= start && s < end) return v;
    } else if (ts >= v.startMs) {
      return v;
    }
  }
  return vs[0];
}

/**
 * Cost of one record. Tiers are chosen by a request's total input and apply to the whole request.
 * A record that sums several requests (`requests` > 1, Copilot CLI segments) is priced as that many
 * requests of its average size: the tier is judged on the average input, and since the cost is
 * linear in tokens within a tier, `requests` × cost(average) is the token cost at that tier plus
 * the per-request fee `requests` times. Judging the tier on the sum would bill a long session at
 * the long-context rate although none of its requests came near it; per-request sizes are not in
 * the log, so the average is the best estimate (exact when no request crosses a threshold).
 */
export function costOf(p: TieredRates, r: UsageRecord): number {
  const requests = requestCount(r);
  const totalInput = (r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens) / requests;
  let t = p.base;
  for (const tier of p.tiers) if (totalInput > tier.above) t = tier.rates;
  const write1h = Math.min(r.cacheWrite1hTokens, r.cacheWriteTokens);
  // Reasoning is a subset of output: split it out only where the table prices it differently.
  const output =
    t.reasoning === t.output || r.reasoningTokens <= 0
      ? r.outputTokens * t.output
      : (r.outputTokens - Math.min(r.reasoningTokens, r.outputTokens)) * t.output + Math.min(r.reasoningTokens, r.outputTokens) * t.reasoning;
  return (
    r.inputTokens * t.input +
    r.cacheReadTokens * t.cacheRead +
    (r.cacheWriteTokens - write1h) * t.cacheWrite +
    write1h * t.cacheWrite1h +
    output +
    t.perRequest * requests
  );
}

/** `requests` when it is a whole number ≥ 1, else 1 (a record is one request unless it says otherwise). */
function requestCount(r: UsageRecord): number {
  const n = r.requests;
  return n !== undefined && Number.isInteger(n) && n > 1 ? n : 1;
}

type RateInput = { input: number; output: number; cacheRead?: number; cacheWrite?: number; cacheWrite1h?: number };

function overrideRates(o: RateInput): Rates | null {
  const vals = [o.input, o.output, o.cacheRead, o.cacheWrite, o.cacheWrite1h];
  if (!vals.every((v, i) => (v === undefined && i >= 2) || (typeof v === 'number' && Number.isFinite(v) && v >= 0))) return null;
  const cacheWrite = o.cacheWrite ?? o.input;
  return {
    input: o.input * PER_TOKEN,
    output: o.output * PER_TOKEN,
    cacheRead: (o.cacheRead ?? o.input) * PER_TOKEN,
    cacheWrite: cacheWrite * PER_TOKEN,
    cacheWrite1h: (o.cacheWrite1h ?? cacheWrite) * PER_TOKEN,
    reasoning: o.output * PER_TOKEN,
    perRequest: 0,
  };
}

function compileOverride(o: PriceOverride | undefined): ResolvedPrice | null {
  if (!o || typeof o !== 'object') return null;
  const base = overrideRates(o);
  if (!base) return null;
  const tiers: TieredRates['tiers'] = [];
  for (const t of Array.isArray(o.tiers) ? o.tiers : []) {
    const rates = t && typeof t.above === 'number' && Number.isFinite(t.above) ? overrideRates(t) : null;
    if (!rates) return null;
    tiers.push({ above: t.above, rates });
  }
  tiers.sort((a, b) => a.above - b.above);
  return { origin: 'override', variants: [{ startMs: -Infinity, rates: { base, tiers } }] };
}

function fingerprintOf(overrides: PriceOverrides, table: PriceTable): string {
  const h = createHash('sha256');
  h.update(`${table.id};rules@${PRICING_RULES_VERSION};`);
  h.update(stableJson(overrides));
  return h.digest('hex').slice(0, 16);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
