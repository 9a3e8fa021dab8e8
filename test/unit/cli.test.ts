import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { cli } from '../support/cliRun';
import { priceDataWith, servePriceData } from '../support/priceData';
import { tempDir } from '../support/tempDir';

const exec = promisify(execFile);

const claudeLine = (id: string, ts: string, cwd: string, u: { in: number; out: number; cr: number; cw: number }, model = 'claude-sonnet-4-5-20250929') =>
  JSON.stringify({
    type: 'assistant',
    cwd,
    sessionId: 'sess-1',
    version: '2.1.90',
    timestamp: ts,
    requestId: `req_${id}`,
    message: { id: `msg_${id}`, model, role: 'assistant', usage: { input_tokens: u.in, output_tokens: u.out, cache_read_input_tokens: u.cr, cache_creation_input_tokens: u.cw } },
  });

async function fakeHome(): Promise<{ home: string; env: Record<string, string>; db: string }> {
  const home = await tempDir('ai-usage-cli-');
  const proj = path.join(home, '.claude', 'projects', '-work-app');
  await fs.mkdir(proj, { recursive: true });
  await fs.writeFile(
    path.join(proj, 'sess-1.jsonl'),
    [
      claudeLine('a', '2026-11-27T10:00:00.000Z', '/work/app', { in: 10, out: 100, cr: 1000, cw: 200 }),
      claudeLine('a', '2026-11-27T10:00:01.000Z', '/work/app', { in: 10, out: 300, cr: 1000, cw: 200 }), // streamed: more complete
      claudeLine('b', '2026-11-28T23:30:00.000Z', '/work/app/sub', { in: 5, out: 50, cr: 0, cw: 0 }),
      claudeLine('c', '2026-11-28T12:00:00.000Z', '/work/other', { in: 1, out: 2, cr: 0, cw: 0 }, 'totally-unknown-model'),
    ].join('\n') + '\n{"type":"assistant","message":{"usage":{', // the last line is still being written
  );
  const codexDir = path.join(home, '.codex', 'sessions', '2026', '11', '28');
  await fs.mkdir(codexDir, { recursive: true });
  const tc = (total: number[], ts: string) =>
    JSON.stringify({ timestamp: ts, type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { input_tokens: total[0], cached_input_tokens: total[1], output_tokens: total[2], reasoning_output_tokens: 0, total_tokens: total[0] + total[2] } } } });
  await fs.writeFile(
    path.join(codexDir, 'rollout-2026-11-28T10-00-00-0199fe39-c07c-71d0-9ceb-9315a0946d34.jsonl'),
    [
      JSON.stringify({ timestamp: '2026-11-28T10:00:00.000Z', type: 'session_meta', payload: { id: '0199fe39-c07c-71d0-9ceb-9315a0946d34', cwd: '/work/app' } }),
      JSON.stringify({ timestamp: '2026-11-28T10:00:01.000Z', type: 'turn_context', payload: { cwd: '/work/app', model: 'gpt-5' } }),
      tc([1000, 800, 50], '2026-11-28T10:00:09.000Z'),
      tc([1000, 800, 50], '2026-11-28T10:00:10.000Z'), // re-emitted
      tc([3000, 2000, 150], '2026-11-28T10:05:00.000Z'),
    ].join('\n') + '\n',
  );
  const env = { HOME: home, USERPROFILE: home, XDG_CONFIG_HOME: path.join(home, '.config'), CLAUDE_CONFIG_DIR: '', CODEX_HOME: '', GEMINI_CLI_HOME: home, AI_USAGE_HOME: path.join(home, 'data') };
  return { home, env, db: path.join(home, 'data', 'usage.db') };
}

