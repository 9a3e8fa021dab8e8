// The real local store behind team sync: `ai-usage import` reads real logs, `ai-usage sync` ships
// them to a real PostgreSQL through the store's change feed, and the team totals equal the local ones.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { main } from '../../../src/cli/main';
import { totals } from '../../../src/core/queries/aggregate';
import { UsageStore } from '../../../src/core/store/usageStore';
import { appendWorkspaceRequest, FIXTURE_REQUESTS, writeFixtures } from '../../e2e/fixtures/logs';
import { freshDatabase, query } from '../../support/teamDb';
import { tempDir } from '../../support/tempDir';

describe('ai-usage import + sync: the local store to a real PostgreSQL', function () {
  this.timeout(120_000);

  it('ships every stored request once, then only what is new, and again after a local reset', async () => {
    const url = await freshDatabase();
    const dir = await tempDir();
    const fx = writeFixtures(path.join(dir, 'fx'));
    const db = path.join(dir, 'store', 'usage.db');
    const saved = { ...process.env };
    Object.assign(process.env, { HOME: fx.home, CLAUDE_CONFIG_DIR: fx.claudeConfigDir, CODEX_HOME: fx.codexHome, AI_USAGE_PG_URL: url });
    const run = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
      assert.equal(code, 0, err.join('\n'));
      return out.join('\n');
    };
    const remote = async () => {
      const [r] = await query<{ n: string; tokens: string }>(url, 'SELECT COALESCE(SUM(requests), 0) AS n, COALESCE(SUM(input + output + cache_read + cache_write), 0) AS tokens FROM ai_usage.requests');
      return { n: Number(r.n), tokens: Number(r.tokens) };
    };
    const local = async () => {
      const s = await UsageStore.open(db);
      const t = totals(s.catalog, {});
      await s.close();
      return { n: t.messages, tokens: t.totalTokens };
    };
    try {
      await run('sync', '--init');
      await run('import', '--db', db);
      const first = JSON.parse(await run('sync', '--db', db, '--user', 'me@example.com', '--machine', 'laptop', '--json'));
      assert.equal(first.rows, FIXTURE_REQUESTS.workspace + FIXTURE_REQUESTS.other);
      assert.deepEqual(await remote(), await local());
      assert.match(await run('sync', '--db', db, '--user', 'me@example.com', '--machine', 'laptop'), /^Nothing new to sync/);
      appendWorkspaceRequest(fx, 7);
      await run('import', '--db', db);
      const second = JSON.parse(await run('sync', '--db', db, '--user', 'me@example.com', '--machine', 'laptop', '--json'));
      assert.ok(second.rows >= 1 && second.rows < first.rows, `only the changed slot is sent (${second.rows} rows)`);
      assert.deepEqual(await remote(), await local());
      // A local reset: the logs come back; the team database keeps each request once.
      const s = await UsageStore.open(db);
      await s.reset();
      await s.close();
      await run('import', '--db', db);
      const third = JSON.parse(await run('sync', '--db', db, '--user', 'me@example.com', '--machine', 'laptop', '--json'));
      assert.equal(third.epochChanged, true);
      assert.deepEqual(await remote(), await local());
    } finally {
      process.env = saved;
    }
  });
});
