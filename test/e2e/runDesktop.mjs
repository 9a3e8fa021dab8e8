// The same end-to-end suite in desktop VS Code, with @vscode/test-electron, wherever a VS Code
// build exists (this machine cannot download one: set VSCODE_EXECUTABLE to an installed `code`
// binary or Electron executable).
//
//   VSCODE_EXECUTABLE=/path/to/code node test/e2e/runDesktop.mjs
//
// There is no page to look at from outside here, so the suite's checks of the rendered DOM and
// the screenshots are skipped; everything checked on the host side runs. The second launch with
// the same user data folder is the "window reload" whose restored panel the restore phase checks.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { buildE2E, OUT, prepareRun } from './prepare.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
if (!vscodeExecutablePath) {
  console.error('Set VSCODE_EXECUTABLE to a VS Code (or Code - OSS) executable; downloads are not possible here.');
  process.exit(2);
}

await buildE2E();
const { runDir, p } = prepareRun();
const env = {
  HOME: p.home,
  CLAUDE_CONFIG_DIR: p.claudeConfigDir,
  CODEX_HOME: p.codexHome,
  TZ: 'UTC',
  AI_USAGE_E2E_RUN_DIR: runDir,
  AI_USAGE_E2E_REPO: repo,
};
let failed = 0;
for (const phase of ['main', 'restore']) {
  writeFileSync(path.join(runDir, 'phase'), phase);
  try {
    await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: repo,
      extensionTestsPath: path.join(OUT, 'suite', 'index.js'),
      extensionTestsEnv: env,
      launchArgs: [p.workspace, '--user-data-dir', p.userDataDir, '--extensions-dir', p.extensionsDir, '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
  } catch (e) {
    console.error(`phase ${phase} failed: ${e instanceof Error ? e.message : e}`);
    failed++;
  }
}
if (!process.env.E2E_KEEP) rmSync(runDir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
