// Connect Claude Code Limits: Claude Code hands its plan limits only to the statusLine command
// (limits-and-plans.md §3). Connecting wraps the user's statusLine command in
// `~/.claude/settings.json` with a small POSIX shell script that saves the JSON it receives into
// our data folder, then runs the user's command unchanged with the same input and prints its
// output. Disconnecting restores the file byte for byte when nothing else changed it since, and
// otherwise undoes just our edit. Only the `statusLine.command` string is touched (jsonc-parser
// edits text in place, so `$schema`, key order and indentation stay as they were).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { applyEdits, findNodeAtLocation, modify, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { splitPathList } from '../importers/listing';
import { STATUSLINE_DIR } from '../importers/claudeStatusLine';

export const WRAPPER_NAME = 'claude-statusline.sh';
const STATE_NAME = 'connection.json';

export interface ConnectPaths {
  /** Claude Code's user settings file. */
  settingsFile: string;
  /** Our folder: the wrapper script, the saved input (latest.json) and the connection record. */
  dir: string;
}

/** Claude Code's user settings: the first `$CLAUDE_CONFIG_DIR` (a config folder or its projects/), else `~/.claude`. */
export function claudeSettingsFile(env: Record<string, string | undefined>, home: string): string {
  const first = splitPathList(env.CLAUDE_CONFIG_DIR)[0];
  const dir = first ? (path.basename(first) === 'projects' ? path.dirname(first) : first.replace(/^~(?=$|[\\/])/, home)) : path.join(home, '.claude');
  return path.join(dir, 'settings.json');
}

/** Single-quoted for sh: the only character to escape is the quote itself. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Forward slashes: Claude Code on Windows runs the command in Git Bash, which eats backslashes. */
const slashes = (p: string) => p.replace(/\\/g, '/');

/**
 * The wrapper. It reads stdin once into a temp file, keeps a copy as latest.json when it holds
 * `rate_limits` (atomically: copy, then rename), then runs the user's command (its first
 * argument) on that same input and exits with its status. If our folder cannot be written, the
 * input has not been read yet: the user's command gets it untouched. No network, no Node.
 */
export function wrapperScript(dir: string): string {
  return `#!/bin/sh
# AI Usage Dashboard: Claude Code status line wrapper (AI Usage: Connect Claude Code Limits).
# Saves the JSON Claude Code passes on stdin (it holds your plan's rate limits) to
# ${slashes(dir)}/latest.json, then runs your own status line command (the first argument)
# with the same input and prints its output. If saving fails, your command still runs.
# Undo with "AI Usage: Disconnect Claude Code Limits".
dir=${shellQuote(slashes(dir))}
tmp="$dir/.input.$$"
if mkdir -p "$dir" 2>/dev/null && cat > "$tmp" 2>/dev/null; then
  if grep -q '"rate_limits"' "$tmp" 2>/dev/null; then
    cp "$tmp" "$dir/.latest.$$" 2>/dev/null && mv -f "$dir/.latest.$$" "$dir/latest.json" 2>/dev/null
  fi
  status=0
  if [ -n "$1" ]; then
    sh -c "$1" < "$tmp"
    status=$?
  fi
  rm -f "$tmp" "$dir/.latest.$$" 2>/dev/null
  exit $status
fi
rm -f "$tmp" 2>/dev/null
if [ -n "$1" ]; then exec sh -c "$1"; fi
exit 0
`;
}

/** The statusLine command that runs the wrapper around `original` (none: the line stays blank, as before). */
export function wrapperCommand(dir: string, original: string | null): string {
  const base = `sh ${shellQuote(slashes(path.join(dir, WRAPPER_NAME)))}`;
  return original ? `${base} ${shellQuote(original)}` : base;
}

export interface ConnectPlan {
  settingsFile: string;
  /** The file now (null: there is none). */
  before: string | null;
  /** The file once connected. */
  after: string;
  /** The user's statusLine command, if any. */
  originalCommand: string | null;
  command: string;
}

/** What Disconnect needs, kept in our folder. */
interface ConnectionRecord {
  settingsFile: string;
  before: string | null;
  after: string;
  /** The exact JSON text of the original command string (to put back even if the file changed). */
  originalToken: string | null;
  command: string;
  connectedAt: number;
}

