// Published rates that @pydantic/genai-prices 0.1.8 lacks. Each entry is applied only where the
// package has nothing (a model without tiers), so a newer package that adds them wins.

/**
 * Anthropic long-context (1M-context beta) pricing: once a request's input (uncached + cache
 * read + cache write) exceeds 200k tokens, the WHOLE request is billed at these USD/MTok rates.
 * Source: Anthropic pricing page, "Long context pricing" (platform.claude.com/docs/en/about-claude/pricing#long-context-pricing):
 * Sonnet 4 / 4.5 > 200K input: input $6, output $22.50; prompt-caching multipliers apply on top
 * (5m write 1.25× → $7.50, 1h write 2× → $12, read 0.1× → $0.60). LiteLLM's
 * `claude-sonnet-4-20250514` entry carries the same `_above_200k_tokens` rates.
 * genai-prices 0.1.8 already has this tier for claude-sonnet-4-5 (and dated ones for 4-6 / opus-4-6),
 * but not for claude-sonnet-4-0 (Sonnet 4), so only that one is listed. Key: genai-prices model id.
 */
export const LONG_CONTEXT_SUPPLEMENT: Record<string, { above: number; input: number; output: number; cacheRead: number; cacheWrite: number; cacheWrite1h: number }> = {
  'claude-sonnet-4-0': { above: 200_000, input: 6, output: 22.5, cacheRead: 0.6, cacheWrite: 7.5, cacheWrite1h: 12 },
};

/**
 * Fast-mode multipliers for ids ending in '-fast' (the Claude Code importer appends it when
 * `usage.speed` is "fast", as ccusage does). Applied to every rate of the base model, tiers included.
 * Sources: Anthropic fast mode for Opus 4.6 is $30/$150 per MTok = 6× standard
 * (platform.claude.com/docs/en/about-claude/pricing#fast-mode); 4-7 / 4-8 values are ccusage 20.0.24's
 * embedded fast-multiplier-overrides.json (4-8 = 2× agrees with genai-prices' github-copilot
 * 'claude-opus-4.8-fast' entry, $10/$50 vs $5/$25). Key: canonical id prefix of the base model.
 * A Claude '-fast' id not listed here is left unpriced rather than billed at the (too low) base rate.
 */
export const FAST_MULTIPLIERS: Record<string, number> = {
  'claude-opus-4-6': 6,
  'claude-opus-4-7': 6,
  'claude-opus-4-8': 2,
};

export function fastMultiplier(baseId: string): number | undefined {
  for (const prefix in FAST_MULTIPLIERS) {
    if (baseId === prefix || baseId.startsWith(`${prefix}-`)) return FAST_MULTIPLIERS[prefix];
  }
  return undefined;
}
