// Validates user price overrides (the extension's setting, the CLI's prices.json) so a typo
// gives a clear message instead of a silently wrong cost.
import type { PriceOverride, PriceOverrides } from './index';

const RATE_KEYS = ['input', 'output', 'cacheRead', 'cacheWrite', 'cacheWrite1h'] as const;

function rate(where: string, key: string, v: unknown, required: boolean): number | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`${where}: "${key}" must be a non-negative number of USD per million tokens`);
  }
  return v;
}

function rates(where: string, o: Record<string, unknown>): Omit<PriceOverride, 'tiers'> {
  const out: Record<string, number> = {};
  for (const k of RATE_KEYS) {
    const v = rate(where, k, o[k], k === 'input' || k === 'output');
    if (v !== undefined) out[k] = v;
  }
  return out as unknown as Omit<PriceOverride, 'tiers'>;
}

/** Checks an object of `{ "model-id": { input, output, cacheRead?, cacheWrite?, cacheWrite1h?, tiers? } }`. Throws on anything else. */
export function parsePriceOverrides(value: unknown): PriceOverrides {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('price overrides must be an object keyed by model id');
  const out: PriceOverrides = {};
  for (const [model, entry] of Object.entries(value as Record<string, unknown>)) {
    const where = `price for "${model}"`;
    if (!model.trim()) throw new Error('a price override has an empty model id');
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new Error(`${where} must be an object`);
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (k !== 'tiers' && !(RATE_KEYS as readonly string[]).includes(k)) throw new Error(`${where}: unknown field "${k}"`);
    }
    const override: PriceOverride = rates(where, e);
    if (e.tiers !== undefined) {
      if (!Array.isArray(e.tiers)) throw new Error(`${where}: "tiers" must be a list`);
      override.tiers = e.tiers.map((t, i) => {
        const tw = `${where}, tier ${i + 1}`;
        if (t === null || typeof t !== 'object') throw new Error(`${tw} must be an object`);
        const tt = t as Record<string, unknown>;
        const above = tt.above;
        if (typeof above !== 'number' || !Number.isInteger(above) || above <= 0) throw new Error(`${tw}: "above" must be a positive whole number of input tokens`);
        return { above, ...rates(tw, tt) };
      });
    }
    out[model] = override;
  }
  return out;
}
