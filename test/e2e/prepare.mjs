// What both e2e runners need: the suite and fixture bundles, and a run folder with fixture
// logs, a workspace and quiet VS Code user settings (and, for the trust run, a cloned repository
// opened with workspace trust on).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const require = createRequire(import.meta.url);
export const OUT = path.join(repo, 'out', 'e2e');

/** Builds dist/ if missing, then bundles the suite (out/e2e/suite/index.js) and the fixtures. */
export async function buildE2E(log = console.log) {
  const esbuild = await import('esbuild');
  if (!existsSync(path.join(repo, 'dist', 'extension.js')) || !existsSync(path.join(repo, 'dist', 'engineWorker.js'))) {
    log('building the extension (dist/ missing)');
    const r = spawn(process.execPath, ['esbuild.mjs'], { cwd: repo, stdio: 'inherit' });
    const [code] = await once(r, 'exit');
    if (code !== 0) throw new Error('build failed');
  }
  const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: 'inline', logLevel: 'warning' };
  await Promise.all([
    // mocha stays external: the extension host resolves it from the repo's node_modules.
    esbuild.build({ ...common, entryPoints: { index: path.join(here, 'suite', 'index.ts') }, outdir: path.join(OUT, 'suite'), external: ['vscode', 'mocha'] }),
    esbuild.build({ ...common, entryPoints: { fixtures: path.join(here, 'fixtures', 'logs.ts'), team: path.join(here, 'fixtures', 'team.ts') }, outdir: OUT }),
  ]);
}

function writeUserSettings(userDataDir, overrides = {}) {
  const dir = path.join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'settings.json'),
    JSON.stringify(
      {
        'telemetry.telemetryLevel': 'off',
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'update.mode': 'none',
        'security.workspace.trust.enabled': false,
        'chat.disableAIFeatures': true,
        'workbench.colorTheme': 'Default Dark Modern',
        'window.zoomLevel': 0,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        // Fixed zone: the fixtures' "today" is a UTC day.
        'aiUsage.timeZone': 'UTC',
        // The live-update test must be served by the file watcher, not by the safety-net rescan.
        'aiUsage.rescanIntervalSeconds': 0,
        ...overrides,
      },
      null,
      2,
    ),
  );
}


function prepare(prefix, write, phase, settings) {
  const runDir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const p = write(runDir);
  writeUserSettings(p.userDataDir, settings);
  writeFileSync(path.join(runDir, 'fixtures.json'), JSON.stringify(p));
  writeFileSync(path.join(runDir, 'phase'), phase);
  return { runDir, p };
}

/** A fresh temp folder with the fixture logs and settings; `p` holds every path (see fixtures/logs.ts). */
export function prepareRun() {
  const { writeFixtures } = require(path.join(OUT, 'fixtures.js'));
  return prepare('ai-usage-e2e-', writeFixtures, 'main', {});
}

/**
 * The trust run's folder: the same home logs plus a cloned repository with hostile Aider files,
 * with workspace trust on and no startup prompt, so the repository opens in Restricted Mode.
 */
export function prepareTrustRun() {
  const { writeTrustFixtures } = require(path.join(OUT, 'fixtures.js'));
  return prepare('ai-usage-e2e-trust-', writeTrustFixtures, 'trust', { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' });
}

/**
 * The scale run's folder: the same fixture logs, and in the extension's globalStorage a copy of
 * the million-request store (test/support/millionStore.ts builds it once per generator version).
 */
export function prepareScaleRun(log = console.log) {
  log('the million-request store: building it if it is not cached');
  const dbFile = execFileSync(process.execPath, ['-r', require.resolve('tsx/cjs'), path.join(repo, 'test', 'support', 'millionStore.ts')], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const { writeFixtures } = require(path.join(OUT, 'fixtures.js'));
  const r = prepare('ai-usage-e2e-scale-', writeFixtures, 'scale', {});
  const storage = path.join(r.p.userDataDir, 'User', 'globalStorage', 'ai-usage-dashboard.ai-usage-dashboard');
  mkdirSync(storage, { recursive: true });
  cpSync(path.dirname(dbFile), storage, { recursive: true, filter: (src) => !/(complete|\.locks)$/.test(src) });
  return r;
}

/**
 * The PostgreSQL server of the team run: the one `.ci/run` started (AI_USAGE_TEST_PG_URL), or a
 * throwaway one started here the same way the unit tests start theirs (test/support/pgCluster.ts),
 * removed by `stop()`.
 */
export function startTeamServer(log = console.log) {
  if (process.env.AI_USAGE_TEST_PG_URL) return { url: process.env.AI_USAGE_TEST_PG_URL, stop: () => undefined };
  log('starting a throwaway PostgreSQL server for the team run');
  const tsx = ['-r', require.resolve('tsx/cjs'), path.join(repo, 'test', 'support', 'pgCluster.ts')];
  const out = execFileSync(process.execPath, [...tsx, 'start'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const env = Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return {
    url: env.AI_USAGE_TEST_PG_URL,
    stop: () => execFileSync(process.execPath, [...tsx, 'stop', env.AI_USAGE_TEST_PG_DATA], { cwd: repo, stdio: 'ignore' }),
  };
}

/**
 * The team run's folder: the usual fixture logs (the workspace a checkout of a repository), and a
 * team database on `serverUrl` where two other machines synced already; this window's team user
 * and machine in the user settings. The connection string is not stored: the suite types it into
 * Connect Team Database, as a user would.
 */
export async function prepareTeamRun(serverUrl) {
  const { writeTeamFixtures } = require(path.join(OUT, 'team.js'));
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'ai-usage-e2e-team-'));
  const p = await writeTeamFixtures(runDir, serverUrl, path.join(repo, 'dist', 'cli.js'));
  writeUserSettings(p.userDataDir, { 'aiUsage.team.user': p.team.user });
  // The machine's name is a machine setting: in a remote window (code-server is one) the remote's settings hold it.
  mkdirSync(path.join(p.userDataDir, 'Machine'), { recursive: true });
  writeFileSync(path.join(p.userDataDir, 'Machine', 'settings.json'), JSON.stringify({ 'aiUsage.team.machine': p.team.machine }, null, 2));
  writeFileSync(path.join(runDir, 'fixtures.json'), JSON.stringify(p));
  writeFileSync(path.join(runDir, 'phase'), 'team');
  return { runDir, p };
}
