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
    esbuild.build({ ...common, entryPoints: { fixtures: path.join(here, 'fixtures', 'logs.ts') }, outdir: OUT }),
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
