// Claude Code: one JSONL transcript per session under `<config>/projects/<encoded-cwd>/`.
// Every assistant line carries `message.usage`; see log-formats.md §1 for the pitfalls handled here.
import * as path from 'node:path';
import { totalTokens, type UsageRecord } from '../model';
import { claudeLimitHit } from './claudeLimitHits';
import { isStatusLineSnapshot, readStatusLineSnapshot, STATUSLINE_DIR, STATUSLINE_FILE, statusLineDir } from './claudeStatusLine';
import { normaliseBranch } from './gitBranch';
import { readJsonlIncrement, type JsonlParser, type LineExtras } from './incremental';
import { filesUnder, splitPathList } from './listing';
import { expandHome, homeOf, pathApi } from './toolImportHelpers';
import type { Importer, SourceContext } from './types';

/** Lines without this cannot carry a usage object (ccusage uses the same marker), so they are never decoded. */
const USAGE_MARKER = Buffer.from('"usage":{');

/** ccusage accepts a version only if it starts with `<digits>.<digits>.<digit>` (`is_semver_prefix`). */
const SEMVER_PREFIX = /^\d+\.\d+\.\d/;

export const claudeCodeImporter: Importer = {
  source: 'claude-code',
  label: 'Claude Code',
  parallel: true,

  roots(ctx: SourceContext): string[] {
    const p = pathApi(ctx);
    const home = homeOf(ctx);
    const out: string[] = [];
    // CLAUDE_CONFIG_DIR (comma-separated, ccusage's convention): a config dir, or its projects/ folder.
    for (const raw of splitPathList(ctx.env.CLAUDE_CONFIG_DIR)) {
      const dir = expandHome(ctx, raw);
      out.push(p.basename(dir) === 'projects' ? dir : p.join(dir, 'projects'));
    }
    // Unlike ccusage, the default folders stay listed when CLAUDE_CONFIG_DIR is set: they may hold
    // logs written before it was set, and global dedupe keys make an overlap harmless.
    out.push(p.join(home, '.claude', 'projects'));
    out.push(p.join(ctx.env.XDG_CONFIG_HOME || p.join(home, '.config'), 'claude', 'projects'));
    for (const extra of ctx.extraPaths['claude-code'] ?? []) out.push(expandHome(ctx, extra));
    // Last: where Connect Claude Code Limits saves the statusLine input (plan limits, no usage).
    out.push(statusLineDir(ctx));
    return [...new Set(out)];
  },

  // The statusLine folder holds one file the wrapper replaces (by rename); the rest, transcripts in any subfolder.
  watch: (root) => [path.basename(root) === STATUSLINE_DIR ? { base: root, glob: STATUSLINE_FILE } : { base: root, glob: '**/*.jsonl' }],
  async listFiles(roots: string[], ctx: SourceContext): Promise<string[]> {
    const snapshots = statusLineDir(ctx);
    const logs = await filesUnder(roots.filter((r) => r !== snapshots), (x) => x.endsWith('.jsonl'));
    const snapshot = await filesUnder(roots.includes(snapshots) ? [snapshots] : [], (x) => x.endsWith(STATUSLINE_FILE), { descend: () => false });
    return [...logs, ...snapshot.filter(isStatusLineSnapshot)];
  },

  readFile(file, cursor) {
    if (isStatusLineSnapshot(file)) return readStatusLineSnapshot(file, cursor);
    return readJsonlIncrement(file, cursor, claudeParser(file));
  },
};

/**
 * A parser for one read of one file. Streamed copies of a response (same dedupe key) are
 * collapsed here, keeping the most complete; the store does the same across reads and files.
 * The map lives in the closure, not in the persisted cursor state, so it never bloats the DB.
 */
