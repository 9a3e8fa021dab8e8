// Deterministic generator of a realistic Claude Code + Codex log corpus, with ground truth.
//
//   node bench/generate.mjs [--size-mb 512] [--seed 1] [--force]
//
// Layout (what the real tools write):
//   <root>/claude/projects/<encoded-cwd>/<sessionId>.jsonl
//   <root>/claude/projects/<encoded-cwd>/<sessionId>/subagents/agent-<id>.jsonl
//   <root>/codex/sessions/YYYY/MM/DD/rollout-YYYY-MM-DDTHH-MM-SS-<uuid>.jsonl
//   <root>/codex/archived_sessions/rollout-….jsonl
//   <root>/truth.json   exact per-day / model / project token sums a correct importer must produce
//
// Every pitfall of log-formats.md §1–2 is present. Cases where ccusage 20.0.24 is known to
// diverge from the correct answer are kept out (see QUIRKS in README.md), so that
// ccusage, our CLI and truth.json must all agree exactly on tokens.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bump whenever the output changes: the cache key includes it. */
export const GENERATOR_VERSION = 3;

/**
 * The models used, with relative weights. Only models whose prices agree between LiteLLM
 * (ccusage) and @pydantic/genai-prices (ours), so cost can be compared.
 */
export const MODELS = {
  claude: [
    { id: 'claude-sonnet-4-5-20250929', weight: 55 },
    { id: 'claude-opus-4-5-20251101', weight: 25 },
    { id: 'claude-haiku-4-5-20251001', weight: 20 },
  ],
  codex: [
    { id: 'gpt-5-codex', weight: 60 },
    { id: 'gpt-5', weight: 40 },
  ],
};

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2026, 0, 5); // sessions start over DAYS days from here
const DAYS = 120;
const CLAUDE_SHARE = 0.8; // of bytes
const PROJECT_COUNT = 40;
// Total input (input + cache read + cache write) above which Anthropic bills the whole
// request at the long-context rate; ccusage approximates it per token. Kept rare.
const LONG_CONTEXT = 200_000;
const P_LONG_CONTEXT_CALL = 0.001;

// ---------------------------------------------------------------- seeded randomness