describe('ai-usage CLI', () => {
  it('imports, then reports days as exact JSON in the given time zone', async () => {
    const { env } = await fakeHome();
    const imp = await cli(['import', '--json'], env);
    assert.equal(imp.code, 0, imp.err);
    const report = JSON.parse(imp.out);
    assert.equal(report.newRows, 5);
    const claude = report.sources.find((s: { source: string }) => s.source === 'claude-code');
    assert.equal(claude.records, 3, 'streamed copies collapse while reading');

    const daily = await cli(['report', 'daily', '--json', '--tz', 'UTC', '--no-import'], env);
    assert.equal(daily.code, 0, daily.err);
    const d = JSON.parse(daily.out);
    assert.deepEqual(Object.keys(d), ['rows', 'totals']);
    assert.deepEqual(Object.keys(d.rows[0]), ['key', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'totalTokens', 'cost', 'messages']);
    assert.deepEqual(Object.keys(d.totals), ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'totalTokens', 'cost', 'messages']);
    assert.deepEqual(
      d.rows.map((r: { key: string; inputTokens: number; outputTokens: number; messages: number }) => [r.key, r.inputTokens, r.outputTokens, r.messages]),
      [
        ['2026-11-27', 10, 300, 1],
        // Codex: input 3000 incl. 2000 cached -> 1000 uncached; the re-emitted total is not counted.
        ['2026-11-28', 5 + 1 + 1000, 50 + 2 + 150, 4],
      ],
    );
    assert.equal(d.totals.cacheReadTokens, 1000 + 2000);
    assert.equal(d.totals.totalTokens, d.totals.inputTokens + d.totals.outputTokens + d.totals.cacheReadTokens + d.totals.cacheWriteTokens);

    const tokyo = JSON.parse((await cli(['report', 'daily', '--json', '--tz', 'Asia/Tokyo', '--no-import'], env)).out);
    assert.deepEqual(tokyo.rows.map((r: { key: string }) => r.key), ['2026-11-27', '2026-11-28', '2026-11-29'], '23:30 UTC is the next day in Tokyo');
  });

  it('filters by project (subfolders included), model and dates; prices per request', async () => {
    const { env } = await fakeHome();
    await cli(['import'], env);
    const proj = JSON.parse((await cli(['report', 'projects', '--json', '--project', '/work/app', '--no-import'], env)).out);
    assert.deepEqual(proj.rows.map((r: { key: string }) => r.key).sort(), ['/work/app', '/work/app/sub']);
    const models = JSON.parse((await cli(['report', 'models', '--json', '--no-import'], env)).out);
    const unknown = models.rows.find((r: { key: string }) => r.key.includes('totally-unknown'));
    assert.equal(unknown.cost, 0, 'unpriced');
    const sonnet = models.rows.find((r: { key: string }) => r.key.startsWith('claude-sonnet-4-5'));
    // Sonnet 4.5: $3/M input, $15/M output, $0.30/M cache read, $3.75/M cache write.
    const expected = (15 * 3 + 350 * 15 + 1000 * 0.3 + 200 * 3.75) / 1e6;
    assert.ok(Math.abs(sonnet.cost - expected) < 1e-12, `${sonnet.cost} vs ${expected}`);
    const day = JSON.parse((await cli(['report', 'daily', '--json', '--tz', 'UTC', '--since', '2026-11-28', '--until', '2026-11-28', '--no-import'], env)).out);
    assert.deepEqual(day.rows.map((r: { key: string }) => r.key), ['2026-11-28']);
    const gpt = JSON.parse((await cli(['report', 'sources', '--json', '--model', 'gpt-5', '--no-import'], env)).out);
    assert.deepEqual(gpt.rows.map((r: { key: string }) => r.key), ['codex']);
  });

  it('a second import reads nothing; appended lines are read once', async () => {
    const { env, home } = await fakeHome();
    await cli(['import'], env);
    const again = JSON.parse((await cli(['import', '--json'], env)).out);
    assert.equal(again.bytesRead, 0);
    assert.equal(again.newRows, 0);
    await fs.appendFile(path.join(home, '.claude', 'projects', '-work-app', 'sess-1.jsonl'), '"input_tokens":1}}}\n' + claudeLine('d', '2026-11-28T13:00:00.000Z', '/work/app', { in: 7, out: 7, cr: 0, cw: 0 }) + '\n');
    const third = JSON.parse((await cli(['import', '--json'], env)).out);
    assert.equal(third.newRows, 1);
    assert.equal(third.skipped, 1, 'the completed-but-malformed line is counted');
  });

  it('keeps usage after the tools delete their logs', async () => {
    const { env, home } = await fakeHome();
    const first = JSON.parse((await cli(['import', '--json'], env)).out);
    assert.equal(first.newRows, 5);
    await fs.rm(path.join(home, '.claude'), { recursive: true });
    await fs.rm(path.join(home, '.codex'), { recursive: true });
    const after = JSON.parse((await cli(['import', '--json'], env)).out);
    assert.equal(after.totalRows, 5);
    const days = JSON.parse((await cli(['report', 'sources', '--json', '--no-import'], env)).out);
    assert.equal(days.totals.messages, 5, 'rows stay when the logs are gone');
  });

  it('reports errors in one line with a non-zero exit, never a stack trace', async () => {
    const { env, home } = await fakeHome();
    const cases: [string[], RegExp][] = [
      [['report'], /report needs one of/],
      [['report', 'yearly'], /report needs one of/],
      [['report', 'daily', '--since', '2026-13-01'], /Invalid date/],
      [['report', 'daily', '--tz', 'Mars/Olympus'], /Unknown time zone/],
      [['report', 'daily', '--since', '2026-02-01', '--until', '2026-01-01'], /after/],
      [['import', '--bogus'], /unknown option --bogus/],
      [['import', '--db'], /--db needs a value/],
      [['import', '--db', home], /is a folder/],
      [['import', '--source', 'nope'], /unknown source/],
      [['import', '--prices', path.join(home, 'missing.json')], /cannot read price file/],
      [['frobnicate'], /unknown command/],
    ];
    for (const [args, re] of cases) {
      const r = await cli(args, env);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.err, re, args.join(' '));
      assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
      assert.doesNotMatch(r.err, /\n\s+at /);
    }
    await fs.writeFile(path.join(home, 'bad.json'), '{"m":{"input":"cheap"}}');
    const bad = await cli(['import', '--prices', path.join(home, 'bad.json')], env);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /"input" must be a non-negative number/);
  });

  it('price overrides and reprice apply to stored rows', async () => {
    const { env, home } = await fakeHome();
    await cli(['import'], env);
    await fs.writeFile(path.join(home, 'data', 'prices.json'), JSON.stringify({ 'totally-unknown-model': { input: 1000000, output: 1000000 } }));
    const r = await cli(['reprice', '--json'], env);
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).changedRows, 1);
    const models = JSON.parse((await cli(['report', 'models', '--json', '--no-import'], env)).out);
    assert.equal(models.rows.find((x: { key: string }) => x.key.includes('totally-unknown')).cost, 3);
  });

  it('prices update fetches a newer price table, stores it beside the database and re-prices; a failed fetch changes nothing', async () => {
    // A local server with a data file in which totally-unknown-model now has a price.
    const body = JSON.stringify(await priceDataWith('openai', { id: 'totally-unknown-model', match: { equals: 'totally-unknown-model' }, prices: { input_mtok: 1_000_000, output_mtok: 1_000_000 } }));
    const { base, close } = await servePriceData(body);
    try {
      const { env, home } = await fakeHome();
      await cli(['import'], env);
      const stored = path.join(home, 'data', 'genai-prices-data.json');

      const bad = await cli(['prices', 'update', '--url', `${base}/missing.json`], env);
      assert.equal(bad.code, 1);
      assert.match(bad.err, /^ai-usage: fetching http:\/\/127\.0\.0\.1:\d+\/missing\.json failed: HTTP 404 Not Found\n$/);
      await assert.rejects(fs.stat(stored), /ENOENT/);

      const r = await cli(['prices', 'update', '--url', `${base}/data.json`, '--json'], env);
      assert.equal(r.code, 0, r.err);
      const out = JSON.parse(r.out);
      assert.deepEqual([out.changed, out.changedRows, out.file], [true, 1, stored]);
      assert.equal(await fs.readFile(stored, 'utf8'), body);
      const models = JSON.parse((await cli(['report', 'models', '--json', '--no-import'], env)).out);
      assert.equal(models.rows.find((x: { key: string }) => x.key.includes('totally-unknown')).cost, 3);

      const again = await cli(['prices', 'update', '--url', `${base}/data.json`], env);
      assert.match(again.out, /^Prices are up to date \(\d[\d,]* models from http/);
      assert.equal((await cli(['prices', 'fetch'], env)).code, 2);
    } finally {
      await close();
    }
  });

  it('the built CLI runs as a real process', async function () {
    this.timeout(60_000);
    const bin = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
    try {
      await fs.stat(bin);
    } catch {
      this.skip(); // `npm test` builds first; a bare `mocha` run may not have
    }
    const { env } = await fakeHome();
    const { stdout } = await exec(process.execPath, [bin, 'report', 'sources', '--json'], { env: { ...process.env, ...env } });
    assert.deepEqual(JSON.parse(stdout).rows.map((r: { key: string }) => r.key).sort(), ['claude-code', 'codex']);
    const bad = await exec(process.execPath, [bin, 'report', 'nope']).catch((e) => e);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim(), 'ai-usage: report needs one of: daily, weekly, monthly, models, projects, sources, sessions, branches');
  });
});
