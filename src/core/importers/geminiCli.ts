// Gemini CLI: `~/.gemini/tmp/<project>/chats/` session logs (google-gemini/gemini-cli,
// `services/chatRecordingService.ts`, `chatRecordingTypes.ts`).
//
// - JSONL sessions (`session-<time>-<id8>.jsonl`, subagents `chats/<parentId>/<id>.jsonl`): a
//   metadata line `{sessionId, projectHash, startTime, kind}`, message lines `{id, timestamp,
//   type, tokens?, model?}`, `{"$set": …}` and `{"$rewindTo": id}`. A message is re-appended in
//   full whenever it changes (tokens usually arrive in a later copy), so the LAST copy per
//   `sessionId + id` wins. Within one read we keep the last copy ourselves; across reads the
//   store keeps the copy with the larger total (a later copy never has fewer tokens).
// - `$rewindTo` removes messages from the conversation, but their tokens were billed: ignored.
// - `$set.messages` (history sync, `updateMessagesFromHistory`) rewrites the whole conversation;
//   Gemini CLI's loader takes that list as the conversation. Its entries are read like message
//   lines, under the same `sessionId + id` key, so a message in both places counts once and the
//   last copy wins; a message whose tokens were recorded only there is counted too.
// - Older builds wrote one JSON document per session (`session-*.json`), rewritten whole.
//   Resuming one copies every message into `<same name>.jsonl`; same sessionId + id, so the
//   store deduplicates across the two files.
// - Projects: the folder name is a slug (`projects.json` maps path → slug; `<slug>/.project_root`
//   holds the path) or, for legacy folders, sha256(project root). Legacy hashes are matched by
//   hashing every root we know (projects.json, `.project_root` files, open workspace folders).
// - `GEMINI_CLI_HOME` replaces the home folder (`utils/paths.ts` `homedir()`).
// Tokens: see `normalizeGeminiCounts` (cached ⊂ input only when `total` proves it; thoughts are
// billed as output, so they are folded into outputTokens and reported as reasoningTokens).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { UsageRecord } from '../model';
import { readJsonlIncrement, readWholeFile, unchanged, type JsonlParser } from './incremental';
import { digestHex } from './digest';
import { filesUnder } from './listing';
import {
  count,
  envDir,
  isObject,
  parseObject,
  keepLastPerKey,
  normalizeGeminiCounts,
  parseTime,
  pathApi,
  uniq,
} from './toolImportHelpers';
import type { FileCursor, FileReadResult, Importer, SourceContext, WatchTarget } from './types';

const SKIP_DIRS = new Set(['checkpoints', 'tool-outputs', 'logs', 'plans', 'tasks', 'tracker', 'bin', 'node_modules', '.git']);

interface GeminiState {
  sessionId: string;
  projectHash: string;
}

/** The `tmp/<project>` folder of a chat file (`<project>/chats/x` or `<project>/chats/<parent>/x`). */
function projectDirOf(file: string): string | undefined {
  let dir = path.dirname(file);
  for (let i = 0; i < 2; i++) {
    if (path.basename(dir) === 'chats') return path.dirname(dir);
    dir = path.dirname(dir);
  }
  return undefined;
}

/** Session id implied by the file name, used only when the metadata line is missing. */
function sessionIdFromName(file: string): string {
  const base = path.basename(file).replace(/\.jsonl?$/, '');
  const m = /^session-.*-([0-9a-zA-Z]{8})$/.exec(base);
  return m ? m[1]! : base;
}

export function isGeminiChatFile(file: string): boolean {
  const parts = file.split(/[\\/]/);
  const name = parts[parts.length - 1] ?? '';
  const inChats = parts[parts.length - 2] === 'chats' || parts[parts.length - 3] === 'chats';
  if (!inChats) return false;
  if (name.endsWith('.jsonl')) return true;
  return name.startsWith('session-') && name.endsWith('.json');
}

const sha256 = (text: string): string => digestHex('sha256', text);

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Turns a `tmp/<dir>` folder and a session's projectHash into the project's absolute path. */
class ProjectResolver {
  private readonly cache = new Map<string, Promise<string>>();
  /** Roots known from outside Gemini's files (open workspace folders), for legacy hash folders. */
  hintRoots: string[] = [];