export function claudeParser(file: string): JsonlParser<null> {
  const fallback = pathFallbacks(file);
  // Limit banners without a zone (2025 builds) are in the machine's local time.
  const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const byKey = new Map<string, UsageRecord>();
  return {
    initialState: () => null,
    mustContain: USAGE_MARKER,
    line(_state, text, _file, extras) {
      const rec = parseLine(text, fallback, extras, localZone);
      if (rec === 'skip' || rec === null) return rec === null ? [] : 'skip';
      const prev = byKey.get(rec.dedupeKey);
      if (!prev) {
        byKey.set(rec.dedupeKey, rec);
        return [rec];
      }
      // Later streamed lines carry more output tokens; ccusage keeps the largest total.
      if (totalTokens(rec) > totalTokens(prev)) {
        if (rec.reportedCost === undefined) delete prev.reportedCost;
        Object.assign(prev, rec);
      }
      return [];
    },
  };
}

interface Fallbacks {
  project: string;
  sessionId: string;
}

/** Returns a record, null for a line that is deliberately not usage, or 'skip' for a malformed one. */
function parseLine(text: string, fallback: Fallbacks, extras: LineExtras, localZone: string): UsageRecord | null | 'skip' {
  let obj: any;
  try {
    obj = JSON.parse(text);
  } catch {
    return 'skip';
  }
  if (obj === null || typeof obj !== 'object') return 'skip';

  // `entry` holds timestamp/requestId/isSidechain/costUSD next to `message`. Sub-agent progress
  // lines (type "progress") nest a whole assistant entry under data.message; ccusage counts those.
  let entry = obj;
  let msg = obj.message;
  if (!msg || typeof msg !== 'object' || !msg.usage) {
    const inner = obj.data?.message;
    if (!inner || typeof inner !== 'object' || !inner.message?.usage) return null; // e.g. a tool result that mentions usage
    entry = inner;
    msg = inner.message;
  }
  const usage = msg.usage;
  if (typeof usage !== 'object') return 'skip';

  // Lines left out on purpose (not malformed, so not counted as skipped). ccusage 20.0.24 drops
  // non-semver versions and empty ids too, but still adds the tokens of synthetic and API-error
  // lines (under no model); we drop those: they are not API responses and log zero usage anyway.
  // It also drops a whole line when fields like requestId or costUSD are `null`; we read them as absent.
  if (typeof obj.version === 'string' && !SEMVER_PREFIX.test(obj.version)) return null;
  // A limit hit is a synthetic API-error line: it is reported as a hit, never as usage.
  const hit = claudeLimitHit(obj, Date.parse(obj.timestamp), localZone);
  if (hit) extras.hit(hit);
  if (obj.isApiErrorMessage === true || entry.isApiErrorMessage === true) return null;
  const model = msg.model;
  if (model === '<synthetic>' || model === '') return null;
  const messageId = typeof msg.id === 'string' ? msg.id : undefined;
  const requestId = typeof entry.requestId === 'string' ? entry.requestId : undefined;
  const sessionField = typeof obj.sessionId === 'string' ? obj.sessionId : undefined;
  if (messageId === '' || requestId === '' || sessionField === '') return null;

  // input/output are required (ccusage fails the line without them); cache fields default to 0.
  if (typeof usage.input_tokens !== 'number' || typeof usage.output_tokens !== 'number') return 'skip';
  const ts = Date.parse(entry.timestamp ?? obj.timestamp);
  if (Number.isNaN(ts)) return 'skip';

  // The 5m/1h split, when present, is what ccusage counts (`cache_creation_token_count`).
  const split = usage.cache_creation;
  const write1h = split && typeof split === 'object' ? num(split.ephemeral_1h_input_tokens) : 0;
  const cacheWrite = split && typeof split === 'object' ? num(split.ephemeral_5m_input_tokens) + write1h : num(usage.cache_creation_input_tokens);
  const input = num(usage.input_tokens);
  const output = num(usage.output_tokens);
  const cacheRead = num(usage.cache_read_input_tokens);

  // Without requestId (gateways) the key falls back to message.id, so streamed copies still
  // collapse; ccusage 20.0.24 still counts every such line (the fallback is ccusage #985).
  // Sidechain lines, as checked against ccusage 20.0.24 on fixtures: it does NOT drop them all.
  // Distinct sidechain responses (Task sub-agents, /btw answers) count; only a sidechain line whose
  // message.id also appears on a non-sidechain line is a replay and is dropped (parent kept), and
  // sidechain duplicates of one message.id collapse even across request ids. So a sidechain record
  // is keyed by message.id alone (namespaced so it never meets a main-chain key) and marked as a
  // copy; the store drops copies whose aliasKey has a non-copy row.
  const sidechain = entry.isSidechain === true;
  let dedupeKey: string;
  if (messageId !== undefined) {
    dedupeKey = sidechain ? `${messageId}:sidechain` : requestId !== undefined ? `${messageId}:${requestId}` : messageId;
  } else {
    // No message id (rare, ccusage counts each such line): the line's own uuid is stable across re-reads.
    dedupeKey = typeof obj.uuid === 'string' ? `uuid:${obj.uuid}` : `line:${ts}:${input}:${output}:${cacheRead}:${cacheWrite}`;
  }

  const rec: UsageRecord = {
    source: 'claude-code',
    dedupeKey,
    ts,
    project: typeof obj.cwd === 'string' && obj.cwd ? obj.cwd : fallback.project,
    // ccusage prices `speed: "fast"` responses as `<model>-fast`.
    modelRaw: (typeof model === 'string' ? model : 'unknown') + (usage.speed === 'fast' ? '-fast' : ''),
    sessionId: sessionField || fallback.sessionId,
    inputTokens: input,
    outputTokens: output,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    cacheWrite1hTokens: write1h,
    reasoningTokens: 0, // thinking is inside output_tokens and not reported apart
  };
  // Written on every line, so it follows branch switches within a session; '' outside a repository.
  const branch = normaliseBranch(obj.gitBranch ?? entry.gitBranch, true);
  if (branch) rec.branch = branch;
  // Old Claude Code versions logged their own cost; ccusage's default `auto` mode uses it when present.
  if (typeof obj.costUSD === 'number' && Number.isFinite(obj.costUSD)) rec.reportedCost = obj.costUSD;
  else if (typeof entry.costUSD === 'number' && Number.isFinite(entry.costUSD)) rec.reportedCost = entry.costUSD;
  if (messageId !== undefined) {
    rec.aliasKey = messageId;
    rec.isCopy = sidechain;
  }
  return rec;
}

