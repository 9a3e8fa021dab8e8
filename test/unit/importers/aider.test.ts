import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AiderImporter, isAiderHistoryFile } from '../../../src/core/importers/aider';
import type { SourceContext } from '../../../src/core/importers/types';
import type { UsageRecord } from '../../../src/core/model';
import { tempDir } from '../../support/tempDir';

const ctx = (home: string, extra: Partial<SourceContext> = {}): SourceContext => ({ home, env: {}, platform: 'linux', extraPaths: {}, ...extra });
const event = (name: string, properties: Record<string, unknown>, time = 1755684005) =>
  JSON.stringify({ event: name, properties: { ...properties, python_version: '3.12.3', os_platform: 'Linux', aider_version: '0.86.1' }, user_id: '3f2b', time }) + '\n';
const send = (props: Record<string, unknown>, time?: number) =>
  event('message_send', { main_model: 'claude-sonnet-4-20250514', weak_model: 'claude-3-5-haiku-20241022', edit_format: 'diff', ...props }, time);
const local = (y: number, mo: number, d: number, h: number, mi: number, s: number) => new Date(y, mo - 1, d, h, mi, s).getTime();
const row = (r: UsageRecord) => [r.inputTokens, r.outputTokens, r.cacheReadTokens, r.cacheWriteTokens, r.reportedCost, r.approximate, r.modelRaw];

const HISTORY =
  [
    '# aider chat started at 2026-08-20 10:00:00',
    '',
    '> Aider v0.86.1',
    '> Main model: claude-sonnet-4-20250514 with diff edit format, infinite output',
    '> Weak model: claude-3-5-haiku-20241022',
    '> Git repo: .git with 12 files',
    '',
    '#### fix the bug',
    '',
    'Here is the change.',
    '',
    '> Tokens: 15k sent, 2.0k cache write, 12k cache hit, 812 received.  ',
    'Cost: $0.06 message, $0.31 session.  ',
    '',
    '> Tokens: 4.2k sent, 300 received. Cost: $0.02 message, $0.33 session.  ',
    '',
    '> Model: gpt-4o with diff edit format',
    '> Tokens: 1,234 sent, 56 received.  ',
    '> Tokens: 2.5k sent, 1.0k cached, 100 received. Cost: $0.0041 request, $0.3341 session.  ',
    '',
    '# aider chat started at 2026-08-21 09:30:00',
    '> Model: deepseek/deepseek-chat with diff edit format',
    '> Tokens: 20k sent, 3.0k cache write, 5.0k cache hit, 1.5k received.  ',
    '',
    '> Tokens: unknown, Cost: unknown for llm-command',
    '',
  ].join('\n');

