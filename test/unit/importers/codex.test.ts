import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { codexImporter as imp, type CodexState } from '../../../src/core/importers/codex';
import type { SourceContext } from '../../../src/core/importers/types';
import type { UsageRecord } from '../../../src/core/model';
import { tempDir } from '../../support/tempDir';

type Usage = [input: number, cached: number, output: number, reasoning: number, cacheWrite?: number];
const usage = ([i, c, o, r, cw]: Usage) => ({
  input_tokens: i, cached_input_tokens: c, ...(cw === undefined ? {} : { cache_write_input_tokens: cw }), output_tokens: o, reasoning_output_tokens: r, total_tokens: i + o,
});
const meta = (ts: string, id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ timestamp: ts, type: 'session_meta', payload: { id, timestamp: ts, cwd: '/home/u/app', originator: 'codex_cli_rs', cli_version: '0.150.0', source: 'cli', ...extra } });
const ctxLine = (ts: string, model: string, cwd = '/home/u/app') => JSON.stringify({ timestamp: ts, type: 'turn_context', payload: { cwd, approval_policy: 'on-request', model } });
const tok = (ts: string, total: Usage | null, last?: Usage | null) =>
  JSON.stringify({
    timestamp: ts, type: 'event_msg',
    payload: { type: 'token_count', info: total || last ? { ...(total ? { total_token_usage: usage(total) } : {}), ...(last ? { last_token_usage: usage(last) } : {}), model_context_window: 258400 } : null, rate_limits: {} },
  });
const item = (ts: string) => JSON.stringify({ timestamp: ts, type: 'response_item', payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'x'.repeat(200) }] } });

const PARENT = '0199fe39-c07c-71d0-9ceb-000000000008';
const CHILD = '0199fe39-c07c-71d0-9ceb-000000000009';
const SID = '0199fe39-c07c-71d0-9ceb-9315a0946d34';
const at = (s: number, day = '2026-08-20') => `${day}T10:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.000Z`;
/** [input, output, cacheRead, cacheWrite, reasoning] */
const toks = (r: UsageRecord) => [r.inputTokens, r.outputTokens, r.cacheReadTokens, r.cacheWriteTokens, r.reasoningTokens];