  resolve(projectDir: string, projectHash: string): Promise<string> {
    const key = `${projectDir}\0${projectHash}`;
    let found = this.cache.get(key);
    if (!found) {
      found = this.lookup(projectDir, projectHash);
      this.cache.set(key, found);
    }
    return found;
  }

  clear(): void {
    this.cache.clear();
  }

  private async lookup(projectDir: string, projectHash: string): Promise<string> {
    const marker = (await readText(path.join(projectDir, '.project_root')))?.trim();
    if (marker) return marker;
    const tmpDir = path.dirname(projectDir);
    const geminiDir = path.dirname(tmpDir);
    const slug = path.basename(projectDir);
    const registry = await readRegistry(path.join(geminiDir, 'projects.json'));
    for (const [root, id] of registry) if (id === slug) return root;
    // Legacy folder (sha256 of the root) or a slug without marker: hash every root we know.
    const candidates = new Set<string>([...registry.map(([root]) => root), ...this.hintRoots]);
    for (const base of [tmpDir, path.join(geminiDir, 'history')]) {
      let names: string[] = [];
      try {
        names = await fs.readdir(base);
      } catch {
        continue;
      }
      for (const name of names) {
        const root = (await readText(path.join(base, name, '.project_root')))?.trim();
        if (root) candidates.add(root);
      }
    }
    const wanted = new Set([projectHash, slug].filter((h) => /^[0-9a-f]{64}$/.test(h)));
    if (wanted.size === 0) return '';
    for (const root of candidates) if (wanted.has(sha256(root))) return root;
    return '';
  }
}

async function readRegistry(file: string): Promise<Array<[string, string]>> {
  const text = await readText(file);
  if (!text) return [];
  try {
    const data: unknown = JSON.parse(text);
    if (!isObject(data) || !isObject(data['projects'])) return [];
    return Object.entries(data['projects']).filter((e): e is [string, string] => typeof e[1] === 'string');
  } catch {
    return [];
  }
}

/** One message (JSONL line or legacy array entry) to a record; [] when it carries no usage; 'skip' when broken. */
function messageRecord(msg: Record<string, unknown>, sessionId: string, project: string): UsageRecord[] | 'skip' {
  if (msg['type'] !== 'gemini' || !isObject(msg['tokens'])) return [];
  const t = msg['tokens'];
  const id = typeof msg['id'] === 'string' ? msg['id'] : undefined;
  const ts = parseTime(msg['timestamp']);
  const input = count(t['input']);
  const output = count(t['output']);
  if (!id || ts === undefined || input === undefined || output === undefined) return 'skip';
  const tokens = normalizeGeminiCounts(
    {
      prompt: input,
      candidates: output,
      cached: count(t['cached']) ?? 0,
      thoughts: count(t['thoughts']) ?? 0,
      tool: count(t['tool']) ?? 0,
      total: count(t['total']),
    },
    true,
  );
  return [
    {
      source: 'gemini-cli',
      dedupeKey: `${sessionId}:${id}`,
      ts,
      project,
      modelRaw: typeof msg['model'] === 'string' && msg['model'] ? msg['model'] : 'unknown',
      sessionId,
      ...tokens,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
    },
  ];
}

/** Records of a list of messages (a legacy session's `messages`, or a `$set.messages` list). */
function messagesRecords(messages: unknown[], sessionId: string, project: string): { records: UsageRecord[]; skipped: number } {
  const records: UsageRecord[] = [];
  let skipped = 0;
  for (const msg of messages) {
    const out = isObject(msg) ? messageRecord(msg, sessionId, project) : 'skip';
    if (out === 'skip') skipped++;
    else records.push(...out);
  }
  return { records, skipped };
}