function sfc32(a, b, c, d) {
  return () => {
    a |= 0; b |= 0; c |= 0; d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

function makeRng(seed) {
  const r = sfc32(0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0);
  for (let i = 0; i < 32; i++) r();
  const rng = {
    next: r,
    int: (lo, hi) => lo + Math.floor(r() * (hi - lo + 1)), // inclusive
    chance: (p) => r() < p,
    pick: (arr) => arr[Math.floor(r() * arr.length)],
    weighted(items) {
      const total = items.reduce((s, it) => s + it.weight, 0);
      let x = r() * total;
      for (const it of items) if ((x -= it.weight) < 0) return it;
      return items[items.length - 1];
    },
    /** Roughly log-normal around `median`, clamped. */
    skewed(median, lo, hi) {
      const g = (r() + r() + r() + r() - 2) * 1.7; // ~N(0,1)
      return Math.max(lo, Math.min(hi, Math.round(median * Math.exp(g * 0.9))));
    },
    hex(n) {
      let s = '';
      for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
      return s;
    },
    b58(n) {
      const a = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
      let s = '';
      for (let i = 0; i < n; i++) s += a[Math.floor(r() * a.length)];
      return s;
    },
    uuid() {
      const h = rng.hex(32);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
    },
  };
  return rng;
}

// ---------------------------------------------------------------- text pools

const WORDS = (
  'the a to of and in is for that this with it be on as are not we function const return ' +
  'import export from await async if else while for let value result error file path test ' +
  'config module user data request response token cache model session project build run ' +
  'update create delete handler server client query index table column record string number ' +
  'should could would will can need refactor implement fix bug issue check verify ensure ' +
  'because however instead then also only each every both before after when where which ' +
  'src/lib/util.ts ./dist/index.js package.json README.md tsconfig.json node_modules ' +
  '=> === !== && || ?? { } ( ) [ ] ; : , . = + - * / < > <= >= "quoted" \'single\' `tpl` ' +
  'C:\\Users\\dev\\app \\n \\t $HOME ~/.config 42 3.14 0x1f 1_000 200k 2026-03-14 ' +
  'naïve café résumé 日本語 テスト ✓ → … 🚀 Ünïcödé'
).split(' ');

function makePool(rng, chars, alphabetFn) {
  const parts = [];
  let n = 0;
  while (n < chars) {
    const w = alphabetFn();
    parts.push(w);
    n += w.length;
  }
  return parts.join('');
}

const isLow = (c) => c >= 0xdc00 && c <= 0xdfff;

class Text {
  constructor(rng) {
    this.rng = rng;
    let col = 0;
    this.pool = makePool(rng, 6_000_000, () => {
      const w = rng.pick(WORDS);
      col += w.length + 1;
      if (col > 60 + rng.int(0, 40)) { col = 0; return w + (rng.chance(0.15) ? '\n\n' : '\n'); }
      return w + ' ';
    });
    const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    this.b64 = makePool(rng, 1_000_000, () => b64[Math.floor(rng.next() * 64)].repeat(1) + b64[Math.floor(rng.next() * 64)]);
  }
  /** `n` characters of prose/code. */
  get(n) {
    n = Math.max(1, Math.min(Math.round(n), 400_000));
    let start = this.rng.int(1, this.pool.length - n - 2);
    let end = start + n;
    // Never split a surrogate pair: JSON.stringify would write a lone "\udXXX" escape, which
    // ccusage's parser rejects (it drops the whole line) while JSON.parse accepts it.
    if (isLow(this.pool.charCodeAt(start))) start++;
    if (isLow(this.pool.charCodeAt(end))) end++;
    return this.pool.slice(start, end);
  }
  base64(n) {
    n = Math.max(1, Math.min(Math.round(n), 900_000));
    const start = this.rng.int(0, this.b64.length - n - 1);
    return this.b64.substr(start, n);
  }
}

// ---------------------------------------------------------------- truth

function emptySums() {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, requests: 0 };
}

class Truth {
  constructor() {
    this.totals = emptySums();
    this.bySource = { 'claude-code': emptySums(), codex: emptySums() };
    this.byDay = {};
    this.byModel = {};
    this.byProject = {};
    this.bySession = {}; // Claude sessionId or Codex rollout file stem: for investigations
    this.longContext = []; // requests whose total input exceeds LONG_CONTEXT, with their tokens
    this.counts = {
      claudeRequests: 0,
      codexRequests: 0,
      claudeLines: 0,
      codexLines: 0,
      streamedDuplicateLines: 0,
      resumedSessions: 0,
      resumedCopiedLines: 0,
      resumedCopiesWithRewrittenSessionId: 0,
      subagentFiles: 0,
      sidechainRequests: 0,
      btwReplayFiles: 0,
      btwReplayLines: 0,
      syntheticLines: 0,
      apiErrorLines: 0,
      malformedLines: 0,
      missingRequestIdRequests: 0,
      nonSemverVersionRequests: 0,
      oneHourCacheWriteRequests: 0,
      compactions: 0,
      longContextRequests: 0,
      longContextByModel: {},
      codexReemittedTotals: 0,
      codexInfoNull: 0,
      codexModelSwitches: 0,
      codexArchivedFiles: 0,
    };
    this.claudeProjectDirs = {}; // encoded dir name -> cwd
    this.codexFiles = {}; // file stem -> cwd
  }
  add(source, ts, model, project, session, u) {
    const day = new Date(ts).toISOString().slice(0, 10);
    for (const s of [
      (this.bySession[session] ??= emptySums()),
      this.totals,
      this.bySource[source],
      (this.byDay[day] ??= emptySums()),
      (this.byModel[model] ??= emptySums()),
      (this.byProject[project] ??= emptySums()),
    ]) {
      s.inputTokens += u.input;
      s.outputTokens += u.output;
      s.cacheReadTokens += u.cacheRead;
      s.cacheWriteTokens += u.cacheWrite;
      s.requests += 1;
    }
    if (u.input + u.cacheRead + u.cacheWrite > LONG_CONTEXT) {
      this.counts.longContextRequests++;
      this.counts.longContextByModel[model] = (this.counts.longContextByModel[model] ?? 0) + 1;
      this.longContext.push({ model, ...u });
    }
  }
}

// ---------------------------------------------------------------- helpers

const iso = (ms) => new Date(ms).toISOString();
const dayIndex = (ms) => Math.floor(ms / DAY_MS);
const encodeCwd = (cwd) => cwd.replace(/[^a-zA-Z0-9]/g, '-');
const tok = (chars) => Math.max(1, Math.round(chars / 3.6));

class FileOut {
  constructor(file) {
    this.file = file;
    this.lines = [];
    this.chars = 0; // ≈ bytes so far (exact for ASCII)
  }
  push(obj) {
    const line = typeof obj === 'string' ? obj : JSON.stringify(obj);
    this.lines.push(line);
    this.chars += line.length + 1;
  }
  write() {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const data = this.lines.join('\n') + '\n';
    fs.writeFileSync(this.file, data);
    return Buffer.byteLength(data);
  }
}

function makeProjects(rng) {
  const a = ['api', 'web', 'core', 'data', 'infra', 'mobile', 'billing', 'auth', 'search', 'docs', 'ml', 'edge', 'admin', 'ops'];
  const b = ['gateway', 'app', 'service', 'pipeline', 'dashboard', 'sdk', 'worker', 'portal', 'cli', 'engine', 'site', 'tools'];
  const seen = new Set();
  const projects = [];
  while (projects.length < PROJECT_COUNT) {
    let name = `${rng.pick(a)}-${rng.pick(b)}`;
    if (rng.chance(0.15)) name += '.io';
    if (rng.chance(0.1)) name = name.replace('-', '_');
    const base = rng.chance(0.7) ? '/home/dev/src' : rng.pick(['/home/dev/work/acme', '/srv/repos', '/home/dev/oss']);
    const cwd = `${base}/${name}`;
    if (seen.has(encodeCwd(cwd))) continue; // keep encoded names one-to-one
    seen.add(encodeCwd(cwd));
    projects.push({ cwd, weight: 1 / (projects.length + 1) ** 0.8, codex: rng.chance(0.45) });
  }
  return projects;
}

// ---------------------------------------------------------------- Claude Code

const CLAUDE_VERSIONS = ['2.0.14', '2.0.31', '2.0.55', '2.1.3', '2.1.40', '2.1.90'];
const TOOLS = ['Bash', 'Read', 'Edit', 'Write', 'Grep', 'Glob', 'TodoWrite', 'WebFetch'];

class ClaudeGen {
  constructor(rng, text, truth, root) {
    Object.assign(this, { rng, text, truth, root });
    this.sessions = []; // metadata of main sessions, for resumes
  }

  /** State of one conversation being written into `out`. */
  newState(o) {
    const { rng } = this;
    return {
      out: o.out,
      cwd: o.cwd,
      sessionId: o.sessionId,
      version: o.version ?? rng.pick(CLAUDE_VERSIONS),
      gitBranch: rng.pick(['main', 'main', 'dev', `feat/${rng.hex(4)}`]),
      model: o.model,
      t: o.t,
      parent: null,
      ctx: o.ctx ?? 0, // tokens already in the prompt cache
      pending: o.pending ?? rng.int(4_000, 22_000), // new tokens the next request writes to cache
      sidechain: !!o.sidechain,
      agentId: o.agentId,
      noRequestId: !!o.noRequestId,
      oneHour: !!o.oneHour,
      ownResponses: [], // final lines of responses this state wrote (for /btw replays)
    };
  }

  /** The fields every conversation line starts with; `type` is set by the caller. */
  base(S, type) {
    const uuid = this.rng.uuid();
    const o = { parentUuid: S.parent, isSidechain: S.sidechain, userType: 'external', cwd: S.cwd, sessionId: S.sessionId, version: S.version, gitBranch: S.gitBranch };
    if (S.agentId) o.agentId = S.agentId;
    if (type !== 'assistant') o.type = type;
    S.parent = uuid;
    return { o, uuid };
  }

  userPrompt(S) {
    const { rng, text } = this;
    const n = rng.chance(0.08) ? rng.skewed(9_000, 2_000, 60_000) : rng.skewed(350, 15, 4_000);
    const { o, uuid } = this.base(S, 'user');
    o.message = { role: 'user', content: text.get(n) };
    o.uuid = uuid;
    o.timestamp = iso(S.t);
    S.out.push(o);
    S.pending += tok(n);
  }

  toolResult(S, toolUseId) {
    const { rng, text } = this;
    const n = rng.skewed(2_500, 40, 60_000);
    const body = text.get(n);
    const { o, uuid } = this.base(S, 'user');
    o.message = { role: 'user', content: [{ tool_use_id: toolUseId, type: 'tool_result', content: body, is_error: rng.chance(0.04) }] };
    o.uuid = uuid;
    o.timestamp = iso(S.t);
    // Real logs repeat the tool output in toolUseResult: half the bytes of a log are this.
    o.toolUseResult = { stdout: body, stderr: '', interrupted: false, isImage: false };
    S.out.push(o);
    S.pending += tok(n);
  }

  /** One API request: 1–4 content-block lines sharing message.id/requestId. Returns the tool_use id, if any. */
  request(S, { wantTool, version }) {
    const { rng, text, truth } = this;
    // Keep every line of one response on the same UTC day: both tools date a response by
    // one of its lines, and which one is an implementation detail.
    if (dayIndex(S.t) !== dayIndex(S.t + 90_000)) S.t = (dayIndex(S.t) + 1) * DAY_MS + rng.int(1_000, 60_000);

    if (S.ctx + S.pending > 165_000) {
      // Auto-compact: the next request starts from a summary.
      const { o, uuid } = this.base(S, 'system');
      Object.assign(o, { subtype: 'compact_boundary', content: 'Conversation compacted', isMeta: false, timestamp: iso(S.t), uuid, level: 'info', compactMetadata: { trigger: 'auto', preTokens: S.ctx + S.pending } });
      S.out.push(o);
      S.ctx = 0;
      S.pending = rng.int(12_000, 30_000);
      truth.counts.compactions++;
    }
    let cacheRead = S.ctx;
    let cacheWrite = S.pending;
    const longContext = rng.chance(P_LONG_CONTEXT_CALL);
    if (longContext) cacheRead = rng.int(LONG_CONTEXT - cacheWrite + 1, LONG_CONTEXT + 60_000); // rare 1M-context request
    const input = rng.chance(0.9) ? rng.int(1, 12) : rng.int(13, 3_000);

    const blocks = [];
    if (S.model.includes('haiku') ? false : rng.chance(0.35)) blocks.push({ kind: 'thinking', tokens: rng.skewed(250, 20, 6_000) });
    if (!wantTool || rng.chance(0.6)) blocks.push({ kind: 'text', tokens: rng.skewed(120, 3, 4_000) });
    if (wantTool) blocks.push({ kind: 'tool_use', tokens: rng.skewed(180, 20, 8_000) });
    const output = blocks.reduce((s, b) => s + b.tokens, 0);

    const messageId = S.noRequestId ? `msg_bdrk_01${rng.b58(22)}` : `msg_01${rng.b58(22)}`;
    const requestId = S.noRequestId ? undefined : `req_011C${rng.b58(20)}`;
    let split5m = cacheWrite;
    let split1h = 0;
    if (S.oneHour && !longContext) { // (long-context requests: 5-minute writes only, so their price is unambiguous)
      split1h = rng.chance(0.8) ? cacheWrite : rng.int(0, cacheWrite);
      split5m = cacheWrite - split1h;
    }
    if (split1h > 0) truth.counts.oneHourCacheWriteRequests++;

    let toolUseId;
    let cum = 0;
    let last;
    // Gateways without requestId answer unstreamed: one line. (ccusage 20.0.24 dedupes
    // requestless lines only at identical timestamps, so streamed ones would diverge.)
    const lineBlocks = S.noRequestId ? [blocks] : blocks.map((b) => [b]);
    for (let i = 0; i < lineBlocks.length; i++) {
      const isLast = i === lineBlocks.length - 1;
      const content = lineBlocks[i].map((b) => {
        cum += b.tokens;
        const chars = Math.round(b.tokens * 3.6);
        if (b.kind === 'thinking') return { type: 'thinking', thinking: text.get(chars), signature: text.base64(rng.int(200, 1_200)) };
        if (b.kind === 'text') return { type: 'text', text: text.get(chars) };
        toolUseId = `toolu_01${rng.b58(22)}`;
        const name = rng.pick(TOOLS);
        const input = name === 'Write' || name === 'Edit'
          ? { file_path: `${S.cwd}/src/${rng.hex(6)}.ts`, content: text.get(chars) }
          : { command: text.get(Math.min(chars, 300)), description: text.get(40) };
        return { type: 'tool_use', id: toolUseId, name, input };
      });
      // Streamed lines: early ones carry the output count so far (partial), the last the final one.
      const outTokens = isLast ? output : Math.max(1, Math.min(cum, output - 1) - rng.int(0, 5));
      const usage = {
        input_tokens: input,
        cache_creation_input_tokens: cacheWrite,
        cache_read_input_tokens: cacheRead,
        cache_creation: { ephemeral_5m_input_tokens: split5m, ephemeral_1h_input_tokens: split1h },
        output_tokens: outTokens,
        service_tier: 'standard',
      };
      const { o, uuid } = this.base(S, 'assistant');
      if (version) o.version = version;
      o.message = { model: S.model, id: messageId, type: 'message', role: 'assistant', content, stop_reason: isLast ? (wantTool ? 'tool_use' : 'end_turn') : null, stop_sequence: null, usage };
      if (requestId) o.requestId = requestId;
      o.type = 'assistant';
      o.uuid = uuid;
      o.timestamp = iso(S.t);
      S.out.push(o);
      last = o;
      if (!isLast) {
        truth.counts.streamedDuplicateLines++;
        S.t += rng.int(300, 9_000);
      }
    }

    const excluded = version !== undefined;
    if (excluded) truth.counts.nonSemverVersionRequests++;
    else {
      truth.add('claude-code', S.t, S.model, S.cwd, S.sessionId, { input, output, cacheRead, cacheWrite });
      truth.counts.claudeRequests++;
      if (S.sidechain) truth.counts.sidechainRequests++;
      if (S.noRequestId) truth.counts.missingRequestIdRequests++;
      if (!S.sidechain && requestId) S.ownResponses.push(last);
    }
    S.ctx = cacheRead + cacheWrite;
    if (S.ctx > 165_000) S.ctx = 165_000; // a long-context request is followed by a compact
    S.pending = output + input;
    S.t += rng.int(500, 4_000);
    return toolUseId;
  }

  /** A user turn: prompt, then a tool loop of requests. */
  turn(S, opts = {}) {
    const { rng } = this;
    this.userPrompt(S);
    S.t += rng.int(1_000, 5_000);
    const calls = rng.chance(0.25) ? 1 : rng.skewed(5, 2, 40);
    for (let c = 0; c < calls; c++) {
      const wantTool = c < calls - 1;
      const version = opts.badVersionAt === c ? 'dev-local' : undefined;
      const toolUseId = this.request(S, { wantTool, version });
      if (wantTool) {
        S.t += rng.skewed(4_000, 100, 120_000);
        this.toolResult(S, toolUseId);
        S.t += rng.int(200, 2_000);
      }
    }
  }

  syntheticLine(S, apiError) {
    const { o, uuid } = this.base(S, 'assistant');
    o.message = {
      id: this.rng.uuid(), container: null, model: '<synthetic>', role: 'assistant', stop_reason: 'stop_sequence', stop_sequence: '', type: 'message',
      usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 }, service_tier: null, cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 } },
      content: [{ type: 'text', text: apiError ? 'API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' : 'No response requested.' }],
    };
    if (apiError) o.isApiErrorMessage = true;
    o.type = 'assistant';
    o.uuid = uuid;
    o.timestamp = iso(S.t);
    S.out.push(o);
    this.truth.counts[apiError ? 'apiErrorLines' : 'syntheticLines']++;
  }

  malformed(S) {
    const lines = S.out.lines;
    const src = lines[this.rng.int(0, lines.length - 1)];
    const cut = src.slice(0, this.rng.int(10, Math.max(11, src.length - 2)));
    // A crash leaves a truncated line, usually at the end; sometimes more lines follow it.
    if (this.rng.chance(0.5)) lines.push(cut);
    else lines.splice(this.rng.int(0, lines.length), 0, cut);
    this.truth.counts.malformedLines++;
  }

  /**
   * One main session file, possibly a resume of an earlier one, plus its subagent files.
   * Returns bytes written.
   */
  session(index, project, targetBytes) {
    const { rng, truth, root } = this;
    const dir = path.join(root, 'claude', 'projects', encodeCwd(project.cwd));
    truth.claudeProjectDirs[encodeCwd(project.cwd)] = project.cwd;
    const sessionId = rng.uuid();
    const out = new FileOut(path.join(dir, `${sessionId}.jsonl`));
    const noRequestId = index % 23 === 7;
    let S;

    // Resumed session: Claude Code copies the earlier conversation into the new file.
    const earlier = this.sessions.filter((s) => s.cwd === project.cwd && !s.noRequestId);
    if (index % 9 === 4 && earlier.length && !noRequestId) {
      const orig = rng.pick(earlier);
      const lines = fs.readFileSync(orig.file, 'utf8').split('\n').filter(Boolean);
      const keep = lines.slice(0, Math.max(1, Math.round(lines.length * (0.5 + rng.next() * 0.5))));
      const rewrite = rng.chance(0.5);
      for (const l of keep) out.push(rewrite ? l.split(orig.sessionId).join(sessionId) : l);
      truth.counts.resumedSessions++;
      truth.counts.resumedCopiedLines += keep.length;
      if (rewrite) truth.counts.resumedCopiesWithRewrittenSessionId++;
      S = this.newState({ out, cwd: project.cwd, sessionId, model: orig.model, t: orig.end + rng.int(600_000, 2 * DAY_MS), ctx: Math.min(orig.ctx, 150_000), pending: rng.int(500, 5_000), oneHour: orig.oneHour });
    } else {
      const day = rng.int(0, DAYS - 1);
      const t = START_MS + day * DAY_MS + rng.int(6, 21) * 3_600_000 + rng.int(0, 3_599_999);
      if (rng.chance(0.3)) out.push({ type: 'summary', summary: this.text.get(rng.int(20, 80)), leafUuid: rng.uuid() });
      S = this.newState({ out, cwd: project.cwd, sessionId, model: rng.weighted(MODELS.claude).id, t, noRequestId, oneHour: rng.chance(0.3) });
    }
    const start = S.t;

    const badVersionTurn = index % 31 === 11 ? 0 : -1; // one request with a non-semver version: skipped
    let turnNo = 0;
    let bytes = 0;
    while (bytes < targetBytes) {
      if (turnNo > 0 && rng.chance(0.08)) S.model = rng.weighted(MODELS.claude).id; // /model switch
      this.turn(S, { badVersionAt: turnNo === badVersionTurn ? 0 : -1 });
      if (rng.chance(0.04)) this.syntheticLine(S, rng.chance(0.5));
      if (rng.chance(0.05)) S.out.push({ type: 'file-history-snapshot', messageId: rng.uuid(), snapshot: { messageId: rng.uuid(), trackedFileBackups: {}, timestamp: iso(S.t) }, isSnapshotUpdate: false });
      S.t += rng.chance(0.1) ? rng.int(1_800_000, 14_400_000) : rng.skewed(90_000, 5_000, 900_000);
      bytes = S.out.chars;
      turnNo++;
    }
    if (index % 13 === 3) this.malformed(S);
    const written = out.write();
    truth.counts.claudeLines += out.lines.length;
    const meta = { file: out.file, sessionId, cwd: project.cwd, model: S.model, end: S.t, ctx: S.ctx, oneHour: S.oneHour, noRequestId };
    this.sessions.push(meta);

    let extra = 0;
    // Task subagents: their own requests, isSidechain:true, parent's sessionId. They count.
    const subagents = index % 6 === 2 ? rng.int(1, 3) : 0;
    for (let k = 0; k < subagents; k++) extra += this.subagent(dir, S, start, rng.skewed(120_000, 8_000, 2_000_000));
    // /btw side question: replays parent responses (same message.id, new requestId). Dropped.
    if (index % 17 === 5 && S.ownResponses.length && !noRequestId) extra += this.btw(dir, S);
    return written + extra;
  }

  subagent(dir, parent, start, targetBytes) {
    const { rng, truth } = this;
    const agentId = rng.hex(8);
    const out = new FileOut(path.join(dir, parent.sessionId, 'subagents', `agent-${agentId}.jsonl`));
    const t = start + Math.floor(rng.next() * Math.max(1, parent.t - start));
    const S = this.newState({ out, cwd: parent.cwd, sessionId: parent.sessionId, model: rng.chance(0.4) ? 'claude-haiku-4-5-20251001' : parent.model, t, sidechain: true, agentId, noRequestId: parent.noRequestId, oneHour: false, version: parent.version });
    let bytes = 0;
    while (bytes < targetBytes) {
      this.turn(S);
      bytes = out.chars;
    }
    truth.counts.subagentFiles++;
    truth.counts.claudeLines += out.lines.length;
    return out.write();
  }

  btw(dir, parent) {
    const { rng, truth } = this;
    const agentId = rng.hex(8);
    const out = new FileOut(path.join(dir, parent.sessionId, 'subagents', `agent-${agentId}.jsonl`));
    const S = this.newState({ out, cwd: parent.cwd, sessionId: parent.sessionId, model: parent.model, t: parent.t + rng.int(1_000, 60_000), sidechain: true, agentId, version: parent.version });
    const n = Math.min(parent.ownResponses.length, rng.int(2, 8));
    const from = rng.int(0, parent.ownResponses.length - n);
    for (const line of parent.ownResponses.slice(from, from + n)) {
      const copy = structuredClone(line);
      copy.isSidechain = true;
      copy.agentId = agentId;
      copy.requestId = `req_011C${rng.b58(20)}`;
      copy.uuid = rng.uuid();
      copy.timestamp = iso(S.t);
      out.push(copy);
      S.t += rng.int(10, 200);
      truth.counts.btwReplayLines++;
    }
    S.ctx = rng.int(20_000, 100_000);
    this.turn(S); // the side answer itself counts
    truth.counts.btwReplayFiles++;
    truth.counts.claudeLines += out.lines.length;
    return out.write();
  }
}

