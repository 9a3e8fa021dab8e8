// OpenAI Codex CLI: rollout JSONL files `{timestamp, type, payload}` under `$CODEX_HOME/sessions/`
// and `archived_sessions/`. Usage comes from cumulative `token_count` events; see log-formats.md §2.
import * as path from 'node:path';
import type { UsageRecord } from '../model';
import { reportCodexLimits } from './codexLimits';
import { normaliseBranch } from './gitBranch';
import { readJsonlIncrement, type JsonlParser } from './incremental';
import { filesUnder, splitPathList } from './listing';
import { expandHome, homeOf, pathApi } from './toolImportHelpers';
import type { Importer, SourceContext } from './types';

/** [input (incl. cache), cached, cacheWrite, output (incl. reasoning), reasoning] */
type Tuple = [number, number, number, number, number];

/** Parser state as of the cursor: persisted as JSON so an append resumes with the right totals. */
export interface CodexState {
  /** This file's own session (first session_meta), or the uuid in the file name. */
  sessionId: string;
  cwd: string;
  /** Latest model from turn_context (or the token_count itself); null until one is seen. */
  model: string | null;
  /** Cumulative total_token_usage after the last token_count that had one. */
  prev: Tuple | null;
  /** Times the cumulative total went backwards (a reset); part of the dedupe key. */
  epoch: number;
  /**
   * The session whose history this file continues, used in dedupe keys: the parent's for a fork
   * or sub-agent (the last foreign session_meta of its header), else sessionId. It stays so after
   * the replay: any replayed event not recognised as such (e.g. copied with its original
   * timestamp) then gets exactly the parent's key and the store keeps one row, while the fork's
   * own events would need all five cumulative counts equal to one of the parent's to collide.
   */
  owner: string;
  /** True from a fork marker until the replayed parent history ends. */
  replay: boolean;
  /** Timestamp of the last replayed token_count (or of the replay's start). */
  replayTs: number | null;
  metaSeen: boolean;
  /** The git branch of the session's own session_meta ('' unknown); absent in cursors of older versions. */
  branch?: string;
}

/**
 * Replayed parent history is written in one burst when a fork is created (every line is stamped
 * at that moment, ~50 ms apart at most), while a real turn needs a model round trip. A token_count
 * within this window of the previous replayed one is taken as replay. ccusage uses "same second".
 */
const REPLAY_WINDOW_MS = 1000;

const ROLLOUT_NAME = /^rollout-.*\.jsonl$/;
const UUID_IN_NAME = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i;

/**
 * `codex-auto-review` is an alias, not a priced model: resolve it by date, newest first (the
 * mapping ccusage uses).
 */
const AUTO_REVIEW: [string, string][] = [
  ['2026-04-23', 'gpt-5.5'],
  ['2026-03-05', 'gpt-5.4'],
  ['2026-02-05', 'gpt-5.3-codex'],
  ['2025-12-11', 'gpt-5.2-codex'],
  ['2025-11-13', 'gpt-5.1-codex'],
  ['2025-09-15', 'gpt-5-codex'],
];

export const codexImporter: Importer = {
  source: 'codex',
  label: 'Codex CLI',
  parallel: true,

  roots(ctx: SourceContext): string[] {
    const p = pathApi(ctx);
    const homes = splitPathList(ctx.env.CODEX_HOME).map((raw) => expandHome(ctx, raw));
    if (homes.length === 0) homes.push(p.join(homeOf(ctx), '.codex'));
    const out: string[] = [];
    // sessions/ before archived_sessions/: on a duplicate, the earlier root (the live copy) wins.
    for (const h of homes) out.push(p.join(h, 'sessions'));
    for (const h of homes) out.push(p.join(h, 'archived_sessions'));
    for (const extra of ctx.extraPaths.codex ?? []) out.push(expandHome(ctx, extra));
    return [...new Set(out)];
  },

  watch: (root) => [{ base: root, glob: '**/*.jsonl' }],
  listFiles(roots: string[]): Promise<string[]> {
    // A rollout's name holds its start time and uuid, so the same name under sessions/ and
    // archived_sessions/ (same relative path, or archived flat) is the same session: keep the
    // first, i.e. the sessions/ copy. Other names are compared by full path only.
    return filesUnder(roots, (x) => x.endsWith('.jsonl'), {
      identity: (f) => {
        const base = path.basename(f.replace(/\\/g, '/'));
        return ROLLOUT_NAME.test(base) ? `rollout:${base}` : f;
      },
    });
  },

  readFile(file, cursor) {
    return readJsonlIncrement(file, cursor, codexParser);
  },
};

