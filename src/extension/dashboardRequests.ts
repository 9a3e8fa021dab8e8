// Answers the dashboard webview's requests (already validated by parseRequest): each becomes a
// worker query, a dialog or a command. The reply types come from the shared protocol.
import * as vscode from 'vscode';
import type { ReplyMap, Request } from '../shared/protocol';
import type { EngineConnection } from './engineConnection';
import type { Settings } from './settings';
import { workspaceFolderPaths } from './statusBadge';
import { exportUsage } from './usageExport';

export const EXTENSION_ID = 'ai-usage-dashboard.ai-usage-dashboard';

export async function answerRequest(req: Request, engine: EngineConnection, settings: Settings): Promise<ReplyMap[Request['type']]> {
  const timeZone = settings.current.timeZone;
  switch (req.type) {
    case 'ready': {
      const workspaceFolders = workspaceFolderPaths();
      const init = await engine.call('initData', { workspaceFolders });
      return { workspaceFolders, timeZone, importing: engine.importing, ...init } satisfies ReplyMap['ready'];
    }
    case 'dashboard':
      return engine.call('dashboard', { view: req.view, timeZone, now: Date.now() });
    case 'page':
      return engine.call('page', { view: req.view, sort: req.sort, offset: req.offset, limit: req.limit, timeZone, now: Date.now() });
    case 'exportCsv':
      return exportUsage(engine, settings, { view: req.view, sort: req.sort, formats: ['csv'] });
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
  }
}
