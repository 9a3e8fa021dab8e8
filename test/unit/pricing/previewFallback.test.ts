// A released model name the price table knows only as '<name>-preview' is priced as the preview,
// and the row says so (pricedAs). Built from a Gemini CLI session line, read by the real importer.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GeminiCliImporter } from '../../../src/core/importers/geminiCli';
import { Pricer } from '../../../src/core/pricing';
import { tempDir } from '../../support/tempDir';
import { rec, usd } from './helpers';

describe('pricing: a released name falls back to its preview price', () => {
  it('gemini-3-pro (a Gemini CLI answer) is priced as gemini-3-pro-preview and marked so', async () => {
    const home = await tempDir();
    const file = path.join(home, '.gemini/tmp/atlas/chats/session-2026-09-05T09-12-5e7d2b90.jsonl');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(
      file,
      [
        { sessionId: '5e7d2b90-8c41-4f3a-b6e2-0a9d7c1f4e38', projectHash: 'atlas', startTime: '2026-09-05T09:12:03.200Z', lastUpdated: '2026-09-05T09:12:03.200Z', kind: 'main' },
        { id: 'f3b0c6d1-2a9e-4c57-8d14-6e0b9a3c7f25', timestamp: '2026-09-05T09:12:41.877Z', type: 'gemini', content: 'The route handler never awaits the save; awaiting it fixes the race.', thoughts: [], tokens: { input: 40_000, output: 2_000, cached: 30_000, thoughts: 1_000, tool: 0, total: 43_000 }, model: 'gemini-3-pro' },
      ].map((l) => JSON.stringify(l)).join('\n') + '\n',
    );
    const [r] = (await new GeminiCliImporter().readFile(file, undefined)).records;
    assert.equal(r!.modelRaw, 'gemini-3-pro');
    const p = new Pricer().price(r!);
    // gemini-3-pro-preview ≤ 200k: $2 in, $0.20 cached, $12 out (thoughts billed as output):
    // 10,000·2 + 30,000·0.2 + 3,000·12 = 62,000 → $0.062
    assert.deepEqual({ ...p, cost: usd(p.cost) }, { model: 'gemini-3-pro', cost: usd(0.062), costSource: 'estimated', pricedAs: 'gemini-3-pro-preview' });
  });

  it('applies only when the table has no entry for the released name', () => {
    const p = new Pricer();
    // known names keep their own price and carry no mark
    const known = p.price(rec('gemini-2.5-pro', { inputTokens: 1_000_000 }));
    assert.equal(known.pricedAs, undefined);
    assert.equal(known.costSource, 'estimated');
    assert.equal(p.price(rec('gemini-3-pro-preview', { inputTokens: 100_000 })).pricedAs, undefined);
    // no preview either: unpriced, not guessed
    assert.deepEqual(p.price(rec('gemini-9-ultra', { inputTokens: 1_000 })), { model: 'gemini-9-ultra', cost: 0, costSource: 'unpriced' });
    // your override for the released name wins, unmarked
    const o = new Pricer({ 'gemini-3-pro': { input: 1, output: 5 } }).price(rec('gemini-3-pro', { inputTokens: 1_000_000 }));
    assert.deepEqual({ ...o, cost: usd(o.cost) }, { model: 'gemini-3-pro', cost: usd(1), costSource: 'estimated' });
  });
});
