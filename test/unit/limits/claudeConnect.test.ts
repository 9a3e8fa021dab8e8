// Connect / Disconnect Claude Code Limits on real settings files, and the wrapper run by a real
// shell around a real status line command, exactly as Claude Code runs it (`sh -c <command>`).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { applyConnect, applyDisconnect, claudeSettingsFile, connectWarnings, planConnect, planDisconnect, wrapperScript, type ConnectPaths } from '../../../src/core/limits/claudeConnect';
import { readStatusLineSnapshot } from '../../../src/core/importers/claudeStatusLine';
import { tempDir } from '../../support/tempDir';

const INPUT = JSON.stringify({
  session_id: 'abc123', transcript_path: '/home/u/.claude/projects/-home-u-app/abc123.jsonl', cwd: '/home/u/app', version: '2.1.90', model: { id: 'claude-opus-4-8', display_name: 'Opus' },
  rate_limits: { five_hour: { used_percentage: 23.5, resets_at: 1738425600 }, seven_day: { used_percentage: 41.2, resets_at: 1738857600 } },
}) + '\n';

/** Runs a statusLine command as Claude Code does: through a shell, the JSON on stdin. */
function runStatusLine(command: string, stdin: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', command], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (err += b));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out, err }));
    p.stdin.on('error', () => undefined); // a command that never reads its input may exit first (EPIPE)
    p.stdin.end(stdin);
  });
}

