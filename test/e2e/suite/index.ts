// The end-to-end suite's entry, in @vscode/test-electron's format: `run()` is called inside the
// extension host (code-server here, desktop VS Code via runDesktop.mjs) and resolves when mocha
// is done, rejecting if any test failed. Which tests run depends on the phase the runner set:
// "main" (first load), "restore" (after the window reload), "trust" (a workbench of its own,
// with workspace trust on), "scale" (a workbench whose store holds a million requests) or "team"
// (a workbench with a team database other machines synced to).
import Mocha from 'mocha';
import { phase, report } from './helpers';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  // Mark the report's lines, so the runner can tell them from the workbench's own console output.
  Mocha.reporters.Base.consoleLog = report;
  // Define the tests now (bundled modules are evaluated on require, after mocha's globals exist).
  mocha.suite.emit('pre-require', globalThis, 'e2e', mocha);
  const current = phase();
  if (current === 'restore') require('./restore.test');
  else if (current === 'trust') require('./trust.test');
  else if (current === 'scale') require('./scale.test');
  else if (current === 'team') require('./team.test');
  else {
    require('./main.test');
    require('./limits.test');
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      const stats = mocha.suite.total();
      // The runner reads this line to count tests across phases.
      report(`E2E-RESULT ${JSON.stringify({ passes: stats - failures, failures })}`);
      if (failures) reject(new Error(`${failures} end-to-end test(s) failed`));
      else resolve();
    });
  });
}
