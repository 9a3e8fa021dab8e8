// The "AI Usage" commands. Each is a thin shell over the engine, a dialog or the panel.
import * as vscode from 'vscode';
import { formatInt } from '../core/format';
import type { DashboardPanels } from './dashboardPanel';
import type { PriceUpdates } from './priceUpdates';
import type { EngineConnection } from './engineConnection';
import type { Settings } from './settings';
import { SHOW_DASHBOARD_COMMAND } from './statusBadge';
import { ALL_ROWS_VIEW, exportUsage, NEWEST_FIRST } from './usageExport';

export const COMMANDS = {
  showDashboard: SHOW_DASHBOARD_COMMAND,
  importNow: 'aiUsage.importNow',
  reprice: 'aiUsage.reprice',
  updatePrices: 'aiUsage.updatePrices',
  exportUsage: 'aiUsage.exportUsage',
  openDatabaseFolder: 'aiUsage.openDatabaseFolder',
  resetData: 'aiUsage.resetData',
  recordUsage: 'aiUsage.recordUsage',
} as const;

export interface CommandDeps {
  context: vscode.ExtensionContext;
  engine: EngineConnection;
  settings: Settings;
  panels: DashboardPanels;
  priceUpdates: PriceUpdates;
  log: vscode.LogOutputChannel;
  /** Import and re-watch (the watcher knows which roots appeared). */
  importNow: (reason: string) => Promise<void>;
}

function failure(what: string, e: unknown, log: vscode.LogOutputChannel): void {
  const m = e instanceof Error ? e.message : String(e);
  log.error(`${what}: ${m}`);
  void vscode.window.showErrorMessage(`AI Usage: ${what}: ${m}`);
}

export function registerCommands(d: CommandDeps): void {
  const { context, engine, settings, panels, log } = d;
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg(COMMANDS.showDashboard, () => panels.show());

  reg(COMMANDS.importNow, () =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'AI Usage: importing' }, async () => {
      const before = engine.lastImportError;
      await d.importNow('command');
      const r = await engine.call('info', {}).catch(() => undefined);
      if (engine.lastImportError && engine.lastImportError !== before) void vscode.window.showWarningMessage(`AI Usage: import finished with problems: ${engine.lastImportError}`);
      else if (r) void vscode.window.setStatusBarMessage(`AI Usage: ${formatInt(r.rows)} requests in the database`, 4000);
    }),
  );

  reg(COMMANDS.reprice, async () => {
    try {
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'AI Usage: re-pricing…' }, () => engine.call('reprice', {}));
      void vscode.window.showInformationMessage(`AI Usage: re-priced ${formatInt(r.rows)} requests; ${formatInt(r.changed)} changed.`);
    } catch (e) {
      failure('re-pricing failed', e, log);
    }
  });

  reg(COMMANDS.updatePrices, () => d.priceUpdates.command());

  reg(COMMANDS.exportUsage, async () => {
    try {
      const r = await exportUsage(engine, settings, { view: ALL_ROWS_VIEW, sort: NEWEST_FIRST, formats: ['csv', 'json'] });
      if (r.saved) void vscode.window.showInformationMessage(`AI Usage: exported ${formatInt(r.rows)} requests to ${r.saved}.`);
    } catch (e) {
      failure('export failed', e, log);
    }
  });

  reg(COMMANDS.openDatabaseFolder, async () => {
    const folder = context.globalStorageUri;
    await vscode.workspace.fs.createDirectory(folder);
    // revealFileInOS needs a desktop window on the same machine; elsewhere (web, remote) show the path.
    if (vscode.env.uiKind === vscode.UIKind.Desktop && !vscode.env.remoteName) {
      await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.joinPath(folder, 'usage.db'));
      return;
    }
    const pick = await vscode.window.showInformationMessage(`AI Usage: the database is in ${folder.fsPath}`, 'Copy Path', 'Open in New Window');
    if (pick === 'Copy Path') await vscode.env.clipboard.writeText(folder.fsPath);
    else if (pick === 'Open in New Window') await vscode.commands.executeCommand('vscode.openFolder', folder, { forceNewWindow: true });
  });

  reg(COMMANDS.resetData, async () => {
    const ok = await vscode.window.showWarningMessage(
      'Delete all usage stored by AI Usage Dashboard?',
      {
        modal: true,
        detail:
          'The usage database is emptied in every VS Code window. Usage still in the tools\u2019 own logs is imported again right away; usage recorded by other extensions through the API is lost.',
      },
      'Reset Data',
    );
    if (ok !== 'Reset Data') return;
    try {
      await engine.call('reset', {});
      log.info('usage data reset by the user');
      await d.importNow('after reset');
      void vscode.window.showInformationMessage('AI Usage: data reset; usage from the tools\u2019 logs was imported again.');
    } catch (e) {
      failure('reset failed', e, log);
    }
  });

  // For other extensions (hidden from the palette): the same as the API's recordUsage.
  reg(COMMANDS.recordUsage, (record) => engine.recordUsage(record));
}
