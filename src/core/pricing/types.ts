// Public override shape plus the compiled, per-token form the hot path multiplies with.

/**
 * USD per million tokens, as users write it in settings or a JSON file.
 * Missing cache rates fall back the way genai-prices treats a missing price key:
 * cacheRead and cacheWrite → input, cacheWrite1h → cacheWrite. A tier's missing cache
 * rates fall back to that tier's own input / cacheWrite.
 */
export interface PriceOverride {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  cacheWrite1h?: number;
  /** optional long-context tier: applies to the WHOLE request once its total input (uncached + cache read + cache write) exceeds `above` tokens */
  tiers?: { above: number; input: number; output: number; cacheRead?: number; cacheWrite?: number; cacheWrite1h?: number }[];
}

/** key: a model id (normalised the same way as logged ids; un-normalised keys are normalised on load) */
export type PriceOverrides = Record<string, PriceOverride>;

/** USD per token (not per million), so pricing a record is plain multiplication. */
export interface Rates {
  input: number;
  output: number;
  cacheRead: number;
  /** 5-minute (default TTL) cache write */
  cacheWrite: number;
  cacheWrite1h: number;
  /** Rate for reasoning tokens (a subset of output); equals `output` unless the table prices them apart. */
  reasoning: number;
  /** USD per request (genai-prices `requests_kcount`); 0 almost everywhere. */
  perRequest: number;
}

/** Rates for one request, chosen by its total input (uncached + cache read + cache write). */
export interface TieredRates {
  base: Rates;
  /** Ascending by `above`; the last tier whose `above` the total input exceeds wins, for the whole request. */
  tiers: { above: number; rates: Rates }[];
}

/** One dated / time-of-day variant of a model's price (genai-prices ConditionalPrice). */
export interface PriceVariant {
  /** Applies from this UTC epoch ms on (start_date); -Infinity when unconstrained. */
  startMs: number;
  /** time_of_date window, UTC seconds of day [start, end), possibly wrapping midnight. */
  tod?: { start: number; end: number };
  rates: TieredRates;
}

/** A model's full price: variants in table order (genai-prices picks the last matching one). */
export interface ResolvedPrice {
  /** Where the rates came from, for diagnostics ('genai-prices:anthropic/claude-sonnet-4-5', 'override', …). */
  origin: string;
  variants: PriceVariant[];
}
