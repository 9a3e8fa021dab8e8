// `npm start` starts every program without a shell: paths with spaces and `&` reach VS Code (a
// POSIX `code` script, or Windows' `code.cmd` resolved to Code.exe + cli.js) and npm as single
// arguments, and run nothing. Stand-in programs are real Node processes that record their argv.
// Without VS Code, code-server is started behind a random password kept out of its arguments.
import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../support/tempDir';

const repo = path.resolve(__dirname, '..', '..');
const exec = promisify(execFile);
// A computed specifier: the scripts are plain ES modules, loaded as such.
const commandsModule = path.join(repo, 'scripts', 'startCommands.mjs');

/** A program that appends its arguments (and ELECTRON_RUN_AS_NODE) to $ECHO_LOG as one JSON line. */
const ECHO = `const fs = require('node:fs');
fs.appendFileSync(process.env.ECHO_LOG, JSON.stringify({ argv: process.argv.slice(2), runAsNode: process.env.ELECTRON_RUN_AS_NODE ?? null }) + '\\n');
`;

async function readLog(file: string): Promise<{ argv: string[]; runAsNode: string | null }[]> {
  return (await fs.readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
}

describe('npm start', () => {
  let base: string;
  let folder: string;
  let vsix: string;
  let log: string;
  let m: any;

  before(async () => {
    m = await import(commandsModule);
  });

  beforeEach(async () => {
    base = await tempDir('ai-usage start & co ');
    // A folder whose name a shell would split, and whose `&` a shell would run.
    folder = path.join(base, 'my project & touch pwned');
    vsix = path.join(base, 'an extension & more.vsix');
    log = path.join(base, 'argv log.jsonl');
    await fs.mkdir(folder);
    await fs.writeFile(vsix, '');
  });

  afterEach(() => {
    assert.equal(existsSync(path.join(base, 'pwned')), false, 'no shell ran the text after "&"');
  });

  it('finds a POSIX `code` on PATH and passes the vsix and the folder as single arguments', async () => {
    const bin = path.join(base, 'VS Code & friends', 'bin');
    await fs.mkdir(bin, { recursive: true });
    await fs.writeFile(path.join(bin, 'code'), `#!${process.execPath}\n${ECHO}`, { mode: 0o755 });
    const cli = m.findVsCode({ PATH: bin, ECHO_LOG: log }, 'linux');
    assert.ok(cli, 'found');
    m.openInVsCode(cli, vsix, folder, { cwd: base, env: { ...process.env, ECHO_LOG: log } });
    assert.deepEqual((await readLog(log)).map((r) => r.argv), [['--version'], ['--install-extension', vsix, '--force'], ['--new-window', folder]]);
  });

  for (const launch of [
    '"%~dp0..\\Code.exe" "%~dp0..\\resources\\app\\out\\cli.js" --ms-enable-electron-run-as-node %*',
    'START /B "" "%~dp0..\\Code.exe" "%~dp0..\\resources\\app\\out\\cli.js" %*',
  ]) {
    it(`runs Windows' code.cmd as Code.exe + cli.js, no cmd.exe: ${launch.slice(0, 24)}…`, async () => {
      // A VS Code install whose path has spaces and "&"; Code.exe is Node itself here.
      const install = path.join(base, 'Microsoft VS Code & co');
      await fs.mkdir(path.join(install, 'bin'), { recursive: true });
      await fs.mkdir(path.join(install, 'resources', 'app', 'out'), { recursive: true });
      await fs.writeFile(path.join(install, 'bin', 'code.cmd'), `@echo off\r\nsetlocal\r\nset VSCODE_DEV=\r\nset ELECTRON_RUN_AS_NODE=1\r\n${launch}\r\nendlocal\r\n`);
      await fs.symlink(process.execPath, path.join(install, 'Code.exe'));
      await fs.writeFile(path.join(install, 'resources', 'app', 'out', 'cli.js'), ECHO);
      const cli = m.findVsCode({ PATH: path.join(install, 'bin'), PATHEXT: '.EXE;.cmd', VSCODE_DEV: '1', ECHO_LOG: log }, 'win32');
      assert.ok(cli, 'found code.cmd through PATHEXT');
      assert.equal(cli.file, path.join(install, 'Code.exe'));
      assert.equal(cli.env.VSCODE_DEV, undefined, 'cleared, as code.cmd does');
      m.openInVsCode(cli, vsix, folder, { cwd: base });
      const flags = launch.includes('--ms-enable') ? ['--ms-enable-electron-run-as-node'] : [];
      const runs = await readLog(log);
      assert.deepEqual(runs.map((r) => r.argv).slice(1), [[...flags, '--install-extension', vsix, '--force'], [...flags, '--new-window', folder]]);
      assert.ok(runs.every((r) => r.runAsNode === '1'), 'ELECTRON_RUN_AS_NODE=1, as code.cmd sets it');
    });
  }

  it('refuses a .cmd it cannot run without a shell, with a clear message', async () => {
    const cmd = path.join(base, 'other.cmd');
    await fs.writeFile(cmd, '@echo off\r\nsomething.exe %*\r\n');
    assert.throws(() => m.vscodeCommand(cmd), /other\.cmd is not a VS Code launcher this script can run without a shell/);
  });

  it('runs npm as Node + npm-cli.js (npm is a .cmd on Windows), and the real npm that way', async () => {
    const fakeCli = path.join(base, 'npm & cli.js');
    await fs.writeFile(fakeCli, ECHO);
    const npm = m.npmCommand({ npm_execpath: fakeCli }, 'win32', process.execPath);
    assert.deepEqual([npm.file, npm.args], [process.execPath, [fakeCli]]);
    m.runSync(npm, ['run', 'package', folder], { cwd: folder, env: { ...process.env, ECHO_LOG: log } });
    assert.deepEqual((await readLog(log))[0]!.argv, ['run', 'package', folder]);
    // Windows without npm_execpath: npm-cli.js beside node.exe.
    assert.deepEqual(m.npmCommand({}, 'win32', 'C:\\Program Files\\nodejs\\node.exe').args, ['C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js']);
    // The npm running these tests, as start.mjs runs it.
    m.runSync(m.npmCommand(), ['--version'], { stdio: 'ignore' });
  });

  it('starts the whole script: packages, then installs and opens the folder in VS Code', async function () {
    this.timeout(120_000);
    const bin = path.join(base, 'bin & tools');
    await fs.mkdir(bin);
    await fs.writeFile(path.join(bin, 'code'), `#!${process.execPath}\n${ECHO}`, { mode: 0o755 });
    const env = { ...process.env, VSCODE_BIN: path.join(bin, 'code'), ECHO_LOG: log };
    const { stdout } = await exec(process.execPath, [path.join(repo, 'scripts', 'start.mjs'), folder], { cwd: base, env });
    assert.match(stdout, /Opened .*my project & touch pwned in VS Code/);
    assert.deepEqual((await readLog(log)).map((r) => r.argv), [['--version'], ['--install-extension', path.join(repo, 'ai-usage-dashboard.vsix'), '--force'], ['--new-window', folder]]);
  });

  it('without VS Code, code-server asks for a random password that is not in its arguments', async function () {
    const codeServer = m.codeServerCommand({ node: process.execPath, codeServer: '/cs/entry.js', userDataDir: folder, extensionsDir: folder, configFile: path.join(folder, 'cs.yaml'), env: {} });
    const a = m.passwordProtectedServer(codeServer, 8765);
    const b = m.passwordProtectedServer(codeServer, 8765);
    assert.match(a.password, /^[\w-]{24}$/);
    assert.notEqual(a.password, b.password);
    assert.equal(a.cmd.env.PASSWORD, a.password);
    assert.ok(!a.cmd.args.some((x: string) => x.includes(a.password)), 'the password is not in the arguments every user can see');
    assert.deepEqual(a.cmd.args.slice(a.cmd.args.indexOf('--auth'), a.cmd.args.indexOf('--auth') + 2), ['--auth', 'password']);
    assert.ok(!a.cmd.args.includes('none'));
    assert.ok(a.cmd.args.includes('127.0.0.1:8765'));
    assert.ok(!a.cmd.args.includes('--disable-workspace-trust'), 'workspace trust stays on');

    // The real code-server (installed by test/e2e/setup.mjs, as CI does before the tests).
    const setup = await import(path.join(repo, 'test', 'e2e', 'setup.mjs'));
    if (!setup.isSetUp()) this.skip();
    this.timeout(60_000);
    const configFile = path.join(base, 'code-server & co.yaml');
    await fs.writeFile(configFile, m.CODE_SERVER_CONFIG, { mode: 0o600 });
    const real = m.codeServerCommand({
      node: path.join(setup.NODE24_BIN, 'node'),
      codeServer: setup.CODE_SERVER,
      userDataDir: path.join(base, 'user data & more'),
      extensionsDir: path.join(base, 'extensions & more'),
      configFile,
      env: { ...process.env, HOME: base, XDG_CONFIG_HOME: path.join(base, 'xdg'), XDG_DATA_HOME: path.join(base, 'xdg') },
    });
    const { cmd, password } = m.passwordProtectedServer(real, 0);
    // Its own process group, so stopping it stops the children it starts too.
    const server = spawn(cmd.file, cmd.args, { env: cmd.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      let output = '';
      const port = await new Promise<number>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const found = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
          if (found) resolve(Number(found[1]));
        };
        server.stdout!.on('data', onData);
        server.stderr!.on('data', onData);
        server.on('exit', (code) => reject(new Error(`code-server exited (${code}): ${output}`)));
      });
      const url = `http://127.0.0.1:${port}`;
      const root = await fetch(`${url}/`, { redirect: 'manual' });
      assert.equal(root.status, 302);
      assert.match(root.headers.get('location') ?? '', /login/, 'the workbench asks to log in first');
      const login = (pw: string) =>
        fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ password: pw }).toString() });
      const wrong = await login('not-the-password');
      assert.equal(wrong.headers.get('set-cookie'), null, 'a wrong password gets no session');
      const right = await login(password);
      assert.equal(right.status, 302);
      assert.match(right.headers.get('set-cookie') ?? '', /code-server-session=/);
      // What every user of the machine can read: the process's command line.
      const cmdline = await fs.readFile(`/proc/${server.pid}/cmdline`, 'utf8');
      assert.ok(!cmdline.includes(password));
    } finally {
      const exited = server.exitCode === null ? once(server, 'exit') : Promise.resolve();
      process.kill(-server.pid!, 'SIGTERM');
      await exited;
    }
  });
});
