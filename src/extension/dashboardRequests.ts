// Answers the dashboard webview's requests (already validated by parseRequest): each becomes a
// worker query, a dialog or a command. The reply types come from the shared protocol.
import * as vscode from 'vscode';
import { isRemote, teamDir, type BreakdownBy, type PlanInfo, type ReplyMap, type Request } from '../shared/protocol';
import { CONNECT_CLAUDE_LIMITS_COMMAND } from './claudeLimitsCommands';
import type { EngineConnection } from './engineConnection';
import type { Settings } from './settings';
import { workspaceFolderPaths } from './statusBadge';
import { CONNECT_TEAM_COMMAND } from './teamCommands';
import type { TeamDatabase } from './teamDatabase';
import { exportUsage } from './usageExport';

export const EXTENSION_ID = 'ai-usage-dashboard.ai-usage-dashboard';

/**
 * Team scopes ("all my machines", "team") are answered from the team database; this machine's
 * scope from the local store, as before.
 */
export async function answerRequest(req: Request, engine: EngineConnection, settings: Settings, team: TeamDatabase): Promise<ReplyMap[Request['type']]> {
  const timeZone = settings.current.timeZone;
  switch (req.type) {
    case 'ready': {
      const workspaceFolders = workspaceFolderPaths();
      const init = await engine.call('initData', { workspaceFolders });
      return { workspaceFolders, timeZone, importing: engine.importing, plans: planInfo(settings), team: team.status, ...init } satisfies ReplyMap['ready'];
    }
    case 'dashboard':
      if (isRemote(req.view)) return engine.call('teamDashboard', { scope: req.view.scope, view: req.view, timeZone, now: Date.now() });
      return engine.call('dashboard', { view: req.view, timeZone, now: Date.now() });
    case 'page':
      // The team database's pages are in time order (newest first unless the date column says otherwise).
      if (isRemote(req.view)) return engine.call('teamPage', { scope: req.view.scope, view: req.view, timeZone, now: Date.now(), offset: req.offset, limit: req.limit, dir: teamDir(req.sort) });
      return engine.call('page', { view: req.view, sort: req.sort, offset: req.offset, limit: req.limit, timeZone, now: Date.now() });
    case 'exportCsv':
      return exportUsage(engine, settings, { view: req.view, sort: req.sort, formats: ['csv'], remote: isRemote(req.view) ? req.view.scope : undefined });
    case 'sources':
      return engine.call('sources', {});
    case 'importNow': {
      const r = await engine.importNow('dashboard');
      if (!r) throw new Error('The import failed; the Output panel ("AI Usage") has details.');
      return { newRows: r.newRows, errors: r.errors };
    }
    case 'openSettings':
      await vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${EXTENSION_ID}`);
      return null;
    case 'limits':
      return engine.call('limits', { now: Date.now() });
    case 'budgets':
      return engine.call('budgets', { budgets: settings.current.budgets, timeZone, now: Date.now(), workspaceFolders: workspaceFolderPaths() });
    case 'planValue':
      return engine.call('planValue', { plans: settings.current.plans, timeZone, now: Date.now() });
    case 'breakdown':
      if (isRemote(req.view)) return engine.call('teamBreakdown', { scope: req.view.scope, view: req.view, by: req.by, timeZone, now: Date.now() });
      return engine.call('breakdown', { view: req.view, by: req.by as BreakdownBy, timeZone, now: Date.now() });
    case 'session':
      return engine.call('session', { sessionId: req.sessionId });
    case 'connectClaudeLimits':
      await vscode.commands.executeCommand(CONNECT_CLAUDE_LIMITS_COMMAND);
      return null;
    case 'teamOptions':
      return engine.call('teamOptions', { scope: req.scope, workspaceFolders: workspaceFolderPaths() });
    case 'teamStatus':
      return engine.call('teamStatus', {});
    case 'teamSyncNow':
      await engine.call('teamSyncNow', {});
      return engine.call('teamStatus', {});
    case 'connectTeam':
      await vscode.commands.executeCommand(CONNECT_TEAM_COMMAND);
      return null;
  }
}

/** The plans the dashboard labels API-equivalent cost for. */
export function planInfo(settings: Settings): PlanInfo[] {
  return settings.current.plans.map((p) => ({ name: p.name, monthlyUsd: p.monthlyUsd, sources: [...p.sources] }));
}
