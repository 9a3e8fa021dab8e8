import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CopilotCliImporter } from '../../../src/core/importers/copilotCli';
import type { SourceContext } from '../../../src/core/importers/types';
import type { UsageRecord } from '../../../src/core/model';
import { Pricer } from '../../../src/core/pricing';
import { tempDir } from '../../support/tempDir';

const SID = '0c1d2e3f-aaaa-bbbb-cccc-ddddeeeeffff';
const line = (o: unknown) => JSON.stringify(o) + '\n';
const start = (cwd = '/work/cop') =>
  line({ type: 'session.start', data: { sessionId: SID, version: 1, producer: 'copilot-agent', copilotVersion: '1.0.80', startTime: '2026-08-20T10:00:00.000Z', context: { cwd } }, id: 'e0', timestamp: '2026-08-20T10:00:00.000Z', parentId: null });
const usage = (count: number, inputTokens: number, outputTokens: number, cacheReadTokens: number, cacheWriteTokens = 0, reasoningTokens = 0) => ({
  requests: { count, cost: count },
  usage: { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens },
});
const shutdown = (id: string, timestamp: string, modelMetrics: unknown) =>
  line({ type: 'session.shutdown', data: { shutdownType: 'routine', totalPremiumRequests: 3, totalApiDurationMs: 1000, sessionStartTime: 0, codeChanges: { linesAdded: 0, linesRemoved: 0, filesModified: [] }, modelMetrics, currentModel: 'claude-sonnet-4.5' }, id, timestamp, parentId: 'e0' });
const resume = (id: string) => line({ type: 'session.resume', data: { resumeTime: '2026-08-21T09:00:00.000Z', eventCount: 5 }, id, timestamp: '2026-08-21T09:00:00.000Z' });
const chat = line({ type: 'assistant.message', data: { messageId: 'm', content: 'about session.shutdown', outputTokens: 12 }, id: 'e5', timestamp: '2026-08-20T10:00:03.000Z' });
const T1 = '2026-08-20T10:30:00.000Z';
const T2 = '2026-08-21T09:45:00.000Z';
const T3 = '2026-08-22T09:45:00.000Z';

const ctx = (home: string, extra: Partial<SourceContext> = {}): SourceContext => ({ home, env: {}, platform: 'linux', extraPaths: {}, ...extra });
const row = (r: UsageRecord) => [r.dedupeKey, r.modelRaw, r.inputTokens, r.outputTokens, r.cacheReadTokens, r.cacheWriteTokens, r.reasoningTokens];

