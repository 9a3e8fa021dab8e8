import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GeminiCliImporter } from '../../../src/core/importers/geminiCli';
import type { SourceContext } from '../../../src/core/importers/types';
import type { UsageRecord } from '../../../src/core/model';
import { tempDir } from '../../support/tempDir';

const SID = '8d0f3c1e-1111-2222-3333-444455556666';
const line = (o: unknown): string => JSON.stringify(o) + '\n';
const meta = (projectHash: string, sessionId = SID, kind = 'main') =>
  line({ sessionId, projectHash, startTime: '2026-08-20T10:00:00.000Z', lastUpdated: '2026-08-20T10:00:00.000Z', kind });
const gemini = (id: string, tokens: unknown, extra: Record<string, unknown> = {}) =>
  line({ id, timestamp: '2026-08-20T10:00:09.000Z', type: 'gemini', content: 'ok', thoughts: [], tokens, model: 'gemini-2.5-pro', ...extra });
// input ⊇ cached, total = input + output + thoughts + tool: inclusive, so cached is subtracted.
const T1 = { input: 10234, output: 512, cached: 8192, thoughts: 300, tool: 0, total: 11046 };

function ctx(home: string, extra: Partial<SourceContext> = {}): SourceContext {
  return { home, env: {}, platform: 'linux', extraPaths: {}, ...extra };
}
const sum = (rs: UsageRecord[], k: keyof UsageRecord) => rs.reduce((a, r) => a + (r[k] as number), 0);

