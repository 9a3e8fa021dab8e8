// Aider (Aider-AI/aider) writes usage to two places; both are read by this one importer.
//
// (a) The analytics log (`--analytics-log FILE`, `AIDER_ANALYTICS_LOG`, or `analytics-log:` in
//     `.aider.conf.yml`; no default location). JSONL, written even with analytics opted out:
//       {"event":"message_send","properties":{"main_model":…,"prompt_tokens":…,
//        "completion_tokens":…,"cost":…,"total_cost":…},"user_id":…,"time":<epoch seconds>}
//     `cost` is the message's cost (reported); `total_cost` is the session's running total and is
//     never summed. One event covers every call of one user message (reflections included).
//     `prompt_tokens` already includes cache writes; no cache breakdown. Models aider does not
//     know are logged as "<provider>/REDACTED" (kept as is) or missing / "None" ("unknown").
//     Dedupe: hash of the raw line.
// (b) `.aider.chat.history.md` in the project folder (git root or cwd): tool output as a block
//     quote, e.g.
//       # aider chat started at 2026-08-20 10:00:00
//       > Main model: claude-sonnet-4-20250514 with diff edit format, infinite output
//       > Tokens: 15k sent, 2.0k cache write, 12k cache hit, 812 received.
//       Cost: $0.06 message, $0.31 session.
//     `Cost:` is on its own line (no "> ") only when both cache parts are present, else on the
//     Tokens line; it is missing when the model has no price. Counts are rounded by
//     `format_tokens` ("15k" = ±500, "2.5k" = ±50) → `approximate: true`; older builds printed
//     exact "15,234" and said "cached" for cache hits. The model is the latest `> Model:` /
//     `> Main model:` line. The only time is the session start, in the machine's local time
//     with no zone: it is read in the local zone of the machine running the import (the same
//     machine aider ran on, normally). "sent" includes cache writes (and, with current litellm,
//     cache hits): uncached input = sent − write − hit, or sent − write when that is negative.
//     Dedupe: file path + byte offset of the Tokens line (stable across appends; a rewritten
//     file is read again from the start).
//
// Overlap with AiderDesk: AiderDesk drives aider and parses the same "Tokens:" strings, so a
// message can appear in both. An exact cross-tool alias key is not possible (rounded counts,
// session-start times). Agreed rule: Aider records carry no alias; the engine, when AiderDesk's
// database is found, skips the chat-history rows of projects AiderDesk knows. For that, history
// records put the folder holding the .md file in `project`, and `isAiderHistoryFile` tells the
// engine which files are chat histories.
//
// Workspace trust: a workspace's history and `.aider.conf.yml` are files a cloned repository
// controls (fake usage; an `analytics-log:` naming any file on disk), so they are read only when
// `ctx.workspaceTrusted` is true. The home config, the environment and extra paths are the user's.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { UsageRecord } from '../model';
import { HEAD_BYTES, hashHead, readJsonlIncrement, unchanged, type JsonlParser } from './incremental';
import { exists } from './listing';
import { count, envDir, isObject, keepLastPerKey, parseObject, pathApi, sha1, uniq } from './toolImportHelpers';
import type { FileCursor, FileReadResult, Importer, SourceContext, WatchTarget } from './types';

export const AIDER_HISTORY_NAME = '.aider.chat.history.md';

/** True for a chat-history markdown file (as opposed to an analytics JSONL log). */
export function isAiderHistoryFile(file: string): boolean {
  return /\.md$/i.test(file);
}

// ---------------------------------------------------------------------------------------------
// (a) Analytics log

const analyticsParser: JsonlParser<Record<string, never>> = {
  initialState: () => ({}),
  mustContain: Buffer.from('message_send'),
  line(_state, text) {
    const ev = parseObject(text);
    if (!ev) return 'skip';
    if (ev['event'] !== 'message_send') return [];
    const props = isObject(ev['properties']) ? ev['properties'] : undefined;
    const time = count(ev['time']);
    const input = props && count(props['prompt_tokens']);
    const output = props && count(props['completion_tokens']);
    if (!props || time === undefined || input === undefined || output === undefined) return 'skip';
    const model = props['main_model'];
    const cost = count(props['cost']);
    const record: UsageRecord = {
      source: 'aider',
      dedupeKey: sha1(text.trim()),
      ts: Math.round(time * 1000),
      project: '',
      modelRaw: typeof model === 'string' && model && model !== 'None' ? model : 'unknown',
      sessionId: '',
      inputTokens: input,
      outputTokens: output,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
      ...(cost !== undefined ? { reportedCost: cost } : {}),
    };
    return [record];
  },
};

// ---------------------------------------------------------------------------------------------
// (b) Chat history markdown

interface HistoryState {
  model: string;
  /** Session start, epoch ms in local time; undefined before the first header. */
  startMs?: number;
  session: string;
}

