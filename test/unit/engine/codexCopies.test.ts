// A branched Codex rollout can repeat its parent's lines, with the same timestamps and the same
// cumulative totals, in a file that has no session_meta line. Imported through the real engine
// into a real store, in either order, each request counts once.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runImport } from '../../../src/core/engine/runImport';
import { codexImporter } from '../../../src/core/importers/codex';
import type { SourceContext } from '../../../src/core/importers/types';
import { Pricer } from '../../../src/core/pricing';
import { groupBy, totals } from '../../../src/core/queries/aggregate';
import { groupBySession } from '../../../src/core/queries/sessions';
import { UsageStore } from '../../../src/core/store/usageStore';
import { tempDir } from '../../support/tempDir';

const PARENT = '019a4c2e-7b1d-7e30-8f52-6c0d9e1a2b3c';
const BRANCH = '019a4c9f-0d2e-7a11-9b64-3e5f7a8c9d0e';
const jsonl = (...lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
const usage = (input: number, cached: number, output: number, reasoning: number) =>
  ({ input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: reasoning, total_tokens: input + output });
const tokenCount = (ts: string, total: ReturnType<typeof usage>, last: ReturnType<typeof usage>) =>
  ({ timestamp: ts, type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: total, last_token_usage: last, model_context_window: 272000 }, rate_limits: { primary: { used_percent: 4.0, window_minutes: 300 } } } });
const turn = (ts: string) => ({ timestamp: ts, type: 'turn_context', payload: { cwd: '/home/dev/ledger', approval_policy: 'on-request', sandbox_policy: { mode: 'workspace-write' }, model: 'gpt-5.1-codex', effort: 'medium', summary: 'auto' } });
const said = (ts: string, text: string) => ({ timestamp: ts, type: 'response_item', payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] } });

// The parent session: two turns.
const history = [
  turn('2026-09-03T14:02:10.118Z'),
  said('2026-09-03T14:02:31.904Z', 'Added the migration for the ledger_entries index.'),
  tokenCount('2026-09-03T14:02:32.377Z', usage(18_420, 12_288, 1_204, 640), usage(18_420, 12_288, 1_204, 640)),
  turn('2026-09-03T14:05:48.551Z'),
  said('2026-09-03T14:06:20.013Z', 'Tests pass; the slow query now uses the index.'),
  tokenCount('2026-09-03T14:06:20.442Z', usage(41_977, 33_792, 2_871, 1_536), usage(23_557, 21_504, 1_667, 896)),
];
const original = jsonl(
  { timestamp: '2026-09-03T14:02:09.870Z', type: 'session_meta', payload: { id: PARENT, timestamp: '2026-09-03T14:02:09.870Z', cwd: '/home/dev/ledger', originator: 'codex_cli_rs', cli_version: '0.151.0', source: 'cli', model_provider: 'openai' } },
  ...history,
);
// The branch: the parent's lines copied as they were (no session_meta), then one turn of its own.
const branch = jsonl(
  ...history,
  turn('2026-09-03T15:40:02.300Z'),
  said('2026-09-03T15:40:40.781Z', 'Branch: tried a partial index instead.'),
  tokenCount('2026-09-03T15:40:41.006Z', usage(70_001, 55_296, 4_002, 2_048), usage(28_024, 21_504, 1_131, 512)),
);

const ORIGINAL = `.codex/sessions/2026/09/03/rollout-2026-09-03T14-02-09-${PARENT}.jsonl`;
const BRANCHED = `.codex/sessions/2026/09/03/rollout-2026-09-03T15-39-51-${BRANCH}.jsonl`;

describe('Codex: history copied into a file without session_meta', () => {
  let home: string;
  let ctx: SourceContext;
  beforeEach(async () => {
    home = await tempDir();
    ctx = { home, env: {}, platform: 'linux', extraPaths: {} };
  });
  const put = async (rel: string, text: string) => {
    const f = path.join(home, rel);
    await fs.mkdir(path.dirname(f), { recursive: true });
    await fs.writeFile(f, text);
  };
  const importAll = (store: UsageStore) => runImport(store, { ctx, pricer: new Pricer(), importers: [codexImporter] });

  // Three requests: the parent's two, and the branch's own turn (70,001 input in all at the end).
  const expected = { messages: 3, inputTokens: 70_001 - 55_296, cacheReadTokens: 55_296, outputTokens: 4_002 };
  const sums = (store: UsageStore) => {
    const t = totals(store.catalog, {});
    return { messages: t.messages, inputTokens: t.inputTokens, cacheReadTokens: t.cacheReadTokens, outputTokens: t.outputTokens };
  };

  it('counts the copied history once when the original is imported first', async () => {
    const store = await UsageStore.inMemory();
    await put(ORIGINAL, original);
    await importAll(store);
    await put(BRANCHED, branch);
    await importAll(store);
    assert.deepEqual(sums(store), expected);
  });

  it('counts it once when the copy is imported first (the original replaces the copied rows)', async () => {
    const store = await UsageStore.inMemory();
    await put(BRANCHED, branch);
    await importAll(store);
    await put(ORIGINAL, original);
    await importAll(store);
    assert.deepEqual(sums(store), expected);
    // The parent's requests belong to the parent session, the branch's own turn to the branch.
    const bySession = (await groupBySession(store, {})).map((g) => [g.key, g.messages]).sort();
    assert.deepEqual(bySession, [[PARENT, 2], [BRANCH, 1]]);
    assert.deepEqual(groupBy(store.catalog, {}, 'model').map((g) => [g.key, g.messages]), [['gpt-5.1-codex', 3]]);
  });

  it('counts it once when both are imported in one run, and again changes nothing', async () => {
    const store = await UsageStore.inMemory();
    await put(ORIGINAL, original);
    await put(BRANCHED, branch);
    await importAll(store);
    assert.deepEqual(sums(store), expected);
    const again = await importAll(store);
    assert.deepEqual([again.newRows, again.changedRows], [0, 0]);
    assert.deepEqual(sums(store), expected);
  });
});
