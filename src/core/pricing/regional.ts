// The regional-endpoint premium for Claude on Amazon Bedrock (and Google Vertex AI where the
// logged id names the geography). The logged id keeps the prefix (`modelRaw`); the normalised id
// used for grouping drops it, so the premium is applied here, as a price modifier.
//
// Sources:
//  - Anthropic, "Claude on Amazon Bedrock" and "Claude on Vertex AI", section "Global vs regional
//    endpoints" (platform.claude.com/docs/en/build-with-claude/claude-on-amazon-bedrock,
//    …/claude-on-vertex-ai): "Starting with Claude Sonnet 4.5 and all future models" both offer
//    global and regional endpoints; "Regional endpoints include a 10% pricing premium over global
//    endpoints. This applies to Claude Sonnet 4.5 and future models only. Older models (Claude
//    Sonnet 4, Opus 4, and earlier) maintain their existing pricing structures." The Vertex page
//    adds multi-region endpoints ("Regional and multi-region endpoints include a 10% pricing premium").
//  - AWS, "Global cross-Region inference" (docs.aws.amazon.com/bedrock/latest/userguide/
//    global-cross-region-inference.html): global profiles cost about 10% less than geographic ones.
//    Geographic inference-profile prefixes (AWS CDK `CrossRegionInferenceProfileRegion`): `us.`,
//    `eu.`, `apac.`, `jp.`, `au.`, `us-gov.`; `ca.` is accepted the same way; `global.` has none.
//  - @pydantic/genai-prices' own `aws` provider agrees: its `regional.anthropic.*` entries are
//    1.1× the global ones from Sonnet/Haiku/Opus 4.5 on and equal for Sonnet 4 and Opus 4 / 4.1.
//  - Claude Code's data-residency multiplier is the same idea on the Claude API: a response whose
//    `usage.inference_geo` is "us" is billed 1.1× for Claude 4.6 and later ("Data residency
//    pricing", platform.claude.com/docs/en/about-claude/pricing), and Claude Code multiplies that
//    response's list price by 1.1 in its session cost (Claude Code's cost documentation). That
//    field lives in the Claude Code transcript, not in the model id, and is not applied here.
// The premium scales every rate, long-context tiers included, and stacks with fast mode. A Vertex
// call's region is in the endpoint URL, not in the model id the tools log, so a Vertex regional
// call cannot be told from a global one and is priced at the global rate. Your own price
// overrides are taken as given (key the prefixed id to price a regional endpoint yourself).

/** Regional and multi-region endpoints cost 10% more than global ones. */
export const REGIONAL_PREMIUM = 1.1;

/** Geographic inference-profile prefixes (every one but `global.`), after any `…/` route prefix. */
const REGIONAL_PROFILE = /^(?:us|eu|apac|ap|jp|au|ca|us-gov)\.(?:anthropic\.)?claude/;

/** The Claude version of a normalised id as [major, minor] ('claude-sonnet-4-5' → [4, 5]), or null. */
export function claudeVersion(model: string): [number, number] | null {
  // 'claude-sonnet-4-5…', 'claude-opus-4…', 'claude-fable-5-1…'; a minor version has one or two
  // digits, so a date suffix ('-20250514') is never read as one.
  let m = /^claude-[a-z]+-(\d+)(?:-(\d{1,2}))?(?=-|$)/.exec(model);
  // Claude 3.x puts the version first: 'claude-3-7-sonnet'.
  m ??= /^claude-(\d+)(?:-(\d))?-[a-z]/.exec(model);
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : null;
}

/**
 * The multiplier for a logged id: REGIONAL_PREMIUM for a Claude model of the 4.5 generation or
 * later called through a regional or geographic Bedrock profile (also behind `bedrock/converse/`
 * or in an inference-profile ARN), else 1. `model` is the normalised id.
 */
export function regionalMultiplier(raw: string, model: string): number {
  const lower = raw.trim().toLowerCase();
  if (!REGIONAL_PROFILE.test(lower.slice(lower.lastIndexOf('/') + 1))) return 1;
  const v = claudeVersion(model);
  return v && (v[0] > 4 || (v[0] === 4 && v[1] >= 5)) ? REGIONAL_PREMIUM : 1;
}
