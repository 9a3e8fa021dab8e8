// Cline, Roo Code and Kilo Code (VS Code extensions) keep one folder per task,
// `<globalStorage>/<extId>/tasks/<taskId>/`, whose `ui_messages.json` (a JSON array the
// extension rewrites whole) holds one `say:"api_req_started"` entry per API request with
// its tokens and cost (log-formats.md §6). Roo and Kilo are Cline forks: one parser, three
// importers that differ in folder names and in what `tokensIn` means.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SourceId, UsageRecord } from '../model';
import { readWholeFile } from './incremental';
import type { FileCursor, FileReadResult, Importer, SourceContext, WatchTarget } from './types';

type ClineSource = Extract<SourceId, 'cline' | 'roo-code' | 'kilo-code'>;

/** Roo PR #8954 (2025-10-31): `tokensIn` became the total input, cache reads and writes included. */
const ROO_TOTAL_INPUT_SINCE = Date.UTC(2025, 9, 31);
/** An unfinished request in a file touched this recently may still complete: read the file again. */
const IN_FLIGHT_WINDOW_MS = 60 * 60 * 1000;
/** How far back from the end of api_conversation_history.json we look for a `<model>` tag. */
const MODEL_TAG_SCAN_BYTES = 32 * 1024 * 1024;
const ANTHROPIC_STYLE_PROVIDERS = new Set(['anthropic', 'bedrock', 'vertex', 'claude-code']);

/** Editor folder names under the per-OS config folder (VS Code and its forks). */
const EDITORS = ['Code', 'Code - Insiders', 'Code - OSS', 'VSCodium', 'VSCodium - Insiders', 'Cursor', 'Windsurf', 'Windsurf - Next', 'Trae', 'Kiro', 'Void'];
/** Remote/server installs keep `data/User` under a dot folder in the home directory. */
const SERVER_DIRS = ['.vscode-server', '.vscode-server-insiders', '.vscode-remote', '.cursor-server', '.windsurf-server', '.vscodium-server'];

function pathApi(ctx: SourceContext): path.PlatformPath {
  return ctx.platform === 'win32' ? path.win32 : path.posix;
}

/** Every standard VS Code-family `globalStorage` folder for the platform. */
export function vscodeGlobalStorageDirs(ctx: SourceContext): string[] {
  const p = pathApi(ctx);
  const out: string[] = [];
  let configBase: string;
  if (ctx.platform === 'win32') configBase = ctx.env.APPDATA || p.join(ctx.home, 'AppData', 'Roaming');
  else if (ctx.platform === 'darwin') configBase = p.join(ctx.home, 'Library', 'Application Support');
  else configBase = ctx.env.XDG_CONFIG_HOME || p.join(ctx.home, '.config');
  for (const e of EDITORS) out.push(p.join(configBase, e, 'User', 'globalStorage'));
  if (ctx.platform !== 'win32') {
    const dataHome = ctx.env.XDG_DATA_HOME || p.join(ctx.home, '.local', 'share');
    out.push(p.join(dataHome, 'code-server', 'User', 'globalStorage'));
    for (const d of SERVER_DIRS) out.push(p.join(ctx.home, d, 'data', 'User', 'globalStorage'));
    out.push(p.join(ctx.home, '.var', 'app', 'com.visualstudio.code', 'config', 'Code', 'User', 'globalStorage'));
  }
  return out;
}

interface Flavor {
  source: ClineSource;
  label: string;
  extId: string;
  /** Folders outside VS Code where this tool keeps the same layout. */
  ownRoots(ctx: SourceContext): string[];
}

// ---------------------------------------------------------------------------------------------
// ui_messages.json

interface ApiReqInfo {
  tokensIn?: unknown;
  tokensOut?: unknown;
  cacheWrites?: unknown;
  cacheReads?: unknown;
  cost?: unknown;
  cancelReason?: unknown;
  streamingFailedMessage?: unknown;
  apiProtocol?: unknown;
}

interface UsageEntry {
  key: string;
  ts: number;
  tokensIn: number;
  tokensOut: number;
  cacheWrites: number;
  cacheReads: number;
  cost?: number;
  apiProtocol?: string;
  modelId?: string;
  providerId?: string;
}

interface ParsedMessages {
  entries: UsageEntry[];
  skipped: number;
  /** The last request has no result yet (no cost, no cancel reason). */
  lastInFlight: boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function tokenField(v: unknown): number | 'bad' {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : 'bad';
}

function toMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return ms;
  }
  return undefined;
}

