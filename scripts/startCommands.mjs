// The commands `npm start` runs, each built as a program and an argument array and run without a
// shell, on Windows too: a folder path with spaces or `&` reaches the program as one argument and
// can never run a command. Windows' `.cmd` launchers (npm, VS Code's `code`) cannot start without
// cmd.exe, so they are resolved to the program they start: Node with npm's CLI script, Code.exe
// with VS Code's cli.js.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** A program and what it needs: no shell ever sits between it and its arguments. */
export function command(file, args = [], env = undefined) {
  return { file, args, env };
}

function isExecutableFile(file, platform) {
  try {
    if (!statSync(file).isFile()) return false;
    if (platform !== 'win32') accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `name` as a path, or looked up on PATH (with PATHEXT on Windows, where `code` is `code.cmd`). */
export function findOnPath(name, env = process.env, platform = process.platform) {
  if (name.includes('/') || name.includes('\\')) return isExecutableFile(name, platform) ? path.resolve(name) : undefined;
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const exts = platform === 'win32' ? ['', ...(env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)] : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      if (isExecutableFile(file, platform)) return file;
    }
  }
  return undefined;
}

/**
 * What VS Code's `code.cmd` runs: `"%~dp0..\Code.exe" "%~dp0..\resources\app\out\cli.js" [flags] %*`
 * with ELECTRON_RUN_AS_NODE=1 (the layout has varied: `START /B`, `call`, extra flags).
 */
export function vscodeCmdCommand(cmdFile, env = process.env) {
  const text = readFileSync(cmdFile, 'utf8');
  const m = /"%~dp0([^"]+\.exe)"\s+"%~dp0([^"]+\.js)"((?:\s+--?[\w-]+)*)\s+%\*/i.exec(text);
  if (!m) throw new Error(`${cmdFile} is not a VS Code launcher this script can run without a shell; set VSCODE_BIN to VS Code's code executable`);
  const dir = path.dirname(cmdFile);
  const local = (rel) => path.resolve(dir, rel.split('\\').join(path.sep));
  const cliEnv = { ...env, ELECTRON_RUN_AS_NODE: '1' };
  delete cliEnv.VSCODE_DEV;
  return command(local(m[1]), [local(m[2]), ...m[3].split(/\s+/).filter(Boolean)], cliEnv);
}

/** How to run a found VS Code command line: a `.cmd` launcher resolved, anything else as is. */
export function vscodeCommand(file, env = process.env) {
  return /\.(cmd|bat)$/i.test(file) ? vscodeCmdCommand(file, env) : command(file, [], env);
}

/** The first VS Code command line that answers `--version`: $VSCODE_BIN, code, code-insiders, codium. */
export function findVsCode(env = process.env, platform = process.platform) {
  for (const name of [env.VSCODE_BIN, 'code', 'code-insiders', 'codium'].filter(Boolean)) {
    const file = findOnPath(name, env, platform);
    if (!file) continue;
    let cli;
    try {
      cli = vscodeCommand(file, env);
    } catch {
      continue;
    }
    const r = spawnSync(cli.file, [...cli.args, '--version'], { stdio: 'ignore', env: cli.env });
    if (r.status === 0) return cli;
  }
  return undefined;
}

/** npm as Node running npm's own CLI script (`npm` is a `.cmd` on Windows). */
export function npmCommand(env = process.env, platform = process.platform, node = process.execPath) {
  // Set by npm for the scripts it runs (`npm start`).
  if (env.npm_execpath && /\.[cm]?js$/.test(env.npm_execpath)) return command(node, [env.npm_execpath]);
  if (platform === 'win32') return command(node, [path.win32.join(path.win32.dirname(node), 'node_modules', 'npm', 'bin', 'npm-cli.js')]);
  return command('npm');
}

/** Runs a command to completion with the terminal attached; throws with its name when it fails. */
export function runSync(cmd, args, opts = {}) {
  const r = spawnSync(cmd.file, [...cmd.args, ...args], { stdio: 'inherit', env: cmd.env ?? process.env, ...opts, shell: false });
  if (r.error) throw new Error(`${path.basename(cmd.file)} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${path.basename(cmd.file)} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** Installs the .vsix into VS Code and opens a new window on `folder`. */
export function openInVsCode(cli, vsix, folder, opts = {}) {
  runSync(cli, ['--install-extension', vsix, '--force'], opts);
  runSync(cli, ['--new-window', folder], opts);
}

/** code-server with its own folders and config file (it would otherwise read and write ~/.config/code-server). */
export function codeServerCommand({ node, codeServer, userDataDir, extensionsDir, configFile, env = process.env }) {
  return command(node, [codeServer, '--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir], env);
}

/** The config file code-server reads (flags and PASSWORD override it); written readable by its owner only. */
export const CODE_SERVER_CONFIG = 'auth: password\ncert: false\n';

/**
 * The server on 127.0.0.1:`port` behind a random password: other users of a shared machine can
 * reach the port, so it must not hand out a shell. The password goes in the environment
 * (PASSWORD, which code-server reads and then removes), never in the arguments that `ps` shows
 * to every user.
 */
export function passwordProtectedServer(codeServer, port) {
  const password = randomBytes(18).toString('base64url');
  const args = [...codeServer.args, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'password', '--disable-telemetry', '--disable-update-check'];
  return { cmd: command(codeServer.file, args, { ...(codeServer.env ?? process.env), PASSWORD: password }), password };
}
