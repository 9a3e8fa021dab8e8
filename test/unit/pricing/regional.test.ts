// Claude through a regional or geographic Bedrock endpoint costs 10% more than through the global
// one, from the Claude 4.5 generation on. Built from Claude Code transcript lines as a Bedrock
// gateway writes them (the model id carries the inference-profile prefix), read by the real importer.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { claudeCodeImporter } from '../../../src/core/importers/claudeCode';
import { Pricer } from '../../../src/core/pricing';
import { tempDir } from '../../support/tempDir';
import { rec, usd } from './helpers';

/** One assistant line of a Claude Code session run with CLAUDE_CODE_USE_BEDROCK=1. */
function bedrockLine(model: string, n: number): string {
  return JSON.stringify({
    parentUuid: `7f3c2a10-0000-4000-8000-${String(n).padStart(12, '0')}`, isSidechain: false, userType: 'external', cwd: '/home/dev/shop-api', sessionId: 'b1e0c9a4-2d6f-4e57-9c3b-51a7e8f40d21',
    version: '2.1.104', gitBranch: 'main', type: 'assistant', uuid: `c0ffee00-0000-4000-8000-${String(n).padStart(12, '0')}`, timestamp: `2026-09-02T08:${String(10 + n)}:07.512Z`,
    requestId: `req_bdrk_${n}`,
    message: {
      id: `msg_bdrk_01H${n}`, type: 'message', role: 'assistant', model,
      content: [{ type: 'tool_use', id: `toolu_${n}`, name: 'Read', input: { file_path: '/home/dev/shop-api/src/orders.ts' } }],
      stop_reason: 'tool_use', stop_sequence: null,
      usage: { input_tokens: 4_000, cache_creation_input_tokens: 2_000, cache_read_input_tokens: 30_000, output_tokens: 1_000, service_tier: 'standard' },
    },
  });
}

// Sonnet 4.5 list prices per MTok: $3 in, $3.75 5m write, $0.30 read, $15 out.
// 4000·3 + 2000·3.75 + 30000·0.3 + 1000·15 = 43,500 → $0.0435 on the global endpoint.
const GLOBAL_COST = 0.0435;

describe('pricing: regional endpoint premium (Bedrock / Vertex, Claude 4.5 generation on)', () => {
  const cases: [id: string, premium: boolean][] = [
    ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', false],
    ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', true],
    ['eu.anthropic.claude-sonnet-4-5-20250929-v1:0', true],
    ['jp.anthropic.claude-sonnet-4-5-20250929-v1:0', true],
    ['apac.anthropic.claude-sonnet-4-5-20250929-v1:0', true],
    ['au.anthropic.claude-sonnet-4-5-20250929-v1:0', true],
    ['ca.anthropic.claude-sonnet-4-5-20250929-v1:0', true],
    ['us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0', true],
    ['bedrock/converse/us.anthropic.claude-sonnet-4-5-20250929-v1:0', true],
    ['converse/eu.anthropic.claude-sonnet-4-5-20250929-v1:0', true],
    ['bedrock/converse/global.anthropic.claude-sonnet-4-5-20250929-v1:0', false],
    ['arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0', true],
    ['claude-sonnet-4-5-20250929', false],
  ];

  let records: Awaited<ReturnType<typeof claudeCodeImporter.readFile>>['records'];
  before(async () => {
    const dir = await tempDir();
    const file = path.join(dir, '-home-dev-shop-api', 'b1e0c9a4-2d6f-4e57-9c3b-51a7e8f40d21.jsonl');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, cases.map(([id], i) => bedrockLine(id, i)).join('\n') + '\n');
    records = (await claudeCodeImporter.readFile(file, undefined)).records;
    assert.equal(records.length, cases.length);
  });

  cases.forEach(([id, premium], i) => {
    it(`${id}: ${premium ? '+10%' : 'global price'}; grouped as claude-sonnet-4-5, logged id kept`, () => {
      const r = records[i]!;
      assert.equal(r.modelRaw, id);
      const p = new Pricer().price(r);
      assert.equal(p.model, 'claude-sonnet-4-5');
      assert.equal(usd(p.cost), usd(premium ? GLOBAL_COST * 1.1 : GLOBAL_COST));
    });
  });

  it('older models keep their price on regional endpoints (Sonnet 4, Opus 4.1, Claude 3.7)', () => {
    const p = new Pricer();
    const u = { inputTokens: 100_000 };
    assert.equal(usd(p.price(rec('us.anthropic.claude-sonnet-4-20250514-v1:0', u)).cost), usd(0.3));
    assert.equal(usd(p.price(rec('eu.anthropic.claude-opus-4-1-20250805-v1:0', u)).cost), usd(1.5));
    assert.equal(usd(p.price(rec('apac.anthropic.claude-3-7-sonnet-20250219-v1:0', u)).cost), usd(0.3));
  });

  it('later models and long-context tiers carry the premium too (Haiku 4.5, Opus 4.6, Sonnet 4.5 > 200k)', () => {
    const p = new Pricer();
    assert.equal(usd(p.price(rec('jp.anthropic.claude-haiku-4-5-20251001-v1:0', { inputTokens: 100_000 })).cost), usd(0.11));
    assert.equal(usd(p.price(rec('us.anthropic.claude-opus-4-6-v1', { outputTokens: 1_000_000 })).cost), usd(27.5));
    // 250k input: the whole request at $6 in / $22.50 out, plus 10%
    assert.equal(usd(p.price(rec('eu.anthropic.claude-sonnet-4-5-20250929-v1:0', { inputTokens: 250_000, outputTokens: 1_000 })).cost), usd(1.5225 * 1.1));
  });

  it('your own price override is taken as given, without the premium', () => {
    const p = new Pricer({ 'claude-sonnet-4-5': { input: 2, output: 10 } });
    assert.equal(usd(p.price(rec('us.anthropic.claude-sonnet-4-5-20250929-v1:0', { inputTokens: 1_000_000 })).cost), usd(2));
  });
});