export function parseUiMessages(content: Buffer, taskId: string): ParsedMessages {
  const out: ParsedMessages = { entries: [], skipped: 0, lastInFlight: false };
  let messages: unknown;
  try {
    messages = JSON.parse(content.toString('utf8'));
  } catch {
    out.skipped = 1; // half-written or corrupt: the next rewrite is read again
    return out;
  }
  if (!Array.isArray(messages)) {
    out.skipped = 1;
    return out;
  }
  for (const m of messages) {
    if (!isObj(m) || m.type !== 'say' || (m.say !== 'api_req_started' && m.say !== 'subagent_usage')) continue;
    const isReq = m.say === 'api_req_started';
    if (isReq) out.lastInFlight = false;
    let info: unknown;
    try {
      info = typeof m.text === 'string' ? JSON.parse(m.text) : undefined;
    } catch {
      info = undefined;
    }
    const ts = toMs(m.ts);
    if (!isObj(info) || ts === undefined) {
      out.skipped++;
      continue;
    }
    const req = info as ApiReqInfo;
    const fields = [req.tokensIn, req.tokensOut, req.cacheWrites, req.cacheReads].map(tokenField);
    const cost = req.cost;
    if (fields.includes('bad') || (cost !== undefined && cost !== null && (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0))) {
      out.skipped++;
      continue;
    }
    const hasCost = typeof cost === 'number';
    if (isReq && !hasCost && req.cancelReason == null && req.streamingFailedMessage == null) {
      out.lastInFlight = true; // in flight (or abandoned): counted once it has a result
      continue;
    }
    const [tokensIn, tokensOut, cacheWrites, cacheReads] = fields as number[];
    if (tokensIn + tokensOut + cacheWrites + cacheReads === 0 && !cost) continue;
    const modelInfo = isObj(m.modelInfo) ? m.modelInfo : undefined;
    out.entries.push({
      key: isReq ? `${taskId}:${ts}` : `${taskId}:${ts}:subagents`,
      ts,
      tokensIn,
      tokensOut,
      cacheWrites,
      cacheReads,
      cost: hasCost ? (cost as number) : undefined,
      apiProtocol: typeof req.apiProtocol === 'string' ? req.apiProtocol : undefined,
      modelId: typeof modelInfo?.modelId === 'string' && modelInfo.modelId ? modelInfo.modelId : undefined,
      providerId: typeof modelInfo?.providerId === 'string' ? modelInfo.providerId : undefined,
    });
  }
  return out;
}

/**
 * Uncached input from `tokensIn`, whose meaning depends on tool, version and provider:
 * - Roo/Kilo since 2025-10-31: the total, cache reads and writes included;
 * - `apiProtocol: "openai"` (or an OpenAI-compatible Cline provider): includes cache reads;
 * - Anthropic-style: already uncached.
 * Cline logs no protocol; for providers that are not Anthropic-style we infer "includes reads"
 * when tokensIn ≥ cacheReads (Anthropic-style requests with a warm cache have tiny tokensIn).
 * A subtraction that would go negative means the guess was wrong: tokensIn is kept as is.
 */
export function uncachedInput(source: ClineSource, e: Pick<UsageEntry, 'ts' | 'tokensIn' | 'cacheReads' | 'cacheWrites' | 'apiProtocol' | 'providerId'>): number {
  let minus = 0;
  if (source !== 'cline' && e.ts >= ROO_TOTAL_INPUT_SINCE) minus = e.cacheReads + e.cacheWrites;
  else if (e.apiProtocol === 'openai') minus = e.cacheReads;
  else if (e.apiProtocol === 'anthropic') minus = 0;
  else if (e.providerId && ANTHROPIC_STYLE_PROVIDERS.has(e.providerId)) minus = 0;
  else if (e.cacheReads > 0 && e.tokensIn >= e.cacheReads) minus = e.cacheReads;
  return e.tokensIn - minus >= 0 ? e.tokensIn - minus : e.tokensIn;
}

// ---------------------------------------------------------------------------------------------
// Task context: model and project, from the files next to ui_messages.json

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Caches a derived value per file, invalidated by size and mtime (task lists are shared by every task). */
class StatCache<T> {
  private readonly map = new Map<string, { sig: string; value: T }>();
  constructor(private readonly limit: number) {}
  async get(file: string, load: (file: string) => Promise<T>, missing: T): Promise<T> {
    let sig: string;
    try {
      const st = await fs.stat(file);
      sig = `${st.size}:${st.mtimeMs}`;
    } catch {
      return missing;
    }
    const hit = this.map.get(file);
    if (hit && hit.sig === sig) return hit.value;
    const value = await load(file);
    if (this.map.size >= this.limit) this.map.delete(this.map.keys().next().value!);
    this.map.set(file, { sig, value });
    return value;
  }
}