function parse(text: string, file: string) {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length || !root || root.type !== 'object') {
    const e = errors[0];
    throw new Error(`${file} is not a valid settings file${e ? ` (${printParseErrorCode(e.error)} at offset ${e.offset})` : ''}; fix it first (Claude Code reports it as a Settings Error too).`);
  }
  return root;
}

function indentOf(text: string): { insertSpaces: boolean; tabSize: number } {
  const m = /\n([ \t]+)"/.exec(text);
  if (m && m[1].startsWith('\t')) return { insertSpaces: false, tabSize: 1 };
  return { insertSpaces: true, tabSize: m ? m[1].length : 2 };
}

export function isOurCommand(command: unknown, dir: string): boolean {
  return typeof command === 'string' && command.startsWith(wrapperCommand(dir, null));
}

/** The edit Connect would make. Throws (plain words) when the file cannot be edited safely. */
export function planConnect(before: string | null, paths: ConnectPaths): ConnectPlan {
  if (before === null || before.trim() === '') {
    const command = wrapperCommand(paths.dir, null);
    const after = `${JSON.stringify({ statusLine: { type: 'command', command } }, null, 2)}\n`;
    return { settingsFile: paths.settingsFile, before, after, originalCommand: null, command };
  }
  const root = parse(before, paths.settingsFile);
  const node = findNodeAtLocation(root, ['statusLine', 'command']);
  const original = node && node.type === 'string' ? (node.value as string) : null;
  if (isOurCommand(original, paths.dir)) throw new Error('Claude Code Limits are already connected.');
  const command = wrapperCommand(paths.dir, original);
  let after: string;
  if (node && node.type === 'string') {
    after = before.slice(0, node.offset) + JSON.stringify(command) + before.slice(node.offset + node.length);
  } else {
    const statusLine = findNodeAtLocation(root, ['statusLine']);
    const formattingOptions = { ...indentOf(before), eol: before.includes('\r\n') ? '\r\n' : '\n' };
    if (statusLine?.type === 'object') {
      after = applyEdits(before, modify(before, ['statusLine', 'command'], command, { formattingOptions }));
      if (!findNodeAtLocation(parseTree(after)!, ['statusLine', 'type'])) after = applyEdits(after, modify(after, ['statusLine', 'type'], 'command', { formattingOptions }));
    } else {
      after = applyEdits(before, modify(before, ['statusLine'], { type: 'command', command }, { formattingOptions }));
    }
  }
  return { settingsFile: paths.settingsFile, before, after, originalCommand: original, command };
}

/** Writes a file atomically beside itself, keeping the old file's permissions. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const mode = await fs.stat(file).then((s) => s.mode & 0o777, () => undefined);
  const tmp = `${file}.ai-usage-${process.pid}.tmp`;
  await fs.writeFile(tmp, text, mode === undefined ? undefined : { mode });
  await fs.rename(tmp, file);
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Applies a plan made moments ago: refuses if the file changed meanwhile. Keeps a backup beside the settings file. */
export async function applyConnect(plan: ConnectPlan, paths: ConnectPaths): Promise<{ backup: string | null }> {
  const now = await readOrNull(plan.settingsFile);
  if (now !== plan.before) throw new Error(`${plan.settingsFile} changed while the diff was shown; run Connect Claude Code Limits again.`);
  await fs.mkdir(paths.dir, { recursive: true });
  const wrapper = path.join(paths.dir, WRAPPER_NAME);
  await writeAtomic(wrapper, wrapperScript(paths.dir));
  await fs.chmod(wrapper, 0o755);
  let backup: string | null = null;
  if (plan.before !== null) {
    backup = `${plan.settingsFile}.before-ai-usage`;
    await fs.writeFile(backup, plan.before);
  }
  let originalToken: string | null = null;
  if (plan.before !== null && plan.originalCommand !== null) {
    const node = findNodeAtLocation(parseTree(plan.before)!, ['statusLine', 'command'])!;
    originalToken = plan.before.slice(node.offset, node.offset + node.length);
  }
  const record: ConnectionRecord = { settingsFile: plan.settingsFile, before: plan.before, after: plan.after, originalToken, command: plan.command, connectedAt: Date.now() };
  await writeAtomic(path.join(paths.dir, STATE_NAME), JSON.stringify(record));
  await fs.mkdir(path.dirname(plan.settingsFile), { recursive: true });
  await writeAtomic(plan.settingsFile, plan.after);
  return { backup };
}