describe('Copilot CLI importer', () => {
  let home: string;
  let file: string;
  let imp: CopilotCliImporter;
  beforeEach(async () => {
    home = await tempDir();
    const dir = path.join(home, '.copilot', 'session-state', SID);
    await fs.mkdir(path.join(dir, 'checkpoints'), { recursive: true });
    file = path.join(dir, 'events.jsonl');
    imp = new CopilotCliImporter();
  });

  it('lists COPILOT_HOME, ~/.copilot and the old XDG location, per OS', () => {
    assert.deepEqual(imp.roots(ctx('/home/u', { env: { COPILOT_HOME: '/c', XDG_CONFIG_HOME: '/home/u/.config' }, extraPaths: { 'copilot-cli': ['/e'] } })), [
      '/c/session-state',
      '/home/u/.copilot/session-state',
      '/home/u/.config/.copilot/session-state',
      '/e',
    ]);
    assert.deepEqual(imp.roots(ctx('C:\\Users\\u', { platform: 'win32' })), ['C:\\Users\\u\\.copilot\\session-state']);
  });

  it('reads one record per model of a shutdown, with cache taken out of input and no dollar cost', async () => {
    await fs.writeFile(
      file,
      start() +
        chat +
        shutdown('e9', T1, {
          'claude-sonnet-4.5': usage(3, 26512, 929, 15872, 0, 704),
          'gpt-5-mini': usage(2, 1000, 50, 0, 0, 0),
          'o-odd': usage(1, 100, 10, 50, 80, 0), // cache writes not inside input
          broken: { requests: { count: 1 } },
        }),
    );
    await fs.writeFile(path.join(path.dirname(file), 'checkpoints', 'events.jsonl'), '');
    assert.deepEqual(await imp.listFiles(imp.roots(ctx(home))), [file]);
    const r = await imp.readFile(file, undefined);
    assert.deepEqual(r.records.map(row), [
      [`${SID}:e9:claude-sonnet-4.5`, 'claude-sonnet-4.5', 10640, 929, 15872, 0, 704],
      [`${SID}:e9:gpt-5-mini`, 'gpt-5-mini', 1000, 50, 0, 0, 0],
      [`${SID}:e9:o-odd`, 'o-odd', 50, 10, 50, 80, 0],
    ]);
    for (const rec of r.records) {
      assert.equal(rec.reportedCost, undefined);
      assert.equal(rec.project, '/work/cop');
      assert.equal(rec.sessionId, SID);
      assert.equal(rec.ts, Date.parse(T1));
      assert.equal(rec.source, 'copilot-cli');
    }
  });

  it('turns running totals of a resumed session into per-leg usage, across incremental reads', async () => {
    await fs.writeFile(file, start() + shutdown('s1', T1, { a: usage(3, 1000, 100, 500) }));
    const first = await imp.readFile(file, undefined);
    assert.deepEqual(first.records.map(row), [[`${SID}:s1:a`, 'a', 500, 100, 500, 0, 0]]);
    // Resume: the CLI restores the totals and keeps counting; a new model joins.
    await fs.appendFile(file, resume('r1') + shutdown('s2', T2, { a: usage(5, 2500, 250, 1200), b: usage(1, 300, 30, 0) }));
    const second = await imp.readFile(file, first.cursor);
    assert.equal(second.reread, false);
    assert.deepEqual(second.records.map(row), [
      [`${SID}:s2:a`, 'a', 800, 150, 700, 0, 0],
      [`${SID}:s2:b`, 'b', 300, 30, 0, 0, 0],
    ]);
    assert.equal(second.records[0]!.ts, Date.parse(T2));
    // A shutdown without metrics (crash teardown) neither counts nor resets the baseline.
    await fs.appendFile(file, shutdown('s3', T3, {}) + line({ type: 'session.shutdown', data: { shutdownType: 'error' }, id: 's4', timestamp: T3 }));
    const third = await imp.readFile(file, second.cursor);
    assert.equal(third.records.length, 0);
    // A resumed leg with nothing new for `b` yields only `a`.
    await fs.appendFile(file, shutdown('s5', T3, { a: usage(6, 3000, 300, 1500), b: usage(1, 300, 30, 0) }));
    const fourth = await imp.readFile(file, third.cursor);
    assert.deepEqual(fourth.records.map(row), [[`${SID}:s5:a`, 'a', 200, 50, 300, 0, 0]]);

    // Rewritten (or read for the first time): same keys, same numbers, nothing doubled.
    const whole = await imp.readFile(file, undefined);
    assert.deepEqual(whole.records.map(row), [...first.records, ...second.records, ...fourth.records].map(row));
    const total = whole.records.reduce((s, x) => s + x.inputTokens + x.cacheReadTokens, 0);
    assert.equal(total, 3000 + 300, 'sum of legs = last running total');
  });

  it('records a reset leg (older builds) in full', async () => {
    await fs.writeFile(
      file,
      start() +
        shutdown('s1', T1, { a: usage(121, 11538077, 72829, 11027120), b: usage(12, 500000, 9000, 400000) }) +
        resume('r1') +
        shutdown('s2', T2, { a: usage(10, 900000, 5000, 800000), b: usage(13, 600000, 9500, 450000) }) + // a went down
        resume('r2') +
        shutdown('s3', T3, { b: usage(20, 700000, 10000, 500000) }), // a disappeared
    );
    const r = await imp.readFile(file, undefined);
    assert.deepEqual(r.records.map(row), [
      [`${SID}:s1:a`, 'a', 510957, 72829, 11027120, 0, 0],
      [`${SID}:s1:b`, 'b', 100000, 9000, 400000, 0, 0],
      [`${SID}:s2:a`, 'a', 100000, 5000, 800000, 0, 0],
      [`${SID}:s2:b`, 'b', 150000, 9500, 450000, 0, 0],
      [`${SID}:s3:b`, 'b', 200000, 10000, 500000, 0, 0],
    ]);
  });

  it('counts a malformed shutdown, takes the folder name when session.start is missing, and survives truncation', async () => {
    await fs.writeFile(file, '{"type":"session.shutdown","data":{"modelMetrics":\n' + shutdown('s1', T1, { a: usage(1, 10, 1, 0) }) + shutdown('s2', 'bad time', { a: usage(2, 20, 2, 0) }));
    const r = await imp.readFile(file, undefined);
    assert.equal(r.skipped, 2);
    assert.deepEqual(r.records.map((x) => [x.dedupeKey, x.project]), [[`${SID}:s1:a`, '']]);
    await fs.writeFile(file, start());
    const shrunk = await imp.readFile(file, r.cursor);
    assert.deepEqual([shrunk.reread, shrunk.records.length], [true, 0]);
  });

  it('prices a long segment as requests.count requests of its average size, not as one huge request', async () => {
    // A long session on claude-sonnet-4.5: 50 requests, 2.3M input tokens in all (2.2M of them cache
    // reads, 52k cache writes), 46k per request on average, far below the 200k long-context tier.
    await fs.writeFile(
      file,
      start() +
        line({
          type: 'session.shutdown',
          data: {
            shutdownType: 'routine', totalPremiumRequests: 50, totalApiDurationMs: 912_400, sessionStartTime: 1787220000000,
            codeChanges: { linesAdded: 412, linesRemoved: 96, filesModified: ['src/app.ts', 'src/db.ts'] },
            modelMetrics: {
              'claude-sonnet-4.5': {
                requests: { count: 50, cost: 50 },
                usage: { inputTokens: 2_300_000, outputTokens: 6_000, cacheReadTokens: 2_200_000, cacheWriteTokens: 52_000, reasoningTokens: 1_500 },
              },
            },
            currentModel: 'claude-sonnet-4.5',
          },
          id: 'b7e2c1d0-5f3a-4c8e-9a1b-2d3e4f5a6b7c', timestamp: T1, parentId: 'e0',
        }),
    );
    const [rec] = (await imp.readFile(file, undefined)).records;
    const priced = new Pricer().price(rec!);
    // Base rates for every request: 48k·$3 + 2.2M·$0.30 + 52k·$3.75 + 6k·$15 per MTok = $1.089
    // (one 2.3M-token request would be billed at the >200k rates: $2.133).
    assert.equal(priced.cost.toFixed(6), '1.089000');
    assert.equal(rec!.requests, 50);
  });
});
