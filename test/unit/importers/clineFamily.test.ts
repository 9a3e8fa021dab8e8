import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { clineImporter, kiloCodeImporter, lastModelTag, rooCodeImporter, uncachedInput } from '../../../src/core/importers/clineFamily';
import type { SourceContext } from '../../../src/core/importers/types';
import type { UsageRecord } from '../../../src/core/model';
import { tempDir } from '../../support/tempDir';

// Entries as Cline/Roo write them (ClineMessage with the ClineApiReqInfo JSON in `text`).
const req = (ts: number, info: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ ts, type: 'say', say: 'api_req_started', text: JSON.stringify({ request: '<task>…</task>', ...info }), ...extra });
const write = async (file: string, data: unknown) => {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, typeof data === 'string' ? data : JSON.stringify(data));
};
const byKey = (rs: UsageRecord[]) => Object.fromEntries(rs.map((r) => [r.dedupeKey, r]));
const T = Date.UTC(2026, 0, 10, 9, 0, 0);

describe('Cline / Roo Code / Kilo Code importers', () => {
  let dir: string;
  let storage: string;
  beforeEach(async () => {
    dir = await tempDir();
    storage = path.join(dir, 'Code', 'User', 'globalStorage');
  });

  async function clineTask(messages: unknown[]): Promise<string> {
    const ext = path.join(storage, 'saoudrizwan.claude-dev');
    await write(path.join(ext, 'state', 'taskHistory.json'), [
      { id: '1768035600000', ulid: '01J', ts: T, task: 'Fix login', tokensIn: 999999, totalCost: 9, cwdOnTaskInitialization: '/home/u/app', modelId: 'from-history' },
    ]);
    await write(path.join(ext, 'tasks', '1768035600000', 'task_metadata.json'), {
      files_in_context: [],
      model_usage: [
        { ts: T + 1500, model_id: 'gpt-5', model_provider_id: 'openai', mode: 'act' },
        { ts: T - 1000, model_id: 'claude-sonnet-4-5-20250929', model_provider_id: 'anthropic', mode: 'plan' },
      ],
    });
    const file = path.join(ext, 'tasks', '1768035600000', 'ui_messages.json');
    await write(file, messages);
    return file;
  }
  const CLINE_DONE = [
    { ts: T, type: 'say', say: 'task', text: 'Fix login' },
    req(T + 1000, { tokensIn: 12, tokensOut: 455, cacheWrites: 2048, cacheReads: 18000, cost: 0.0213 },
      { modelInfo: { modelId: 'claude-sonnet-4-5-20250929', providerId: 'anthropic', mode: 'act' } }),
    req(T + 2000, { tokensIn: 5000, tokensOut: 100, cacheWrites: 0, cacheReads: 4000, cost: 0.01 }),
    { ts: T + 2500, type: 'say', say: 'subagent_usage', text: JSON.stringify({ source: 'subagents', tokensIn: 300, tokensOut: 50, cacheWrites: 0, cacheReads: 0, cost: 0.002 }) },
    req(T + 3000, { tokensIn: 40, tokensOut: 10, cancelReason: 'user_cancelled' }),
    { ts: T + 3500, type: 'say', say: 'api_req_started', text: 'not json' },
    req(T + 3600, { tokensIn: 'lots', tokensOut: 1, cost: 0.1 }),
  ];

  it('Cline: one record per finished request, model per request, project from taskHistory.json', async () => {
    const inFlight = req(T + 4000, { tokensIn: 70 });
    const file = await clineTask([...CLINE_DONE, inFlight]);
    const r = await clineImporter.readFile(file, undefined);
    assert.equal(r.skipped, 2);
    const k = byKey(r.records);
    assert.deepEqual(Object.keys(k), ['1768035600000:1768035601000', '1768035600000:1768035602000', '1768035600000:1768035602500:subagents', '1768035600000:1768035603000']);
    assert.deepEqual(k['1768035600000:1768035601000'], {
      source: 'cline', dedupeKey: '1768035600000:1768035601000', ts: T + 1000, project: '/home/u/app', modelRaw: 'claude-sonnet-4-5-20250929',
      sessionId: '1768035600000', inputTokens: 12, outputTokens: 455, cacheReadTokens: 18000, cacheWriteTokens: 2048, cacheWrite1hTokens: 0,
      reasoningTokens: 0, reportedCost: 0.0213,
    });
    const second = k['1768035600000:1768035602000'];
    assert.equal(second.modelRaw, 'gpt-5', 'task_metadata model_usage: the switch at T+1500');
    assert.equal(second.inputTokens, 1000, 'OpenAI-style tokensIn includes the 4000 cache reads');
    assert.equal(k['1768035600000:1768035602500:subagents'].reportedCost, 0.002);
    const cancelled = k['1768035600000:1768035603000'];
    assert.equal(cancelled.reportedCost, undefined);
    assert.equal(cancelled.inputTokens, 40);
    assert.equal(r.cursor.mtimeMs, -1, 'the in-flight request makes the next import read the file again');

    // The extension rewrites the file whole when the request finishes.
    await write(file, [...CLINE_DONE, req(T + 4000, { tokensIn: 70, tokensOut: 7, cacheReads: 0, cacheWrites: 0, cost: 0.5 })]);
    const again = await clineImporter.readFile(file, r.cursor);
    assert.equal(again.reread, true);
    assert.equal(again.records.length, 5);
    assert.deepEqual(again.records.slice(0, 4), r.records, 'earlier requests come back identical: no double counting');
    assert.equal(byKey(again.records)['1768035600000:1768035604000'].reportedCost, 0.5);
    assert.notEqual(again.cursor.mtimeMs, -1);
    const same = await clineImporter.readFile(file, again.cursor);
    assert.equal(same.bytesRead, 0);
  });

  it('an abandoned in-flight request does not keep the file hot', async () => {
    const file = await clineTask([...CLINE_DONE, req(T + 4000, { tokensIn: 70 })]);
    const old = new Date(Date.now() - 2 * 3600_000);
    await fs.utimes(file, old, old);
    const r = await clineImporter.readFile(file, undefined);
    assert.equal(r.records.length, 4);
    assert.notEqual(r.cursor.mtimeMs, -1);
  });

  it('counts a truncated or non-array file as skipped', async () => {
    const file = await clineTask(CLINE_DONE);
    await write(file, JSON.stringify(CLINE_DONE).slice(0, 200));
    const r = await clineImporter.readFile(file, undefined);
    assert.deepEqual([r.records.length, r.skipped], [0, 1]);
    await write(file, { not: 'an array' });
    assert.equal((await clineImporter.readFile(file, r.cursor)).skipped, 1);
  });

  it('Roo: tokensIn meaning by date and apiProtocol, model from the last <model> tag, project from history_item.json', async () => {
    const task = path.join(storage, 'rooveterinaryinc.roo-cline', 'tasks', 'roo-task-1');
    const before = Date.UTC(2025, 8, 1);
    await write(path.join(task, 'ui_messages.json'), [
      req(before, { tokensIn: 10, tokensOut: 5, cacheReads: 5000, cacheWrites: 100, cost: 0.01, apiProtocol: 'anthropic' }),
      req(before + 1, { tokensIn: 6000, tokensOut: 5, cacheReads: 5000, cacheWrites: 0, cost: 0.01, apiProtocol: 'openai' }),
      req(T, { tokensIn: 7010, tokensOut: 5, cacheReads: 5000, cacheWrites: 2000, cost: 0.02, apiProtocol: 'anthropic' }),
      req(T + 1, { tokensIn: 10, tokensOut: 5, cacheReads: 5000, cacheWrites: 2000, cost: 0.02, apiProtocol: 'anthropic' }),
    ]);
    await write(path.join(task, 'history_item.json'), { id: 'roo-task-1', number: 1, ts: T, task: 't', workspace: '/home/u/roo', mode: 'code' });
    const env = (m: string) => ({ role: 'user', content: [{ type: 'text', text: `<environment_details>\n# Current Mode\n<slug>code</slug>\n<model>${m}</model>\n</environment_details>` }] });
    await write(path.join(task, 'api_conversation_history.json'), [env('claude-sonnet-4-5'), { role: 'assistant', content: 'x'.repeat(600_000) }, env('claude-opus-4-1'), { role: 'assistant', content: 'y'.repeat(300_000) }]);
    const r = await rooCodeImporter.readFile(path.join(task, 'ui_messages.json'), undefined);
    assert.deepEqual(r.records.map((x) => x.inputTokens), [10, 1000, 10, 10]);
    assert.ok(r.records.every((x) => x.modelRaw === 'claude-opus-4-1' && x.project === '/home/u/roo' && x.sessionId === 'roo-task-1'));
    assert.equal(r.records[0].dedupeKey, `roo-task-1:${before}`);
  });

  it('finds a <model> tag that straddles a read chunk, and none in a file without one', async () => {
    const f = path.join(dir, 'h.json');
    const tag = '<model>gpt-5-codex</model>';
    await fs.writeFile(f, 'a'.repeat(1000) + tag + 'b'.repeat(256 * 1024 + 3 - tag.length));
    assert.equal(await lastModelTag(f), 'gpt-5-codex');
    await fs.writeFile(f, 'no tags here');
    assert.equal(await lastModelTag(f), undefined);
    assert.equal(await lastModelTag(path.join(dir, 'missing.json')), undefined);
  });

  it('uncached input: Cline with an Anthropic-style provider is taken as is', () => {
    const e = { ts: T, tokensIn: 9000, cacheReads: 5000, cacheWrites: 0 };
    assert.equal(uncachedInput('cline', { ...e, providerId: 'anthropic' }), 9000);
    assert.equal(uncachedInput('cline', { ...e, providerId: 'openrouter' }), 4000);
    assert.equal(uncachedInput('kilo-code', { ...e, apiProtocol: 'openai' }), 4000);
  });

  it('lists each task once even when two roots reach the same folder; keys do not depend on the root', async () => {
    const ext = path.join(storage, 'kilocode.kilo-code');
    const file = path.join(ext, 'tasks', 'k1', 'ui_messages.json');
    await write(file, [req(T, { tokensIn: 1, tokensOut: 2, cost: 0.001 })]);
    const link = path.join(dir, 'link-to-kilo');
    await fs.symlink(ext, link);
    const files = await kiloCodeImporter.listFiles([ext, link, path.join(dir, 'nowhere')], {} as SourceContext);
    assert.deepEqual(files, [file]);
    const viaLink = await kiloCodeImporter.readFile(path.join(link, 'tasks', 'k1', 'ui_messages.json'), undefined);
    const direct = await kiloCodeImporter.readFile(file, undefined);
    assert.deepEqual(viaLink.records, direct.records);
    assert.equal(direct.records[0].modelRaw, 'unknown');
    assert.equal(direct.records[0].project, '');
  });

  it('roots: current editor first, every VS Code variant per OS, Cline data dir, Roo custom storage', async () => {
    const linux: SourceContext = { home: '/home/u', env: { CLINE_DIR: '/opt/cline' }, platform: 'linux', extraPaths: { 'roo-code': ['/custom/roo'] }, editorStorageRoots: ['/cur/User/globalStorage'] };
    const cl = clineImporter.roots(linux);
    assert.equal(cl[0], '/cur/User/globalStorage/saoudrizwan.claude-dev');
    for (const p of ['/home/u/.config/Code/User/globalStorage/saoudrizwan.claude-dev', '/home/u/.config/Cursor/User/globalStorage/saoudrizwan.claude-dev',
      '/home/u/.config/VSCodium/User/globalStorage/saoudrizwan.claude-dev', '/home/u/.local/share/code-server/User/globalStorage/saoudrizwan.claude-dev',
      '/home/u/.vscode-server/data/User/globalStorage/saoudrizwan.claude-dev', '/opt/cline/data']) assert.ok(cl.includes(p), p);
    assert.equal(clineImporter.roots({ ...linux, env: { CLINE_DATA_DIR: '/d' } }).at(-1), '/d');
    assert.equal(rooCodeImporter.roots(linux).at(-1), '/custom/roo');
    const mac = rooCodeImporter.roots({ home: '/Users/u', env: {}, platform: 'darwin', extraPaths: {} });
    assert.equal(mac[0], '/Users/u/Library/Application Support/Code/User/globalStorage/rooveterinaryinc.roo-cline');
    const win = kiloCodeImporter.roots({ home: 'C:\\Users\\u', env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, platform: 'win32', extraPaths: {} });
    assert.equal(win[0], 'C:\\Users\\u\\AppData\\Roaming\\Code\\User\\globalStorage\\kilocode.kilo-code');
    assert.ok(win.includes('C:\\Users\\u\\AppData\\Roaming\\Code - Insiders\\User\\globalStorage\\kilocode.kilo-code'));

    // A custom storage root holds tasks/ directly.
    const custom = path.join(dir, 'roo-custom');
    await write(path.join(custom, 'tasks', 't9', 'ui_messages.json'), []);
    assert.deepEqual(await rooCodeImporter.listFiles([custom], linux), [path.join(custom, 'tasks', 't9', 'ui_messages.json')]);
  });
});
