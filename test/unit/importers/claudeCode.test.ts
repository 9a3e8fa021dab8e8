import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { claudeCodeImporter as imp, decodeProjectDir } from '../../../src/core/importers/claudeCode';
import type { SourceContext } from '../../../src/core/importers/types';
import type { UsageRecord } from '../../../src/core/model';
import { tempDir } from '../../support/tempDir';

const MODEL = 'claude-sonnet-4-5-20250929';

interface LineOpts {
  id?: string | null;
  req?: string | null;
  ts?: string;
  usage?: Record<string, unknown>;
  model?: string;
  extra?: Record<string, unknown>;
}

/** One assistant line as Claude Code writes it (compact JSON). */
function line({ id = 'msg_1', req = 'req_1', ts = '2026-08-20T10:00:05.123Z', usage, model = MODEL, extra = {} }: LineOpts = {}): string {
  const message: Record<string, unknown> = { model, type: 'message', role: 'assistant', content: [{ type: 'text', text: 'hi' }] };
  if (id !== null) message.id = id;
  message.usage = usage ?? { input_tokens: 3, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 412 };
  const o: Record<string, unknown> = { parentUuid: null, isSidechain: false, cwd: '/home/u/app', sessionId: 'sess-1', version: '2.1.90', message, type: 'assistant', timestamp: ts };
  if (req !== null) o.requestId = req;
  return JSON.stringify({ ...o, ...extra });
}

const u = (input: number, output: number, cacheWrite = 0, cacheRead = 0, more: Record<string, unknown> = {}) => ({
  input_tokens: input, output_tokens: output, cache_creation_input_tokens: cacheWrite, cache_read_input_tokens: cacheRead, ...more,
});

const tokens = (r: UsageRecord) => [r.inputTokens, r.outputTokens, r.cacheReadTokens, r.cacheWriteTokens, r.cacheWrite1hTokens];

