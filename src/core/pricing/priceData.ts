// A genai-prices data file (the `Provider[]` JSON that @pydantic/genai-prices publishes for its
// `updatePrices` hook): checked against the package's schema before it is used, and loaded from
// where Update Prices stored it. The bundled copy inside the package stays the default.
//
// Schema: pydantic/genai-prices `prices/new_data/v2/data.schema.json` (the file behind the
// package's REMOTE_DATA_JSON_URL): an array of Provider {id, name, api_pattern, models, …} whose
// models are ModelInfo {id, match, prices}; `prices` is a ModelPrice (USD per million tokens:
// numbers or TieredPrices {base, tiers: [{start, price}]}) or a list of ConditionalPrice
// {constraint?: {start_date} | {start_time, end_time}, prices}; match clauses are one of
// equals / starts_with / ends_with / contains / regex / or / and. Objects allow no other fields
// (ModelPrice allows any price key). The package's own decoder (decodeProviderData.ts) checks the
// same, plus that ids have no whitespace, regexes compile and constraint dates and times parse.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Provider } from '@pydantic/genai-prices';
import type { PriceTable } from './table';

/** Providers a real data file always has: a valid-looking file without them is the wrong file. */
const REQUIRED_PROVIDERS = ['anthropic', 'openai', 'google'];

type Obj = Record<string, unknown>;

class Invalid extends Error {}

function fail(where: string, what: string): never {
  throw new Invalid(`${where}: ${what}`);
}

