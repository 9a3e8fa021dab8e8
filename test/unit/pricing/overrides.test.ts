import { strict as assert } from 'node:assert';
import { Pricer, type PriceOverrides } from '../../../src/core/pricing';
import { rec, usd } from './helpers';

describe('pricing: overrides and fingerprint', () => {
  it('an override beats the table, matched after normalisation', () => {
    const p = new Pricer({ 'claude-sonnet-4-5': { input: 1, output: 2, cacheRead: 0.1, cacheWrite: 1.5, cacheWrite1h: 3 } });
    const r = p.price(rec('us.anthropic.claude-sonnet-4-5-20250929-v1:0', {
      inputTokens: 1_000, outputTokens: 1_000, cacheReadTokens: 10_000, cacheWriteTokens: 2_000, cacheWrite1hTokens: 500,
    }));
    // 1000·1 + 1000·2 + 10000·0.1 + 1500·1.5 + 500·3 = 7750
    assert.deepEqual({ ...r, cost: usd(r.cost) }, { model: 'claude-sonnet-4-5', cost: usd(0.00775), costSource: 'estimated' });
    // other models still use the table
    assert.equal(usd(p.price(rec('claude-haiku-4-5', { inputTokens: 1_000_000 })).cost), usd(1));
  });

  it('accepts un-normalised keys; an exact normalised key wins over one that normalises to it', () => {
    const loose = new Pricer({ 'Anthropic/Claude-Sonnet-4.5': { input: 2, output: 0 } });
    assert.equal(usd(loose.price(rec('claude-sonnet-4-5-20250929', { inputTokens: 1_000_000 })).cost), usd(2));
    const both = new Pricer({ 'anthropic/claude-sonnet-4.5': { input: 9, output: 0 }, 'claude-sonnet-4-5': { input: 4, output: 0 } });
    assert.equal(usd(both.price(rec('claude-sonnet-4.5', { inputTokens: 1_000_000 })).cost), usd(4));
  });

  it('missing cache rates fall back to input (read, write) and write (1h)', () => {
    const p = new Pricer({ 'my-model': { input: 2, output: 8 } });
    const r = p.price(rec('my-model', { cacheReadTokens: 1_000, cacheWriteTokens: 1_000, cacheWrite1hTokens: 1_000 }));
    assert.deepEqual({ ...r, cost: usd(r.cost) }, { model: 'my-model', cost: usd(0.004), costSource: 'estimated' });
  });

  it('override tiers bill the whole request once total input exceeds `above`', () => {
    const p = new Pricer({ 'my-model': { input: 1, output: 2, cacheRead: 0.1, tiers: [{ above: 100_000, input: 2, output: 4, cacheRead: 0.2 }] } });
    const under = p.price(rec('my-model', { inputTokens: 50_000, cacheReadTokens: 50_000, outputTokens: 1_000 }));
    assert.equal(usd(under.cost), usd(0.057)); // 50000·1 + 50000·0.1 + 1000·2 (100k is not above 100k)
    const over = p.price(rec('my-model', { inputTokens: 60_000, cacheReadTokens: 50_000, outputTokens: 1_000 }));
    assert.equal(usd(over.cost), usd(0.134)); // 120000 + 10000 + 4000
  });

  it('invalid override entries are ignored and reported', () => {
    const p = new Pricer({ bad: { input: -1, output: 1 }, 'gpt-5': { input: NaN, output: 1 } } as PriceOverrides);
    assert.deepEqual(p.invalidOverrides.sort(), ['bad', 'gpt-5']);
    assert.equal(usd(p.price(rec('gpt-5', { inputTokens: 1_000_000 })).cost), usd(1.25));
  });

  it('fingerprint is stable and changes with the overrides', () => {
    const a = new Pricer().fingerprint;
    assert.equal(a, new Pricer({}).fingerprint);
    assert.match(a, /^[0-9a-f]{16}$/);
    const o1 = new Pricer({ x: { input: 1, output: 2 }, y: { input: 3, output: 4 } }).fingerprint;
    assert.notEqual(o1, a);
    assert.equal(o1, new Pricer({ y: { output: 4, input: 3 }, x: { input: 1, output: 2 } }).fingerprint, 'key order must not matter');
    assert.notEqual(o1, new Pricer({ x: { input: 1, output: 2 }, y: { input: 3, output: 5 } }).fingerprint);
    assert.notEqual(o1, new Pricer({ x: { input: 1, output: 2, tiers: [{ above: 1, input: 1, output: 1 }] }, y: { input: 3, output: 4 } }).fingerprint);
  });
});