describe('Codex importer', () => {
  let home: string;
  beforeEach(async () => { home = await tempDir(); });
  const write = async (rel: string, lines: string[], end = '\n') => {
    const f = path.join(home, rel);
    await fs.mkdir(path.dirname(f), { recursive: true });
    await fs.writeFile(f, lines.join('\n') + end);
    return f;
  };
  const rollout = (id = SID) => `sessions/2026/08/20/rollout-2026-08-20T10-00-00-${id}.jsonl`;

  it('takes deltas from cumulative totals, with input net of cache', async () => {
    const f = await write(rollout(), [
      meta(at(0), SID), ctxLine(at(1), 'gpt-5.3-codex'), item(at(2)),
      tok(at(3), [1000, 800, 100, 50], [1000, 800, 100, 50]),
      tok(at(9), [2500, 1800, 300, 120], [1500, 1000, 200, 70]),
    ]);
    const r = await imp.readFile(f, undefined);
    assert.equal(r.skipped, 0);
    assert.deepEqual(r.records.map(toks), [[200, 100, 800, 0, 50], [500, 200, 1000, 0, 70]]);
    const first = r.records[0]!;
    assert.deepEqual([first.source, first.ts, first.project, first.modelRaw, first.sessionId, first.cacheWrite1hTokens], ['codex', Date.parse(at(3)), '/home/u/app', 'gpt-5.3-codex', SID, 0]);
    assert.deepEqual(r.records.map((x) => x.dedupeKey), [`${SID}:0:1000:800:0:100:50`, `${SID}:0:2500:1800:0:300:120`]);
  });

  it('subtracts cache writes from input too (Codex ≥ 0.145)', async () => {
    const f = await write(rollout(), [meta(at(0), SID), ctxLine(at(1), 'gpt-5.3-codex'), tok(at(2), [1000, 600, 100, 0, 300], [1000, 600, 100, 0, 300])]);
    const r = await imp.readFile(f, undefined);
    assert.deepEqual(r.records.map(toks), [[100, 100, 600, 300, 0]]);
  });

  it('ignores re-emitted unchanged totals and info:null events', async () => {
    const f = await write(rollout(), [
      meta(at(0), SID), ctxLine(at(1), 'gpt-5.3-codex'),
      tok(at(2), null), tok(at(3), [1000, 800, 100, 50], [1000, 800, 100, 50]),
      tok(at(5), [1000, 800, 100, 50], [1000, 800, 100, 50]), tok(at(7), null), tok(at(9), [1000, 800, 100, 50], [1000, 800, 100, 50]),
    ]);
    const r = await imp.readFile(f, undefined);
    assert.deepEqual(r.records.map(toks), [[200, 100, 800, 0, 50]]);
    assert.equal(r.skipped, 0);
  });

  it('prefers totals over a last_token_usage that disagrees (ccusage uses last)', async () => {
    const f = await write(rollout(), [meta(at(0), SID), ctxLine(at(1), 'gpt-5'), tok(at(2), [1000, 0, 100, 0], [1000, 0, 100, 0]), tok(at(3), [1500, 0, 150, 0], [999, 0, 99, 0])]);
    const r = await imp.readFile(f, undefined);
    assert.deepEqual(r.records.map(toks), [[1000, 100, 0, 0, 0], [500, 50, 0, 0, 0]]);
  });

  it('treats a lower total as a reset: uses last_token_usage and a new key epoch', async () => {
    const f = await write(rollout(), [
      meta(at(0), SID), ctxLine(at(1), 'gpt-5'),
      tok(at(2), [5000, 0, 500, 0], [5000, 0, 500, 0]), tok(at(3), [600, 100, 60, 0], [600, 100, 60, 0]), tok(at(4), [900, 100, 90, 0], [300, 0, 30, 0]),
    ]);
    const r = await imp.readFile(f, undefined);
    assert.deepEqual(r.records.map(toks), [[5000, 500, 0, 0, 0], [500, 60, 100, 0, 0], [300, 30, 0, 0, 0]]);
    assert.deepEqual(r.records.map((x) => x.dedupeKey.split(':')[1]), ['0', '1', '1']);
  });

  it('uses last_token_usage when totals are missing', async () => {
    const f = await write(rollout(), [meta(at(0), SID), ctxLine(at(1), 'gpt-5'), tok(at(2), null, [300, 100, 30, 10]), tok(at(3), null, [200, 100, 20, 0])]);
    const r = await imp.readFile(f, undefined);
    assert.deepEqual(r.records.map(toks), [[200, 30, 100, 0, 10], [100, 20, 100, 0, 0]]);
    assert.notEqual(r.records[0]!.dedupeKey, r.records[1]!.dedupeKey);
  });

  it('takes the model from the latest turn_context, else gpt-5; resolves codex-auto-review by date', async () => {
    const f = await write(rollout(), [
      meta(at(0), SID), tok(at(1), [100, 0, 10, 0]), ctxLine(at(2), 'gpt-5.3-codex'), tok(at(3), [200, 0, 20, 0]),
      ctxLine(at(4), 'gpt-5.5'), tok(at(5), [300, 0, 30, 0]), ctxLine(at(6), 'codex-auto-review'), tok(at(7), [400, 0, 40, 0]),
    ]);
    const r = await imp.readFile(f, undefined);
    assert.deepEqual(r.records.map((x) => x.modelRaw), ['gpt-5', 'gpt-5.3-codex', 'gpt-5.5', 'gpt-5.5']);
  });

  it('falls back to the turn_context cwd and the uuid in the file name', async () => {
    const f = await write(rollout(), [ctxLine(at(1), 'gpt-5', '/srv/proj'), tok(at(2), [100, 0, 10, 0])]);
    const [rec] = (await imp.readFile(f, undefined)).records;
    assert.deepEqual([rec!.project, rec!.sessionId], ['/srv/proj', SID]);
  });

  it('counts malformed token_count lines as skipped, not other broken lines', async () => {
    const f = await write(rollout(), [
      meta(at(0), SID), '{"timestamp":"x","type":"response_item","payload":{', '{"timestamp":"2026-08-20T10:00:01Z","type":"event_msg","payload":{"type":"token_count","info":{',
      JSON.stringify({ timestamp: 'not a date', type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: usage([1, 0, 1, 0]) } } }),
      tok(at(3), [100, 0, 10, 0]),
    ]);
    const r = await imp.readFile(f, undefined);
    assert.equal(r.skipped, 2);
    assert.deepEqual(r.records.map(toks), [[100, 10, 0, 0, 0]]);
  });

  describe('forks and sub-agents', () => {
    const parentLines = [
      meta(at(0, '2026-08-18'), PARENT), ctxLine(at(1, '2026-08-18'), 'gpt-5.3-codex'),
      tok(at(2, '2026-08-18'), [1000, 0, 100, 0], [1000, 0, 100, 0]), tok(at(4, '2026-08-18'), [3000, 900, 250, 0], [2000, 900, 150, 0]),
    ];
    /** A fork re-stamps the copied parent history at creation time. */
    const restamp = (lines: string[], ts: string) => lines.map((l) => JSON.stringify({ ...JSON.parse(l), timestamp: ts }));

    it('skips the replayed parent prefix of a fork and counts from the parent baseline', async () => {
      await write(rollout(PARENT), parentLines);
      const child = await write(rollout(CHILD), [
        meta('2026-08-20T10:00:00.000Z', CHILD, { forked_from_id: PARENT }), ...restamp(parentLines, '2026-08-20T10:00:00.020Z'),
        ctxLine(at(30), 'gpt-5.3-codex'), tok(at(40), [7000, 2900, 400, 0], [4000, 2000, 150, 0]),
      ]);
      const r = await imp.readFile(child, undefined);
      assert.deepEqual(r.records.map(toks), [[2000, 150, 2000, 0, 0]]);
      // Keyed under the parent's history (see CodexState.owner), but the row belongs to the fork.
      assert.deepEqual([r.records[0]!.sessionId, r.records[0]!.dedupeKey], [CHILD, `${PARENT}:0:7000:2900:0:400:0`]);
    });

    it('handles a fork whose own totals restart', async () => {
      const child = await write(rollout(CHILD), [
        meta('2026-08-20T10:00:00.000Z', CHILD, { forked_from_id: PARENT }), ...restamp(parentLines, '2026-08-20T10:00:00.020Z'),
        tok(at(30), [3500, 3000, 60, 0], [3500, 3000, 60, 0]),
      ]);
      assert.deepEqual((await imp.readFile(child, undefined)).records.map(toks), [[500, 60, 3000, 0, 0]]);
    });

    it('detects a fork from two session_meta lines alone', async () => {
      const child = await write(rollout(CHILD), [
        meta('2026-08-20T10:00:00.000Z', CHILD), ...restamp(parentLines, '2026-08-20T10:00:00.020Z'),
        tok(at(30), [5000, 2800, 400, 0], [2000, 1900, 150, 0]),
      ]);
      assert.deepEqual((await imp.readFile(child, undefined)).records.map(toks), [[100, 150, 1900, 0, 0]]);
    });

    it('counts a sub-agent whose parent history holds no token counts', async () => {
      const child = await write(rollout(CHILD), [
        meta('2026-08-20T10:00:00.000Z', CHILD, { source: { subagent: { thread_spawn: { parent_thread_id: PARENT, depth: 1 } } } }),
        meta('2026-08-20T10:00:00.010Z', PARENT), ctxLine('2026-08-20T10:00:00.500Z', 'gpt-5.3-codex'),
        tok(at(3), [1000, 0, 80, 0], [1000, 0, 80, 0]), tok(at(9), [2200, 900, 150, 0], [1200, 900, 70, 0]),
      ]);
      const r = await imp.readFile(child, undefined);
      assert.deepEqual(r.records.map(toks), [[1000, 80, 0, 0, 0], [300, 70, 900, 0, 0]]);
      assert.equal(r.records[0]!.dedupeKey, `${PARENT}:0:1000:0:0:80:0`);
    });

    it('gives replayed events the parent\'s keys when the replay is not a burst', async () => {
      const parent = await write(rollout(PARENT), parentLines);
      // Replayed lines that keep their original timestamps: not recognised as a burst, so emitted,
      // but under the parent's keys: the store keeps one row per request.
      const child = await write(rollout(CHILD), [meta('2026-08-20T10:00:00.000Z', CHILD, { forked_from_id: PARENT }), ...parentLines]);
      const p = (await imp.readFile(parent, undefined)).records.map((x) => x.dedupeKey);
      const c = (await imp.readFile(child, undefined)).records.map((x) => x.dedupeKey);
      assert.deepEqual(c, p);
    });
  });

  it('resumes running totals and model after an append mid-session', async () => {
    const f = await write(rollout(), [meta(at(0), SID), ctxLine(at(1), 'gpt-5.3-codex'), tok(at(2), [1000, 800, 100, 50])]);
    const first = await imp.readFile(f, undefined);
    const state = first.cursor.state as CodexState;
    assert.deepEqual([state.prev, state.model, state.sessionId, state.cwd], [[1000, 800, 0, 100, 50], 'gpt-5.3-codex', SID, '/home/u/app']);
    await fs.appendFile(f, [tok(at(3), [1000, 800, 100, 50]), tok(at(4), [1600, 1300, 160, 60])].join('\n') + '\n');
    const second = await imp.readFile(f, JSON.parse(JSON.stringify(first.cursor)));
    assert.equal(second.reread, false);
    assert.deepEqual(second.records.map(toks), [[100, 60, 500, 0, 10]]);
    assert.equal(second.records[0]!.modelRaw, 'gpt-5.3-codex');
  });

  it('keeps a half-written token_count for the next import', async () => {
    const full = tok(at(3), [300, 0, 30, 0]);
    const f = await write(rollout(), [meta(at(0), SID), tok(at(2), [100, 0, 10, 0]), full.slice(0, 50)], '');
    const first = await imp.readFile(f, undefined);
    assert.deepEqual([first.records.length, first.skipped], [1, 0]);
    await fs.appendFile(f, full.slice(50) + '\n');
    const second = await imp.readFile(f, first.cursor);
    assert.deepEqual(second.records.map(toks), [[200, 20, 0, 0, 0]]);
  });

  it('yields identical keys when a rewritten file is read again from the start', async () => {
    const lines = [meta(at(0), SID), ctxLine(at(1), 'gpt-5'), tok(at(2), [1000, 0, 100, 0]), tok(at(4), [1800, 500, 180, 0])];
    const f = await write(rollout(), lines);
    const first = await imp.readFile(f, undefined);
    await write(rollout(), [meta(at(0), SID, { originator: 'rewritten' }), ...lines.slice(1), tok(at(6), [2000, 500, 200, 0])]);
    const again = await imp.readFile(f, first.cursor);
    assert.equal(again.reread, true);
    assert.deepEqual(again.records.map((x) => x.dedupeKey).slice(0, 2), first.records.map((x) => x.dedupeKey));
    assert.equal(again.records.length, 3);
  });

  describe('roots and files', () => {
    const ctx = (env: Record<string, string>, platform: NodeJS.Platform = 'linux', h = '/home/u'): SourceContext => ({ home: h, env, platform, extraPaths: {} });

    it('uses ~/.codex, or CODEX_HOME (comma list), sessions before archived_sessions', () => {
      assert.deepEqual(imp.roots(ctx({})), ['/home/u/.codex/sessions', '/home/u/.codex/archived_sessions']);
      assert.deepEqual(imp.roots({ ...ctx({ CODEX_HOME: '/a,~/b' }), extraPaths: { codex: ['/x/run.jsonl'] } }), [
        '/a/sessions', '/home/u/b/sessions', '/a/archived_sessions', '/home/u/b/archived_sessions', '/x/run.jsonl',
      ]);
    });

    it('builds Windows paths from USERPROFILE', () => {
      assert.deepEqual(imp.roots(ctx({ USERPROFILE: 'C:\\Users\\me' }, 'win32', '')), ['C:\\Users\\me\\.codex\\sessions', 'C:\\Users\\me\\.codex\\archived_sessions']);
    });

    it('prefers the sessions/ copy of a rollout also in archived_sessions/', async () => {
      const lines = [meta(at(0), SID), ctxLine(at(1), 'gpt-5'), tok(at(2), [900, 0, 90, 0])];
      const live = await write(rollout(), lines);
      const nested = await write(`archived_sessions/2026/08/20/rollout-2026-08-20T10-00-00-${SID}.jsonl`, lines);
      await write(`archived_sessions/rollout-2026-08-20T10-00-00-${SID}.jsonl`, lines);
      const other = await write(`archived_sessions/rollout-2026-08-19T09-00-00-${PARENT}.jsonl`, lines);
      const files = await imp.listFiles(imp.roots(ctx({ CODEX_HOME: home })), ctx({ CODEX_HOME: home }));
      assert.deepEqual(files, [live, other]);
      // Read anyway (e.g. given as extra paths), both copies produce the same keys.
      const a = (await imp.readFile(live, undefined)).records.map((x) => x.dedupeKey);
      const b = (await imp.readFile(nested, undefined)).records.map((x) => x.dedupeKey);
      assert.deepEqual(b, a);
    });
  });
});