export interface DisconnectPlan {
  settingsFile: string;
  before: string;
  /** null: delete the file (Connect created it and nothing else was added). */
  after: string | null;
  /** The file is exactly as Connect left it, so the original comes back byte for byte. */
  exact: boolean;
}

/** What Disconnect would do, or null when Claude Code Limits are not connected. */
export async function planDisconnect(paths: ConnectPaths): Promise<DisconnectPlan | null> {
  const record = JSON.parse((await readOrNull(path.join(paths.dir, STATE_NAME))) ?? 'null') as ConnectionRecord | null;
  const file = record?.settingsFile ?? paths.settingsFile;
  const now = await readOrNull(file);
  if (now === null) return null;
  if (record && now === record.after) return { settingsFile: file, before: now, after: record.before, exact: true };
  // Changed since: undo only our edit, if it is still there.
  const root = parse(now, file);
  const node = findNodeAtLocation(root, ['statusLine', 'command']);
  if (!node || !isOurCommand(node.value, paths.dir)) return null;
  let after: string;
  if (record?.originalToken) after = now.slice(0, node.offset) + record.originalToken + now.slice(node.offset + node.length);
  else {
    const original = /^sh '[^']*' (.+)$/s.exec(node.value as string)?.[1];
    after = original
      ? now.slice(0, node.offset) + JSON.stringify(original.slice(1, -1).replace(/'\\''/g, "'")) + now.slice(node.offset + node.length)
      : applyEdits(now, modify(now, ['statusLine'], undefined, { formattingOptions: indentOf(now) }));
  }
  return { settingsFile: file, before: now, after, exact: false };
}

export async function applyDisconnect(plan: DisconnectPlan, paths: ConnectPaths): Promise<void> {
  const now = await readOrNull(plan.settingsFile);
  if (now !== plan.before) throw new Error(`${plan.settingsFile} changed meanwhile; run Disconnect Claude Code Limits again.`);
  if (plan.after === null) await fs.rm(plan.settingsFile, { force: true });
  else await writeAtomic(plan.settingsFile, plan.after);
  await fs.rm(path.join(paths.dir, STATE_NAME), { force: true });
  await fs.rm(path.join(paths.dir, WRAPPER_NAME), { force: true });
}

/**
 * Settings that keep the wrapper from running (limits-and-plans.md §3): a statusLine in a
 * project's or managed settings wins over the user's; disableAllHooks / allowManagedHooksOnly
 * skip the user's statusLine silently. Returns one sentence per finding.
 */
export async function connectWarnings(workspaceFolders: readonly string[], platform: NodeJS.Platform, userSettings: string | null): Promise<string[]> {
  const out: string[] = [];
  const managed =
    platform === 'darwin' ? '/Library/Application Support/ClaudeCode/managed-settings.json' : platform === 'win32' ? 'C:\\ProgramData\\ClaudeCode\\managed-settings.json' : '/etc/claude-code/managed-settings.json';
  const files = [...workspaceFolders.flatMap((f) => [path.join(f, '.claude', 'settings.json'), path.join(f, '.claude', 'settings.local.json')]), managed];
  for (const file of files) {
    const text = await readOrNull(file).catch(() => null);
    if (text === null) continue;
    let root;
    try {
      root = parseTree(text);
    } catch {
      continue;
    }
    if (!root) continue;
    if (findNodeAtLocation(root, ['statusLine'])) out.push(`${file} sets its own statusLine, which replaces yours there: limits are not saved in sessions it applies to.`);
    if (file === managed && findNodeAtLocation(root, ['disableAllHooks'])?.value === true) out.push(`${file} sets disableAllHooks: Claude Code shows no status line at all.`);
  }
  if (userSettings) {
    try {
      const root = parseTree(userSettings);
      for (const key of ['disableAllHooks', 'allowManagedHooksOnly']) {
        if (root && findNodeAtLocation(root, [key])?.value === true) out.push(`Your settings set ${key}: Claude Code then runs only a managed statusLine, so the wrapper is skipped.`);
      }
    } catch {
      // reported by planConnect
    }
  }
  return out;
}

export const STATUSLINE_STATE = { dir: STATUSLINE_DIR, wrapper: WRAPPER_NAME, state: STATE_NAME };
