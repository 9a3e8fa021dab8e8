// `npm start`: builds and packages the extension, then opens it in VS Code with the dashboard.
//
// - Where a VS Code command line exists (`code`, `code-insiders`, `codium`, or $VSCODE_BIN), it
//   installs the freshly built ai-usage-dashboard.vsix and opens a window on the folder given
//   (default: the current one).
// - Elsewhere (a server, a container), it starts the same VS Code workbench the end-to-end tests
//   use — code-server, installed into .e2e/ on first use — with the .vsix installed, on
//   127.0.0.1 behind a random password printed once, and prints the address to open in a
//   browser. Ctrl+C stops it.
//
// Every program is started without a shell (scripts/startCommands.mjs).
//
//   npm start [-- <folder>]
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_SERVER_CONFIG, codeServerCommand, findVsCode, npmCommand, openInVsCode, passwordProtectedServer, runSync } from './startCommands.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const folder = path.resolve(process.argv[2] ?? process.cwd());
const vsix = path.join(repo, 'ai-usage-dashboard.vsix');

try {
  runSync(npmCommand(), ['run', 'package'], { cwd: repo });

  const code = findVsCode();
  if (code) {
    openInVsCode(code, vsix, folder, { cwd: repo });
    console.log(`Opened ${folder} in VS Code. Run "AI Usage: Show Usage Dashboard" from the command palette.`);
    process.exit(0);
  }
  await startWebWorkbench();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}

/** No VS Code here: the web workbench from the test harness, for this user only. */
async function startWebWorkbench() {
  const { CODE_SERVER, NODE24_BIN, isSetUp, setup } = await import('../test/e2e/setup.mjs');
  if (!isSetUp()) {
    console.log('No VS Code command line found: setting up the web workbench (code-server) in .e2e/ (~3 min the first time)…');
    setup();
  }
  const home = path.join(os.homedir(), '.ai-usage-dashboard-workbench');
  const userDataDir = path.join(home, 'user-data');
  const extensionsDir = path.join(home, 'extensions');
  const configFile = path.join(home, 'code-server.yaml');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true, mode: 0o700 });
  const settings = path.join(userDataDir, 'User', 'settings.json');
  if (!existsSync(settings)) {
    writeFileSync(settings, JSON.stringify({ 'telemetry.telemetryLevel': 'off', 'workbench.startupEditor': 'none', 'extensions.autoUpdate': false }, null, 2));
  }
  writeFileSync(configFile, CODE_SERVER_CONFIG, { mode: 0o600 });
  if (process.platform !== 'win32') chmodSync(home, 0o700); // made by an older version, perhaps
  const env = { ...process.env, PATH: `${NODE24_BIN}${path.delimiter}${process.env.PATH}` };
  const codeServer = codeServerCommand({ node: path.join(NODE24_BIN, 'node'), codeServer: CODE_SERVER, userDataDir, extensionsDir, configFile, env });
  runSync(codeServer, ['--install-extension', vsix, '--force']);

  const port = process.env.PORT ?? '8765';
  const { cmd, password } = passwordProtectedServer(codeServer, port);
  const server = spawn(cmd.file, cmd.args, { env: cmd.env, stdio: ['ignore', 'pipe', 'inherit'] });
  server.stdout.on('data', (b) => {
    if (/HTTP server listening/.test(b.toString())) {
      console.log(`\nVS Code (web) with AI Usage Dashboard: http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`);
      console.log(`Password (shown only now; a new one each start): ${password}`);
      console.log('Open it in a browser, then run "AI Usage: Show Usage Dashboard". Ctrl+C stops the server.');
    }
  });
  process.on('SIGINT', () => server.kill('SIGTERM'));
  server.on('exit', (c) => process.exit(c ?? 0));
}
