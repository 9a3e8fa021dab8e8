// New requests made during a bench run: one Claude Code request as the tool logs it (the
// trickle appends these lines) and as the importer turns it into a record (addOneAndSave).
import type { UsageRecord } from '../../src/core/model';

/** The project new requests belong to: no generated history uses it, so they are easy to count. */
export const LIVE_PROJECT = '/home/alex/src/live-session';
export const LIVE_MODEL = 'claude-sonnet-4-5-20250929';

export interface LiveRequest {
  /** Distinct per request within one run (`tag` keeps runs apart). */
  n: number;
  tag: string;
  ts: number;
  sessionId: string;
}

function tokensOf(n: number) {
  // A conversation in full flow: a growing cached context, a small new turn, a typical answer.
  return { input: 3 + (n % 9), output: 180 + ((n * 37) % 900), cacheRead: 40_000 + ((n * 1_511) % 60_000), cacheWrite: 600 + ((n * 97) % 2_400) };
}

const ids = (r: LiveRequest) => ({ msg: `msg_01live${r.tag}${String(r.n).padStart(8, '0')}`, req: `req_011Clive${r.tag}${String(r.n).padStart(8, '0')}` });

/** The record the Claude Code importer makes of `claudeLine(r)`. */
export function liveRecord(r: LiveRequest): UsageRecord {
  const t = tokensOf(r.n);
  const { msg, req } = ids(r);
  return {
    source: 'claude-code',
    dedupeKey: `${msg}:${req}`,
    ts: r.ts,
    project: LIVE_PROJECT,
    modelRaw: LIVE_MODEL,
    sessionId: r.sessionId,
    inputTokens: t.input,
    outputTokens: t.output,
    cacheReadTokens: t.cacheRead,
    cacheWriteTokens: t.cacheWrite,
    cacheWrite1hTokens: 0,
    reasoningTokens: 0,
    aliasKey: msg,
    isCopy: false,
  };
}

/** One assistant line of a Claude Code session transcript (see shared/reference/log-formats.md §1). */
export function claudeLine(r: LiveRequest): string {
  const t = tokensOf(r.n);
  const { msg, req } = ids(r);
  const line = {
    parentUuid: `u-${r.tag}-${r.n}`,
    isSidechain: false,
    userType: 'external',
    cwd: LIVE_PROJECT,
    sessionId: r.sessionId,
    version: '2.0.31',
    gitBranch: 'main',
    type: 'assistant',
    uuid: `a-${r.tag}-${r.n}`,
    timestamp: new Date(r.ts).toISOString(),
    requestId: req,
    message: {
      model: LIVE_MODEL,
      id: msg,
      type: 'message',
      role: 'assistant',
      content: [
        { type: 'text', text: `Done: the failing test now passes (step ${r.n}). I also tightened the check on the retry path.` },
        { type: 'tool_use', id: `toolu_01live${r.tag}${r.n}`, name: 'Bash', input: { command: 'npm test -- --grep retry', description: 'Run the retry tests' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: t.input,
        cache_creation_input_tokens: t.cacheWrite,
        cache_read_input_tokens: t.cacheRead,
        cache_creation: { ephemeral_5m_input_tokens: t.cacheWrite, ephemeral_1h_input_tokens: 0 },
        output_tokens: t.output,
        service_tier: 'standard',
      },
    },
  };
  return `${JSON.stringify(line)}\n`;
}

/** Encodes a project folder the way Claude Code names its transcript folders. */
export function claudeProjectFolder(cwd: string): string {
  return cwd.replace(/[^a-zA-Z0-9]/g, '-');
}
