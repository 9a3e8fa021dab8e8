// Activation wires the pieces together and returns the API for other extensions. Nothing here
// waits on the import: the worker starts importing in the background while VS Code carries on.
import * as vscode from 'vscode';
import { BudgetNotifications } from './budgetNotifications';
import { registerClaudeLimitsCommands } from './claudeLimitsCommands';
import { registerCommands } from './commands';
import { DashboardPanels } from './dashboardPanel';
import { EngineConnection } from './engineConnection';
import { PriceUpdates } from './priceUpdates';
import { Settings } from './settings';
import { SourceWatcher } from './sourceWatcher';
import { StatusBadge } from './statusBadge';
import { registerOtlpCommands } from './otlpCommands';
import { registerTeamCommands } from './teamCommands';
import { TeamDatabase } from './teamDatabase';
import { registerTestHooks } from './testHooks';

/** What `vscode.extensions.getExtension('ai-usage-dashboard.ai-usage-dashboard').exports` gives. */
export interface AiUsageApi {
  /**
   * Stores one request's usage (source "api"), priced like imported usage. Rejects with a clear
   * message when the record is invalid. Fields: dedupeKey, ts (ms or ISO), model, inputTokens,
   * outputTokens, and optionally cacheReadTokens, cacheWriteTokens, cacheWrite1hTokens,
   * reasoningTokens, cost (USD), project (folder path), sessionId.
   */
  recordUsage(record: unknown): Promise<void>;
}

let engine: EngineConnection | undefined;

export function activate(context: vscode.ExtensionContext): AiUsageApi {
  const log = vscode.window.createOutputChannel('AI Usage', { log: true });
  const settings = new Settings(log);
  engine = new EngineConnection(context, settings, log);
  const team = new TeamDatabase(context, engine, log);
  const badge = new StatusBadge(engine, settings, log, team);
  const panels = new DashboardPanels(context.extensionUri, engine, settings, team, log);
  const watcher = new SourceWatcher(engine, settings, log, context.globalStorageUri.fsPath);
  const priceUpdates = new PriceUpdates(context, settings, () => engine!.reloadPrices(), log);
  const budgets = new BudgetNotifications(engine, settings, log);
  context.subscriptions.push(log, settings, team, badge, panels, watcher, priceUpdates, budgets);

  registerCommands({ context, engine, settings, panels, priceUpdates, log, importNow: (reason) => watcher.importAndRefresh(reason) });
  registerClaudeLimitsCommands(context, { log, importNow: (reason) => watcher.importAndRefresh(reason) });
  registerTeamCommands(context, { engine, team, log });
  registerOtlpCommands(context, { engine, team, log });
  if (context.extensionMode === vscode.ExtensionMode.Test) registerTestHooks(context, { engine, badge, panels, watcher, budgets, team });

  void watcher.importAndRefresh('startup');
  const api: AiUsageApi = { recordUsage: (record) => engine!.recordUsage(record) };
  return api;
}

/** Saves unsaved rows before the window goes (VS Code waits for the promise, briefly). */
export async function deactivate(): Promise<void> {
  await engine?.dispose();
  engine = undefined;
}