/** "15k" → 15000 (rounded), "2.5k" → 2500, "15,234" / "812" → exact. */
function parseCount(text: string): { n: number; rounded: boolean } | undefined {
  const m = /^([\d,]+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]!.replace(/,/g, ''));
  if (!Number.isFinite(value)) return undefined;
  const unit = m[2]!.toLowerCase();
  const mult = unit === 'k' ? 1000 : unit === 'm' ? 1_000_000 : 1;
  return { n: Math.round(value * mult), rounded: mult !== 1 };
}

const COST_RE = /Cost: \$([\d,]*\.?\d+) (?:message|request), \$[\d,]*\.?\d+ session\./;

interface TokensLine {
  sent: number;
  write: number;
  hit: number;
  received: number;
  rounded: boolean;
  cost?: number;
  /** Both cache parts present and no inline cost: aider puts `Cost:` on the next line. */
  costOnNextLine: boolean;
}

/** Parses a "> Tokens: …" line; undefined when it is not one, 'bad' when it is one but unreadable. */
function parseTokensLine(line: string): TokensLine | 'bad' | undefined {
  const m = /^> Tokens: (.*?) received\.(.*)$/.exec(line);
  if (!m) return line.startsWith('> Tokens:') ? 'bad' : undefined;
  const parts = m[1]!.split(', ');
  const received = parseCount(parts.pop() ?? '');
  if (!received) return 'bad';
  const out: TokensLine = { sent: -1, write: 0, hit: 0, received: received.n, rounded: received.rounded, costOnNextLine: false };
  for (const part of parts) {
    const pm = /^(\S+) (sent|cache write|cache hit|cached)$/.exec(part);
    const c = pm && parseCount(pm[1]!);
    if (!pm || !c) return 'bad';
    out.rounded ||= c.rounded;
    if (pm[2] === 'sent') out.sent = c.n;
    else if (pm[2] === 'cache write') out.write = c.n;
    else out.hit = c.n;
  }
  if (out.sent < 0) return 'bad';
  const cost = COST_RE.exec(m[2]!);
  if (cost) out.cost = Number(cost[1]!.replace(/,/g, ''));
  else out.costOnNextLine = out.write > 0 && out.hit > 0;
  return out;
}

