import { strict as assert } from 'node:assert';
import { Pricer } from '../../../src/core/pricing';
import { rec, usd } from './helpers';

// Expected costs are worked out by hand from the published USD/MTok rates, not from the package.
describe('pricing: Pricer (bundled genai-prices data)', () => {
  const p = new Pricer();

  it('Claude Sonnet 4.5: input, output, cache read, 5m write and 1h write', () => {
    // $3 in, $15 out, $0.30 read, $3.75 5m write, $6 1h write
    const r = p.price(rec('claude-sonnet-4-5-20250929', {
      inputTokens: 1_000, outputTokens: 500, cacheReadTokens: 20_000, cacheWriteTokens: 3_000, cacheWrite1hTokens: 1_000,
    }));
    // 1000·3 + 500·15 + 20000·0.3 + 2000·3.75 + 1000·6 = 30000 µ$ per MTok-unit → $0.03
    assert.deepEqual({ ...r, cost: usd(r.cost) }, { model: 'claude-sonnet-4-5', cost: usd(0.03), costSource: 'estimated' });
  });

  it('Sonnet 4.5 over 200k total input: the whole request at the long-context rates', () => {
    // total input 50k + 150k + 10k = 210k > 200k → $6 in, $22.50 out, $0.60 read, $7.50 5m write, $12 1h write
    const r = p.price(rec('anthropic/claude-sonnet-4.5', {
      inputTokens: 50_000, outputTokens: 2_000, cacheReadTokens: 150_000, cacheWriteTokens: 10_000, cacheWrite1hTokens: 4_000,
    }));
    // 50000·6 + 150000·0.6 + 6000·7.5 + 4000·12 + 2000·22.5 = 528000 → $0.528
    assert.equal(usd(r.cost), usd(0.528));
  });

  it('the tier starts strictly above 200k (exactly 200k is base rate)', () => {
    const at = p.price(rec('claude-sonnet-4-5', { inputTokens: 50_000, cacheReadTokens: 150_000, outputTokens: 2_000 }));
    assert.equal(usd(at.cost), usd((50_000 * 3 + 150_000 * 0.3 + 2_000 * 15) / 1e6)); // 0.225
    const over = p.price(rec('claude-sonnet-4-5', { inputTokens: 50_001, cacheReadTokens: 150_000, outputTokens: 2_000 }));
    assert.equal(usd(over.cost), usd((50_001 * 6 + 150_000 * 0.6 + 2_000 * 22.5) / 1e6));
  });

  it('a record summing several requests judges the tier on the average request', () => {
    // 2 requests, 500k input in all: 250k each, so both are long-context requests ($6 in, $22.50 out)
    const two = p.price(rec('claude-sonnet-4-5', { inputTokens: 500_000, outputTokens: 2_000, requests: 2 }));
    assert.equal(usd(two.cost), usd((500_000 * 6 + 2_000 * 22.5) / 1e6));
    // 5 requests, the same 500k: 100k each, all at the base rate ($3 in, $15 out)
    const five = p.price(rec('claude-sonnet-4-5', { inputTokens: 500_000, outputTokens: 2_000, requests: 5 }));
    assert.equal(usd(five.cost), usd((500_000 * 3 + 2_000 * 15) / 1e6));
    // a count that is not a whole number ≥ 1 means one request
    for (const requests of [0, -3, 1.5, Number.NaN]) {
      assert.equal(usd(p.price(rec('claude-sonnet-4-5', { inputTokens: 500_000, requests })).cost), usd(3), String(requests));
    }
  });

  it('Sonnet 4 over 200k uses the documented supplement (genai-prices 0.1.8 has no tier for it)', () => {
    const r = p.price(rec('claude-sonnet-4-20250514', { inputTokens: 250_000, outputTokens: 1_000 }));
    assert.equal(r.model, 'claude-sonnet-4');
    assert.equal(usd(r.cost), usd(1.5225)); // 250000·6 + 1000·22.5
    const small = p.price(rec('claude-sonnet-4-20250514', { inputTokens: 150_000, outputTokens: 1_000 }));
    assert.equal(usd(small.cost), usd(0.465)); // 150000·3 + 1000·15
  });

  it('Gemini 2.5 Pro: base and >200k tier ($1.25/$10/$0.125 → $2.50/$15/$0.25)', () => {
    const base = p.price(rec('gemini-2.5-pro', { inputTokens: 100_000, cacheReadTokens: 50_000, outputTokens: 4_000, reasoningTokens: 1_000 }));
    assert.equal(usd(base.cost), usd(0.17125)); // 125000 + 6250 + 40000
    const tier = p.price(rec('gemini-2.5-pro', { inputTokens: 150_000, cacheReadTokens: 60_000, outputTokens: 4_000, reasoningTokens: 1_000 }));
    assert.equal(usd(tier.cost), usd(0.45)); // 375000 + 15000 + 60000
  });

  it('gpt-5 family with cached input; reasoning is not added on top of output', () => {
    const t = { inputTokens: 2_000, cacheReadTokens: 8_000, outputTokens: 300, reasoningTokens: 200 };
    // gpt-5 / gpt-5-codex / gpt-5.1-codex: $1.25 in, $0.125 cached, $10 out → 2500 + 1000 + 3000
    for (const m of ['gpt-5', 'gpt-5-codex', 'gpt-5.1-codex', 'openai/gpt-5-2025-08-07']) {
      assert.equal(usd(p.price(rec(m, t)).cost), usd(0.0065), m);
    }
    assert.equal(p.price(rec('gpt-5-codex', t)).model, 'gpt-5-codex');
    // gpt-5-mini: $0.25 / $0.025 / $2 → 500 + 200 + 600
    assert.equal(usd(p.price(rec('gpt-5-mini', t)).cost), usd(0.0013));
  });

  it('unknown models are unpriced with cost 0, never $0 estimated', () => {
    assert.deepEqual(p.price(rec('totally-unknown-model-x', { inputTokens: 1000, outputTokens: 1000 })),
      { model: 'totally-unknown-model-x', cost: 0, costSource: 'unpriced' });
    // a Claude fast-mode id without a known multiplier would otherwise prefix-match the cheaper base model
    assert.equal(p.price(rec('claude-sonnet-4-5-fast', { inputTokens: 1000 })).costSource, 'unpriced');
  });

  it('ids the package only finds within their vendor, and local runtimes', () => {
    // codex-mini: $1.50 in / $6 out (openai), not claimed by the openai id pattern 'gpt-…'
    const r = p.price(rec('codex-mini-latest', { inputTokens: 1_000_000, outputTokens: 1_000_000 }));
    assert.deepEqual({ ...r, cost: usd(r.cost) }, { model: 'codex-mini-latest', cost: usd(7.5), costSource: 'estimated' });
    // a model served by a local runtime costs nothing, so it is not given an API price
    assert.equal(p.price(rec('ollama/gpt-oss:20b', { inputTokens: 1000 })).costSource, 'unpriced');
  });

  it('fast mode: Opus 4.6 at 6× ($30 / $150)', () => {
    const r = p.price(rec('claude-opus-4-6-fast', { ts: Date.UTC(2026, 4, 1), inputTokens: 1_000, outputTokens: 1_000 }));
    assert.deepEqual({ ...r, cost: usd(r.cost) }, { model: 'claude-opus-4-6-fast', cost: usd(0.18), costSource: 'estimated' });
  });

  it('prices each record by its own timestamp (genai-prices price history)', () => {
    // Opus 4.6: >200k premium ($10 in) until 2026-03-13, flat $5 after
    const t = { inputTokens: 250_000 };
    assert.equal(usd(p.price(rec('claude-opus-4-6', { ...t, ts: Date.UTC(2026, 2, 12, 23) })).cost), usd(2.5));
    assert.equal(usd(p.price(rec('claude-opus-4-6', { ...t, ts: Date.UTC(2026, 2, 13) })).cost), usd(1.25));
    // o3: $10 in before 2025-06-10, $2 from then on
    assert.equal(usd(p.price(rec('o3', { inputTokens: 1_000_000, ts: Date.UTC(2025, 5, 9) })).cost), usd(10));
    assert.equal(usd(p.price(rec('o3', { inputTokens: 1_000_000, ts: Date.UTC(2025, 5, 10) })).cost), usd(2));
  });

  it('keeps reportedCost as reported (even 0), with the normalised model', () => {
    assert.deepEqual(p.price(rec('anthropic/claude-sonnet-4.5', { inputTokens: 1e6, reportedCost: 0.42 })),
      { model: 'claude-sonnet-4-5', cost: 0.42, costSource: 'reported' });
    assert.equal(p.price(rec('nobody-knows', { reportedCost: 0 })).costSource, 'reported');
  });

  it('1h writes fall back to the cache-write rate, and a missing write rate to input (genai-prices rule)', () => {
    // gpt-5 lists no cache-write price: writes are billed as input ($1.25)
    const r = p.price(rec('gpt-5', { cacheWriteTokens: 1_000_000, cacheWrite1hTokens: 400_000 }));
    assert.equal(usd(r.cost), usd(1.25));
  });
});
