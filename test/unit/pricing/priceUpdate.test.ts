// Update Prices against a real local HTTP server: a newer valid data file is stored and used, and
// a corrupt file, a file of the wrong shape, an HTTP error or a timeout change nothing.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { REMOTE_DATA_JSON_URL, waitForUpdate, type ConditionalPrice, type ModelPrice, type Provider } from '@pydantic/genai-prices';
import { priceInPlace } from '../../../src/core/engine/runImport';
import { BUNDLED_TABLE, loadStoredPriceTable, Pricer } from '../../../src/core/pricing';
import { parsePriceData } from '../../../src/core/pricing/priceData';
import { DEFAULT_PRICE_DATA_URL, updatePriceData } from '../../../src/core/pricing/priceUpdate';
import { groupBy } from '../../../src/core/queries/aggregate';
import { UsageStore } from '../../../src/core/store/usageStore';
import { tempDir } from '../../support/tempDir';
import { rec, usd } from './helpers';

/** A newer data file: the bundled data plus a model released since, and a price change. */
async function newerData(): Promise<Provider[]> {
  const data = JSON.parse(JSON.stringify(await waitForUpdate())) as Provider[];
  const google = data.find((p) => p.id === 'google')!;
  google.models.push({ id: 'gemini-4-pro', name: 'Gemini 4 Pro', match: { starts_with: 'gemini-4-pro' }, prices: { input_mtok: 2.5, cache_read_mtok: 0.25, output_mtok: 15 } });
  const haiku = data.find((p) => p.id === 'anthropic')!.models.find((m) => m.id === 'claude-haiku-4-5')!;
  const later: ConditionalPrice = { constraint: { type: 'start_date', start_date: '2026-10-01' }, prices: { input_mtok: 0.8, cache_write_mtok: 1, cache_read_mtok: 0.08, output_mtok: 4 } };
  haiku.prices = [{ prices: haiku.prices as ModelPrice }, later];
  return data;
}

