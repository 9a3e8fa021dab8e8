// The @pydantic/genai-prices data (the bundled copy, or a newer data file stored by Update
// Prices, see priceData.ts), compiled once per model into per-token rates.
// We let the package do the model matching (calcPrice with zero usage returns the matched
// ModelInfo with its full price history) and then evaluate prices ourselves, so pricing a
// record never calls into the package again. Semantics copied from genai-prices 0.1.8:
//  - a missing cache_read / cache_write price means those tokens are billed as input,
//    a missing cache_write_1h price means 1h writes are billed as cache_write;
//  - a TieredPrices value bills ALL tokens of that kind at the highest tier whose `start`
//    the request's total input exceeds (whole-request long-context pricing);
//  - ConditionalPrice[]: the last entry whose start_date / time_of_date matches wins, else the first.

import { calcPrice, type ConditionalPrice, type MatchLogic, type ModelInfo, type ModelPrice, type Provider, type TieredPrices } from '@pydantic/genai-prices';
import { LONG_CONTEXT_SUPPLEMENT } from './supplement';
import type { PriceVariant, Rates, ResolvedPrice, TieredRates } from './types';

/** Keep in step with node_modules/@pydantic/genai-prices/package.json (a unit test checks it). */
export const GENAI_PRICES_VERSION = '0.1.8';

const PER_TOKEN = 1e-6;
const ZERO_USAGE = { input_tokens: 0, output_tokens: 0 };

export interface TableMatch {
  provider: Provider;
  model: ModelInfo;
}

/** A price table: the package's bundled data, or a stored genai-prices data file. */
export interface PriceTable {
  /** Identifies the data ('genai-prices@0.1.8', 'data:<sha256>'): part of the pricer's fingerprint. */
  readonly id: string;
  /** The providers of a stored data file; null for the bundled data. */
  readonly providers: readonly Provider[] | null;
}

export const BUNDLED_TABLE: PriceTable = { id: `genai-prices@${GENAI_PRICES_VERSION}`, providers: null };

const matchCaches = new WeakMap<PriceTable, Map<string, TableMatch | null>>();

/** The table's model for an id (optionally within one provider), memoised per table. */
export function findTableModel(id: string, providerId?: string, table: PriceTable = BUNDLED_TABLE): TableMatch | null {
  let matchCache = matchCaches.get(table);
  if (!matchCache) matchCaches.set(table, (matchCache = new Map()));
  const key = providerId ? `${providerId}\u0000${id}` : id;
  let hit = matchCache.get(key);
  if (hit === undefined) {
    hit = null;
    if (id) {
      try {
        hit = table.providers ? matchInProviders(table.providers, id, providerId) : matchBundled(id, providerId);
      } catch {
        // a malformed id must not break an import; treat as a miss
      }
    }
    matchCache.set(key, hit);
  }
  return hit;
}

function matchBundled(id: string, providerId: string | undefined): TableMatch | null {
  const r = calcPrice(ZERO_USAGE, id, providerId ? { providerId } : undefined);
  return r ? { provider: r.provider, model: r.model } : null;
}

/**
 * The same lookup over a stored data file's providers. calcPrice only searches its built-in
 * providers, so the provider is chosen here the way the package chooses it (by id or
 * `provider_match` when a provider id is given, else the first whose `model_match` claims the
 * model) and passed in; calcPrice then matches the model within it. Fallback providers are
 * looked up in the same file (calcPrice would look in its bundled copy).
 */
function matchInProviders(providers: readonly Provider[], id: string, providerId: string | undefined): TableMatch | null {
  const lower = id.toLowerCase().trim();
  let provider: Provider | undefined;
  if (providerId) {
    const pid = providerId.toLowerCase().trim();
    provider = providers.find((p) => p.id === pid) ?? providers.find((p) => p.provider_match && matches(p.provider_match, pid));
  } else {
    provider = providers.find((p) => p.model_match && matches(p.model_match, lower));
  }
  if (!provider) return null;
  for (const p of [provider, ...(provider.fallback_model_providers ?? []).map((f) => providers.find((x) => x.id === f))]) {
    if (!p) continue;
    const r = calcPrice(ZERO_USAGE, lower, { provider: { ...p, fallback_model_providers: undefined } });
    if (r) return { provider: p, model: r.model };
  }
  return null;
}