describe('Connect Claude Code Limits', () => {
  let root: string;
  let paths: ConnectPaths;
  beforeEach(async () => {
    root = await tempDir();
    paths = { settingsFile: path.join(root, '.claude', 'settings.json'), dir: path.join(root, 'data', 'claude-statusline') };
    await fs.mkdir(path.dirname(paths.settingsFile), { recursive: true });
  });
  const commandIn = async () => JSON.parse(await fs.readFile(paths.settingsFile, 'utf8')).statusLine.command as string;

  it('wraps the user command; the status line prints the same, the limits are saved; Disconnect restores the file byte for byte', async () => {
    // A real user script reading stdin, with $schema, odd key order, tabs and CRLF kept as they are.
    const script = path.join(root, 'my statusline.sh');
    await fs.writeFile(script, '#!/bin/sh\ninput=$(cat)\nprintf "[%s] %s" "$(printf %s "$input" | grep -o \'"display_name":"[^"]*"\' | cut -d\\" -f4)" "$1"\nexit 3\n', { mode: 0o755 });
    const userCommand = `${script.replace(/ /g, '\\ ')} "it's mine"`;
    const original = `{\r\n\t"$schema": "https://json.schemastore.org/claude-code-settings.json",\r\n\t"model": "opus",\r\n\t"statusLine": {\r\n\t\t"padding": 0,\r\n\t\t"type": "command",\r\n\t\t"command": ${JSON.stringify(userCommand)}\r\n\t},\r\n\t"theme": "dark"\r\n}\r\n`;
    await fs.writeFile(paths.settingsFile, original, { mode: 0o600 });
    const direct = await runStatusLine(userCommand, INPUT);
    assert.deepEqual([direct.code, direct.out], [3, "[Opus] it's mine"]);

    const plan = planConnect(original, paths);
    assert.equal(plan.originalCommand, userCommand);
    assert.equal(plan.after.replace(JSON.stringify(plan.command), JSON.stringify(userCommand)), original, 'only the command string changed');
    const { backup } = await applyConnect(plan, paths);
    assert.equal(await fs.readFile(backup!, 'utf8'), original);
    assert.equal((await fs.stat(paths.settingsFile)).mode & 0o777, 0o600, 'permissions kept');

    const wrapped = await runStatusLine(await commandIn(), INPUT);
    assert.deepEqual([wrapped.code, wrapped.out, wrapped.err], [3, "[Opus] it's mine", ''], 'same output and exit code');
    const snapshot = path.join(paths.dir, 'latest.json');
    assert.equal(await fs.readFile(snapshot, 'utf8'), INPUT, 'the exact bytes were saved');
    const read = await readStatusLineSnapshot(snapshot, undefined);
    assert.deepEqual(read.limits!.map((o) => [o.window, o.usedPercent, o.resetsAt]), [['300', 23.5, 1738425600_000], ['10080', 41.2, 1738857600_000]]);
    assert.deepEqual((await fs.readdir(paths.dir)).sort(), ['claude-statusline.sh', 'connection.json', 'latest.json'], 'no temp files left');

    // Input without rate_limits (an API-key session) leaves the saved limits alone.
    await runStatusLine(await commandIn(), JSON.stringify({ session_id: 'x', model: { display_name: 'Sonnet' } }));
    assert.equal(await fs.readFile(snapshot, 'utf8'), INPUT);

    const undo = await planDisconnect(paths);
    assert.equal(undo!.exact, true);
    await applyDisconnect(undo!, paths);
    assert.equal(await fs.readFile(paths.settingsFile, 'utf8'), original, 'byte-identical after the round trip');
    assert.equal(await planDisconnect(paths), null, 'nothing left to undo');
  });

  it('when our part fails, the user command still runs with its input and prints its output', async () => {
    // The wrapper saving into a folder that cannot be created (a file stands where it should be).
    const broken = path.join(root, 'blocked', 'claude-statusline');
    await fs.writeFile(path.join(root, 'blocked'), 'not a folder');
    const wrapper = path.join(root, 'wrapper.sh');
    await fs.writeFile(wrapper, wrapperScript(broken));
    const out = await runStatusLine(`sh '${wrapper}' 'cat | wc -c'`, INPUT);
    assert.deepEqual([out.code, out.out.trim()], [0, String(Buffer.byteLength(INPUT))], 'the whole input reached the user command');
    // A user command that fails keeps its exit code and its stderr.
    const failing = await runStatusLine(`sh '${wrapper}' 'echo oops >&2; exit 7'`, INPUT);
    assert.deepEqual([failing.code, failing.err], [7, 'oops\n']);
    // No user command: the status line stays blank, as before.
    const blank = await runStatusLine(`sh '${wrapper}'`, INPUT);
    assert.deepEqual([blank.code, blank.out], [0, '']);
  });

  it('a missing file or one without statusLine: Connect adds it, Disconnect takes exactly that away', async () => {
    const plain = '{\n    "model": "sonnet"\n}\n';
    await fs.writeFile(paths.settingsFile, plain);
    const plan = planConnect(plain, paths);
    assert.equal(plan.originalCommand, null);
    assert.match(plan.after, /^\{\n    "model": "sonnet",\n    "statusLine": \{\n        "type": "command",\n        "command": "sh '[^']+claude-statusline\.sh'"\n    \}\n\}\n$/);
    await applyConnect(plan, paths);
    const blank = await runStatusLine(await commandIn(), INPUT);
    assert.deepEqual([blank.code, blank.out], [0, '']);
    await applyDisconnect((await planDisconnect(paths))!, paths);
    assert.equal(await fs.readFile(paths.settingsFile, 'utf8'), plain);

    await fs.rm(paths.settingsFile);
    await applyConnect(planConnect(null, paths), paths);
    await applyDisconnect((await planDisconnect(paths))!, paths);
    await assert.rejects(fs.stat(paths.settingsFile), /ENOENT/, 'the file we created is removed again');
  });

  it('edits made since Connect are kept: Disconnect then undoes only the command', async () => {
    const original = JSON.stringify({ statusLine: { type: 'command', command: 'echo hi' } }, null, 2);
    await fs.writeFile(paths.settingsFile, original);
    await applyConnect(planConnect(original, paths), paths);
    const edited = (await fs.readFile(paths.settingsFile, 'utf8')).replace('{', '{\n  "theme": "light",');
    await fs.writeFile(paths.settingsFile, edited);
    const undo = (await planDisconnect(paths))!;
    assert.equal(undo.exact, false);
    await applyDisconnect(undo, paths);
    assert.deepEqual(JSON.parse(await fs.readFile(paths.settingsFile, 'utf8')), { theme: 'light', statusLine: { type: 'command', command: 'echo hi' } });
  });

  it('refuses a broken settings file, a second Connect, and a file changed while the diff was shown', async () => {
    assert.throws(() => planConnect('{ "statusLine": ', paths), /is not a valid settings file/);
    await fs.writeFile(paths.settingsFile, '{}');
    const plan = planConnect('{}', paths);
    await fs.writeFile(paths.settingsFile, '{ }');
    await assert.rejects(applyConnect(plan, paths), /changed while the diff was shown/);
    await applyConnect(planConnect('{ }', paths), paths);
    assert.throws(() => planConnect(plan.after, paths), /already connected/);
  });

  it('finds the settings file and warns about settings that would skip the wrapper', async () => {
    assert.equal(claudeSettingsFile({}, '/home/u'), path.join('/home/u', '.claude', 'settings.json'));
    assert.equal(claudeSettingsFile({ CLAUDE_CONFIG_DIR: '/cfg/claude,/other' }, '/home/u'), path.join('/cfg/claude', 'settings.json'));
    assert.equal(claudeSettingsFile({ CLAUDE_CONFIG_DIR: '/cfg/claude/projects' }, '/home/u'), path.join('/cfg/claude', 'settings.json'));
    const ws = path.join(root, 'ws');
    await fs.mkdir(path.join(ws, '.claude'), { recursive: true });
    await fs.writeFile(path.join(ws, '.claude', 'settings.local.json'), '{ "statusLine": { "type": "command", "command": "x" } }');
    const w = await connectWarnings([ws], 'linux', '{ "disableAllHooks": true }');
    assert.equal(w.length, 2);
    assert.match(w[0], /settings\.local\.json sets its own statusLine/);
    assert.match(w[1], /disableAllHooks/);
  });
});
