// Small hand-made Claude Code cases where ccusage 20.0.24 is known to differ from the correct
// count, kept out of the main corpus. Shows, per case, the expected tokens, ccusage's and ours.
//
//   npm run build && node bench/quirks.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ccusageEnv, ensureCcusage, runCcusage } from './ccusage.mjs';
import { measure } from './measure.mjs';

const MODEL = 'claude-sonnet-4-5-20250929';
const u = (output, cacheRead = 1000) => ({ input_tokens: 3, cache_creation_input_tokens: 100, cache_read_input_tokens: cacheRead, output_tokens: output });
let n = 0;
function line({ session, id, req, ts, usage, model = MODEL, text = 'ok', extra = {} }) {
  const o = { parentUuid: null, isSidechain: false, userType: 'external', cwd: '', sessionId: session, version: '2.1.90', message: { model, id, type: 'message', role: 'assistant', content: [{ type: 'text', text }], usage }, type: 'assistant', uuid: `u-${n++}`, timestamp: ts, ...extra };
  if (req) o.requestId = req;
  return o;
}

/** Each case is one project; `expect` is the output tokens a correct importer counts. */
const CASES = [
  {
    name: 'lone-surrogate',
    what: 'a response whose text holds a lone UTF-16 surrogate escape ("\\ud83d")',
    expect: 100,
    files: { 's1.jsonl': [line({ session: 's1', id: 'msg_01LoneSurrogateAaaaaaaaa', req: 'req_1', ts: '2026-03-02T10:00:00.000Z', usage: u(100), text: 'cut emoji \ud83d here' })] },
  },
  {
    name: 'requestless-stream',
    what: 'one response streamed as 2 lines (partial then final output), no requestId',
    expect: 100,
    files: { 's2.jsonl': [
      line({ session: 's2', id: 'msg_01RequestlessStreamAaaaaa', ts: '2026-03-02T10:00:00.000Z', usage: u(5) }),
      line({ session: 's2', id: 'msg_01RequestlessStreamAaaaaa', ts: '2026-03-02T10:00:02.000Z', usage: u(100) }),
    ] },
  },
  {
    name: 'requestless-resumed',
    what: 'a response without requestId copied into a resumed session',
    expect: 100,
    files: {
      's3.jsonl': [line({ session: 's3', id: 'msg_01RequestlessResumedAaaa', ts: '2026-03-02T10:00:00.000Z', usage: u(100) })],
      's4.jsonl': [line({ session: 's4', id: 'msg_01RequestlessResumedAaaa', ts: '2026-03-02T10:00:00.000Z', usage: u(100) })],
    },
  },
  {
    name: 'synthetic-nonzero',
    what: 'a <synthetic> line carrying usage',
    expect: 0,
    files: { 's5.jsonl': [line({ session: 's5', id: 'msg_01SyntheticAaaaaaaaaaaaa', req: 'req_5', ts: '2026-03-02T10:00:00.000Z', usage: u(100), model: '<synthetic>' })] },
  },
  {
    name: 'api-error-nonzero',
    what: 'an isApiErrorMessage line carrying usage',
    expect: 0,
    files: { 's6.jsonl': [line({ session: 's6', id: 'msg_01ApiErrorAaaaaaaaaaaaaa', req: 'req_6', ts: '2026-03-02T10:00:00.000Z', usage: u(100), extra: { isApiErrorMessage: true } })] },
  },
];

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-usage-quirks-'));
try {
  const root = path.join(work, 'corpus');
  const home = path.join(work, 'home');
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(path.join(root, 'codex'), { recursive: true });
  const dirToCase = {};
  for (const c of CASES) {
    const cwd = `/quirks/${c.name}`;
    const dir = path.join(root, 'claude', 'projects', cwd.replace(/[^a-zA-Z0-9]/g, '-'));
    dirToCase[path.basename(dir)] = c.name;
    fs.mkdirSync(dir, { recursive: true });
    // JSON.stringify writes a lone surrogate as the escape "\ud83d", as Claude Code would.
    for (const [f, lines] of Object.entries(c.files)) fs.writeFileSync(path.join(dir, f), lines.map((l) => JSON.stringify({ ...l, cwd })).join('\n') + '\n');
  }
  const env = ccusageEnv(root, home);
  const cc = JSON.parse((await runCcusage(ensureCcusage(), ['claude', 'daily', '--instances', '--json', '--offline', '--timezone', 'UTC'], env)).stdout);
  const ccOut = {};
  for (const [dir, rows] of Object.entries(cc.projects ?? {})) ccOut[dirToCase[dir]] = rows.reduce((s, r) => s + r.outputTokens, 0);

  const ourOut = {};
  const cli = path.resolve('dist/cli.js');
  if (fs.existsSync(cli)) {
    const r = await measure(process.execPath, [cli, 'report', 'projects', '--json', '--db', path.join(work, 'usage.db'), '--tz', 'UTC'], { env });
    if (r.code !== 0) throw new Error(r.stderr);
    for (const row of JSON.parse(r.stdout).rows) ourOut[row.key.replace('/quirks/', '')] = row.outputTokens;
  }
  console.log('output tokens per case (a correct importer counts "expected"):\n');
  console.log(`  ${'case'.padEnd(20)} ${'expected'.padStart(8)} ${'ccusage'.padStart(8)} ${'ours'.padStart(8)}  what`);
  for (const c of CASES) {
    const mark = (v) => `${String(v ?? 0).padStart(8)}${(v ?? 0) === c.expect ? ' ' : '✗'}`;
    console.log(`  ${c.name.padEnd(20)} ${String(c.expect).padStart(8)} ${mark(ccOut[c.name])}${mark(ourOut[c.name])} ${c.what}`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