type HistoryIndex = Map<string, Record<string, unknown>>;
const historyCache = new StatCache<HistoryIndex>(32);
const modelTagCache = new StatCache<string | undefined>(256);

/** HistoryItems by id, from an array or an object holding one (Cline taskHistory.json, Roo _index.json). */
async function loadHistory(file: string): Promise<HistoryIndex> {
  const index: HistoryIndex = new Map();
  const data = await readJson(file);
  const lists = Array.isArray(data) ? [data] : isObj(data) ? Object.values(data).filter(Array.isArray) : [];
  for (const list of lists) for (const item of list) if (isObj(item) && typeof item.id === 'string') index.set(item.id, item);
  return index;
}

function projectOf(item: Record<string, unknown> | undefined): string {
  const cwd = item?.cwdOnTaskInitialization ?? item?.workspace;
  return typeof cwd === 'string' ? cwd : '';
}

async function historyItem(taskDir: string, base: string, taskId: string): Promise<Record<string, unknown> | undefined> {
  const own = await readJson(path.join(taskDir, 'history_item.json')); // Roo
  if (isObj(own)) return own;
  for (const f of [path.join(base, 'state', 'taskHistory.json'), path.join(base, 'tasks', '_index.json')]) {
    const item = (await historyCache.get(f, loadHistory, new Map())).get(taskId);
    if (item) return item;
  }
  return undefined;
}

/**
 * The last `<model>…</model>` tag in a (possibly huge) api_conversation_history.json, found by
 * reading backwards from the end in chunks, so only the tail of the file is usually read.
 */
