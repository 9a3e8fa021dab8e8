// Reading on worker threads must give exactly what reading on the calling thread gives.
// Uses the real bundled worker (dist/parseWorker.js, built by `npm test` before the unit tests).
import { strict as assert } from 'node:assert';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ParsePool } from '../../../src/core/engine/parsePool';
import { runImport } from '../../../src/core/engine/runImport';
import { claudeCodeImporter } from '../../../src/core/importers/claudeCode';
import { codexImporter } from '../../../src/core/importers/codex';
import type { SourceContext } from '../../../src/core/importers/types';
import { Pricer } from '../../../src/core/pricing';
import { groupBy, series } from '../../../src/core/queries/aggregate';
import { storePaths } from '../../../src/core/store/storeFiles';
import { UsageStore } from '../../../src/core/store/usageStore';
import { tempDir } from '../../support/tempDir';

const WORKER = path.resolve(__dirname, '..', '..', '..', 'dist', 'parseWorker.js');

async function corpus(home: string): Promise<SourceContext> {
  for (let s = 0; s < 12; s++) {
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      const base = { type: 'assistant', cwd: `/p/${s % 3}`, sessionId: `s${s}`, version: '2.1.0', requestId: `r${s}-${i}`, timestamp: new Date(Date.UTC(2026, 7, 1 + (i % 20), s)).toISOString() };
      const usage = (out: number) => ({ input_tokens: i, output_tokens: out, cache_read_input_tokens: 100 * i, cache_creation_input_tokens: s });
      lines.push(JSON.stringify({ ...base, message: { id: `m${s}-${i}`, model: 'claude-sonnet-4-5-20250929', usage: usage(1) } })); // streamed, partial
      lines.push(JSON.stringify({ ...base, message: { id: `m${s}-${i}`, model: 'claude-sonnet-4-5-20250929', usage: usage(10 + i) } }));
      lines.push(JSON.stringify({ type: 'user', message: { content: 'x'.repeat(2000) } }));
    }
    // Resumed sessions copy the one before: shared keys across files, counted once.
    if (s > 0) lines.push(...(await fs.readFile(path.join(home, '.claude/projects/p', `s${s - 1}.jsonl`), 'utf8')).trim().split('\n').slice(0, 6));
    await fs.mkdir(path.join(home, '.claude/projects/p'), { recursive: true });
    await fs.writeFile(path.join(home, '.claude/projects/p', `s${s}.jsonl`), lines.join('\n') + '\nnot json\n');
  }
  const dir = path.join(home, '.codex/sessions/2026/08/01');
  await fs.mkdir(dir, { recursive: true });
  for (let s = 0; s < 4; s++) {
    const id = `0199fe39-c07c-71d0-9ceb-93150a0946d${s}`;
    const lines = [JSON.stringify({ timestamp: '2026-08-01T10:00:00.000Z', type: 'session_meta', payload: { id, cwd: '/p/codex' } }),
      JSON.stringify({ timestamp: '2026-08-01T10:00:01.000Z', type: 'turn_context', payload: { model: 'gpt-5' } })];
    for (let i = 1; i <= 30; i++) {
      lines.push(JSON.stringify({ timestamp: `2026-08-01T1${s}:${String(i).padStart(2, '0')}:00.000Z`, type: 'event_msg',
        payload: { type: 'token_count', info: { total_token_usage: { input_tokens: 1000 * i, cached_input_tokens: 600 * i, output_tokens: 50 * i, reasoning_output_tokens: 10 * i, total_tokens: 1050 * i } } } }));
    }
    await fs.writeFile(path.join(dir, `rollout-2026-08-01T10-00-00-${id}.jsonl`), lines.join('\n') + '\n');
  }
  return { home, env: {}, platform: 'linux', extraPaths: {} };
}

const snapshot = (s: UsageStore) => ({
  days: series(s.catalog, {}, 'day', 'UTC'),
  models: groupBy(s.catalog, {}, 'model'),
  projects: groupBy(s.catalog, {}, 'project'),
  skipped: s.catalog.all('SELECT SUM(skipped), COUNT(*) FROM files')[0],
});

describe('parsing on worker threads', () => {
  before(function () {
    if (!existsSync(WORKER)) this.skip(); // `npm test` builds it first
  });

  it('imports exactly what the calling thread imports, and resumes incrementally after it', async function () {
    this.timeout(60_000);
    const ctx = await corpus(await tempDir());
    const importers = [claudeCodeImporter, codexImporter];
    const serial = await UsageStore.inMemory();
    await runImport(serial, { ctx, pricer: new Pricer(), importers });
    const parallel = await UsageStore.inMemory();
    const report = await runImport(parallel, { ctx, pricer: new Pricer(), importers, parseWorkerFile: WORKER, parallelMinBytes: 0 });
    assert.deepEqual(report.errors, []);
    assert.equal(parallel.rowCount(), 12 * 40 + 4 * 30);
    assert.deepEqual(snapshot(parallel), snapshot(serial));
    // Into a file store, a read big enough for workers is one large write: applied in memory and
    // folded once into month files, not journaled batch by batch; another process reads it all.
    const file = path.join(await tempDir(), 'usage.db');
    const onDisk = await UsageStore.open(file);
    await runImport(onDisk, { ctx, pricer: new Pricer(), importers, parseWorkerFile: WORKER, parallelMinBytes: 0 });
    assert.equal((await fs.readFile(storePaths(file).journal, 'utf8')).trim().split('\n').length, 1, 'the journal holds its header only');
    const reader = await UsageStore.open(file);
    assert.deepEqual(snapshot(reader), snapshot(serial));
    await reader.close();
    await onDisk.close();
    // …and it really went through the workers: a worker that cannot start fails every read.
    const broken = await runImport(await UsageStore.inMemory(), { ctx, pricer: new Pricer(), importers, parseWorkerFile: '/nonexistent/parseWorker.js', parallelMinBytes: 0 });
    assert.equal(broken.newRows, 0);
    assert.ok(broken.errors.length > 0);

    // The cursors the workers returned are real: appending one line reads one line.
    const f = path.join(ctx.home, '.claude/projects/p/s0.jsonl');
    await fs.appendFile(f, JSON.stringify({ type: 'assistant', sessionId: 's0', version: '2.1.0', requestId: 'new', timestamp: '2026-08-02T00:00:00.000Z', message: { id: 'new', model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 1, output_tokens: 1 } } }) + '\n');
    const again = await runImport(parallel, { ctx, pricer: new Pricer(), importers, parseWorkerFile: WORKER, parallelMinBytes: 0 });
    assert.equal(again.filesRead, 1);
    assert.equal(again.newRows, 1);
  });

  it('reports a file that vanished or cannot be read as an error for that file only', async function () {
    this.timeout(30_000);
    const pool = new ParsePool(WORKER, 1);
    try {
      await assert.rejects(pool.read('claude-code', '/no/such/file.jsonl', undefined), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
      await assert.rejects(pool.read('gemini-cli', '/x.jsonl', undefined), /no parallel importer/);
      const dir = await tempDir();
      const ok = path.join(dir, 'a.jsonl');
      await fs.writeFile(ok, '{}\n');
      assert.equal((await pool.read('claude-code', ok, undefined)).records.length, 0, 'the pool still works after errors');
    } finally {
      await pool.close();
    }
  });
});