function object(v: unknown, where: string, allowed: readonly string[] | null, required: readonly string[] = []): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(where, 'expected an object');
  const o = v as Obj;
  if (allowed) {
    const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
    if (unknown.length) fail(where, `unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  }
  for (const k of required) if (!(k in o)) fail(where, `missing "${k}"`);
  return o;
}

function list(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) fail(where, 'expected a list');
  return v;
}

function text(v: unknown, where: string, max = Infinity): string {
  if (typeof v !== 'string') fail(where, 'expected a string');
  if (v.length > max) fail(where, `longer than ${max} characters`);
  return v;
}

function id(v: unknown, where: string): string {
  const s = text(v, where, 100);
  if (!s || /\s/.test(s)) fail(where, 'expected an id without spaces');
  return s;
}

function price(v: unknown, where: string): void {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) fail(where, 'expected a non-negative price');
    return;
  }
  const t = object(v, where, ['base', 'tiers'], ['base', 'tiers']);
  price(t.base, `${where}.base`);
  list(t.tiers, `${where}.tiers`).forEach((tier, i) => {
    const w = `${where}.tiers[${i}]`;
    const o = object(tier, w, ['start', 'price'], ['start', 'price']);
    if (!Number.isSafeInteger(o.start) || (o.start as number) < 0) fail(`${w}.start`, 'expected a whole number of tokens');
    price(o.price, `${w}.price`);
  });
}

function modelPrice(v: unknown, where: string): void {
  for (const [k, p] of Object.entries(object(v, where, null))) price(p, `${where}.${k}`);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

function constraint(v: unknown, where: string): void {
  const o = object(v, where, ['type', 'start_date', 'start_time', 'end_time']);
  if ('start_date' in o) {
    const d = o.start_date;
    if (typeof d !== 'string' || !DATE.test(d) || !new Date(`${d}T00:00:00Z`).toISOString().startsWith(d)) fail(`${where}.start_date`, 'expected a date YYYY-MM-DD');
    if (o.type !== undefined && o.type !== 'start_date') fail(`${where}.type`, 'expected "start_date"');
  } else {
    for (const k of ['start_time', 'end_time']) if (typeof o[k] !== 'string' || !TIME.test(o[k] as string)) fail(`${where}.${k}`, 'expected a time HH:MM:SS with a zone');
    if (o.type !== undefined && o.type !== 'time_of_date') fail(`${where}.type`, 'expected "time_of_date"');
  }
}

const STRING_CLAUSES = ['equals', 'starts_with', 'ends_with', 'contains', 'regex'];

function match(v: unknown, where: string): void {
  const o = object(v, where, null);
  const keys = Object.keys(o);
  if (keys.length !== 1) fail(where, 'expected exactly one match clause');
  const k = keys[0]!;
  if (k === 'or' || k === 'and') {
    list(o[k], `${where}.${k}`).forEach((x, i) => match(x, `${where}.${k}[${i}]`));
  } else if (STRING_CLAUSES.includes(k)) {
    const s = text(o[k], `${where}.${k}`);
    if (k === 'regex') {
      try {
        new RegExp(s);
      } catch {
        fail(`${where}.regex`, 'not a valid regular expression');
      }
    }
  } else {
    fail(where, `unknown match clause "${k}"`);
  }
}

const MODEL_FIELDS = ['id', 'name', 'description', 'match', 'context_window', 'price_comments', 'prices', 'deprecated'];
const PROVIDER_FIELDS = ['id', 'name', 'pricing_urls', 'api_pattern', 'description', 'price_comments', 'model_match', 'provider_match', 'extractors', 'fallback_model_providers', 'models'];

function model(v: unknown, where: string): void {
  const m = object(v, where, MODEL_FIELDS, ['id', 'match', 'prices']);
  id(m.id, `${where}.id`);
  match(m.match, `${where}.match`);
  if (Array.isArray(m.prices)) {
    if (m.prices.length === 0) fail(`${where}.prices`, 'expected at least one price');
    m.prices.forEach((c, i) => {
      const w = `${where}.prices[${i}]`;
      const o = object(c, w, ['constraint', 'prices'], ['prices']);
      if (o.constraint !== undefined) constraint(o.constraint, `${w}.constraint`);
      modelPrice(o.prices, `${w}.prices`);
    });
  } else {
    modelPrice(m.prices, `${where}.prices`);
  }
  if (m.context_window !== undefined && !Number.isSafeInteger(m.context_window)) fail(`${where}.context_window`, 'expected a whole number');
  if (m.deprecated !== undefined && typeof m.deprecated !== 'boolean') fail(`${where}.deprecated`, 'expected true or false');
  for (const k of ['name', 'description', 'price_comments']) if (m[k] !== undefined) text(m[k], `${where}.${k}`);
}

function provider(v: unknown, where: string): void {
  const p = object(v, where, PROVIDER_FIELDS, ['id', 'name', 'api_pattern', 'models']);
  id(p.id, `${where}.id`);
  text(p.name, `${where}.name`, 100);
  text(p.api_pattern, `${where}.api_pattern`);
  for (const k of ['model_match', 'provider_match']) if (p[k] !== undefined) match(p[k], `${where}.${k}`);
  for (const k of ['pricing_urls', 'fallback_model_providers']) {
    if (p[k] !== undefined) list(p[k], `${where}.${k}`).forEach((x, i) => text(x, `${where}.${k}[${i}]`));
  }
  if (p.extractors !== undefined) list(p.extractors, `${where}.extractors`).forEach((x, i) => object(x, `${where}.extractors[${i}]`, null));
  for (const k of ['description', 'price_comments']) if (p[k] !== undefined) text(p[k], `${where}.${k}`);
  const models = list(p.models, `${where}.models`);
  models.forEach((m, i) => model(m, `${where}.models[${i}]`));
}

/**
 * Checks a parsed data file against the package's schema and returns its providers. Throws an
 * Error naming the first offending place ('providers[3].models[12].prices.input_mtok: …').
 */
export function parsePriceData(value: unknown): Provider[] {
  try {
    const providers = list(value, 'the data file (expected a list of providers)');
    providers.forEach((p, i) => provider(p, `providers[${i}]`));
    const ps = providers as Provider[];
    for (const want of REQUIRED_PROVIDERS) {
      if (!ps.some((p) => p.id === want && p.models.length > 0)) fail('the data file', `has no "${want}" provider with models: not a genai-prices data file`);
    }
    return ps;
  } catch (e) {
    if (e instanceof Invalid) throw new Error(`not a valid genai-prices data file: ${e.message}`);
    throw e;
  }
}

/** Number of models in a table's providers. */
export function modelCount(providers: readonly Provider[]): number {
  return providers.reduce((n, p) => n + p.models.length, 0);
}

/** A validated data file as a price table; its id (and so the pricer's fingerprint) follows the content. */
export function priceTableOf(text: string): PriceTable & { providers: Provider[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`not a valid genai-prices data file: not JSON (${(e as Error).message})`);
  }
  return { id: `genai-prices-data:${sha256(text)}`, providers: parsePriceData(value) };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The price table stored by Update Prices at `file`, or null when there is none. A stored file
 * that cannot be read or no longer validates throws, so the caller can say so and fall back to
 * the bundled table. Synchronous: a pricer is built synchronously (about 0.4 MB to read).
 */
export function loadStoredPriceTable(file: string): PriceTable | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the stored price table ${file}: ${(e as Error).message}`);
  }
  try {
    return priceTableOf(text);
  } catch (e) {
    throw new Error(`the stored price table ${file} is unusable (${(e as Error).message}); using the bundled prices`);
  }
}
