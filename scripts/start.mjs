// `npm start`: builds and packages the extension, then opens it in VS Code with the dashboard.
//
// - Where a VS Code command line exists (`code`, `code-insiders`, `codium`, or $VSCODE_BIN), it
//   installs the freshly built ai-usage-dashboard.vsix and opens a window on the folder given
//   (default: the current one).
// - Elsewhere (a server, a container), it starts the same VS Code workbench the end-to-end tests
//   use — code-server, installed into .e2e/ on first use — with the .vsix installed, on
//   127.0.0.1, and prints the address to open in a browser. Ctrl+C stops it.
//
//   npm start [-- <folder>]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const folder = path.resolve(process.argv[2] ?? process.cwd());
const vsix = path.join(repo, 'ai-usage-dashboard.vsix');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: repo, ...opts });
  if (r.status !== 0) {
    console.error(`${cmd} ${args.join(' ')} failed`);
    process.exit(r.status ?? 1);
  }
}

function findVsCode() {
  const candidates = [process.env.VSCODE_BIN, 'code', 'code-insiders', 'codium'].filter(Boolean);
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' });
    if (r.status === 0) return c;
  }
  return undefined;
}

run('npm', ['run', 'package'], { shell: process.platform === 'win32' });

const code = findVsCode();
if (code) {
  run(code, ['--install-extension', vsix, '--force'], { shell: process.platform === 'win32' });
  run(code, ['--new-window', folder], { shell: process.platform === 'win32' });
  console.log(`Opened ${folder} in VS Code. Run "AI Usage: Show Usage Dashboard" from the command palette.`);
  process.exit(0);
}

// No VS Code here: the web workbench from the test harness.
const { CODE_SERVER, NODE24_BIN, isSetUp, setup } = await import('../test/e2e/setup.mjs');
if (!isSetUp()) {
  console.log('No VS Code command line found: installing the web workbench (code-server) into .e2e/, once (~3 min)…');
  setup();
}
const home = path.join(os.homedir(), '.ai-usage-dashboard-workbench');
const userData = path.join(home, 'user-data');
const extensions = path.join(home, 'extensions');
mkdirSync(path.join(userData, 'User'), { recursive: true });
const settings = path.join(userData, 'User', 'settings.json');
if (!existsSync(settings)) {
  writeFileSync(settings, JSON.stringify({ 'telemetry.telemetryLevel': 'off', 'workbench.startupEditor': 'none', 'extensions.autoUpdate': false }, null, 2));
}
const env = { ...process.env, PATH: `${NODE24_BIN}${path.delimiter}${process.env.PATH}` };
const node24 = path.join(NODE24_BIN, 'node');
const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
run(node24, [CODE_SERVER, ...common, '--install-extension', vsix, '--force'], { env });

const port = process.env.PORT ?? '8765';
const server = spawn(
  node24,
  [CODE_SERVER, ...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust'],
  { env, stdio: ['ignore', 'pipe', 'inherit'] },
);
server.stdout.on('data', (b) => {
  const text = b.toString();
  if (/HTTP server listening/.test(text)) {
    console.log(`\nVS Code (web) with AI Usage Dashboard: http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`);
    console.log('Open it in a browser, then run "AI Usage: Show Usage Dashboard". Ctrl+C stops the server.');
  }
});
process.on('SIGINT', () => server.kill('SIGTERM'));
server.on('exit', (c) => process.exit(c ?? 0));