// ---------------------------------------------------------------- Codex

class CodexGen {
  constructor(rng, text, truth, root) {
    Object.assign(this, { rng, text, truth, root });
  }

  session(index, project, targetBytes) {
    const { rng, text, truth, root } = this;
    const id = rng.uuid();
    let t = START_MS + rng.int(0, DAYS - 1) * DAY_MS + rng.int(6, 21) * 3_600_000 + rng.int(0, 3_599_999);
    const d = new Date(t);
    const stamp = iso(t).slice(0, 19).replace(/:/g, '-');
    const name = `rollout-${stamp}-${id}`;
    const archived = index % 8 === 5;
    const file = archived
      ? path.join(root, 'codex', 'archived_sessions', `${name}.jsonl`)
      : path.join(root, 'codex', 'sessions', String(d.getUTCFullYear()), String(d.getUTCMonth() + 1).padStart(2, '0'), String(d.getUTCDate()).padStart(2, '0'), `${name}.jsonl`);
    truth.codexFiles[name] = project.cwd;
    if (archived) truth.counts.codexArchivedFiles++;
    const out = new FileOut(file);
    const ev = (type, payload) => out.push({ timestamp: iso(t), type, payload });

    ev('session_meta', { id, timestamp: iso(t), cwd: project.cwd, originator: 'codex_cli_rs', cli_version: rng.pick(['0.46.0', '0.58.0', '0.63.0']), instructions: rng.chance(0.5) ? text.get(rng.int(2_000, 12_000)) : null, source: 'cli', model_provider: 'openai', git: { commit_hash: rng.hex(40), branch: 'main', repository_url: `git@github.com:acme/${path.basename(project.cwd)}.git` } });
    ev('response_item', { type: 'message', role: 'user', content: [{ type: 'input_text', text: `<environment_context>\n  <cwd>${project.cwd}</cwd>\n  <approval_policy>on-request</approval_policy>\n</environment_context>` }] });

    let model = rng.weighted(MODELS.codex).id;
    const totals = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0, total_tokens: 0 };
    let ctx = 0;
    let pending = rng.int(6_000, 14_000);
    const rateLimits = () => ({ primary: { used_percent: rng.int(0, 90), window_minutes: 300, resets_in_seconds: rng.int(60, 18_000) }, secondary: { used_percent: rng.int(0, 60), window_minutes: 10_080, resets_in_seconds: rng.int(3_600, 600_000) } });
    const tokenCount = () => ev('event_msg', { type: 'token_count', info: { total_token_usage: { ...totals }, last_token_usage: last, model_context_window: 272_000 }, rate_limits: rateLimits() });
    let last = null;
    let bytes = 0;
    let turnNo = 0;
    while (bytes < targetBytes) {
      if (turnNo > 0 && rng.chance(0.12)) {
        const other = MODELS.codex.filter((m) => m.id !== model);
        model = rng.pick(other).id;
        truth.counts.codexModelSwitches++;
      }
      ev('turn_context', { cwd: project.cwd, approval_policy: 'on-request', sandbox_policy: { mode: 'workspace-write' }, model, effort: rng.pick(['low', 'medium', 'high']), summary: 'auto' });
      const prompt = text.get(rng.skewed(300, 10, 6_000));
      ev('event_msg', { type: 'user_message', message: prompt, images: [] });
      ev('response_item', { type: 'message', role: 'user', content: [{ type: 'input_text', text: prompt }] });
      pending += tok(prompt.length);
      t += rng.int(1_000, 4_000);
      const calls = rng.skewed(4, 1, 30);
      for (let c = 0; c < calls; c++) {
        if (dayIndex(t) !== dayIndex(t + 60_000)) t = (dayIndex(t) + 1) * DAY_MS + rng.int(1_000, 30_000);
        if (ctx + pending > 180_000) { ctx = 0; pending = rng.int(8_000, 20_000); truth.counts.compactions++; }
        const reasoning = rng.chance(0.8) ? rng.skewed(200, 0, 8_000) : 0;
        const visible = rng.skewed(150, 5, 5_000);
        const output = reasoning + visible;
        const input = ctx + pending; // includes the cached part
        const cached = ctx === 0 ? 0 : Math.floor(ctx / 256) * 256;
        if (reasoning) {
          ev('response_item', { type: 'reasoning', summary: [{ type: 'summary_text', text: text.get(rng.int(40, 400)) }], content: null, encrypted_content: text.base64(Math.round(reasoning * 5.5)) });
          ev('event_msg', { type: 'agent_reasoning', text: text.get(rng.int(40, 400)) });
        }
        const isTool = c < calls - 1;
        const callId = `call_${rng.b58(24)}`;
        if (isTool) ev('response_item', { type: 'function_call', name: 'shell', arguments: JSON.stringify({ command: ['bash', '-lc', text.get(Math.min(visible * 3, 2_000))], workdir: project.cwd }), call_id: callId });
        else {
          const msg = text.get(visible * 3.6);
          ev('response_item', { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: msg }] });
          ev('event_msg', { type: 'agent_message', message: msg });
        }
        t += rng.int(2_000, 30_000);
        last = { input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: reasoning, total_tokens: input + output };
        for (const k of Object.keys(totals)) totals[k] += last[k];
        tokenCount();
        truth.add('codex', t, model, project.cwd, name, { input: input - cached, output, cacheRead: cached, cacheWrite: 0 });
        truth.counts.codexRequests++;
        if (rng.chance(0.15)) { t += rng.int(50, 3_000); tokenCount(); truth.counts.codexReemittedTotals++; } // unchanged totals, fresh timestamp
        if (rng.chance(0.08)) { t += rng.int(50, 3_000); ev('event_msg', { type: 'token_count', info: null, rate_limits: rateLimits() }); truth.counts.codexInfoNull++; }
        ctx = input + output;
        pending = 0;
        if (isTool) {
          t += rng.skewed(3_000, 50, 120_000);
          const res = text.get(rng.skewed(2_500, 20, 60_000));
          ev('response_item', { type: 'function_call_output', call_id: callId, output: JSON.stringify({ output: res, metadata: { exit_code: 0, duration_seconds: 1.2 } }) });
          pending += tok(res.length);
        }
      }
      t += rng.chance(0.1) ? rng.int(1_800_000, 10_800_000) : rng.skewed(60_000, 3_000, 900_000);
      bytes = out.chars;
      turnNo++;
    }
    if (index % 29 === 13) { // truncated last line
      const src = out.lines[rng.int(1, out.lines.length - 1)];
      out.push(src.slice(0, rng.int(10, src.length - 2)));
      truth.counts.malformedLines++;
    }
    truth.counts.codexLines += out.lines.length;
    return out.write();
  }
}