describe('Gemini CLI importer', () => {
  let home: string;
  let tmp: string;
  let imp: GeminiCliImporter;
  beforeEach(async () => {
    home = await tempDir();
    tmp = path.join(home, '.gemini', 'tmp');
    imp = new GeminiCliImporter();
  });

  async function writeChat(projectDir: string, name: string, content: string): Promise<string> {
    const dir = path.join(tmp, projectDir, 'chats');
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    const f = path.join(dir, name);
    await fs.writeFile(f, content);
    return f;
  }

  it('lists roots for GEMINI_CLI_HOME, home and extra paths, per OS', () => {
    assert.deepEqual(imp.roots(ctx('/home/u', { env: { GEMINI_CLI_HOME: '/opt/g' }, extraPaths: { 'gemini-cli': ['/x'] } })), [
      '/opt/g/.gemini/tmp',
      '/home/u/.gemini/tmp',
      '/x',
    ]);
    assert.deepEqual(imp.roots(ctx('C:\\Users\\u', { platform: 'win32' })), ['C:\\Users\\u\\.gemini\\tmp']);
  });

  it('keeps the last copy of a re-appended message, ignores $rewindTo and metadata $set, normalises tokens', async () => {
    await fs.mkdir(path.join(tmp, 'my-app'), { recursive: true });
    await fs.writeFile(path.join(tmp, 'my-app', '.project_root'), '/work/my-app\n');
    const f = await writeChat(
      'my-app',
      'session-2026-08-20T10-00-8d0f3c1e.jsonl',
      meta('abc') +
        line({ id: 'u1', timestamp: '2026-08-20T10:00:00.000Z', type: 'user', content: 'hi' }) +
        gemini('m1', null) + // tokens arrive later
        line({ $set: { lastUpdated: '2026-08-20T10:00:09.100Z' } }) +
        gemini('m1', { input: 10000, output: 100, cached: 0, thoughts: 0, tool: 0, total: 10100 }) +
        gemini('m1', T1) + // final copy wins
        line({ $rewindTo: 'm1' }) + // does not un-bill
        '{"id":"broken", "type":"gemini", "tokens":\n' +
        gemini('m2', { input: 500, output: 20, cached: 0, thoughts: 0, tool: 40, total: 560 }, { timestamp: '2026-08-20T10:01:00.000Z' }) +
        line({ $set: { summary: 'Greeting', lastUpdated: '2026-08-20T10:01:00.100Z' } }),
    );
    assert.deepEqual(await imp.listFiles(imp.roots(ctx(home)), ctx(home)), [f]);
    const r = await imp.readFile(f, undefined);
    assert.equal(r.skipped, 1);
    assert.deepEqual(
      r.records.map((x) => [x.dedupeKey, x.inputTokens, x.outputTokens, x.cacheReadTokens, x.reasoningTokens]),
      [
        [`${SID}:m1`, 2042, 812, 8192, 300],
        [`${SID}:m2`, 540, 20, 0, 0],
      ],
    );
    const m1 = r.records[0]!;
    assert.equal(m1.project, '/work/my-app');
    assert.equal(m1.sessionId, SID);
    assert.equal(m1.modelRaw, 'gemini-2.5-pro');
    assert.equal(m1.ts, Date.parse('2026-08-20T10:00:09.000Z'));
    assert.equal(m1.source, 'gemini-cli');
  });

  it('reads the conversation in a {"$set":{"messages":[…]}} record by message id, the last copy winning', async () => {
    // Gemini CLI's history sync (updateMessagesFromHistory) rewrites the whole conversation as
    // `$set.messages`; its loader then takes that list as the conversation. Here m2's tokens were
    // recorded only there, m1 is in both places, and m2 is re-appended afterwards with more tokens.
    const SESSION = '3f9a1c22-6d4e-4b8a-a0f1-7c2e5d9b8a61';
    const at = (s: string) => `2026-09-04T16:${s}.000Z`;
    const m1 = { id: '6c1f0e2a-41b7-4d0e-9a55-1f3e7b2c9d01', timestamp: at('20:41'), type: 'gemini', content: 'The failing test mocks the clock; I will pin it.', thoughts: [{ subject: 'Reading the test', description: 'The clock is mocked', timestamp: at('20:38') }], tokens: { input: 21408, output: 388, cached: 16384, thoughts: 512, tool: 0, total: 22308 }, model: 'gemini-3-pro-preview' };
    const m2 = { id: 'a27d9c4e-0b13-4f6a-8e2d-5b9c1a7e3f02', timestamp: at('21:55'), type: 'gemini', content: '', toolCalls: [{ id: 'run_shell_command-1', name: 'run_shell_command', args: { command: 'npm test' }, status: 'success', timestamp: at('21:50') }], thoughts: [], model: 'gemini-3-pro-preview' };
    const m2Tokens = { input: 23950, output: 140, cached: 20480, thoughts: 96, tool: 1200, total: 25386 };
    const m2Later = { input: 23950, output: 262, cached: 20480, thoughts: 96, tool: 1200, total: 25508 };
    const u = (id: string, ts: string, text: string) => ({ id, timestamp: at(ts), type: 'user', content: [{ text }] });
    const f = await writeChat(
      'ledger',
      'session-2026-09-04T16-20-3f9a1c22.jsonl',
      line({ sessionId: SESSION, projectHash: 'ledger', startTime: at('20:00'), lastUpdated: at('20:00'), kind: 'main' }) +
        line(u('u1', '20:02', 'why does test/clock.test.ts fail?')) +
        line({ ...m1, tokens: null }) +
        line(m1) +
        line({ $set: { lastUpdated: at('20:41') } }) +
        line(u('u2', '21:40', 'pin it and run the tests')) +
        line(m2) + // tokens not recorded on this line
        line({ $set: { messages: [u('u1', '20:02', 'why does test/clock.test.ts fail?'), m1, u('u2', '21:40', 'pin it and run the tests'), { ...m2, tokens: m2Tokens }], lastUpdated: at('21:56') } }),
    );
    const row = (x: UsageRecord) => [x.dedupeKey, x.ts, x.inputTokens, x.cacheReadTokens, x.outputTokens, x.reasoningTokens];
    const r = await imp.readFile(f, undefined);
    assert.equal(r.skipped, 0);
    assert.deepEqual(r.records.map(row), [
      [`${SESSION}:${m1.id}`, Date.parse(at('20:41')), 21408 - 16384, 16384, 388 + 512, 512],
      [`${SESSION}:${m2.id}`, Date.parse(at('21:55')), 23950 - 20480 + 1200, 20480, 140 + 96, 96],
    ]);
    // m2 re-appended later with more output: the same key, so the store keeps one row (the larger).
    await fs.appendFile(f, line({ ...m2, tokens: m2Later }) + line({ $set: { messages: [{ ...m2, tokens: m2Later }], lastUpdated: at('22:30') } }));
    const next = await imp.readFile(f, r.cursor);
    assert.deepEqual(next.records.map(row), [[`${SESSION}:${m2.id}`, Date.parse(at('21:55')), 23950 - 20480 + 1200, 20480, 262 + 96, 96]]);
  });

  it('does not subtract cached when the total shows input excludes it', async () => {
    const f = await writeChat('p', 'session-x-8d0f3c1e.jsonl', meta('h') + gemini('m1', { input: 2000, output: 100, cached: 8000, thoughts: 50, tool: 0, total: 10150 }));
    const [rec] = (await imp.readFile(f, undefined)).records;
    assert.deepEqual([rec!.inputTokens, rec!.outputTokens, rec!.cacheReadTokens], [2000, 150, 8000]);
  });

  it('reads only appended lines, re-reads a rewritten file with the same keys', async () => {
    const f = await writeChat('p', 'session-x-8d0f3c1e.jsonl', meta('h') + gemini('m1', T1));
    const first = await imp.readFile(f, undefined);
    assert.equal(first.records.length, 1);
    await fs.appendFile(f, gemini('m1', { ...T1, output: 600, total: 11134 }) + gemini('m2', T1));
    const second = await imp.readFile(f, first.cursor);
    assert.equal(second.reread, false);
    assert.deepEqual(
      second.records.map((x) => [x.dedupeKey, x.sessionId, x.outputTokens]),
      [
        [`${SID}:m1`, SID, 900],
        [`${SID}:m2`, SID, 812],
      ],
    );
    const unchanged = await imp.readFile(f, second.cursor);
    assert.equal(unchanged.bytesRead, 0);
    // Rewrite (a different head): everything again, same keys.
    await fs.writeFile(f, meta('h2') + gemini('m1', T1) + gemini('m2', T1));
    const again = await imp.readFile(f, second.cursor);
    assert.equal(again.reread, true);
    assert.deepEqual(again.records.map((x) => x.dedupeKey), [`${SID}:m1`, `${SID}:m2`]);
    // Truncation.
    await fs.writeFile(f, meta('h'));
    const shrunk = await imp.readFile(f, again.cursor);
    assert.equal(shrunk.reread, true);
    assert.equal(shrunk.records.length, 0);
  });

  it('reads legacy whole-JSON sessions, which share keys with their resumed .jsonl copy', async () => {
    const legacy = {
      sessionId: SID,
      projectHash: 'h',
      startTime: '2026-08-19T10:00:00.000Z',
      lastUpdated: '2026-08-19T10:05:00.000Z',
      messages: [
        { id: 'u1', timestamp: '2026-08-19T10:00:00.000Z', type: 'user', content: 'hi' },
        { id: 'm1', timestamp: '2026-08-19T10:00:05.000Z', type: 'gemini', content: 'x', tokens: T1, model: 'gemini-2.5-flash' },
        { id: 'm2', timestamp: 'not a time', type: 'gemini', content: 'x', tokens: T1 },
      ],
    };
    const json = await writeChat('p', 'session-2026-08-19T10-00-8d0f3c1e.json', JSON.stringify(legacy, null, 2));
    const jsonl = await writeChat(
      'p',
      'session-2026-08-19T10-00-8d0f3c1e.jsonl',
      meta('h') + gemini('m1', T1, { timestamp: '2026-08-19T10:00:05.000Z', model: 'gemini-2.5-flash' }) + line({ $set: { sessionId: SID } }),
    );
    assert.deepEqual(await imp.listFiles([tmp], ctx(home)), [json, jsonl]);
    const a = await imp.readFile(json, undefined);
    assert.equal(a.skipped, 1);
    assert.deepEqual(a.records.map((x) => [x.dedupeKey, x.inputTokens, x.modelRaw]), [[`${SID}:m1`, 2042, 'gemini-2.5-flash']]);
    const b = await imp.readFile(jsonl, undefined);
    assert.deepEqual(b.records.map((x) => x.dedupeKey), [`${SID}:m1`]);
    assert.deepEqual(a.records[0], b.records[0]);
    // Rewritten whole: parsed again, same key.
    legacy.messages.push({ id: 'm3', timestamp: '2026-08-19T10:01:00.000Z', type: 'gemini', content: 'x', tokens: T1, model: 'm' });
    await fs.writeFile(json, JSON.stringify(legacy));
    const c = await imp.readFile(json, a.cursor);
    assert.deepEqual(c.records.map((x) => x.dedupeKey), [`${SID}:m1`, `${SID}:m3`]);
    // Half-written document: counted, never thrown.
    await fs.writeFile(json, '{"sessionId":');
    assert.equal((await imp.readFile(json, c.cursor)).skipped, 1);
  });

  it('reads subagent chats and resolves projects from projects.json and legacy sha256 folders', async () => {
    const root = '/work/legacy-app';
    const hash = createHash('sha256').update(root).digest('hex');
    await fs.mkdir(path.join(home, '.gemini'), { recursive: true });
    await fs.writeFile(path.join(home, '.gemini', 'projects.json'), JSON.stringify({ projects: { '/work/slugged': 'slugged', [root]: 'legacy-app' } }));
    const sub = await writeChat('slugged', `${SID}/sub-1111.jsonl`, meta('zz', 'sub-1111', 'subagent') + gemini('s1', T1));
    const legacy = await writeChat(hash, 'session-a-8d0f3c1e.jsonl', meta(hash) + gemini('m1', T1));
    const hinted = createHash('sha256').update('/open/folder').digest('hex');
    const viaWorkspace = await writeChat(hinted, 'session-b-8d0f3c1e.jsonl', meta(hinted, 'other') + gemini('m1', T1));
    const unknown = await writeChat('0'.repeat(64), 'session-c-8d0f3c1e.jsonl', meta('f'.repeat(64), 'third') + gemini('m1', T1));
    const c = ctx(home, { workspaceFolders: ['/open/folder'] });
    const files = await imp.listFiles(imp.roots(c), c);
    assert.equal(files.length, 4);
    const [s] = (await imp.readFile(sub, undefined)).records;
    assert.deepEqual([s!.dedupeKey, s!.sessionId, s!.project], ['sub-1111:s1', 'sub-1111', '/work/slugged']);
    assert.equal((await imp.readFile(legacy, undefined)).records[0]!.project, root);
    assert.equal((await imp.readFile(viaWorkspace, undefined)).records[0]!.project, '/open/folder');
    assert.equal((await imp.readFile(unknown, undefined)).records[0]!.project, '');
  });

  it('totals stay exact over a realistic session', async () => {
    const f = await writeChat(
      'p',
      'session-x-8d0f3c1e.jsonl',
      meta('h') + gemini('a', T1) + gemini('b', T1) + gemini('a', T1) + gemini('c', { input: 100, output: 10, cached: 0, total: 110 }),
    );
    const r = await imp.readFile(f, undefined);
    assert.equal(r.records.length, 3);
    assert.equal(sum(r.records, 'inputTokens'), 2042 * 2 + 100);
    assert.equal(sum(r.records, 'outputTokens'), 812 * 2 + 10);
    assert.deepEqual(r.records.map((x) => x.dedupeKey), [`${SID}:b`, `${SID}:a`, `${SID}:c`]);
  });
});
