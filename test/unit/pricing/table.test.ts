import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { calcPrice } from '@pydantic/genai-prices';
import { buildSync } from 'esbuild';
import { GENAI_PRICES_VERSION, Pricer } from '../../../src/core/pricing';
import { rec, usd } from './helpers';

const root = path.resolve(__dirname, '../../..');

describe('pricing: agreement with genai-prices, bundling, speed', () => {
  it('GENAI_PRICES_VERSION matches the installed package (it feeds the fingerprint)', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'node_modules/@pydantic/genai-prices/package.json'), 'utf8'));
    assert.equal(GENAI_PRICES_VERSION, pkg.version);
  });

  it('our compiled per-request cost equals calcPrice for the same request and timestamp', () => {
    const p = new Pricer();
    const models = ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-opus-4-6', 'claude-haiku-4-5', 'claude-3-5-haiku-latest',
      'gpt-5', 'gpt-5-mini', 'gpt-5.1-codex', 'gpt-5.4', 'gpt-4o', 'o3', 'gemini-2.5-pro', 'gemini-2.5-flash', 'deepseek-chat', 'grok-code-fast-1'];
    const usages = [
      { inputTokens: 1_234, outputTokens: 567, cacheReadTokens: 8_900, cacheWriteTokens: 1_000, cacheWrite1hTokens: 300 },
      { inputTokens: 120_000, outputTokens: 3_000, cacheReadTokens: 100_000, cacheWriteTokens: 50_000, cacheWrite1hTokens: 0 },
      { inputTokens: 300_000, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 },
    ];
    const times = [Date.UTC(2025, 5, 1, 3), Date.UTC(2026, 3, 1, 20)]; // inside / outside DeepSeek's off-peak window
    let compared = 0;
    for (const m of models) for (const u of usages) for (const ts of times) {
      const want = calcPrice({
        input_tokens: u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens, output_tokens: u.outputTokens,
        cache_read_tokens: u.cacheReadTokens, cache_write_tokens: u.cacheWriteTokens, cache_write_1h_tokens: u.cacheWrite1hTokens,
      }, m, { timestamp: new Date(ts) });
      assert.ok(want, m);
      const got = p.price(rec(m, { ...u, ts }));
      assert.equal(got.costSource, 'estimated');
      assert.equal(usd(got.cost), usd(want.total_price), `${m} ${JSON.stringify(u)} @${new Date(ts).toISOString()}`);
      compared++;
    }
    assert.equal(compared, models.length * usages.length * times.length);
  });

  it('works from an esbuild CommonJS bundle with the price data inside', function () {
    this.timeout(60_000);
    const out = path.join(os.tmpdir(), `pricing-bundle-${process.pid}.js`);
    buildSync({ entryPoints: [path.join(root, 'src/core/pricing/index.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'error' });
    // Run from the temp dir with no node_modules in reach: everything must come from the bundle.
    const script = `const m=require(${JSON.stringify(out)});const p=new m.Pricer();` +
      `const r=p.price({source:'api',dedupeKey:'k',ts:Date.now(),project:'',modelRaw:'claude-sonnet-4.5',sessionId:'',inputTokens:100000,outputTokens:0,cacheReadTokens:0,cacheWriteTokens:0,cacheWrite1hTokens:0,reasoningTokens:0});` +
      `process.stdout.write(JSON.stringify(r))`;
    const res = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: os.tmpdir(), env: { ...process.env, NODE_PATH: '' } }).toString());
    rmSync(out, { force: true });
    assert.deepEqual(res, { model: 'claude-sonnet-4-5', cost: 0.3, costSource: 'estimated' });
  });

  it('prices 1M records quickly (cached per-model lookup)', function () {
    this.timeout(60_000);
    const models = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'gpt-5-codex', 'gemini-2.5-pro', 'claude-opus-4-6', 'unknown-x', 'deepseek-chat'];
    const pool = Array.from({ length: 4096 }, (_, i) => rec(models[i % models.length], {
      ts: Date.UTC(2026, 0, 1) + i * 977_000, inputTokens: (i * 7919) % 260_000, outputTokens: i % 5000,
      cacheReadTokens: (i * 104_729) % 150_000, cacheWriteTokens: i % 3000, cacheWrite1hTokens: i % 700, reasoningTokens: i % 100,
    }));
    const p = new Pricer();
    let sum = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 1_000_000; i++) sum += p.price(pool[i & 4095]).cost;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`      1,000,000 records priced in ${ms.toFixed(0)} ms (total $${sum.toFixed(2)})`);
    assert.ok(sum > 0);
    assert.ok(ms < 2_000, `${ms} ms`); // typically ~100 ms; generous bound for loaded CI machines
  });
});
