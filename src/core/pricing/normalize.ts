// Pure string canonicalisation of logged model ids. Whether a date suffix survives is decided
// in index.ts, which can ask the price table (see `normalizeModelId` there).
//
// Canonical form:
//  - lower case, no provider / router / profile prefix: the last '/'-segment is kept
//    ('openrouter/anthropic/claude-sonnet-4.5', 'copilot/…', 'models/gemini-2.5-pro', ARNs);
//  - Bedrock: region profile ('us.', 'eu.', 'apac.', 'global.' …) and vendor ('anthropic.') prefixes
//    and the '-v1:0' / ':0' version suffixes (a bare '-v1' after a vendor prefix) are dropped;
//  - Vertex '@20250929' becomes '-20250929' (then handled by the date rule);
//  - Claude uses dashes: 'claude-sonnet-4.5' → 'claude-sonnet-4-5', and the Cursor-style
//    'claude-4.5-sonnet' → 'claude-sonnet-4-5' (for generation ≥ 4, where Anthropic puts the family first);
//    '-latest', '-thinking' and '[1m]' are modes/aliases of the same model and are dropped;
//  - OpenAI and Google use dots in versions ('gpt-4.1', 'gemini-2.5-pro'): dots stay, and a dashed
//    version ('gpt-5-1-codex', 'gemini-2-5-pro') becomes dotted;
//  - '-fast' (Claude Code fast mode, added by the importer like ccusage does) is kept: it is billed differently.

/** Bedrock cross-region inference profile prefixes. */
const BEDROCK_REGION = /^(?:us|eu|apac|ap|au|jp|ca|us-gov|global)\./;
/** Bedrock model-vendor prefixes ('anthropic.claude-…'). */
const BEDROCK_VENDOR =
  /^(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer|moonshot|moonshotai|minimax|google|nvidia|zai)\./;
/** Snapshot dates: -20250929 and -2025-08-07 (other digit groups may be real version numbers). */
const DATE_SUFFIX = /-(?:20\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])|20\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))$/;

export interface CanonicalId {
  /** Canonical id with any date suffix still attached. */
  id: string;
  /** The same id without its date suffix, or null when it has none. */
  undated: string | null;
}

export function canonicalizeModelId(raw: string): CanonicalId {
  let s = raw.trim().toLowerCase();
  const slash = s.lastIndexOf('/');
  if (slash >= 0 && slash < s.length - 1) s = s.slice(slash + 1);

  s = s.replace(BEDROCK_REGION, '');
  const bedrock = BEDROCK_VENDOR.test(s);
  s = s.replace(BEDROCK_VENDOR, '');
  // '-v1:0' is always Bedrock's version suffix; a bare '-v1' only behind a Bedrock vendor prefix
  // ('anthropic.claude-opus-4-6-v1'), since elsewhere it can be the model's own name ('deepseek-v3').
  s = s.replace(bedrock ? /-v\d+(?::\d+)?$/ : /-v\d+:\d+$/, '').replace(/:\d+$/, '');

  // Vertex 'model@version' (keep a leading '@' such as Cloudflare's '@cf').
  const at = s.indexOf('@');
  if (at > 0) s = `${s.slice(0, at)}-${s.slice(at + 1)}`;

  const fast = s.endsWith('-fast');
  if (fast) s = s.slice(0, -5);

  if (s.startsWith('claude-')) s = canonicalClaude(s);
  else s = s.replace(/^(gpt|gemini)-(\d+)-(\d)(?=-|$)/, '$1-$2.$3');

  let undated: string | null = null;
  const m = DATE_SUFFIX.exec(s);
  if (m) undated = s.slice(0, m.index);

  if (fast) {
    s += '-fast';
    if (undated !== null) undated += '-fast';
  }
  return { id: s, undated };
}

function canonicalClaude(s: string): string {
  s = s.replace(/\[[^\]]*\]$/, ''); // 'claude-sonnet-4-5[1m]'
  s = s.replace(/(\d)\.(\d)/g, '$1-$2');
  s = s.replace(/-(?:latest|thinking)$/, '');
  // 'claude-4-5-sonnet…' → 'claude-sonnet-4-5…' (Claude 3.x keeps the version first: that is its real name).
  const m = /^claude-(\d+)(-\d)?-(opus|sonnet|haiku)(.*)$/.exec(s);
  if (m && Number(m[1]) >= 4) s = `claude-${m[3]}-${m[1]}${m[2] ?? ''}${m[4]}`;
  return s.replace(/-(?:latest|thinking)$/, '');
}
