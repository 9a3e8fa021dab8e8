// GitHub Copilot CLI: `${COPILOT_HOME:-~/.copilot}/session-state/<sessionId>/events.jsonl`.
//
// Per-request `assistant.usage` events are ephemeral (never written), so usage comes only from
// `session.shutdown`: `data.modelMetrics[model] = {requests: {count, cost}, usage: {inputTokens,
// outputTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens}}`. One record per
// (shutdown event, model). project = `session.start` data.context.cwd.
//
// Several shutdowns in one file (`copilot --resume` appends to the same file): summing or taking
// the last one? Both behaviours exist in the wild, so each shutdown is compared with the previous:
// - Current builds restore the metrics on resume, so every shutdown is a running total: a
//   three-leg session shows strictly growing counters (getagentseal/codeburn#946, 19 sessions
//   checked; ccusage#1721, tokscale#1032 "snapshots of a running total").
// - Older builds started each leg from zero (copilot-cli#1628 "/usage shows 0 after resume",
//   #524; PanAchy/copilot-arewecooked#45 "they reset each time you enter the session").
// Rule: a shutdown is cumulative when it still lists every model of the previous shutdown with
// no counter lower than before; we then record the difference. Otherwise the counters were reset
// and the shutdown is recorded as is. Exact for running totals; for reset-era files it is exact
// whenever a counter went down or a model disappeared, and under-counts only a leg whose every
// counter exceeds the previous leg's. A shutdown without metrics changes nothing.
// Not recoverable: usage of a segment left with `/new` (no shutdown is written, copilot-cli#3994)
// or of a crashed process.
//
// `requests.cost` is a premium-request multiplier, not dollars: never a reported cost.
// `requests.count` (per leg) becomes the record's `requests`, so the segment is priced per request.
// `inputTokens` includes cache reads (and cache writes): uncached input = input − read − write,
// or input − read when that would go negative (writes then were not included); never below 0.
// `reasoningTokens` is the reasoning part of `outputTokens`.
import * as path from 'node:path';
import type { UsageRecord } from '../model';
import { readJsonlIncrement, type JsonlParser } from './incremental';
import { filesUnder } from './listing';
import { count, envDir, isObject, keepLastPerKey, parseTime, pathApi, uniq } from './toolImportHelpers';
import type { FileCursor, FileReadResult, Importer, SourceContext, WatchTarget } from './types';

interface Metrics {
  requests: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}
const FIELDS: Array<keyof Metrics> = ['requests', 'input', 'output', 'cacheRead', 'cacheWrite', 'reasoning'];

interface CopilotState {
  sessionId: string;
  cwd: string;
  /** Counters of the last shutdown that had metrics, per model. */
  prev: Record<string, Metrics> | null;
}

const SKIP_DIRS = new Set(['checkpoints', 'files', 'research', 'node_modules', '.git']);

function readMetrics(entry: unknown): Metrics | undefined {
  if (!isObject(entry) || !isObject(entry['usage'])) return undefined;
  const u = entry['usage'];
  const input = count(u['inputTokens']);
  const output = count(u['outputTokens']);
  if (input === undefined || output === undefined) return undefined;
  return {
    requests: (isObject(entry['requests']) ? count(entry['requests']['count']) : undefined) ?? 0,
    input,
    output,
    cacheRead: count(u['cacheReadTokens']) ?? 0,
    cacheWrite: count(u['cacheWriteTokens']) ?? 0,
    reasoning: count(u['reasoningTokens']) ?? 0,
  };
}

/** True when `cur` continues `prev` as a running total. */
function isRunningTotal(prev: Record<string, Metrics>, cur: Record<string, Metrics>): boolean {
  return Object.entries(prev).every(([model, p]) => {
    const c = cur[model];
    return !!c && FIELDS.every((f) => c[f] >= p[f]);
  });
}

function uncachedInput(m: Metrics): number {
  const withoutBoth = m.input - m.cacheRead - m.cacheWrite;
  return withoutBoth >= 0 ? withoutBoth : Math.max(0, m.input - m.cacheRead);
}

