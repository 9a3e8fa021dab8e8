// Plan limits, limit hits and git branches, read from real log lines in temp folders and stored
// through the real store (limits-and-plans.md §1–§4).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runImport } from '../../../src/core/engine/runImport';
import { claudeCodeImporter } from '../../../src/core/importers/claudeCode';
import { claudeLimitHit, resetTimeOf } from '../../../src/core/importers/claudeLimitHits';
import { codexImporter } from '../../../src/core/importers/codex';
import { DETACHED, NO_BRANCH } from '../../../src/core/importers/gitBranch';
import type { SourceContext } from '../../../src/core/importers/types';
import { groupBy } from '../../../src/core/queries/aggregate';
import { UsageStore } from '../../../src/core/store/usageStore';
import { tempDir } from '../../support/tempDir';

const exec = promisify(execFile);
const SID = '0199fe39-c07c-71d0-9ceb-9315a0946d34';
const rolloutName = (id = SID) => `sessions/2026/08/20/rollout-2026-08-20T10-00-00-${id}.jsonl`;
const meta = (ts: string, git?: Record<string, unknown>) =>
  JSON.stringify({ timestamp: ts, type: 'session_meta', payload: { id: SID, timestamp: ts, cwd: '/home/u/app', originator: 'codex_cli_rs', cli_version: '0.129.0', source: 'cli', ...(git ? { git } : {}) } });
const turn = (ts: string) => JSON.stringify({ timestamp: ts, type: 'turn_context', payload: { cwd: '/home/u/app', model: 'gpt-5.3-codex' } });
const tokenCount = (ts: string, rateLimits: unknown, total?: number) =>
  JSON.stringify({
    timestamp: ts,
    type: 'event_msg',
    payload: {
      type: 'token_count',
      info: total ? { total_token_usage: { input_tokens: total, cached_input_tokens: 0, output_tokens: 10, reasoning_output_tokens: 0, total_tokens: total + 10 } } : null,
      rate_limits: rateLimits,
    },
  });
// The current shape (codemie-ai fixture, cli 0.129.0) and a weekly-only plan (limits-and-plans.md §1).
const CURRENT = { limit_id: 'codex', limit_name: null, primary: { used_percent: 10.0, window_minutes: 300, resets_at: 1787245200 }, secondary: { used_percent: 5.0, window_minutes: 10080, resets_at: 1787763600 }, credits: null, plan_type: 'plus', rate_limit_reached_type: null };
const WEEKLY_ONLY = { limit_id: 'codex', limit_name: null, primary: { used_percent: 99.0, window_minutes: 10080, resets_at: 1787763600 }, secondary: null, credits: { has_credits: false, unlimited: false, balance: '0' }, plan_type: 'pro', rate_limit_reached_type: null };
const SPARK = { limit_id: 'codex_bengalfox', limit_name: 'GPT-5.3-Codex-Spark', primary: { used_percent: 8.0, window_minutes: 300, resets_at: 1787245300 }, secondary: null, plan_type: 'plus', rate_limit_reached_type: null };