/** "2026-08-20 10:00:00" in the local zone of this machine (aider writes local time, no zone). */
function parseLocalStart(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = new Date(y, mo - 1, d, h, mi, s).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

function historyRecord(file: string, offset: number, state: HistoryState, t: TokensLine): UsageRecord {
  const withoutBoth = t.sent - t.write - t.hit;
  const input = withoutBoth >= 0 ? withoutBoth : Math.max(0, t.sent - t.write);
  return {
    source: 'aider',
    dedupeKey: `${file}:${offset}`,
    ts: state.startMs!,
    project: path.dirname(file),
    modelRaw: state.model || 'unknown',
    sessionId: state.session,
    inputTokens: input,
    outputTokens: t.received,
    cacheReadTokens: t.hit,
    cacheWriteTokens: t.write,
    cacheWrite1hTokens: 0,
    reasoningTokens: 0,
    ...(t.cost !== undefined ? { reportedCost: t.cost } : {}),
    ...(t.rounded ? { approximate: true } : {}),
  };
}


/**
 * Reads the complete lines of a history file appended since `cursor` (same cursor rules as the
 * JSONL reader: a shrunk or rewritten file is read again from the start). Byte offsets are
 * needed for the dedupe keys, which is why this does not reuse readJsonlIncrement.
 */
async function readHistory(file: string, cursor: FileCursor | undefined): Promise<FileReadResult> {
  const handle = await fs.open(file, 'r');
  try {
    const stat = await handle.stat();
    if (unchanged(stat, cursor)) return { records: [], cursor: cursor!, skipped: 0, bytesRead: 0, reread: false };
    const headOf = async (len: number): Promise<Buffer> => {
      const buf = Buffer.alloc(Math.min(len, HEAD_BYTES));
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      return buf.subarray(0, bytesRead);
    };
    let start = 0;
    let reread = false;
    if (cursor) {
      if (stat.size < cursor.offset || hashHead(await headOf(cursor.offset)) !== cursor.headHash) reread = true;
      else start = cursor.offset;
    }
    const state: HistoryState = start > 0 && isObject(cursor?.state) ? { ...(cursor!.state as unknown as HistoryState) } : { model: '', session: '' };
    const buf = Buffer.alloc(stat.size - start);
    if (buf.length > 0) await handle.read(buf, 0, buf.length, start);

    // Complete lines only: [offset, text] with the newline stripped.
    const lines: Array<[number, string]> = [];
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) break;
      lines.push([start + pos, buf.toString('utf8', pos, nl).replace(/\r$/, '').trimEnd()]);
      pos = nl + 1;
    }
    let consumed = start + pos;
    const records: UsageRecord[] = [];
    let skipped = 0;
    for (let i = 0; i < lines.length; i++) {
      const [offset, text] = lines[i]!;
      const header = /^# aider chat started at (.+)$/.exec(text);
      const model = /^> (?:Main model|Model): (\S+)/.exec(text);
      if (header) {
        state.startMs = parseLocalStart(header[1]!);
        state.session = header[1]!.trim();
        state.model = '';
      } else if (model) {
        state.model = model[1]!;
      } else if (text.startsWith('> Tokens:')) {
        const t = parseTokensLine(text);
        if (t === undefined) continue;
        if (t === 'bad' || state.startMs === undefined) {
          skipped++;
          continue;
        }
        if (t.costOnNextLine) {
          const next = lines[i + 1];
          const cost = next && /^Cost: /.test(next[1]) ? COST_RE.exec(next[1]) : null;
          if (cost) t.cost = Number(cost[1]!.replace(/,/g, ''));
          else if (!next) {
            // The Cost line may still be coming: record without it, but read this line again
            // next time (same key; a copy with a reported cost replaces one without).
            records.push(historyRecord(file, offset, state, t));
            consumed = offset;
            break;
          }
        }
        records.push(historyRecord(file, offset, state, t));
      }
    }
    const head = await headOf(consumed);
    return {
      records: keepLastPerKey(records),
      cursor: { size: stat.size, mtimeMs: stat.mtimeMs, offset: consumed, headHash: hashHead(head), state: { ...state } },
      skipped,
      bytesRead: stat.size - start,
      reread,
    };
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------

/** `analytics-log:` from an `.aider.conf.yml` (absolute or ~ paths only; others depend on the cwd). */
async function analyticsLogFromConf(conf: string, ctx: SourceContext): Promise<string | undefined> {
  let text: string;
  try {
    text = await fs.readFile(conf, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^analytics-log:\s*["']?([^"'#\r\n]+?)["']?\s*(?:#.*)?$/m.exec(text);
  if (!m) return undefined;
  const value = m[1]!.trim();
  const p = pathApi(ctx);
  if (value.startsWith('~/') || value.startsWith('~\\')) return p.join(ctx.home, value.slice(2));
  return p.isAbsolute(value) ? value : undefined;
}

/** The workspace folders whose Aider files may be read: none unless the workspace is trusted. */
function readableWorkspaceFolders(ctx: SourceContext): string[] {
  return ctx.workspaceTrusted === true ? (ctx.workspaceFolders ?? []) : [];
}

export class AiderImporter implements Importer {
  readonly source = 'aider' as const;
  readonly label = 'Aider';

  roots(ctx: SourceContext): string[] {
    const p = pathApi(ctx);
    const histories = readableWorkspaceFolders(ctx).map((w) => p.join(w, AIDER_HISTORY_NAME));
    const chatFile = ctx.env['AIDER_CHAT_HISTORY_FILE'];
    return uniq(
      [
        envDir(ctx, 'AIDER_ANALYTICS_LOG'),
        ...(ctx.extraPaths['aider'] ?? []),
        ...histories,
        chatFile && p.isAbsolute(chatFile) ? chatFile : undefined,
      ].filter((r): r is string => !!r),
    );
  }

  /** A root folder is a workspace folder: only its chat history, never the folder's whole tree. */
  watch(root: string): WatchTarget[] {
    return [{ base: root, glob: AIDER_HISTORY_NAME }];
  }

  async listFiles(roots: string[], ctx: SourceContext): Promise<string[]> {
    const p = pathApi(ctx);
    // analytics-log settings from the home config and, in a trusted workspace, the workspace's.
    const confs = [p.join(ctx.home, '.aider.conf.yml'), ...readableWorkspaceFolders(ctx).map((w) => p.join(w, '.aider.conf.yml'))];
    const fromConf = (await Promise.all(confs.map((c) => analyticsLogFromConf(c, ctx)))).filter((f): f is string => !!f);
    const files: string[] = [];
    for (const root of uniq([...roots, ...fromConf])) {
      let stat;
      try {
        stat = await fs.stat(root);
      } catch {
        continue;
      }
      if (stat.isFile()) files.push(root);
      else if (stat.isDirectory() && (await exists(path.join(root, AIDER_HISTORY_NAME)))) files.push(path.join(root, AIDER_HISTORY_NAME));
    }
    return uniq(files);
  }

  async readFile(file: string, cursor: FileCursor | undefined): Promise<FileReadResult> {
    if (isAiderHistoryFile(file)) return readHistory(file, cursor);
    const result = await readJsonlIncrement(file, cursor, analyticsParser);
    return { ...result, records: keepLastPerKey(result.records) };
  }
}

export const aiderImporter = new AiderImporter();
