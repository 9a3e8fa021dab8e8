import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { QwenCodeImporter } from '../../../src/core/importers/qwenCode';
import type { SourceContext } from '../../../src/core/importers/types';
import { tempDir } from '../../support/tempDir';

const CWD = '/work/qwen-app';
const base = (uuid: string, type: string, extra: Record<string, unknown> = {}) => ({
  uuid,
  parentUuid: null,
  sessionId: 's-1',
  timestamp: '2026-08-20T10:00:05.000Z',
  type,
  cwd: CWD,
  version: '0.5.0',
  ...extra,
});
const line = (o: unknown) => JSON.stringify(o) + '\n';
const assistant = (uuid: string, usageMetadata: unknown, extra: Record<string, unknown> = {}) =>
  line(base(uuid, 'assistant', { model: 'qwen3-coder-plus', message: { role: 'model', parts: [{ text: 'ok' }] }, usageMetadata, ...extra }));

// OpenAI-compatible provider: prompt ⊇ cached, candidates ⊇ reasoning, total = prompt + completion.
const OPENAI = { promptTokenCount: 12000, candidatesTokenCount: 900, totalTokenCount: 12900, cachedContentTokenCount: 10000, thoughtsTokenCount: 400 };
// Gemini provider: thoughts on top of candidates.
const GEMINI = { promptTokenCount: 5000, candidatesTokenCount: 200, thoughtsTokenCount: 100, cachedContentTokenCount: 4000, totalTokenCount: 5300 };
// Anthropic converter: prompt = input + cache read + cache write, total = prompt + output.
const ANTHROPIC = { promptTokenCount: 3000, candidatesTokenCount: 50, totalTokenCount: 3050, cachedContentTokenCount: 2500 };

const ctx = (home: string, extra: Partial<SourceContext> = {}): SourceContext => ({ home, env: {}, platform: 'linux', extraPaths: {}, ...extra });

describe('Qwen Code importer', () => {
  let home: string;
  let imp: QwenCodeImporter;
  beforeEach(async () => {
    home = await tempDir();
    imp = new QwenCodeImporter();
  });

  it('lists QWEN_RUNTIME_DIR, QWEN_HOME and ~/.qwen project folders', () => {
    assert.deepEqual(imp.roots(ctx('/home/u', { env: { QWEN_RUNTIME_DIR: '~/rt', QWEN_HOME: '/q' }, extraPaths: { 'qwen-code': ['/e'] } })), [
      '/home/u/rt/projects',
      '/q/projects',
      '/home/u/.qwen/projects',
      '/e',
    ]);
    assert.deepEqual(imp.roots(ctx('C:\\Users\\u', { platform: 'win32' })), ['C:\\Users\\u\\.qwen\\projects']);
  });

  it('maps assistant usage from each provider shape and dedupes /branch copies by uuid', async () => {
    const dir = path.join(home, '.qwen', 'projects', '-work-qwen-app', 'chats');
    await fs.mkdir(dir, { recursive: true });
    const f = path.join(dir, 's-1.jsonl');
    await fs.writeFile(
      f,
      line(base('u0', 'user', { message: { role: 'user', parts: [{ text: 'hi' }] } })) +
        assistant('a1', OPENAI) +
        assistant('a2', GEMINI, { model: 'gemini-2.5-pro' }) +
        assistant('a3', ANTHROPIC, { model: 'claude-sonnet-4-5' }) +
        line(base('sys', 'system', { subtype: 'ui_telemetry', systemPayload: { uiEvent: { usageMetadata: 1 } } })) +
        assistant('a4', { totalTokenCount: 999 }) + // total only: cannot be split
        '{"uuid":"a5","type":"assistant","usageMetadata":{\n',
    );
    const fork = path.join(dir, 's-2.jsonl');
    await fs.writeFile(fork, assistant('a1', OPENAI, { sessionId: 's-2', forkedFrom: { sessionId: 's-1', messageUuid: 'a1' } }));

    const c = ctx(home);
    assert.deepEqual(await imp.listFiles(imp.roots(c)), [f, fork]);
    const r = await imp.readFile(f, undefined);
    assert.equal(r.skipped, 2);
    assert.deepEqual(
      r.records.map((x) => [x.dedupeKey, x.inputTokens, x.outputTokens, x.cacheReadTokens, x.reasoningTokens, x.modelRaw]),
      [
        ['a1', 2000, 900, 10000, 400, 'qwen3-coder-plus'],
        ['a2', 1000, 300, 4000, 100, 'gemini-2.5-pro'],
        ['a3', 500, 50, 2500, 0, 'claude-sonnet-4-5'],
      ],
    );
    assert.deepEqual([r.records[0]!.project, r.records[0]!.sessionId, r.records[0]!.ts], [CWD, 's-1', Date.parse('2026-08-20T10:00:05.000Z')]);
    const copy = await imp.readFile(fork, undefined);
    assert.equal(copy.records[0]!.dedupeKey, 'a1', 'a branched copy has the same key, so it is stored once');
  });

  it('reads appends incrementally and re-reads a rewritten file with the same keys', async () => {
    const f = path.join(home, 'x.jsonl');
    await fs.writeFile(f, assistant('a1', OPENAI));
    const first = await imp.readFile(f, undefined);
    await fs.appendFile(f, assistant('a2', OPENAI));
    const second = await imp.readFile(f, first.cursor);
    assert.deepEqual(second.records.map((x) => x.dedupeKey), ['a2']);
    await fs.writeFile(f, assistant('a0', OPENAI) + assistant('a1', OPENAI) + assistant('a2', OPENAI));
    const again = await imp.readFile(f, second.cursor);
    assert.equal(again.reread, true);
    assert.deepEqual(again.records.map((x) => x.dedupeKey), ['a0', 'a1', 'a2']);
    await fs.writeFile(f, assistant('a9', OPENAI));
    const shrunk = await imp.readFile(f, again.cursor);
    assert.deepEqual([shrunk.reread, shrunk.records.map((x) => x.dedupeKey)], [true, ['a9']]);
  });
});