function shutdownRecords(state: CopilotState, ev: Record<string, unknown>): UsageRecord[] | 'skip' {
  const data = ev['data'];
  if (!isObject(data) || !isObject(data['modelMetrics'])) return [];
  const entries = Object.entries(data['modelMetrics']);
  if (entries.length === 0) return [];
  const ts = parseTime(ev['timestamp']);
  if (ts === undefined) return 'skip';
  const cur: Record<string, Metrics> = {};
  for (const [model, entry] of entries) {
    const m = readMetrics(entry);
    if (m) cur[model] = m;
  }
  if (Object.keys(cur).length === 0) return 'skip';
  const prev = state.prev;
  const cumulative = prev !== null && isRunningTotal(prev, cur);
  state.prev = cur;
  const eventId = typeof ev['id'] === 'string' && ev['id'] ? ev['id'] : String(ts);
  const records: UsageRecord[] = [];
  for (const [model, c] of Object.entries(cur)) {
    const p = cumulative ? prev![model] : undefined;
    const d = Object.fromEntries(FIELDS.map((f) => [f, c[f] - (p ? p[f] : 0)])) as unknown as Metrics;
    if (FIELDS.every((f) => d[f] === 0)) continue; // nothing new for this model in this leg
    records.push({
      source: 'copilot-cli',
      dedupeKey: `${state.sessionId}:${eventId}:${model}`,
      ts,
      project: state.cwd,
      modelRaw: model,
      sessionId: state.sessionId,
      inputTokens: uncachedInput(d),
      outputTokens: d.output,
      cacheReadTokens: d.cacheRead,
      cacheWriteTokens: d.cacheWrite,
      cacheWrite1hTokens: 0,
      reasoningTokens: d.reasoning,
      // A segment sums many requests: priced as that many of its average size, not as one.
      ...(d.requests > 0 ? { requests: d.requests } : {}),
    });
  }
  return records;
}

function cwdOf(data: Record<string, unknown>): string {
  const context = data['context'];
  if (isObject(context) && typeof context['cwd'] === 'string') return context['cwd'];
  return typeof data['cwd'] === 'string' ? data['cwd'] : '';
}

const parser = (file: string): JsonlParser<CopilotState> => ({
  initialState: () => ({ sessionId: path.basename(path.dirname(file)), cwd: '', prev: null }),
  mustContain: Buffer.from('session.'),
  line(state, text) {
    let ev: unknown;
    try {
      ev = JSON.parse(text);
    } catch {
      return text.includes('session.shutdown') ? 'skip' : [];
    }
    if (!isObject(ev)) return [];
    const data = isObject(ev['data']) ? ev['data'] : {};
    switch (ev['type']) {
      case 'session.start':
        if (typeof data['sessionId'] === 'string' && data['sessionId']) state.sessionId = data['sessionId'];
        state.cwd = cwdOf(data) || state.cwd;
        return [];
      case 'session.resume':
      case 'session.context_changed':
        // Only when session.start did not say (the project is where the session started).
        if (!state.cwd) state.cwd = cwdOf(data);
        return [];
      case 'session.shutdown':
        return shutdownRecords(state, ev);
      default:
        return [];
    }
  },
});

export class CopilotCliImporter implements Importer {
  readonly source = 'copilot-cli' as const;
  readonly label = 'GitHub Copilot CLI';

  roots(ctx: SourceContext): string[] {
    const p = pathApi(ctx);
    const homes = [
      envDir(ctx, 'COPILOT_HOME'),
      p.join(ctx.home, '.copilot'), // Windows: %USERPROFILE%\.copilot
      // Builds up to 0.0.421 moved the whole folder with XDG_CONFIG_HOME.
      envDir(ctx, 'XDG_CONFIG_HOME') && p.join(envDir(ctx, 'XDG_CONFIG_HOME')!, '.copilot'),
    ].filter((d): d is string => !!d);
    return uniq([...homes.map((h) => p.join(h, 'session-state')), ...(ctx.extraPaths['copilot-cli'] ?? [])]);
  }

  watch(root: string): WatchTarget[] {
    return [{ base: root, glob: '**/events.jsonl' }];
  }

  listFiles(roots: string[]): Promise<string[]> {
    return filesUnder(roots, (f) => path.basename(f) === 'events.jsonl', { descend: (d) => !SKIP_DIRS.has(path.basename(d)) });
  }

  async readFile(file: string, cursor: FileCursor | undefined): Promise<FileReadResult> {
    const result = await readJsonlIncrement(file, cursor, parser(file));
    return { ...result, records: keepLastPerKey(result.records) };
  }
}

export const copilotCliImporter = new CopilotCliImporter();