describe('plan limits, limit hits and branches from the logs', () => {
  let home: string;
  beforeEach(async () => {
    home = await tempDir();
  });
  const write = async (rel: string, lines: string[]) => {
    const f = path.join(home, rel);
    await fs.mkdir(path.dirname(f), { recursive: true });
    await fs.writeFile(f, lines.join('\n') + '\n');
    return f;
  };

  describe('Codex rate_limits', () => {
    it('keeps the newest snapshot per bucket and window, the sub-limit apart from the account bucket', async () => {
      const f = await write(rolloutName(), [
        meta('2026-08-20T10:00:00.000Z'),
        tokenCount('2026-08-20T10:00:01.050Z', { ...CURRENT, primary: { ...CURRENT.primary, used_percent: 4 } }),
        turn('2026-08-20T10:00:02.000Z'),
        tokenCount('2026-08-20T10:00:05.000Z', CURRENT, 1000),
        // The Spark sub-limit heartbeats last: it must not replace the account-wide figures.
        tokenCount('2026-08-20T10:00:06.000Z', SPARK),
      ]);
      const r = await codexImporter.readFile(f, undefined);
      assert.equal(r.records.length, 1, 'usage is still read');
      const byKey = new Map(r.limits!.map((o) => [`${o.limitId}/${o.window}`, o]));
      assert.deepEqual([...byKey.keys()].sort(), ['codex/10080', 'codex/300', 'codex_bengalfox/300']);
      assert.deepEqual(byKey.get('codex/300'), {
        source: 'codex', limitId: 'codex', window: '300', windowMinutes: 300, usedPercent: 10, resetsAt: 1787245200_000, observedAt: Date.parse('2026-08-20T10:00:05.000Z'), planType: 'plus',
      });
      assert.equal(byKey.get('codex/10080')!.resetsAt, 1787763600_000);
      assert.equal(byKey.get('codex_bengalfox/300')!.limitName, 'GPT-5.3-Codex-Spark');
    });

    it('a weekly-only plan is labelled by its length, not by its slot', async () => {
      const f = await write(rolloutName(), [meta('2026-08-20T10:05:00.000Z'), tokenCount('2026-08-20T10:05:00.000Z', WEEKLY_ONLY)]);
      const r = await codexImporter.readFile(f, undefined);
      assert.deepEqual(r.limits!.map((o) => [o.window, o.windowMinutes, o.usedPercent, o.planType]), [['10080', 10080, 99, 'pro']]);
    });

    it('reads the older shapes: relative resets_in_seconds, and flat fields without a reset time', async () => {
      const relative = { primary: { used_percent: 42.5, window_minutes: 300, resets_in_seconds: 3600 }, secondary: { used_percent: 7, window_minutes: 10080, resets_in_seconds: 86400 } };
      const flat = { primary_used_percent: 12, secondary_used_percent: 3, primary_to_secondary_ratio_percent: 50, primary_window_minutes: 300, secondary_window_minutes: 10080 };
      const weekly = { primary_used_percent: 1, weekly_used_percent: 2, primary_window_minutes: 300, weekly_window_minutes: 10080 };
      const a = await codexImporter.readFile(await write('sessions/a/rollout-a.jsonl', [tokenCount('2025-10-01T12:00:00.000Z', relative)]), undefined);
      assert.deepEqual(a.limits!.map((o) => [o.limitId, o.window, o.usedPercent, o.resetsAt]), [
        ['codex', '300', 42.5, Date.parse('2025-10-01T13:00:00.000Z')],
        ['codex', '10080', 7, Date.parse('2025-10-02T12:00:00.000Z')],
      ]);
      const b = await codexImporter.readFile(await write('sessions/b/rollout-b.jsonl', [tokenCount('2025-09-01T12:00:00.000Z', flat)]), undefined);
      assert.deepEqual(b.limits!.map((o) => [o.window, o.usedPercent, o.resetsAt]), [['300', 12, null], ['10080', 3, null]]);
      const c = await codexImporter.readFile(await write('sessions/c/rollout-c.jsonl', [tokenCount('2025-09-01T12:00:00.000Z', weekly)]), undefined);
      assert.deepEqual(c.limits!.map((o) => [o.window, o.usedPercent]), [['300', 1], ['10080', 2]]);
    });

    it('null rate_limits, only credits, and malformed windows report nothing', async () => {
      const f = await write(rolloutName(), [
        meta('2026-08-20T10:00:00.000Z'),
        tokenCount('2026-08-20T10:00:01.000Z', null),
        tokenCount('2026-08-20T10:00:02.000Z', { limit_id: 'codex', primary: null, secondary: null, credits: { has_credits: true, unlimited: false, balance: '12' }, plan_type: null }),
        tokenCount('2026-08-20T10:00:03.000Z', { primary: { used_percent: 'ten', window_minutes: 300 } }),
      ]);
      const r = await codexImporter.readFile(f, undefined);
      assert.equal(r.limits, undefined);
      assert.equal(r.skipped, 0);
    });

    it('a full window and rate_limit_reached_type are hits, one per reset instant', async () => {
      const full = { ...CURRENT, primary: { used_percent: 100, window_minutes: 300, resets_at: 1787245200 } };
      const reached = { ...CURRENT, primary: { used_percent: 96, window_minutes: 300, resets_at: 1787245200 }, rate_limit_reached_type: 'workspace_member_usage_limit_reached' };
      const f = await write(rolloutName(), [meta('2026-08-20T10:00:00.000Z'), tokenCount('2026-08-20T10:00:01.000Z', full), tokenCount('2026-08-20T10:00:09.000Z', full), tokenCount('2026-08-20T10:01:00.000Z', reached)]);
      const r = await codexImporter.readFile(f, undefined);
      assert.deepEqual(
        r.hits!.map((h) => [h.kind, h.ts, h.resetsAt]),
        [
          ['five_hour', Date.parse('2026-08-20T10:00:01.000Z'), 1787245200_000],
          ['workspace_member_usage_limit_reached', Date.parse('2026-08-20T10:01:00.000Z'), 1787763600_000],
        ],
      );
    });

    it('stores the git branch of the session (collected at its start) on every request', async () => {
      const f = await write(rolloutName(), [
        meta('2026-08-20T10:00:00.000Z', { commit_hash: 'abc123', branch: 'feature/limits', repository_url: 'https://github.com/acme/app' }),
        turn('2026-08-20T10:00:01.000Z'),
        tokenCount('2026-08-20T10:00:05.000Z', null, 1000),
        tokenCount('2026-08-20T10:00:09.000Z', null, 2000),
      ]);
      const r = await codexImporter.readFile(f, undefined);
      assert.deepEqual(r.records.map((x) => x.branch), ['feature/limits', 'feature/limits']);
      // An append resumes from the cursor's state, branch included.
      await fs.appendFile(f, tokenCount('2026-08-20T10:01:00.000Z', null, 3000) + '\n');
      const more = await codexImporter.readFile(f, r.cursor);
      assert.deepEqual(more.records.map((x) => x.branch), ['feature/limits']);
      const noGit = await codexImporter.readFile(await write('sessions/x/rollout-x.jsonl', [meta('2026-08-20T10:00:00.000Z'), tokenCount('2026-08-20T10:00:05.000Z', null, 10)]), undefined);
      assert.equal(noGit.records[0].branch, undefined, 'no git info: unknown, never invented');
    });
  });

  describe('Claude Code limit hits', () => {
    const synthetic = (ts: string, text: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        type: 'assistant', timestamp: ts, sessionId: '546c', version: '2.1.206', gitBranch: 'main', isApiErrorMessage: true, ...extra,
        message: { id: 'msg_x', model: '<synthetic>', role: 'assistant', content: [{ type: 'text', text }], usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } },
      });

    it('reads every era of the banner, and counts no usage from it', async () => {
      const f = await write('projects/-home-u-app/s.jsonl', [
        synthetic('2025-08-10T10:00:00.000Z', 'Claude AI usage limit reached|1754834400'),
        synthetic('2026-04-20T18:02:11.000Z', "You've hit your limit · resets Apr 23 at 4pm (America/Recife)"),
        synthetic('2026-08-20T18:02:11.000Z', "You've hit your session limit · resets 10:20pm (America/Los_Angeles)", { error: 'rate_limit', apiErrorStatus: 429 }),
        // Retries and a parallel session repeat the same hit: one marker.
        synthetic('2026-08-20T18:05:00.000Z', "You've hit your session limit · resets 10:20pm (America/Los_Angeles)"),
        synthetic('2026-08-21T09:00:00.000Z', "You've hit your weekly limit ∙ resets Mon 12:00am (Europe/Paris)"),
        synthetic('2026-09-01T10:00:00.000Z', 'Rate limited', { quotaLimits: { status: 'rejected', resetsAt: 1788260400, rateLimitType: 'five_hour' } }),
        // Not plan limits (§4): throttling and server-side limiting.
        synthetic('2026-08-20T19:00:00.000Z', 'API Error: Rate limit reached', { error: 'rate_limit', apiErrorStatus: 429 }),
        synthetic('2026-08-20T19:01:00.000Z', 'API Error: Server is temporarily limiting requests (not your usage limit)'),
        synthetic('2025-08-10T10:00:00.000Z', 'Claude AI usage limit reached|0'),
      ]);
      const r = await claudeCodeImporter.readFile(f, undefined);
      assert.equal(r.records.length, 0, 'no usage from synthetic lines');
      assert.deepEqual(
        r.hits!.map((h) => [h.kind, new Date(h.ts).toISOString(), h.resetsAt === null ? null : new Date(h.resetsAt).toISOString()]),
        [
          ['generic', '2025-08-10T10:00:00.000Z', '2025-08-10T14:00:00.000Z'],
          ['generic', '2026-04-20T18:02:11.000Z', '2026-04-23T19:00:00.000Z'],
          ['session', '2026-08-20T18:02:11.000Z', '2026-08-21T05:20:00.000Z'],
          ['weekly', '2026-08-21T09:00:00.000Z', '2026-08-23T22:00:00.000Z'],
          ['five_hour', '2026-09-01T10:00:00.000Z', '2026-09-01T11:00:00.000Z'],
        ],
      );
    });

    it('resolves a reset time to the first such moment after the line, across midnight, weeks and years', () => {
      const after = Date.parse('2026-12-31T23:30:00.000Z');
      assert.equal(new Date(resetTimeOf('resets 12:15am (UTC)', after, 'UTC')!).toISOString(), '2027-01-01T00:15:00.000Z');
      assert.equal(new Date(resetTimeOf('resets 11pm', after, 'UTC')!).toISOString(), '2027-01-01T23:00:00.000Z');
      assert.equal(new Date(resetTimeOf('resets Jan 2 at 9am', after, 'UTC')!).toISOString(), '2027-01-02T09:00:00.000Z');
      assert.equal(new Date(resetTimeOf('resets Thu 3:45pm', after, 'UTC')!).toISOString(), '2027-01-07T15:45:00.000Z', 'the Thursday after, not today');
      assert.equal(new Date(resetTimeOf('resets 12pm (Not/AZone)', after, 'Asia/Tokyo')!).toISOString(), '2027-01-01T03:00:00.000Z', 'a bad zone falls back to the default');
      assert.equal(resetTimeOf('resets soon', after, 'UTC'), undefined);
      // A zone-less 2025 banner is read in the machine's zone given.
      assert.equal(claudeLimitHit({ isApiErrorMessage: true, message: { content: '5-hour limit reached ∙ resets 12pm' } }, Date.parse('2025-08-20T08:00:00Z'), 'Europe/Berlin')!.resetsAt, Date.parse('2025-08-20T10:00:00Z'));
    });

    it('records gitBranch per request: "" outside a repository, HEAD when detached', async () => {
      const line = (id: string, gitBranch: unknown) =>
        JSON.stringify({
          type: 'assistant', cwd: '/home/u/app', sessionId: 's', version: '2.1.206', timestamp: '2026-08-20T10:00:05.123Z', requestId: `req_${id}`, ...(gitBranch === undefined ? {} : { gitBranch }),
          message: { id: `msg_${id}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 3, output_tokens: 4 } },
        });
      const f = await write('projects/-home-u-app/b.jsonl', [line('1', 'feature/limits'), line('2', ''), line('3', 'HEAD'), line('4', undefined)]);
      const r = await claudeCodeImporter.readFile(f, undefined);
      assert.deepEqual(r.records.map((x) => x.branch), ['feature/limits', NO_BRANCH, DETACHED, undefined]);
    });
  });

  describe('through the store', () => {
    const ctx = (): SourceContext => ({ home, env: { CODEX_HOME: path.join(home, '.codex'), CLAUDE_CONFIG_DIR: path.join(home, '.claude'), AI_USAGE_HOME: path.join(home, 'aiu') }, platform: 'linux', extraPaths: {} });
    const pricer = { price: () => ({ model: 'm', cost: 0.01, costSource: 'estimated' as const }) };

    it('imports limits, hits, statusLine snapshots and branches; re-reading doubles nothing; another process sees them', async () => {
      await write(`.codex/${rolloutName()}`, [meta('2026-08-20T10:00:00.000Z', { branch: 'main' }), turn('2026-08-20T10:00:01.000Z'), tokenCount('2026-08-20T10:00:05.000Z', CURRENT, 1000)]);
      const hitLine = JSON.stringify({ type: 'assistant', timestamp: '2026-08-20T18:02:11.000Z', isApiErrorMessage: true, message: { model: '<synthetic>', content: [{ type: 'text', text: "You've hit your session limit · resets 10:20pm (America/Los_Angeles)" }], usage: { input_tokens: 0, output_tokens: 0 } } });
      const transcript = await write('.claude/projects/-home-u-app/s.jsonl', [hitLine]);
      const snapshot = path.join(home, 'aiu', 'claude-statusline', 'latest.json');
      await fs.mkdir(path.dirname(snapshot), { recursive: true });
      await fs.writeFile(snapshot, JSON.stringify({ session_id: 'abc', rate_limits: { five_hour: { used_percentage: 23.5, resets_at: 1738425600 }, seven_day: { used_percentage: 41.2, resets_at: 1738857600 } } }));
      const file = path.join(home, 'db', 'usage.db');
      const store = await UsageStore.open(file);
      await runImport(store, { ctx: ctx(), pricer, importers: [claudeCodeImporter, codexImporter] });
      const limits = store.catalog.limits();
      assert.deepEqual(limits.map((o) => `${o.source}:${o.limitId}/${o.window}=${o.usedPercent}`), ['claude-code:claude/300=23.5', 'claude-code:claude/10080=41.2', 'codex:codex/300=10', 'codex:codex/10080=5']);
      assert.equal(limits[0].observedAt, Math.round((await fs.stat(snapshot)).mtimeMs), 'observed when the wrapper saved it');
      assert.equal(store.catalog.hits().length, 1);
      assert.deepEqual(groupBy(store.catalog, {}, 'branch').map((g) => [g.key, g.messages]), [['main', 1]]);

      // The same hit again (a retry), a rewrite read from the start, and a newer snapshot.
      await fs.writeFile(transcript, [hitLine, hitLine.replace('18:02:11', '18:04:00')].join('\n') + '\n');
      await fs.writeFile(snapshot, JSON.stringify({ rate_limits: { five_hour: { used_percentage: 60, resets_at: 1738425600 } } }));
      await runImport(store, { ctx: ctx(), pricer, importers: [claudeCodeImporter, codexImporter] });
      assert.equal(store.catalog.hits().length, 1, 'one hit per reset instant');
      assert.equal(store.catalog.hits()[0].ts, Date.parse('2026-08-20T18:02:11.000Z'), 'the first time it was logged');
      const again = store.catalog.limits().filter((o) => o.source === 'claude-code');
      assert.deepEqual(again.map((o) => o.usedPercent), [60, 41.2], 'the newest per window; a missing window keeps its last value');

      const other = await UsageStore.open(file);
      assert.deepEqual(other.catalog.limits(), store.catalog.limits());
      assert.deepEqual(other.catalog.hits(), store.catalog.hits());
      await other.close();
      await store.close();
    });

    it('an older observation never replaces a newer one, in whatever order they arrive', async () => {
      const store = await UsageStore.inMemory();
      const o = { source: 'codex' as const, limitId: 'codex', window: '300', windowMinutes: 300, resetsAt: null };
      await store.write({ limits: [{ ...o, usedPercent: 50, observedAt: 2000 }] });
      await store.write({ limits: [{ ...o, usedPercent: 10, observedAt: 1000 }] });
      assert.equal(store.catalog.limits()[0].usedPercent, 50);
    });
  });

  describe('claimMeta', () => {
    it('two stores on one file: exactly one claim wins, and the value is there for both', async () => {
      const file = path.join(home, 'usage.db');
      const a = await UsageStore.open(file);
      const b = await UsageStore.open(file);
      const results = await Promise.all([a.claimMeta('notified:x', 'a'), b.claimMeta('notified:x', 'b')]);
      assert.deepEqual(results.filter(Boolean).length, 1);
      await b.sync();
      await a.sync();
      assert.equal(a.getMeta('notified:x'), b.getMeta('notified:x'));
      assert.equal(await a.claimMeta('notified:x', 'again'), false);
      await a.close();
      await b.close();
      const c = await UsageStore.open(file);
      assert.ok(c.getMeta('notified:x'), 'kept on disk');
      await c.close();
    });

    it('three real processes race for one key: exactly one wins', async function () {
      this.timeout(60_000);
      const file = path.join(home, 'shared', 'usage.db');
      const init = await UsageStore.open(file);
      await init.close();
      const startAt = Date.now() + 2500;
      const script = path.resolve(__dirname, '../../support/claimProcess.ts');
      const runs = await Promise.all([1, 2, 3].map(() => exec(process.execPath, ['--import', 'tsx', script, file, 'budget:month:80', String(startAt)], { cwd: path.resolve(__dirname, '../../..') })));
      const won = runs.map((r) => JSON.parse(r.stdout) as boolean);
      assert.equal(won.filter(Boolean).length, 1, `exactly one winner: ${JSON.stringify(won)}`);
    });
  });
});