function jsonlParser(fallbackSessionId: string, project: string): JsonlParser<GeminiState> {
  return {
    // No byte prefilter: the metadata line (session id) carries no "tokens".
    initialState: () => ({ sessionId: fallbackSessionId, projectHash: '' }),
    line(state, text) {
      if (!text.includes('"tokens"') && !text.includes('"sessionId"')) return [];
      const obj = parseObject(text);
      if (!obj) return 'skip';
      if (isObject(obj['$set'])) {
        const sid = obj['$set']['sessionId'];
        if (typeof sid === 'string' && sid) state.sessionId = sid;
        const messages = obj['$set']['messages'];
        if (!Array.isArray(messages)) return [];
        const { records, skipped } = messagesRecords(messages, state.sessionId, project);
        return records.length === 0 && skipped > 0 ? 'skip' : records;
      }
      if ('$rewindTo' in obj) return []; // billed tokens stay billed
      if (typeof obj['id'] !== 'string') {
        // Metadata line.
        if (typeof obj['sessionId'] === 'string' && obj['sessionId']) state.sessionId = obj['sessionId'];
        if (typeof obj['projectHash'] === 'string') state.projectHash = obj['projectHash'];
        return [];
      }
      return messageRecord(obj, state.sessionId, project);
    },
  };
}

function parseLegacyJson(doc: unknown, file: string, project: string): { records: UsageRecord[]; skipped: number } {
  if (!isObject(doc) || !Array.isArray(doc['messages'])) return { records: [], skipped: 1 };
  const sessionId = typeof doc['sessionId'] === 'string' && doc['sessionId'] ? doc['sessionId'] : sessionIdFromName(file);
  return messagesRecords(doc['messages'], sessionId, project);
}

/** Reads the metadata line's projectHash without parsing the rest of the file. */
async function firstLineHash(file: string): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const text = buf.toString('utf8', 0, bytesRead);
    const nl = text.indexOf('\n');
    const first = JSON.parse(nl >= 0 ? text.slice(0, nl) : text) as unknown;
    return isObject(first) && typeof first['projectHash'] === 'string' ? first['projectHash'] : '';
  } catch {
    return '';
  } finally {
    await handle.close();
  }
}

export class GeminiCliImporter implements Importer {
  readonly source = 'gemini-cli' as const;
  readonly label = 'Gemini CLI';
  private readonly projects = new ProjectResolver();

  roots(ctx: SourceContext): string[] {
    const p = pathApi(ctx);
    const homes = uniq([envDir(ctx, 'GEMINI_CLI_HOME'), ctx.home].filter((h): h is string => !!h));
    // Windows: %USERPROFILE%\.gemini, i.e. the same layout under ctx.home.
    return uniq([...homes.map((h) => p.join(h, '.gemini', 'tmp')), ...(ctx.extraPaths['gemini-cli'] ?? [])]);
  }

  watch(root: string): WatchTarget[] {
    return [{ base: root, glob: '**/*.{json,jsonl}' }];
  }

  async listFiles(roots: string[], ctx: SourceContext): Promise<string[]> {
    this.projects.clear();
    this.projects.hintRoots = ctx.workspaceFolders ?? [];
    return filesUnder(roots, isGeminiChatFile, { descend: (dir) => !SKIP_DIRS.has(path.basename(dir)) });
  }

  async readFile(file: string, cursor: FileCursor | undefined): Promise<FileReadResult> {
    const stat = await fs.stat(file);
    if (unchanged(stat, cursor)) return { records: [], cursor: cursor!, skipped: 0, bytesRead: 0, reread: false };
    const projectDir = projectDirOf(file);
    const project = (hash: string): Promise<string> => (projectDir ? this.projects.resolve(projectDir, hash) : Promise.resolve(''));

    if (file.endsWith('.json')) {
      // Rewritten whole: parse it here (the project lookup is async), then let readWholeFile keep the cursor.
      let doc: unknown;
      try {
        doc = JSON.parse(await fs.readFile(file, 'utf8'));
      } catch {
        doc = undefined;
      }
      const hash = isObject(doc) && typeof doc['projectHash'] === 'string' ? doc['projectHash'] : '';
      const proj = await project(hash);
      return readWholeFile(file, cursor, () => parseLegacyJson(doc, file, proj));
    }
    // The parser is synchronous: resolve the project from the cursor state or the metadata line first.
    const state = cursor?.state;
    const hash = isObject(state) && typeof state['projectHash'] === 'string' && state['projectHash'] ? state['projectHash'] : await firstLineHash(file);
    const result = await readJsonlIncrement(file, cursor, jsonlParser(sessionIdFromName(file), await project(hash)));
    return { ...result, records: keepLastPerKey(result.records) };
  }
}

export const geminiCliImporter = new GeminiCliImporter();
