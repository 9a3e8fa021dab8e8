// Several tools at once, with every overlapping store present: each request counts once,
// per source and overall, and a second import changes nothing.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runImport } from '../../../src/core/engine/runImport';
import type { SourceContext } from '../../../src/core/importers/types';
import { Pricer } from '../../../src/core/pricing';
import { groupBy, totals } from '../../../src/core/queries/aggregate';
import { UsageStore } from '../../../src/core/store/usageStore';
import { tempDir } from '../../support/tempDir';

const jsonl = (...objs: unknown[]) => objs.map((o) => JSON.stringify(o)).join('\n') + '\n';

async function put(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
}

/** Runs SQL with real SQLite (python3's sqlite3), as the tools themselves write their databases. */
async function sqlite(db: string, schema: string, statements: [string, unknown[]][]): Promise<void> {
  await fs.mkdir(path.dirname(db), { recursive: true });
  const script = `import sqlite3, sys, json
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.executescript(sys.argv[2])
for q, a in json.loads(sys.argv[3]): c.execute(q, a)
c.close()`;
  execFileSync('python3', ['-c', script, db, schema, JSON.stringify(statements)], { stdio: 'pipe' });
}

async function buildHome(home: string): Promise<SourceContext> {
  const app = path.join(home, 'ws/app');
  const lib = path.join(home, 'ws/lib');
  // Claude Code: one response streamed in two lines, and the same file in both default roots.
  const claude = jsonl(
    { type: 'assistant', cwd: '/ws/app', sessionId: 'c1', version: '2.1.90', timestamp: '2026-08-20T10:00:00.000Z', requestId: 'req_1',
      message: { id: 'msg_1', model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 } } },
    { type: 'assistant', cwd: '/ws/app', sessionId: 'c1', version: '2.1.90', timestamp: '2026-08-20T10:00:02.000Z', requestId: 'req_1',
      message: { id: 'msg_1', model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 10, output_tokens: 100, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 } } },
  );
  await put(path.join(home, '.claude/projects/-ws-app/c1.jsonl'), claude);
  await put(path.join(home, '.config/claude/projects/-ws-app/c1.jsonl'), claude);

  // Codex: cumulative totals (3000 input incl. 2000 cached), the same rollout also archived.
  const rollout = jsonl(
    { timestamp: '2026-08-20T11:00:00.000Z', type: 'session_meta', payload: { id: '0199fe39-c07c-71d0-9ceb-9315a0946d34', cwd: '/ws/app' } },
    { timestamp: '2026-08-20T11:00:01.000Z', type: 'turn_context', payload: { cwd: '/ws/app', model: 'gpt-5' } },
    { timestamp: '2026-08-20T11:00:09.000Z', type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { input_tokens: 3000, cached_input_tokens: 2000, output_tokens: 150, reasoning_output_tokens: 50, total_tokens: 3150 } } } },
  );
  const name = 'rollout-2026-08-20T11-00-00-0199fe39-c07c-71d0-9ceb-9315a0946d34.jsonl';
  await put(path.join(home, '.codex/sessions/2026/08/20', name), rollout);
  await put(path.join(home, '.codex/archived_sessions', name), rollout);

  // Gemini CLI: a message re-appended once its tokens arrived (the last copy wins).
  await put(path.join(home, '.gemini/tmp/app/.project_root'), '/ws/app');
  await put(
    path.join(home, '.gemini/tmp/app/chats/session-2026-08-20T10-00-8d0f3c1e.jsonl'),
    jsonl(
      { sessionId: '8d0f3c1e-1111-2222-3333-444455556666', projectHash: 'app', startTime: '2026-08-20T10:00:00.000Z', lastUpdated: '2026-08-20T10:00:00.000Z', kind: 'main' },
      { id: 'g1', timestamp: '2026-08-20T10:00:09.000Z', type: 'gemini', content: '…', model: 'gemini-2.5-pro' },
      { id: 'g1', timestamp: '2026-08-20T10:00:09.000Z', type: 'gemini', content: 'ok', thoughts: [], model: 'gemini-2.5-pro',
        tokens: { input: 10234, output: 512, cached: 8192, thoughts: 300, tool: 0, total: 11046 } },
    ),
  );

  // AiderDesk knows /ws/app; Aider's own chat history there logs the same messages (rounded).
  await sqlite(
    path.join(home, '.config/aider-desk/aider-desk.db'),
    `CREATE TABLE messages (id TEXT PRIMARY KEY, timestamp DATETIME DEFAULT CURRENT_TIMESTAMP, type TEXT NOT NULL, project TEXT NOT NULL,
       task_id TEXT, model TEXT NOT NULL, input_tokens INTEGER, output_tokens INTEGER, cache_write_tokens INTEGER, cache_read_tokens INTEGER,
       cost REAL, message_content_json TEXT);`,
    [['INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?,?)', ['d1', '2026-08-20 12:00:05', 'assistant', app, 't1', 'anthropic/claude-sonnet-4-5-20250929', 1234, 455, 2048, 18000, 0.0213417, '{}']]],
  );
  const history = (start: string) =>
    [`# aider chat started at ${start}`, '', '> Main model: claude-sonnet-4-20250514 with diff edit format', '', '#### fix it', '',
      '> Tokens: 15k sent, 2.0k cache write, 12k cache hit, 812 received.  ', 'Cost: $0.06 message, $0.31 session.  ', ''].join('\n');
  await put(path.join(app, '.aider.chat.history.md'), history('2026-08-20 12:00:00'));
  await put(path.join(lib, '.aider.chat.history.md'), history('2026-08-21 09:00:00'));
  // Aider's analytics log (no project: kept whatever AiderDesk knows).
  await put(
    path.join(home, 'aider-analytics.jsonl'),
    jsonl({ event: 'message_send', properties: { main_model: 'claude-sonnet-4-20250514', prompt_tokens: 15234, completion_tokens: 812, total_tokens: 16046, cost: 0.0579, total_cost: 0.3121 }, user_id: 'u', time: 1755684005 }),
  );

  // Continue: one autocomplete call.
  await put(
    path.join(home, '.continue/dev_data/0.2.0/tokensGenerated.jsonl'),
    jsonl({ eventName: 'tokensGenerated', schema: '0.2.0', timestamp: '2026-08-20T10:00:05.123Z', userId: '', model: 'claude-sonnet-4-5', provider: 'anthropic', promptTokens: 1000, generatedTokens: 50 }),
  );

  // OpenCode: the message in the database and as a leftover legacy JSON file.
  const oc = path.join(home, '.local/share/opencode');
  const message = { id: 'msg_o1', sessionID: 'ses_1', role: 'assistant', time: { created: 1755684000000, completed: 1755684004500 }, modelID: 'claude-sonnet-4-20250514',
    providerID: 'anthropic', path: { cwd: '/ws/app', root: '/ws/app' }, cost: 0.0123, tokens: { input: 12, output: 345, reasoning: 20, cache: { read: 20480, write: 1024 } }, finish: 'stop' };
  await sqlite(
    path.join(oc, 'opencode.db'),
    `CREATE TABLE session (id text PRIMARY KEY, project_id text NOT NULL, parent_id text, slug text NOT NULL DEFAULT '', directory text NOT NULL, title text NOT NULL,
       version text NOT NULL DEFAULT '1.2.0', time_created integer NOT NULL, time_updated integer NOT NULL);
     CREATE TABLE message (id text PRIMARY KEY, session_id text NOT NULL, time_created integer NOT NULL, time_updated integer NOT NULL, data text NOT NULL);`,
    [
      ['INSERT INTO session (id, project_id, directory, title, time_created, time_updated) VALUES (?,?,?,?,?,?)', ['ses_1', 'p', '/ws/app', 't', 1755684000000, 1755684000000]],
      ['INSERT INTO message VALUES (?,?,?,?,?)', ['msg_o1', 'ses_1', 1755684000000, 1755684004500, JSON.stringify(message)]],
    ],
  );
  await put(path.join(oc, 'storage/message/ses_1/msg_o1.json'), JSON.stringify(message));

  // GitHub Copilot CLI: one session segment.
  await put(
    path.join(home, '.copilot/session-state/5f0c/events.jsonl'),
    jsonl(
      { type: 'session.start', data: { sessionId: '5f0c', context: { cwd: '/ws/app' }, startTime: '2026-08-20T10:00:00.000Z' }, id: 'e0', timestamp: '2026-08-20T10:00:00.000Z' },
      { type: 'session.shutdown', data: { shutdownType: 'routine', currentModel: 'claude-sonnet-4.5',
        modelMetrics: { 'claude-sonnet-4.5': { requests: { count: 3, cost: 3 }, usage: { inputTokens: 26512, outputTokens: 929, cacheReadTokens: 15872, cacheWriteTokens: 0, reasoningTokens: 704 } } } },
        id: 'e9', timestamp: '2026-08-20T10:30:00.000Z' },
    ),
  );

  // Cline, in the current editor's globalStorage.
  const storage = path.join(home, 'editor/User/globalStorage');
  await put(
    path.join(storage, 'saoudrizwan.claude-dev/tasks/1768035600000/ui_messages.json'),
    JSON.stringify([
      { ts: 1768035600000, type: 'say', say: 'task', text: 'Fix login' },
      { ts: 1768035601000, type: 'say', say: 'api_req_started', text: JSON.stringify({ request: '…', tokensIn: 12, tokensOut: 455, cacheWrites: 2048, cacheReads: 18000, cost: 0.0213 }),
        modelInfo: { modelId: 'claude-sonnet-4-5-20250929', providerId: 'anthropic', mode: 'act' } },
    ]),
  );

  return {
    home,
    env: {},
    platform: 'linux',
    extraPaths: { aider: [path.join(home, 'aider-analytics.jsonl')] },
    editorStorageRoots: [storage],
    workspaceFolders: [app, lib],
    workspaceTrusted: true,
  };
}