// ---------------------------------------------------------------- corpus

export function corpusKey(sizeMb, seed) {
  return `v${GENERATOR_VERSION}-${sizeMb}mb-seed${seed}`;
}

/** Generates `root` (claude/, codex/, truth.json). */
export function generate(root, { sizeMb, seed }) {
  const rng = makeRng(seed);
  const text = new Text(rng);
  const truth = new Truth();
  const projects = makeProjects(rng);
  const codexProjects = projects.filter((p, i) => p.codex || i === 0);
  const budget = sizeMb * 1024 * 1024;
  const claude = new ClaudeGen(rng, text, truth, root);
  const codex = new CodexGen(rng, text, truth, root);
  let claudeBytes = 0;
  let codexBytes = 0;
  let ci = 0;
  let xi = 0;
  // Interleave so that both sources grow together; stop each at its share.
  while (claudeBytes < budget * CLAUDE_SHARE || codexBytes < budget * (1 - CLAUDE_SHARE)) {
    if (claudeBytes / CLAUDE_SHARE <= codexBytes / (1 - CLAUDE_SHARE)) {
      claudeBytes += claude.session(ci++, rng.weighted(projects), rng.skewed(350_000, 20_000, 8_000_000));
    } else {
      codexBytes += codex.session(xi++, rng.weighted(codexProjects), rng.skewed(250_000, 15_000, 5_000_000));
    }
  }
  const out = {
    generatorVersion: GENERATOR_VERSION,
    sizeMb,
    seed,
    models: MODELS,
    bytes: { claude: claudeBytes, codex: codexBytes, total: claudeBytes + codexBytes },
    sessions: { claude: ci, codex: xi },
    longContextThreshold: LONG_CONTEXT,
    counts: truth.counts,
    totals: truth.totals,
    bySource: truth.bySource,
    byDay: sortKeys(truth.byDay),
    byModel: sortKeys(truth.byModel),
    byProject: sortKeys(truth.byProject),
    bySession: truth.bySession,
    longContext: truth.longContext,
    claudeProjectDirs: truth.claudeProjectDirs,
    codexFiles: truth.codexFiles,
  };
  fs.writeFileSync(path.join(root, 'truth.json'), JSON.stringify(out, null, 1));
  return out;
}