export async function lastModelTag(file: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = (await handle.stat()).size;
    const CHUNK = 256 * 1024;
    const OVERLAP = 512; // a tag split across two chunks is still found whole
    const floor = Math.max(0, size - MODEL_TAG_SCAN_BYTES);
    let end = size;
    let carry = Buffer.alloc(0);
    while (end > floor) {
      const start = Math.max(floor, end - CHUNK);
      const chunk = Buffer.alloc(end - start);
      await handle.read(chunk, 0, chunk.length, start);
      const buf = Buffer.concat([chunk, carry.subarray(0, OVERLAP)]);
      let at = buf.length;
      while ((at = buf.lastIndexOf('<model>', at - 1)) >= 0) {
        const close = buf.indexOf('</model>', at);
        if (close > at) {
          const id = buf.toString('utf8', at + 7, close).trim();
          if (id && id.length < 200) return id;
        }
        if (at === 0) break;
      }
      carry = chunk;
      end = start;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

interface ModelUsage {
  ts: number;
  model: string;
}

async function clineModelUsage(taskDir: string): Promise<ModelUsage[]> {
  const meta = await readJson(path.join(taskDir, 'task_metadata.json'));
  const list = isObj(meta) && Array.isArray(meta.model_usage) ? meta.model_usage : [];
  const out: ModelUsage[] = [];
  for (const u of list) {
    const ts = isObj(u) ? toMs(u.ts) : undefined;
    if (isObj(u) && ts !== undefined && typeof u.model_id === 'string' && u.model_id) out.push({ ts, model: u.model_id });
  }
  return out.sort((a, b) => a.ts - b.ts);
}

/** The model in use at `ts`: the last switch at or before it (or the first one, for earlier requests). */
function modelAt(usage: ModelUsage[], ts: number): string | undefined {
  let found: string | undefined;
  for (const u of usage) {
    if (u.ts <= ts) found = u.model;
    else break;
  }
  return found ?? usage[0]?.model;
}

// ---------------------------------------------------------------------------------------------
// Importers

async function listTaskFiles(roots: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = async (file: string) => {
    let real: string;
    try {
      if (!(await fs.stat(file)).isFile()) return;
      real = await fs.realpath(file);
    } catch {
      return;
    }
    // The same task folder reached through two roots (symlinks) is read once.
    if (seen.has(real)) return;
    seen.add(real);
    out.push(file);
  };
  const addTasksDir = async (tasksDir: string) => {
    let names: string[];
    try {
      names = (await fs.readdir(tasksDir)).sort();
    } catch {
      return;
    }
    for (const n of names) await add(path.join(tasksDir, n, 'ui_messages.json'));
  };
  for (const root of roots) {
    let st;
    try {
      st = await fs.stat(root);
    } catch {
      continue;
    }
    if (st.isFile()) {
      if (path.basename(root) === 'ui_messages.json') await add(root);
    } else if (path.basename(root) === 'tasks') {
      await addTasksDir(root);
    } else {
      await addTasksDir(path.join(root, 'tasks'));
      await add(path.join(root, 'ui_messages.json'));
    }
  }
  return out;
}

async function readTaskFile(flavor: Flavor, file: string, cursor: FileCursor | undefined): Promise<FileReadResult> {
  const taskDir = path.dirname(file);
  const taskId = path.basename(taskDir);
  let parsed: ParsedMessages | undefined;
  const res = await readWholeFile(file, cursor, (content) => {
    parsed = parseUiMessages(content, taskId);
    return { records: [], skipped: parsed.skipped };
  });
  if (!parsed) return res; // unchanged
  const base = path.dirname(path.dirname(taskDir));
  const item = await historyItem(taskDir, base, taskId);
  const project = projectOf(item);
  let modelFor: (e: UsageEntry) => string | undefined;
  if (flavor.source === 'cline') {
    const usage = parsed.entries.some((e) => !e.modelId) ? await clineModelUsage(taskDir) : [];
    const fallback = typeof item?.modelId === 'string' ? item.modelId : undefined;
    modelFor = (e) => e.modelId ?? modelAt(usage, e.ts) ?? fallback;
  } else {
    // Roo and Kilo log no per-request model: the last one named in the environment details.
    const hist = path.join(taskDir, 'api_conversation_history.json');
    const tag = parsed.entries.some((e) => !e.modelId) ? await modelTagCache.get(hist, lastModelTag, undefined) : undefined;
    modelFor = (e) => e.modelId ?? tag;
  }
  const records = parsed.entries.map((e): UsageRecord => {
    const r: UsageRecord = {
      source: flavor.source,
      dedupeKey: e.key,
      ts: e.ts,
      project,
      modelRaw: modelFor(e) ?? 'unknown',
      sessionId: taskId,
      inputTokens: uncachedInput(flavor.source, e),
      outputTokens: e.tokensOut,
      cacheReadTokens: e.cacheReads,
      cacheWriteTokens: e.cacheWrites,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
    };
    if (e.cost !== undefined) r.reportedCost = e.cost;
    return r;
  });
  let cursorOut = res.cursor;
  if (parsed.lastInFlight && Date.now() - res.cursor.mtimeMs < IN_FLIGHT_WINDOW_MS) {
    // -1 never matches a real mtime: the file is read again next time, when the request may be done.
    cursorOut = { ...res.cursor, mtimeMs: -1 };
  }
  return { ...res, records, cursor: cursorOut };
}

function makeImporter(flavor: Flavor): Importer {
  return {
    source: flavor.source,
    label: flavor.label,
    roots(ctx: SourceContext): string[] {
      const p = pathApi(ctx);
      const storages = [...(ctx.editorStorageRoots ?? []), ...vscodeGlobalStorageDirs(ctx)];
      const all = [...storages.map((s) => p.join(s, flavor.extId)), ...flavor.ownRoots(ctx), ...(ctx.extraPaths[flavor.source] ?? [])];
      return [...new Set(all)];
    },
    // Only the task files: the extension's storage also holds checkpoint repositories (busy git folders).
    watch(root: string): WatchTarget[] {
      if (path.basename(root) === 'tasks') return [{ base: root, glob: '*/ui_messages.json' }];
      return [
        { base: path.join(root, 'tasks'), glob: '*/ui_messages.json' },
        { base: root, glob: 'ui_messages.json' },
      ];
    },
    listFiles(roots: string[]): Promise<string[]> {
      return listTaskFiles(roots);
    },
    readFile(file: string, cursor: FileCursor | undefined): Promise<FileReadResult> {
      return readTaskFile(flavor, file, cursor);
    },
  };
}

export const clineImporter = makeImporter({
  source: 'cline',
  label: 'Cline',
  extId: 'saoudrizwan.claude-dev',
  // Cline CLI / JetBrains: ${CLINE_DATA_DIR:-${CLINE_DIR:-~/.cline}/data}
  ownRoots: (ctx) => {
    const p = pathApi(ctx);
    return [ctx.env.CLINE_DATA_DIR || p.join(ctx.env.CLINE_DIR || p.join(ctx.home, '.cline'), 'data')];
  },
});

export const rooCodeImporter = makeImporter({
  source: 'roo-code',
  label: 'Roo Code',
  extId: 'rooveterinaryinc.roo-cline',
  // `roo-cline.customStoragePath` relocates everything: it comes in through extraPaths['roo-code'].
  ownRoots: () => [],
});

export const kiloCodeImporter = makeImporter({
  source: 'kilo-code',
  label: 'Kilo Code',
  extId: 'kilocode.kilo-code',
  ownRoots: () => [],
});