describe('Aider importer', () => {
  let home: string;
  let imp: AiderImporter;
  beforeEach(async () => {
    home = await tempDir();
    imp = new AiderImporter();
  });

  it('lists the analytics log, extra paths and trusted workspace chat histories, per OS', () => {
    const c = ctx('/home/u', {
      env: { AIDER_ANALYTICS_LOG: '~/aider.jsonl', AIDER_CHAT_HISTORY_FILE: '/elsewhere/history.md' },
      extraPaths: { aider: ['/logs/a.jsonl'] },
      workspaceFolders: ['/work/app'],
      workspaceTrusted: true,
    });
    assert.deepEqual(imp.roots(c), ['/home/u/aider.jsonl', '/logs/a.jsonl', '/work/app/.aider.chat.history.md', '/elsewhere/history.md']);
    assert.deepEqual(imp.roots(ctx('C:\\Users\\u', { platform: 'win32', workspaceFolders: ['D:\\src\\app'], workspaceTrusted: true })), ['D:\\src\\app\\.aider.chat.history.md']);
    assert.equal(isAiderHistoryFile('/work/app/.aider.chat.history.md'), true);
    assert.equal(isAiderHistoryFile('/logs/a.jsonl'), false);
  });

  it('finds histories in workspace and extra folders and the analytics-log from .aider.conf.yml', async () => {
    const ws = path.join(home, 'ws');
    const extraDir = path.join(home, 'other');
    await fs.mkdir(ws);
    await fs.mkdir(extraDir);
    await fs.writeFile(path.join(ws, '.aider.chat.history.md'), '');
    await fs.writeFile(path.join(extraDir, '.aider.chat.history.md'), '');
    await fs.writeFile(path.join(home, 'from-conf.jsonl'), '');
    await fs.writeFile(path.join(home, '.aider.conf.yml'), 'model: sonnet\nanalytics-log: ~/from-conf.jsonl  # mine\n');
    const c = ctx(home, { workspaceFolders: [ws, path.join(home, 'no-history')], workspaceTrusted: true, extraPaths: { aider: [extraDir, path.join(home, 'missing.jsonl')] } });
    assert.deepEqual(await imp.listFiles(imp.roots(c), c), [
      path.join(extraDir, '.aider.chat.history.md'),
      path.join(ws, '.aider.chat.history.md'),
      path.join(home, 'from-conf.jsonl'),
    ]);
  });

  it('reads nothing an untrusted workspace provides: not its history, nor a log its .aider.conf.yml names', async () => {
    const ws = path.join(home, 'cloned-repo');
    const outside = path.join(home, 'outside', 'planted.jsonl');
    await fs.mkdir(path.dirname(outside), { recursive: true });
    await fs.mkdir(ws);
    await fs.writeFile(outside, send({ prompt_tokens: 1, completion_tokens: 1, cost: 99 }));
    await fs.writeFile(path.join(ws, '.aider.chat.history.md'), HISTORY);
    await fs.writeFile(path.join(ws, '.aider.conf.yml'), `analytics-log: ${outside}\n`);
    // The user's own config in the home folder is the user's choice: it counts either way.
    const mine = path.join(home, 'mine.jsonl');
    await fs.writeFile(mine, '');
    await fs.writeFile(path.join(home, '.aider.conf.yml'), 'analytics-log: ~/mine.jsonl\n');

    for (const workspaceTrusted of [undefined, false]) {
      const c = ctx(home, { workspaceFolders: [ws], ...(workspaceTrusted === undefined ? {} : { workspaceTrusted }) });
      assert.deepEqual(imp.roots(c), [], `roots, workspaceTrusted: ${workspaceTrusted}`);
      assert.deepEqual(await imp.listFiles(imp.roots(c), c), [mine], `files, workspaceTrusted: ${workspaceTrusted}`);
    }
    const trusted = ctx(home, { workspaceFolders: [ws], workspaceTrusted: true });
    assert.deepEqual(imp.roots(trusted), [path.join(ws, '.aider.chat.history.md')]);
    assert.deepEqual(await imp.listFiles(imp.roots(trusted), trusted), [path.join(ws, '.aider.chat.history.md'), mine, outside]);
  });

  it('reads message_send events with their own cost, never the running total', async () => {
    const f = path.join(home, 'analytics.jsonl');
    await fs.writeFile(
      f,
      event('launched', {}) +
        send({ prompt_tokens: 15234, completion_tokens: 812, total_tokens: 16046, cost: 0.0579, total_cost: 0.3121 }) +
        send({ prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010, cost: 0.004, total_cost: 0.3161 }, 1755684065) +
        send({ main_model: 'openrouter/REDACTED', prompt_tokens: 50, completion_tokens: 5, cost: 0, total_cost: 0.3161 }) +
        send({ main_model: 'None', prompt_tokens: 7, completion_tokens: 1, cost: 'None', total_cost: 0 }) +
        JSON.stringify({ event: 'message_send', properties: { prompt_tokens: 3, completion_tokens: 1 }, time: 1755684100 }) + '\n' +
        send({ prompt_tokens: 'lots', completion_tokens: 1 }) +
        '{"event":"message_send","properties":{\n',
    );
    const r = await imp.readFile(f, undefined);
    assert.equal(r.skipped, 2);
    assert.deepEqual(r.records.map(row), [
      [15234, 812, 0, 0, 0.0579, undefined, 'claude-sonnet-4-20250514'],
      [1000, 10, 0, 0, 0.004, undefined, 'claude-sonnet-4-20250514'],
      [50, 5, 0, 0, 0, undefined, 'openrouter/REDACTED'],
      [7, 1, 0, 0, undefined, undefined, 'unknown'],
      [3, 1, 0, 0, undefined, undefined, 'unknown'],
    ]);
    assert.equal(r.records[1]!.ts, 1755684065000);
    assert.equal(r.records.reduce((s, x) => s + (x.reportedCost ?? 0), 0), 0.0579 + 0.004);
    assert.deepEqual([r.records[0]!.source, r.records[0]!.project], ['aider', '']);
    // Appended lines only; a rewrite gives the same keys.
    await fs.appendFile(f, send({ prompt_tokens: 9, completion_tokens: 9, cost: 0.001, total_cost: 0.3171 }, 1755684999));
    const next = await imp.readFile(f, r.cursor);
    assert.deepEqual(next.records.map((x) => x.inputTokens), [9]);
    const text = await fs.readFile(f, 'utf8');
    await fs.writeFile(f, event('launched', {}, 1) + text);
    const again = await imp.readFile(f, next.cursor);
    assert.equal(again.reread, true);
    assert.deepEqual(again.records.map((x) => x.dedupeKey), [...r.records, ...next.records].map((x) => x.dedupeKey));
  });

  it('parses chat-history token lines in both layouts, with and without cost, in local session time', async () => {
    const dir = path.join(home, 'proj');
    await fs.mkdir(dir);
    const f = path.join(dir, '.aider.chat.history.md');
    await fs.writeFile(f, '> Tokens: 1k sent, 1 received.\n' + HISTORY);
    const r = await imp.readFile(f, undefined);
    assert.equal(r.skipped, 2, 'a Tokens line before any session header and an unreadable one');
    assert.deepEqual(r.records.map(row), [
      [1000, 812, 12000, 2000, 0.06, true, 'claude-sonnet-4-20250514'],
      [4200, 300, 0, 0, 0.02, true, 'claude-sonnet-4-20250514'],
      [1234, 56, 0, 0, undefined, undefined, 'gpt-4o'],
      [1500, 100, 1000, 0, 0.0041, true, 'gpt-4o'],
      [12000, 1500, 5000, 3000, undefined, true, 'deepseek/deepseek-chat'],
    ]);
    assert.deepEqual(
      r.records.map((x) => x.ts),
      [...Array(4).fill(local(2026, 8, 20, 10, 0, 0)), local(2026, 8, 21, 9, 30, 0)],
    );
    assert.deepEqual(
      r.records.map((x) => [x.project, x.sessionId]),
      [...Array(4).fill([dir, '2026-08-20 10:00:00']), [dir, '2026-08-21 09:30:00']],
    );
    const content = await fs.readFile(f);
    const offset = content.indexOf('> Tokens: 15k sent');
    assert.equal(r.records[0]!.dedupeKey, `${f}:${offset}`);
  });

  it('keeps byte-offset keys across appends, waits for a Cost line still being written, re-reads a rewrite', async () => {
    const f = path.join(home, '.aider.chat.history.md');
    const head = '# aider chat started at 2026-08-20 10:00:00\n> Model: claude-sonnet-4-20250514 with diff edit format\n';
    const tokens = '> Tokens: 15k sent, 2.0k cache write, 12k cache hit, 812 received.  \n';
    await fs.writeFile(f, head + tokens);
    const first = await imp.readFile(f, undefined);
    assert.deepEqual(first.records.map(row), [[1000, 812, 12000, 2000, undefined, true, 'claude-sonnet-4-20250514']]);
    assert.equal(first.cursor.offset, Buffer.byteLength(head), 'the Tokens line is read again next time');
    await fs.appendFile(f, 'Cost: $0.06 message, $0.31 session.  \n\n> Tokens: 900 sent, 50 received. Cost: $0.01 message, $0.32 session.\n> Tokens: 1k se');
    const second = await imp.readFile(f, first.cursor);
    assert.equal(second.reread, false);
    assert.deepEqual(second.records.map((x) => [x.dedupeKey, x.reportedCost, x.modelRaw, x.ts]), [
      [first.records[0]!.dedupeKey, 0.06, 'claude-sonnet-4-20250514', local(2026, 8, 20, 10, 0, 0)],
      [`${f}:${(await fs.readFile(f)).indexOf('> Tokens: 900')}`, 0.01, 'claude-sonnet-4-20250514', local(2026, 8, 20, 10, 0, 0)],
    ]);
    // The half-written last line is picked up once complete, with the state carried over.
    await fs.appendFile(f, 'nt, 5 received.\n');
    const third = await imp.readFile(f, second.cursor);
    assert.deepEqual(third.records.map((x) => [x.inputTokens, x.modelRaw]), [[1000, 'claude-sonnet-4-20250514']]);
    assert.equal((await imp.readFile(f, third.cursor)).bytesRead, 0);
    // Rewritten: read from the start; unchanged lines keep their keys.
    const whole = await fs.readFile(f, 'utf8');
    await fs.writeFile(f, whole.replace('10:00:00', '10:00:01'));
    const again = await imp.readFile(f, third.cursor);
    assert.equal(again.reread, true);
    assert.deepEqual(again.records.map((x) => x.dedupeKey), [...second.records, ...third.records].map((x) => x.dedupeKey));
    await fs.writeFile(f, head);
    const shrunk = await imp.readFile(f, again.cursor);
    assert.deepEqual([shrunk.reread, shrunk.records.length], [true, 0]);
  });
});