function sortKeys(o) {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Returns the cached corpus for (size, seed), generating it first if needed. */
export function ensureCorpus({ sizeMb, seed = 1, cacheDir = '.bench/corpus', force = false, log = console.error }) {
  const root = path.resolve(cacheDir, corpusKey(sizeMb, seed));
  const truthFile = path.join(root, 'truth.json');
  if (!force && fs.existsSync(truthFile)) return { root, truth: JSON.parse(fs.readFileSync(truthFile, 'utf8')), cached: true };
  const tmp = `${root}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const t0 = Date.now();
  log(`generating ${sizeMb} MiB corpus (seed ${seed}) in ${root} …`);
  generate(tmp, { sizeMb, seed });
  fs.renameSync(tmp, root); // atomic: a half-written corpus is never reused
  const truth = JSON.parse(fs.readFileSync(truthFile, 'utf8'));
  log(`  ${(truth.bytes.total / 1048576).toFixed(0)} MiB, ${truth.totals.requests} requests, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { root, truth, cached: false };
}

export function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const key = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) args[key] = true;
    else { args[key] = next; i++; }
  }
  return args;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  const { root, truth } = ensureCorpus({ sizeMb: Number(args.sizeMb ?? 512), seed: Number(args.seed ?? 1), force: !!args.force });
  console.log(root);
  console.error(JSON.stringify({ bytes: truth.bytes, sessions: truth.sessions, totals: truth.totals, counts: truth.counts }, null, 1));
}
