// Read-only views of the host's state for the end-to-end suite, registered only when VS Code
// runs the extension under test (ExtensionMode.Test): what the badge shows, what the panel was
// last sent, which folders are watched, and the database's own numbers.
import * as vscode from 'vscode';
import type { BudgetNotifications } from './budgetNotifications';
import type { DashboardPanels } from './dashboardPanel';
import type { EngineConnection } from './engineConnection';
import type { SourceWatcher } from './sourceWatcher';
import type { StatusBadge } from './statusBadge';
import type { TeamDatabase } from './teamDatabase';

export const TEST_STATE_COMMAND = 'aiUsage.test.state';

export function registerTestHooks(
  context: vscode.ExtensionContext,
  d: { engine: EngineConnection; badge: StatusBadge; panels: DashboardPanels; watcher: SourceWatcher; budgets: BudgetNotifications; team: TeamDatabase },
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(TEST_STATE_COMMAND, async (opts?: { flush?: boolean }) => {
      // flush: save now, so the test can read the database file itself.
      if (opts?.flush) await d.engine.call('flush', {});
      // A copy: commands called in the same extension host get objects by reference, not cloned.
      return structuredClone({
        badge: {
          text: d.badge.text,
          tooltip: d.badge.tooltipText,
          visible: d.badge.visible,
          summary: d.badge.lastSummary ?? null,
          level: d.badge.level,
          budget: d.badge.lastBudget,
          nearest: d.badge.lastNearest,
        },
        budgetNotifications: d.budgets.shown,
        panel: d.panels.snapshot ?? null,
        watchedRoots: d.watcher.watchedRoots,
        watcherEvents: d.watcher.events,
        importing: d.engine.importing,
        lastImport: d.engine.lastImport,
        dbFile: d.engine.dbFile,
        team: d.team.status,
        info: await d.engine.call('info', {}),
      });
    }),
  );
}