function num(v: unknown): number {
  return typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : 0;
}

/**
 * Project and session when a line lacks `cwd`/`sessionId`: the folder under `projects/`
 * (decoded, lossy: `-` may have been `-` or a separator) and the session folder or file stem.
 */
export function pathFallbacks(file: string): Fallbacks {
  const parts = file.split(/[\\/]+/);
  const stem = (parts[parts.length - 1] ?? '').replace(/\.jsonl$/, '');
  const i = parts.lastIndexOf('projects');
  const rel = i >= 0 ? parts.slice(i + 1) : parts.slice(-2);
  const encoded = rel.length >= 2 ? rel[0]! : '';
  // projects/<proj>/<session>.jsonl, or projects/<proj>/<session>/[subagents/]<file>.jsonl
  let sessionId = stem;
  if (rel.length >= 4 && rel[rel.length - 2] === 'subagents') sessionId = rel[rel.length - 3]!;
  else if (rel.length >= 3) sessionId = rel[rel.length - 2]!;
  return { project: decodeProjectDir(encoded), sessionId };
}

/** `-Users-me-app` → `/Users/me/app`; `C--Users-me-app` → `C:\Users\me\app`. */
export function decodeProjectDir(name: string): string {
  if (!name) return '';
  const drive = /^([A-Za-z])--(.*)$/.exec(name);
  if (drive) return `${drive[1]}:\\${drive[2]!.replace(/-/g, '\\')}`;
  return name.replace(/-/g, '/');
}
