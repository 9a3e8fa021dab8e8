// Export Usage: a save dialog, then the worker writes the file a page at a time (all rows of
// the view, not one page), so a large export never holds the host's thread or memory.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TableSort, ViewQuery } from '../core/queries/types';
import { teamDir } from '../shared/protocol';
import type { EngineConnection } from './engineConnection';
import type { Settings } from './settings';

/** Every row, newest first: what the Export Usage command writes. */
export const ALL_ROWS_VIEW: ViewQuery = { projects: [], range: { preset: 'all' }, models: [], sources: [], granularity: 'day' };
export const NEWEST_FIRST: TableSort = { column: 'ts', dir: 'desc' };

function defaultFolder(): vscode.Uri {
  const ws = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  return ws?.uri ?? vscode.Uri.file(os.homedir());
}

export interface ExportOptions {
  view: ViewQuery;
  sort: TableSort;
  /** A team scope: the rows come from the team database (CSV, in time order). */
  remote?: 'mine' | 'team';
  /** Offer only CSV (the dashboard's button) or let the file name pick CSV or JSON. */
  formats: ('csv' | 'json')[];
}

/** Returns the saved path (null when the user cancelled) and the number of rows written. */
export async function exportUsage(engine: EngineConnection, settings: Settings, o: ExportOptions): Promise<{ saved: string | null; rows: number }> {
  const day = new Date().toISOString().slice(0, 10);
  const filters: Record<string, string[]> = {};
  if (o.formats.includes('csv')) filters['CSV (spreadsheets)'] = ['csv'];
  if (o.formats.includes('json')) filters.JSON = ['json'];
  const uri = await vscode.window.showSaveDialog({
    title: 'Export AI usage',
    saveLabel: 'Export',
    defaultUri: vscode.Uri.joinPath(defaultFolder(), `ai-usage-${day}.${o.formats[0]}`),
    filters,
  });
  if (!uri) return { saved: null, rows: 0 };
  const format = o.formats.includes('json') && path.extname(uri.path).toLowerCase() === '.json' ? 'json' : o.formats[0];
  const base = { view: o.view, sort: o.sort, format, timeZone: settings.current.timeZone, now: Date.now() } as const;
  const write = (file?: string) =>
    o.remote
      ? engine.call('teamExport', { scope: o.remote, view: o.view, timeZone: base.timeZone, now: base.now, dir: teamDir(o.sort), file })
      : engine.call('exportRows', { ...base, file });
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Exporting AI usage…' }, async () => {
    if (uri.scheme === 'file') {
      const r = await write(uri.fsPath);
      return { saved: uri.fsPath, rows: r.rows };
    }
    // Not a local file (a virtual file system): the worker returns the text and VS Code writes it.
    const r = await write();
    await vscode.workspace.fs.writeFile(uri, Buffer.from(r.text ?? '', 'utf8'));
    return { saved: uri.toString(), rows: r.rows };
  });
}