/** genai-prices' match clauses (case-insensitive, except `regex`). */
export function matches(m: MatchLogic, text: string): boolean {
  if ('or' in m) return m.or.some((x) => matches(x, text));
  if ('and' in m) return m.and.every((x) => matches(x, text));
  const t = text.toLowerCase();
  if ('equals' in m) return t === m.equals.toLowerCase();
  if ('starts_with' in m) return t.startsWith(m.starts_with.toLowerCase());
  if ('ends_with' in m) return t.endsWith(m.ends_with.toLowerCase());
  if ('contains' in m) return t.includes(m.contains.toLowerCase());
  if ('regex' in m) return new RegExp(m.regex).test(text);
  return false;
}

const compiled = new WeakMap<ModelInfo, ResolvedPrice>();

/** The model's whole price history as per-token rates, with the documented supplement applied. */
export function compileTableModel(match: TableMatch): ResolvedPrice {
  let out = compiled.get(match.model);
  if (!out) {
    const { model, provider } = match;
    const list: ConditionalPrice[] = Array.isArray(model.prices) ? model.prices : [{ prices: model.prices }];
    const supplement = provider.id === 'anthropic' ? LONG_CONTEXT_SUPPLEMENT[model.id] : undefined;
    const variants = list.map((c): PriceVariant => {
      const rates = compilePrice(c.prices);
      if (supplement && rates.tiers.length === 0) {
        rates.tiers.push({
          above: supplement.above,
          rates: { ...rates.base, ...perToken(supplement), reasoning: supplement.output * PER_TOKEN },
        });
      }
      const v: PriceVariant = { startMs: -Infinity, rates };
      const k = c.constraint;
      if (k?.type === 'start_date') v.startMs = Date.parse(`${k.start_date}T00:00:00Z`);
      else if (k?.type === 'time_of_date') v.tod = { start: secondsOfDayUtc(k.start_time), end: secondsOfDayUtc(k.end_time) };
      return v;
    });
    out = { origin: `genai-prices:${provider.id}/${model.id}`, variants };
    compiled.set(match.model, out);
  }
  return out;
}

function perToken(s: { input: number; output: number; cacheRead: number; cacheWrite: number; cacheWrite1h: number }) {
  return {
    input: s.input * PER_TOKEN,
    output: s.output * PER_TOKEN,
    cacheRead: s.cacheRead * PER_TOKEN,
    cacheWrite: s.cacheWrite * PER_TOKEN,
    cacheWrite1h: s.cacheWrite1h * PER_TOKEN,
  };
}

type PriceValue = number | TieredPrices | undefined;

/** Rate of one price key at a given total input, or undefined when the key is absent. */
function rateAt(v: PriceValue, totalInput: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  let p = v.base;
  for (const t of v.tiers) if (totalInput > t.start) p = t.price;
  return p;
}

function ratesAt(p: ModelPrice, totalInput: number): Rates {
  const input = rateAt(p.input_mtok, totalInput) ?? 0;
  const output = rateAt(p.output_mtok, totalInput) ?? 0;
  const cacheWrite = rateAt(p.cache_write_mtok, totalInput) ?? input;
  return {
    input: input * PER_TOKEN,
    output: output * PER_TOKEN,
    cacheRead: (rateAt(p.cache_read_mtok, totalInput) ?? input) * PER_TOKEN,
    cacheWrite: cacheWrite * PER_TOKEN,
    cacheWrite1h: (rateAt(p.cache_write_1h_mtok, totalInput) ?? cacheWrite) * PER_TOKEN,
    reasoning: (rateAt(p.output_reasoning_mtok, totalInput) ?? output) * PER_TOKEN,
    perRequest: (rateAt(p.requests_kcount, totalInput) ?? 0) / 1000,
  };
}

/** Flattens per-key tiers into whole-rate tiers at every distinct threshold. */
export function compilePrice(p: ModelPrice): TieredRates {
  const starts = new Set<number>();
  for (const k in p) {
    const v = p[k];
    if (v !== undefined && typeof v === 'object') for (const t of v.tiers) starts.add(t.start);
  }
  const base = ratesAt(p, 0);
  const tiers = [...starts].sort((a, b) => a - b).map((above) => ({ above, rates: ratesAt(p, above + 1) }));
  return { base, tiers };
}

/** 'HH:MM:SS[.fff](Z|±HH:MM)' → UTC seconds of day (genai-prices time_of_date constraint). */
function secondsOfDayUtc(t: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(t);
  if (!m) return 0;
  const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(`0.${m[4] ?? '0'}`);
  const offset = m[5] === 'Z' ? 0 : (m[6] === '+' ? 1 : -1) * (Number(m[7]) * 3600 + Number(m[8]) * 60);
  return (local - offset + 86400) % 86400;
}