describe('several sources at once', () => {
  it('counts each request once, per source and overall, across overlapping stores', async function () {
    this.timeout(60_000);
    const home = await tempDir();
    const ctx = await buildHome(home);

    const store = await UsageStore.inMemory();
    const report = await runImport(store, { ctx, pricer: new Pricer() });
    assert.deepEqual(report.errors, []);

    const bySource = Object.fromEntries(groupBy(store.catalog, {}, 'source').map((g) => [g.key, g]));
    const counts = Object.fromEntries(Object.entries(bySource).map(([k, g]) => [k, g.messages]));
    assert.deepEqual(counts, {
      'claude-code': 1, // two roots, two streamed lines: one request
      codex: 1, // sessions/ and archived_sessions/: one
      'gemini-cli': 1, // re-appended message: one
      'aider-desk': 1,
      aider: 2, // the analytics event, and /ws/lib's history (the /ws/app history is AiderDesk's)
      continue: 1,
      opencode: 1, // database and legacy JSON: one
      'copilot-cli': 3, // one shutdown segment of requests.count = 3 requests
      cline: 1,
    });
    assert.deepEqual(
      [bySource['claude-code'].inputTokens, bySource['claude-code'].outputTokens, bySource['claude-code'].cacheReadTokens, bySource['claude-code'].cacheWriteTokens],
      [10, 100, 1000, 200],
    );
    assert.deepEqual([bySource.codex.inputTokens, bySource.codex.cacheReadTokens, bySource.codex.outputTokens], [1000, 2000, 150]);
    assert.deepEqual([bySource['gemini-cli'].inputTokens, bySource['gemini-cli'].cacheReadTokens, bySource['gemini-cli'].outputTokens], [10234 - 8192, 8192, 512 + 300]);
    assert.deepEqual([bySource.opencode.inputTokens, bySource.opencode.outputTokens, bySource.opencode.cacheReadTokens, bySource.opencode.cacheWriteTokens], [12, 345 + 20, 20480, 1024]);
    assert.deepEqual([bySource['copilot-cli'].inputTokens, bySource['copilot-cli'].cacheReadTokens, bySource['copilot-cli'].outputTokens], [26512 - 15872, 15872, 929]);
    assert.equal(bySource.continue.totalTokens, 1050);
    // Reported costs are kept as the tools recorded them.
    assert.equal(bySource.opencode.cost, 0.0123);
    assert.equal(bySource.cline.cost, 0.0213);
    assert.equal(bySource['aider-desk'].cost, 0.0213417);

    const all = totals(store.catalog, {});
    const sum = (k: 'messages' | 'totalTokens' | 'cost') => Object.values(bySource).reduce((a, g) => a + g[k], 0);
    assert.equal(all.messages, 12);
    assert.equal(all.messages, sum('messages'));
    assert.equal(all.totalTokens, sum('totalTokens'));
    assert.ok(Math.abs(all.cost - sum('cost')) < 1e-12);
    assert.equal(all.unpricedMessages, 0, 'every model here has a price');

    const again = await runImport(store, { ctx, pricer: new Pricer() });
    assert.equal(again.newRows, 0);
    assert.equal(again.changedRows, 0);
    assert.equal(again.bytesRead, 0);
    assert.equal(totals(store.catalog, {}).messages, 12);
  });
});
