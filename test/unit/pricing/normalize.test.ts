import { strict as assert } from 'node:assert';
import { normalizeModelId } from '../../../src/core/pricing';

describe('pricing: normalizeModelId', () => {
  const cases: [string, string][] = [
    // provider / router / profile prefixes
    ['anthropic/claude-sonnet-4.5', 'claude-sonnet-4-5'],
    ['openrouter/anthropic/claude-sonnet-4.5', 'claude-sonnet-4-5'],
    ['copilot/claude-sonnet-4.5', 'claude-sonnet-4-5'],
    ['openai/gpt-5.1-codex', 'gpt-5.1-codex'],
    ['models/gemini-2.5-pro', 'gemini-2.5-pro'],
    ['  Claude-Sonnet-4-5 ', 'claude-sonnet-4-5'],
    // Bedrock: region profile, vendor prefix, -v1:0
    ['anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5'],
    ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5'],
    ['global.anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5'],
    // newer Bedrock ids end in a bare -v1 (Opus 4.6: 'anthropic.claude-opus-4-6-v1')
    ['eu.anthropic.claude-opus-4-6-v1', 'claude-opus-4-6'],
    ['bedrock/converse/us.anthropic.claude-opus-4-6-v1', 'claude-opus-4-6'],
    ['deepseek-v3', 'deepseek-v3'],
    ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'claude-3-5-sonnet'],
    // Vertex '@date'
    ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
    ['claude-3-5-sonnet-v2@20241022', 'claude-3-5-sonnet-v2'],
    // dots: Claude uses dashes, OpenAI / Google keep (or regain) dots
    ['claude-sonnet-4.5', 'claude-sonnet-4-5'],
    ['claude-3.5-sonnet', 'claude-3-5-sonnet'],
    ['claude-4.5-sonnet', 'claude-sonnet-4-5'],
    ['claude-4-sonnet-thinking', 'claude-sonnet-4'],
    ['claude-opus-4.1', 'claude-opus-4-1'],
    ['gpt-4.1', 'gpt-4.1'],
    ['gpt-4-1-mini', 'gpt-4.1-mini'],
    ['gpt-5-1-codex', 'gpt-5.1-codex'],
    ['gemini-2.5-pro', 'gemini-2.5-pro'],
    ['google/gemini-2-5-pro', 'gemini-2.5-pro'],
    ['gpt-4-0613', 'gpt-4-0613'],
    // date suffixes: stripped unless the table prices the snapshot differently
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-20250514', 'claude-sonnet-4'],
    ['claude-opus-4-1-20250805', 'claude-opus-4-1'],
    ['gpt-5-2025-08-07', 'gpt-5'],
    ['gpt-4.1-2025-04-14', 'gpt-4.1'],
    ['o3-2025-04-16', 'o3'],
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['gpt-4o-2024-05-13', 'gpt-4o-2024-05-13'], // $5/$15, not gpt-4o's $2.50/$10
    ['my-local-model-20250101', 'my-local-model'],
    ['qwen3-235b-a22b-instruct-2507', 'qwen3-235b-a22b-instruct-2507'], // not a date
    // meaningful suffixes stay
    ['claude-opus-4-6-fast', 'claude-opus-4-6-fast'],
    ['claude-opus-4-6-20260101-fast', 'claude-opus-4-6-fast'],
    ['grok-code-fast-1', 'grok-code-fast-1'],
    ['gpt-5-codex', 'gpt-5-codex'],
    ['gpt-5-mini', 'gpt-5-mini'],
    ['claude-sonnet-4-5[1m]', 'claude-sonnet-4-5'],
    ['claude-3-7-sonnet-latest', 'claude-3-7-sonnet'],
    ['', ''],
  ];
  for (const [raw, want] of cases) {
    it(`${JSON.stringify(raw)} → ${want}`, () => assert.equal(normalizeModelId(raw), want));
  }
});