export const codexParser: JsonlParser<CodexState> = {
  // Most of a rollout's bytes are response_item lines (messages, tool output): never decoded.
  skipByHead: [Buffer.from('"type":"response_item"')],
  initialState(file) {
    const name = file.replace(/\\/g, '/').split('/').pop() ?? '';
    const sessionId = UUID_IN_NAME.exec(name)?.[1] ?? name.replace(/\.jsonl$/, '');
    return { sessionId, cwd: '', model: null, prev: null, epoch: 0, owner: sessionId, replay: false, replayTs: null, metaSeen: false };
  },

  line(state, text, _file, extras) {
    // Only three line types matter; the big response_item lines are never parsed.
    const isToken = text.includes('"token_count"');
    if (!isToken && !text.includes('"turn_context"') && !text.includes('"session_meta"')) return [];
    let obj: any;
    try {
      obj = JSON.parse(text);
    } catch {
      return 'skip';
    }
    const payload = obj?.payload;
    if (!payload || typeof payload !== 'object') return isToken ? 'skip' : [];
    switch (obj.type) {
      case 'session_meta':
        onSessionMeta(state, payload, parseTs(obj.timestamp));
        return [];
      case 'turn_context':
        if (nonEmpty(payload.model)) state.model = payload.model.trim();
        if (!state.cwd && nonEmpty(payload.cwd)) state.cwd = payload.cwd;
        return [];
      case 'event_msg':
        if (payload.type !== 'token_count') return [];
        // Every token_count may carry the plan's limits, also those with no usage (info: null).
        if (payload.rate_limits) reportCodexLimits(payload.rate_limits, parseTs(obj.timestamp), extras);
        return onTokenCount(state, payload, obj.timestamp);
      default:
        return [];
    }
  },
};

function onSessionMeta(state: CodexState, meta: any, ts: number): void {
  const id = nonEmpty(meta.id) ? meta.id : '';
  if (!state.metaSeen) {
    state.metaSeen = true;
    if (id) state.sessionId = state.owner = id;
    if (nonEmpty(meta.cwd)) state.cwd = meta.cwd;
    // Collected once when the session starts (a later `git switch` is not reflected); absent outside a repo and in old versions.
    if (meta.git && typeof meta.git === 'object') state.branch = normaliseBranch(meta.git.branch);
    const parent = meta.forked_from_id ?? meta.source?.subagent?.thread_spawn?.parent_thread_id;
    if (nonEmpty(parent)) {
      // A fork or sub-agent: the parent's history may follow, written right after this line.
      state.replay = true;
      state.owner = parent;
      if (!Number.isNaN(ts)) state.replayTs = ts;
    }
    return;
  }
  // A second session_meta with another id is the parent's, copied at the head of its history
  // (a resumed session repeating its own id is not a fork).
  if (id && id !== state.sessionId && (state.replay || state.prev === null)) {
    state.replay = true;
    state.owner = id;
    if (!Number.isNaN(ts)) state.replayTs = ts;
  }
}