describe('pricing: Update Prices (fetch, validate, store, use)', () => {
  let server: http.Server;
  let base: string;
  let newer: string;
  const stalled = new Set<http.ServerResponse>();

  before(async () => {
    newer = JSON.stringify(await newerData());
    const routes: Record<string, (res: http.ServerResponse) => void> = {
      '/v2/data.json': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(newer),
      '/moved': (res) => res.writeHead(302, { location: '/v2/data.json' }).end(),
      '/corrupt.json': (res) => res.writeHead(200).end(newer.slice(0, Math.floor(newer.length / 2))),
      // LiteLLM's table: valid JSON, the wrong schema
      '/litellm.json': (res) => res.writeHead(200).end(JSON.stringify({ 'claude-sonnet-4-5': { input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5, litellm_provider: 'anthropic' } })),
      '/negative.json': (res) => res.writeHead(200).end(newer.replace('"input_mtok":2.5', '"input_mtok":-2.5')),
      '/no-models.json': (res) => res.writeHead(200).end(JSON.stringify([{ id: 'anthropic', name: 'Anthropic', api_pattern: 'x' }])),
      '/gone.json': (res) => res.writeHead(404, 'Not Found').end('no such file'),
      '/broken': (res) => res.writeHead(500, 'Internal Server Error').end(),
      '/huge.json': (res) => res.writeHead(200).end('['.padEnd(64 * 1024, ' ')),
      '/slow.json': (res) => void stalled.add(res), // never answers
    };
    server = http.createServer((req, res) => (routes[req.url ?? ''] ?? routes['/gone.json']!)(res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const res of stalled) res.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  let file: string;
  beforeEach(async () => {
    file = path.join(await tempDir(), 'prices', 'genai-prices-data.json');
  });

  it('defaults to the data file the package itself updates from', () => {
    assert.equal(DEFAULT_PRICE_DATA_URL, REMOTE_DATA_JSON_URL);
  });

  it('stores a newer valid data file; the pricer uses it, with a new fingerprint, and the bundled table stays the default', async () => {
    const r = await updatePriceData({ file, url: `${base}/v2/data.json` });
    assert.equal(r.changed, true);
    assert.ok(r.models > 500 && r.providers > 20, JSON.stringify(r));
    assert.equal(await fs.readFile(file, 'utf8'), newer);

    const table = loadStoredPriceTable(file)!;
    const stored = new Pricer({}, table);
    const bundled = new Pricer();
    const gemini4 = rec('gemini-4-pro-preview-11-2026', { inputTokens: 1_000_000 });
    assert.deepEqual(bundled.price(gemini4), { model: 'gemini-4-pro-preview-11-2026', cost: 0, costSource: 'unpriced' });
    assert.equal(usd(stored.price(gemini4).cost), usd(2.5));
    // Old prices and rules still apply where the data did not change (Sonnet 4.5's long-context tier).
    const sonnet = rec('claude-sonnet-4-5', { inputTokens: 250_000 });
    assert.equal(usd(stored.price(sonnet).cost), usd(bundled.price(sonnet).cost));
    assert.notEqual(stored.fingerprint, bundled.fingerprint);
    assert.equal(new Pricer({}, loadStoredPriceTable(file)!).fingerprint, stored.fingerprint, 'same data, same fingerprint');
    assert.equal(new Pricer({}, BUNDLED_TABLE).fingerprint, bundled.fingerprint);

    // Fetching the same data again changes nothing.
    const again = await updatePriceData({ file, url: `${base}/moved` });
    assert.equal(again.changed, false);
  });

  it('re-pricing with the new table rewrites only the rows whose price changed', async () => {
    await updatePriceData({ file, url: `${base}/v2/data.json` });
    const store = await UsageStore.inMemory();
    const oct = Date.UTC(2026, 9, 15);
    const rows = [
      rec('gemini-4-pro', { dedupeKey: 'a', inputTokens: 10_000, outputTokens: 1_000, ts: oct }), // unpriced → priced
      rec('claude-haiku-4-5-20251001', { dedupeKey: 'b', inputTokens: 10_000, outputTokens: 1_000, ts: oct }), // cheaper from Oct 1
      rec('claude-haiku-4-5-20251001', { dedupeKey: 'c', inputTokens: 10_000, outputTokens: 1_000, ts: Date.UTC(2026, 8, 15) }), // before: same
      rec('claude-sonnet-4-5', { dedupeKey: 'd', inputTokens: 10_000, outputTokens: 1_000, ts: oct }), // same
    ];
    await store.write({ rows: priceInPlace(rows, new Pricer()) });
    const pricer = new Pricer({}, loadStoredPriceTable(file)!);
    assert.equal(await store.reprice((r) => pricer.price(r), pricer.fingerprint), 2);
    const byModel = groupBy(store.catalog, {}, 'model').map((g) => [g.key, g.messages, g.unpricedMessages, Math.round(g.cost * 1e6) / 1e6]).sort();
    assert.deepEqual(byModel, [
      ['claude-haiku-4-5', 2, 0, 0.027], // from Oct 1: 10k·0.8 + 1k·4 = 0.012; before: 10k·1 + 1k·5 = 0.015
      ['claude-sonnet-4-5', 1, 0, 0.045],
      ['gemini-4-pro', 1, 0, 0.04], // was unpriced: 10k·2.5 + 1k·15
    ]);
  });

  const failures: [string, RegExp, { timeoutMs?: number; maxBytes?: number }?][] = [
    ['/corrupt.json', /did not return usable prices: not a valid genai-prices data file: not JSON/],
    ['/litellm.json', /not a valid genai-prices data file: the data file \(expected a list of providers\): expected a list/],
    ['/negative.json', /providers\[\d+\]\.models\[\d+\]\.prices\.input_mtok: expected a non-negative price/],
    ['/no-models.json', /providers\[0\]: missing "models"/],
    ['/gone.json', /failed: HTTP 404 Not Found/],
    ['/broken', /failed: HTTP 500 Internal Server Error/],
    ['/huge.json', /sent more than 32 KB: not a price data file/, { maxBytes: 32 * 1024 }],
    ['/slow.json', /timed out after 0.3 s/, { timeoutMs: 300 }],
  ];
  for (const [route, message, opts] of failures) {
    it(`${route}: a clear error, and the stored table is left as it was`, async () => {
      await updatePriceData({ file, url: `${base}/v2/data.json` });
      const before = await fs.readFile(file, 'utf8');
      await assert.rejects(updatePriceData({ file, url: `${base}${route}`, ...opts }), message);
      assert.equal(await fs.readFile(file, 'utf8'), before);
      assert.deepEqual((await fs.readdir(path.dirname(file))).sort(), ['genai-prices-data.json'], 'no temp files left');
    });
  }

  it('with no stored table yet, a failed fetch stores nothing (the bundled table stays in use)', async () => {
    await assert.rejects(updatePriceData({ file, url: `${base}/corrupt.json` }));
    assert.equal(loadStoredPriceTable(file), null);
  });

  it('refuses URLs that are not http(s)', async () => {
    await assert.rejects(updatePriceData({ file, url: 'file:///etc/passwd' }), /is not an http\(s\) URL/);
    await assert.rejects(updatePriceData({ file, url: 'not a url' }), /is not a valid URL/);
  });

  it('a stored file damaged on disk is reported, not used', async () => {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, '[{"id": "anthropic"');
    assert.throws(() => loadStoredPriceTable(file), /is unusable \(not a valid genai-prices data file: not JSON.*using the bundled prices/);
  });

  it('the schema check accepts the bundled data and names the first bad place', async () => {
    assert.ok(parsePriceData(JSON.parse(JSON.stringify(await waitForUpdate()))).length > 20);
    const bad = JSON.parse(newer) as Provider[];
    (bad[0]!.models[0] as unknown as Record<string, unknown>).match = { starts_with: 'a', equals: 'b' };
    assert.throws(() => parsePriceData(bad), /providers\[0\]\.models\[0\]\.match: expected exactly one match clause/);
    (bad[0]!.models[0] as unknown as Record<string, unknown>).match = { regex: '(' };
    assert.throws(() => parsePriceData(bad), /providers\[0\]\.models\[0\]\.match\.regex: not a valid regular expression/);
  });
});