describe('Claude Code importer', () => {
  let dir: string;
  let projDir: string;
  beforeEach(async () => {
    dir = await tempDir();
    projDir = path.join(dir, 'projects', '-home-u-app');
    await fs.mkdir(projDir, { recursive: true });
  });
  const write = async (name: string, lines: string[], end = '\n') => {
    const f = path.join(projDir, name);
    await fs.mkdir(path.dirname(f), { recursive: true });
    await fs.writeFile(f, lines.join('\n') + end);
    return f;
  };

  it('maps one assistant line to a record', async () => {
    const f = await write('sess-1.jsonl', [line()]);
    const r = await imp.readFile(f, undefined);
    assert.equal(r.records.length, 1);
    assert.deepEqual(r.records[0], {
      source: 'claude-code', dedupeKey: 'msg_1:req_1', ts: Date.parse('2026-08-20T10:00:05.123Z'), project: '/home/u/app', modelRaw: MODEL,
      sessionId: 'sess-1', inputTokens: 3, outputTokens: 412, cacheReadTokens: 1000, cacheWriteTokens: 100, cacheWrite1hTokens: 0,
      reasoningTokens: 0, aliasKey: 'msg_1', isCopy: false,
    });
    assert.equal(r.skipped, 0);
  });

  it('collapses streamed duplicates within a file, keeping the most complete', async () => {
    const f = await write('sess-1.jsonl', [
      line({ usage: u(3, 5, 100, 1000) }),
      line({ usage: u(3, 412, 100, 1000), ts: '2026-08-20T10:00:07.000Z' }),
      line({ usage: u(3, 50, 100, 1000), ts: '2026-08-20T10:00:06.000Z' }),
      line({ id: 'msg_2', req: 'req_2', usage: u(1, 2) }),
    ]);
    const r = await imp.readFile(f, undefined);
    assert.deepEqual(r.records.map((x) => x.dedupeKey), ['msg_1:req_1', 'msg_2:req_2']);
    assert.deepEqual(tokens(r.records[0]!), [3, 412, 1000, 100, 0]);
    assert.equal(r.records[0]!.ts, Date.parse('2026-08-20T10:00:07.000Z'));
  });

  it('emits a later, more complete duplicate again on the next read with the same key', async () => {
    const f = await write('sess-1.jsonl', [line({ usage: u(3, 5) })]);
    const first = await imp.readFile(f, undefined);
    await fs.appendFile(f, line({ usage: u(3, 412) }) + '\n');
    const second = await imp.readFile(f, first.cursor);
    assert.deepEqual(second.records.map((x) => [x.dedupeKey, x.outputTokens]), [['msg_1:req_1', 412]]);
  });

  it('leaves out synthetic, API-error, non-semver-version and empty-id lines without counting them', async () => {
    const f = await write('sess-1.jsonl', [
      line({ id: 'a', model: '<synthetic>', usage: u(7, 11) }),
      line({ id: 'b', extra: { isApiErrorMessage: true }, usage: u(13, 17) }),
      line({ id: 'c', extra: { version: 'abc' } }),
      line({ id: 'd', extra: { version: '1.0' } }),
      line({ id: 'e', req: '' }),
      line({ id: 'f', extra: { version: '2.0.1-beta' }, usage: u(89, 1) }),
      JSON.stringify({ type: 'user', toolUseResult: { usage: { input_tokens: 5 } }, timestamp: '2026-08-20T10:00:00Z' }),
    ]);
    const r = await imp.readFile(f, undefined);
    assert.deepEqual(r.records.map((x) => [x.dedupeKey, x.inputTokens]), [['f:req_1', 89]]);
    assert.equal(r.skipped, 0);
  });

  it('counts malformed usage lines as skipped and ignores lines that cannot carry usage', async () => {
    const f = await write('sess-1.jsonl', [
      '{"type":"assistant","message":{"usage":{"input_tokens":1',
      line({ id: 'no-output', usage: { input_tokens: 101 } }),
      line({ id: 'bad-ts', ts: 'yesterday' }),
      'not json at all',
      line({ id: 'ok', usage: u(19, 23) }),
    ]);
    const r = await imp.readFile(f, undefined);
    assert.deepEqual(r.records.map((x) => x.dedupeKey), ['ok:req_1']);
    assert.equal(r.skipped, 3);
  });

  it('reads a half-written last line on the next import', async () => {
    const full = line({ id: 'msg_2', req: 'req_2', usage: u(5, 6) });
    const f = await write('sess-1.jsonl', [line(), full.slice(0, 40)], '');
    const first = await imp.readFile(f, undefined);
    assert.deepEqual(first.records.map((x) => x.dedupeKey), ['msg_1:req_1']);
    assert.equal(first.skipped, 0);
    assert.equal(first.cursor.offset, line().length + 1);
    await fs.appendFile(f, full.slice(40) + '\n');
    const second = await imp.readFile(f, first.cursor);
    assert.deepEqual(second.records.map((x) => [x.dedupeKey, x.inputTokens, x.outputTokens]), [['msg_2:req_2', 5, 6]]);
  });

  it('marks sidechain lines as copies keyed by message id, and collapses their request-id variants', async () => {
    await write('sess-1.jsonl', [line({ id: 'm12', req: 'r12', usage: u(2, 3, 0, 20) })]);
    const side = await write(path.join('sess-1', 'subagents', 'agent-a.jsonl'), [
      line({ id: 'm12', req: 'r12-replay', usage: u(2, 3, 0, 50000), extra: { isSidechain: true } }),
      line({ id: 'm13', req: 'r13a', usage: u(103, 1), extra: { isSidechain: true } }),
      line({ id: 'm13', req: 'r13b', usage: u(103, 2), extra: { isSidechain: true } }),
    ]);
    const main = await imp.readFile(path.join(projDir, 'sess-1.jsonl'), undefined);
    assert.deepEqual(main.records.map((x) => [x.dedupeKey, x.aliasKey, x.isCopy]), [['m12:r12', 'm12', false]]);
    const r = await imp.readFile(side, undefined);
    assert.deepEqual(r.records.map((x) => [x.dedupeKey, x.aliasKey, x.isCopy, x.outputTokens]), [
      ['m12:sidechain', 'm12', true, 3],
      ['m13:sidechain', 'm13', true, 2],
    ]);
  });

  it('falls back to message.id when requestId is missing (or null)', async () => {
    const f = await write('sess-1.jsonl', [
      line({ id: 'm6', req: null, usage: u(37, 41) }),
      line({ id: 'm6', req: null, usage: u(37, 43) }),
      line({ id: 'm7', extra: { requestId: null }, usage: u(1, 1) }),
      line({ id: null, usage: u(73, 79), extra: { uuid: 'line-uuid' } }),
    ]);
    const r = await imp.readFile(f, undefined);
    assert.deepEqual(r.records.map((x) => [x.dedupeKey, x.outputTokens, x.aliasKey]), [
      ['m6', 43, 'm6'],
      ['m7', 1, 'm7'],
      ['uuid:line-uuid', 79, undefined],
    ]);
  });

  it('splits cache writes by TTL, keeps an old costUSD and marks fast mode', async () => {
    const f = await write('sess-1.jsonl', [
      line({ id: 'split', usage: u(1, 2, 100, 0, { cache_creation: { ephemeral_5m_input_tokens: 60, ephemeral_1h_input_tokens: 70 } }) }),
      line({ id: 'cost', usage: u(1000, 1000), extra: { costUSD: 1.5 } }),
      line({ id: 'fast', usage: u(47, 53, 0, 0, { speed: 'fast' }) }),
    ]);
    const [split, cost, fast] = (await imp.readFile(f, undefined)).records;
    assert.deepEqual(tokens(split!), [1, 2, 0, 130, 70]);
    assert.equal(split!.reportedCost, undefined);
    assert.equal(cost!.reportedCost, 1.5);
    assert.equal(fast!.modelRaw, `${MODEL}-fast`);
  });

  it('counts sub-agent usage nested in progress lines', async () => {
    const nested = { type: 'assistant', timestamp: '2026-08-20T11:00:00Z', requestId: 'r10', message: { id: 'm10', model: 'claude-haiku-4-5', usage: u(59, 61) } };
    const f = await write('sess-1.jsonl', [JSON.stringify({ type: 'progress', sessionId: 'sess-1', cwd: '/home/u/app', version: '2.1.90', timestamp: '2026-08-20T11:00:01Z', data: { type: 'agent_progress', message: nested } })]);
    const r = await imp.readFile(f, undefined);
    assert.deepEqual(r.records.map((x) => [x.dedupeKey, x.modelRaw, x.inputTokens, x.outputTokens, x.ts]), [['m10:r10', 'claude-haiku-4-5', 59, 61, Date.parse('2026-08-20T11:00:00Z')]]);
  });

  it('falls back to the folder name and file stem for project and session', async () => {
    const bare = (id: string) => JSON.stringify({ type: 'assistant', version: '2.1.90', timestamp: '2026-08-20T10:00:00Z', requestId: 'r', message: { id, model: MODEL, usage: u(1, 1) } });
    const flat = await write('abc-session.jsonl', [bare('x')]);
    const nested = await write(path.join('parent-sess', 'subagents', 'agent-1.jsonl'), [bare('y')]);
    const a = (await imp.readFile(flat, undefined)).records[0]!;
    const b = (await imp.readFile(nested, undefined)).records[0]!;
    assert.deepEqual([a.project, a.sessionId], ['/home/u/app', 'abc-session']);
    assert.deepEqual([b.project, b.sessionId], ['/home/u/app', 'parent-sess']);
    assert.equal(decodeProjectDir('C--Users-me-app'), 'C:\\Users\\me\\app');
  });

  describe('roots', () => {
    const ctx = (env: Record<string, string>, platform: NodeJS.Platform = 'linux', home = '/home/u'): SourceContext => ({ home, env, platform, extraPaths: {} });

    // The last root is where Connect Claude Code Limits saves the statusLine input (our data folder).
    const SNAPSHOTS = '/home/u/.local/share/ai-usage-dashboard/claude-statusline';

    it('defaults to ~/.claude and ~/.config/claude, then our statusLine snapshots', () => {
      assert.deepEqual(imp.roots(ctx({})), ['/home/u/.claude/projects', '/home/u/.config/claude/projects', SNAPSHOTS]);
      assert.equal(imp.roots(ctx({ AI_USAGE_HOME: '/data/aiu' })).at(-1), '/data/aiu/claude-statusline');
    });

    it('respects XDG_CONFIG_HOME', () => {
      assert.deepEqual(imp.roots(ctx({ XDG_CONFIG_HOME: '/xdg' })), ['/home/u/.claude/projects', '/xdg/claude/projects', SNAPSHOTS]);
    });

    it('takes a comma-separated CLAUDE_CONFIG_DIR of config dirs or projects/ folders first', () => {
      const roots = imp.roots({ ...ctx({ CLAUDE_CONFIG_DIR: '/a/claude, ~/work/projects ,,/b' }), extraPaths: { 'claude-code': ['/extra/logs'] } });
      assert.deepEqual(roots, ['/a/claude/projects', '/home/u/work/projects', '/b/projects', '/home/u/.claude/projects', '/home/u/.config/claude/projects', '/extra/logs', SNAPSHOTS]);
    });

    it('builds Windows paths from USERPROFILE', () => {
      const roots = imp.roots(ctx({ USERPROFILE: 'C:\\Users\\me', CLAUDE_CONFIG_DIR: 'D:\\claude' }, 'win32', ''));
      assert.deepEqual(roots, ['D:\\claude\\projects', 'C:\\Users\\me\\.claude\\projects', 'C:\\Users\\me\\.config\\claude\\projects', 'C:\\Users\\me\\AppData\\Local\\ai-usage-dashboard\\claude-statusline']);
    });

    it('lists .jsonl files recursively across roots, each once', async () => {
      await write('s1.jsonl', [line()]);
      await write(path.join('s1', 'subagents', 'agent-a.jsonl'), [line()]);
      await write('notes.txt', ['x']);
      const root = path.join(dir, 'projects');
      const files = await imp.listFiles([root, path.join(dir, 'missing'), root], ctx({}));
      assert.deepEqual(files, [path.join(projDir, 's1', 'subagents', 'agent-a.jsonl'), path.join(projDir, 's1.jsonl')].sort());
    });
  });
});