function onTokenCount(state: CodexState, payload: any, rawTs: unknown): UsageRecord[] | 'skip' {
  const info = payload.info;
  if (info === null || info === undefined) return []; // rate-limit-only refresh
  if (typeof info !== 'object') return 'skip';
  const ts = parseTs(rawTs);
  if (Number.isNaN(ts)) return 'skip';
  const total = tuple(info.total_token_usage);
  const last = tuple(info.last_token_usage);
  if (!total && !last) return [];

  if (state.replay) {
    if (state.replayTs !== null && ts - state.replayTs < REPLAY_WINDOW_MS) {
      // Replayed parent history: it only moves the baseline the fork's own totals continue from.
      state.replayTs = ts;
      if (total) advance(state, total);
      return [];
    }
    state.replay = false;
  }

  let delta: Tuple;
  let key: string;
  let alias: string;
  if (total) {
    const prev = state.prev;
    if (prev && same(total, prev)) return []; // re-emitted (UI or rate-limit refresh): nothing new
    const reset = prev !== null && total.some((v, i) => v < prev[i]!);
    // First event of a file, or after a reset: the totals are not relative to anything we saw, so
    // use the per-turn figure when there is one.
    delta = prev && !reset ? (total.map((v, i) => v - prev[i]!) as Tuple) : (last ?? total);
    advance(state, total);
    // The key is the cumulative total itself, scoped to the history it belongs to: identical for
    // the sessions/ and archived_sessions/ copies, for a fork's replay of its parent, and after a
    // rewrite is re-read from the start. Unlike ccusage's (timestamp, model, tokens) fingerprint it
    // leaves the timestamp out, since replays are re-stamped, and needs no model (unknown early).
    key = `${state.owner}:${state.epoch}:${total.join(':')}`;
    alias = `${ts}:${total.join(':')}`;
  } else {
    // No cumulative totals (older logs): trust the per-turn figure; ccusage's fingerprint.
    delta = last!;
    key = `${state.owner}:${state.epoch}:last:${ts}:${delta.join(':')}`;
    alias = `last:${ts}:${delta.join(':')}`;
  }
  if (delta.every((v) => v === 0)) return [];

  const [inp, cachedRaw, cwRaw, out, reasoning] = delta;
  // input_tokens includes cached reads (and cache writes): store only the uncached part.
  const cached = Math.min(cachedRaw, inp);
  const cacheWrite = Math.min(cwRaw, inp - cached);
  const logged = modelFrom(payload) ?? modelFrom(info);
  if (logged) state.model = logged;
  // No model anywhere (September-2025 logs had no turn_context): ccusage assumes gpt-5.
  const model = resolveAlias(state.model ?? 'gpt-5', ts);
  const rec: UsageRecord = {
    source: 'codex',
    dedupeKey: key,
    ts,
    project: state.cwd,
    modelRaw: model,
    sessionId: state.sessionId,
    inputTokens: inp - cached - cacheWrite,
    outputTokens: out,
    cacheReadTokens: cached,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: 0,
    reasoningTokens: reasoning,
    // A branched rollout can copy its parent's lines (same timestamps, same cumulative totals)
    // into a file with no session_meta, where nothing names the parent. The event's timestamp and
    // totals identify it across files; a file without session_meta only ever holds such copies
    // or its own events after them, so its records are copies: the store drops one when a row
    // from a file with session_meta has the same alias, whichever is imported first. (The dedupe
    // key stays as it was, so rows already stored are not doubled.)
    aliasKey: alias,
    isCopy: !state.metaSeen,
  };
  if (state.branch) rec.branch = state.branch;
  return [rec];
}

/** Moves the baseline; a total lower than the previous one starts a new epoch. */
function advance(state: CodexState, total: Tuple): void {
  const prev = state.prev;
  if (prev && total.some((v, i) => v < prev[i]!)) state.epoch++;
  state.prev = total;
}

function tuple(u: any): Tuple | null {
  if (!u || typeof u !== 'object') return null;
  // cache_write_input_tokens exists from Codex 0.145; absent means "not reported" (0).
  return [num(u.input_tokens), num(u.cached_input_tokens), num(u.cache_write_input_tokens), num(u.output_tokens), num(u.reasoning_output_tokens)];
}

function same(a: Tuple, b: Tuple): boolean {
  return a.every((v, i) => v === b[i]);
}

function modelFrom(o: any): string | null {
  for (const m of [o?.model, o?.model_name, o?.metadata?.model]) if (nonEmpty(m)) return m.trim();
  return null;
}

function resolveAlias(model: string, ts: number): string {
  if (model !== 'codex-auto-review') return model;
  const day = new Date(ts).toISOString().slice(0, 10);
  return AUTO_REVIEW.find(([since]) => day >= since)?.[1] ?? 'gpt-5';
}

/** ISO strings, or epoch numbers in seconds or milliseconds. */
function parseTs(v: unknown): number {
  if (typeof v === 'number') return v > 1e10 ? v : v * 1000;
  return typeof v === 'string' ? Date.parse(v) : NaN;
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

function num(v: unknown): number {
  return typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : 0;
}
