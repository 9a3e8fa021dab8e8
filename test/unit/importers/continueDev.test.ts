import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ContinueImporter } from '../../../src/core/importers/continueDev';
import type { SourceContext } from '../../../src/core/importers/types';
import { tempDir } from '../../support/tempDir';

const ev = (timestamp: string, promptTokens: number, generatedTokens: number, model = 'claude-sonnet-4-5') =>
  JSON.stringify({
    eventName: 'tokensGenerated',
    schema: '0.2.0',
    timestamp,
    userId: '',
    userAgent: 'Visual Studio Code/1.103.0 (Continue/1.2.0)',
    selectedProfileId: 'local',
    model,
    provider: 'anthropic',
    promptTokens,
    generatedTokens,
  }) + '\n';
const ctx = (home: string, extra: Partial<SourceContext> = {}): SourceContext => ({ home, env: {}, platform: 'linux', extraPaths: {}, ...extra });

describe('Continue importer', () => {
  let home: string;
  let imp: ContinueImporter;
  beforeEach(async () => {
    home = await tempDir();
    imp = new ContinueImporter();
  });

  it('lists dev_data under CONTINUE_GLOBAL_DIR or ~/.continue, per OS', () => {
    assert.deepEqual(imp.roots(ctx('/home/u')), ['/home/u/.continue/dev_data']);
    assert.deepEqual(imp.roots(ctx('/home/u', { env: { CONTINUE_GLOBAL_DIR: '/cfg/continue' }, extraPaths: { continue: ['/x.jsonl'] } })), [
      '/cfg/continue/dev_data',
      '/x.jsonl',
    ]);
    assert.deepEqual(imp.roots(ctx('C:\\Users\\u', { platform: 'win32' })), ['C:\\Users\\u\\.continue\\dev_data']);
  });

  it('finds the versioned and the older log, never devdata.sqlite', async () => {
    const dev = path.join(home, '.continue', 'dev_data');
    await fs.mkdir(path.join(dev, '0.2.0'), { recursive: true });
    await fs.mkdir(path.join(dev, '0.2.0', 'nested'), { recursive: true });
    for (const f of ['tokensGenerated.jsonl', '0.2.0/tokensGenerated.jsonl', '0.2.0/chatInteraction.jsonl', 'devdata.sqlite', '0.2.0/nested/tokensGenerated.jsonl']) {
      await fs.writeFile(path.join(dev, f), '');
    }
    assert.deepEqual(await imp.listFiles(imp.roots(ctx(home))), [path.join(dev, '0.2.0', 'tokensGenerated.jsonl'), path.join(dev, 'tokensGenerated.jsonl')]);
  });

  it('maps each line, treats identical lines as one event and skips undatable lines', async () => {
    const f = path.join(home, 'tokensGenerated.jsonl');
    const a = ev('2026-08-20T10:00:05.123Z', 10234, 512);
    await fs.writeFile(
      f,
      a +
        a + // the same event twice (same ms, same counts)
        ev('2026-08-20T10:00:05.123Z', 10234, 513) + // differs: another event
        JSON.stringify({ createdAt: '2026-08-20T11:00:00.000Z', model: 'gpt-4o', provider: 'openai', promptTokens: 7, generatedTokens: 3 }) + '\n' +
        JSON.stringify({ model: 'gpt-4o', provider: 'openai', promptTokens: 7, generatedTokens: 3 }) + '\n' + // 0.1.0: no time
        '{"eventName":"tokensGenerated","generatedTokens":\n',
    );
    const r = await imp.readFile(f, undefined);
    assert.equal(r.skipped, 2);
    assert.deepEqual(
      r.records.map((x) => [x.ts, x.modelRaw, x.inputTokens, x.outputTokens, x.cacheReadTokens, x.reportedCost]),
      [
        [Date.parse('2026-08-20T10:00:05.123Z'), 'claude-sonnet-4-5', 10234, 512, 0, undefined],
        [Date.parse('2026-08-20T10:00:05.123Z'), 'claude-sonnet-4-5', 10234, 513, 0, undefined],
        [Date.parse('2026-08-20T11:00:00.000Z'), 'gpt-4o', 7, 3, 0, undefined],
      ],
    );
    assert.equal(new Set(r.records.map((x) => x.dedupeKey)).size, 3);
    assert.deepEqual([r.records[0]!.source, r.records[0]!.project, r.records[0]!.sessionId], ['continue', '', '']);
  });

  it('reads appends only, and gives a rewritten file the same keys', async () => {
    const f = path.join(home, 'tokensGenerated.jsonl');
    await fs.writeFile(f, ev('2026-08-20T10:00:00.000Z', 1, 1));
    const first = await imp.readFile(f, undefined);
    await fs.appendFile(f, ev('2026-08-20T10:00:01.000Z', 2, 2));
    const second = await imp.readFile(f, first.cursor);
    assert.deepEqual(second.records.map((x) => x.inputTokens), [2]);
    await fs.writeFile(f, ev('2026-08-20T09:00:00.000Z', 9, 9) + ev('2026-08-20T10:00:00.000Z', 1, 1) + ev('2026-08-20T10:00:01.000Z', 2, 2));
    const again = await imp.readFile(f, second.cursor);
    assert.equal(again.reread, true);
    assert.deepEqual(again.records.slice(1).map((x) => x.dedupeKey), [...first.records, ...second.records].map((x) => x.dedupeKey));
    await fs.writeFile(f, '');
    const emptied = await imp.readFile(f, again.cursor);
    assert.deepEqual([emptied.reread, emptied.records.length], [true, 0]);
  });
});
