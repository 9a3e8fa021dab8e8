// The host's handle on the engine worker: starts dist/engineWorker.js with the database in
// globalStorage, keeps its configuration in step with settings, workspace folders and workspace
// trust, tracks import state for the UI, and turns worker events into notifications and events.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { parseApiRecord } from '../core/importers/apiRecord';
import { processSourceContext } from '../core/paths';
import { EngineClient } from '../core/worker/engineClient';
import type { EngineConfig, EngineMethod, EngineWorkerData, ImportSummary, ParamsOf, ResultOf } from '../core/worker/workerProtocol';
import type { TeamStatus } from '../core/team/teamTypes';
import { priceTableFile } from './priceUpdates';
import type { Settings } from './settings';

export interface DataChange {
  lastImport: number | null;
  reason: string;
}

export class EngineConnection implements vscode.Disposable {
  private readonly client: EngineClient;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly dataChanged = new vscode.EventEmitter<DataChange>();
  private readonly importStateChanged = new vscode.EventEmitter<{ importing: boolean; error: string | null }>();
  /** New rows, a merge, a reset or a re-price: re-query (badge, open dashboard). */
  readonly onDataChanged = this.dataChanged.event;
  readonly onImportState = this.importStateChanged.event;
  private readonly reconfigured = new vscode.EventEmitter<void>();
  /** The worker has a new configuration and has imported with it: where to look may have changed. */
  readonly onDidReconfigure = this.reconfigured.event;
  private readonly teamStatusChanged = new vscode.EventEmitter<TeamStatus>();
  /** Team sync or the OpenTelemetry export changed state. */
  readonly onTeamStatus = this.teamStatusChanged.event;
  private readonly restarted = new vscode.EventEmitter<void>();
  /** A new worker runs after a crash: what it was told (the team configuration) must be told again. */
  readonly onDidRestart = this.restarted.event;
  importing = false;
  lastImport: number | null = null;
  lastImportError: string | null = null;
  readonly dbFile: string;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly settings: Settings,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.dbFile = path.join(context.globalStorageUri.fsPath, 'usage.db');
    const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
    const workerFile = vscode.Uri.joinPath(dist, 'engineWorker.js').fsPath;
    const wasmPath = vscode.Uri.joinPath(dist, 'sql-wasm.wasm').fsPath;
    this.client = new EngineClient(
      () => {
        const parseWorkerFile = vscode.Uri.joinPath(dist, 'parseWorker.js').fsPath;
        const data: EngineWorkerData = { dbFile: this.dbFile, wasmPath, parseWorkerFile, config: this.config() };
        return new Worker(workerFile, { workerData: data, name: 'ai-usage-engine' });
      },
      {
        onEvent: (e) => {
          switch (e.type) {
            case 'dataChanged':
              this.lastImport = e.lastImport ?? this.lastImport;
              this.log.info(`data changed: ${e.reason}`);
              this.dataChanged.fire({ lastImport: this.lastImport, reason: e.reason });
              break;
            case 'importState':
              this.importing = e.importing;
              if (!e.importing) this.lastImportError = e.error;
              this.importStateChanged.fire({ importing: e.importing, error: e.error });
              break;
            case 'warning':
              this.log.warn(e.message);
              void vscode.window.showWarningMessage(`AI Usage: ${e.message}`);
              break;
            case 'log':
              this.log.info(e.message);
              break;
            case 'teamStatus':
              this.teamStatusChanged.fire(e.status);
              break;
          }
        },
        onCrash: (reason, restarting) => {
          this.log.error(`engine worker died: ${reason}; ${restarting ? 'restarting' : 'giving up'}`);
          this.importing = false;
          this.importStateChanged.fire({ importing: false, error: reason });
          void vscode.window.showErrorMessage(
            restarting
              ? `AI Usage: the usage engine stopped unexpectedly (${reason}). It was restarted.`
              : `AI Usage: the usage engine keeps stopping (${reason}). Reload the window to try again; the Output panel ("AI Usage") has details.`,
          );
        },
        onRestart: () => {
          this.restarted.fire();
          void this.importNow('engine restarted');
        },
      },
    );
    this.disposables.push(
      settings.onDidChange((c) => {
        if (c.affects('sources') || c.affects('extraPaths') || c.affects('priceOverrides')) void this.reconfigure('settings changed');
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.reconfigure('workspace folders changed')),
      // Restricted Mode left: the workspace's own files (Aider's) may be read from now on.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.reconfigure('workspace trusted')),
    );
  }

  /** What the worker needs, from settings and the window: where to look and how to price. */
  private config(): EngineConfig {
    const s = this.settings.current;
    return {
      // The parent of our own globalStorage holds other extensions' storage (Cline, Roo, Kilo).
      ctx: processSourceContext({
        env: { ...process.env },
        extraPaths: s.extraPaths,
        editorStorageRoots: [path.dirname(this.context.globalStorageUri.fsPath)],
        workspaceFolders: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
        // In Restricted Mode nothing the workspace provides is read (core/importers/types.ts).
        workspaceTrusted: vscode.workspace.isTrusted,
      }),
      disabledSources: s.disabledSources,
      priceOverrides: s.priceOverrides,
      // Absent until Update Prices stores one: the worker then uses the bundled table.
      priceTableFile: priceTableFile(this.context),
    };
  }

  /** After Update Prices stored a new table: the worker re-reads it and re-prices what changed. */
  async reloadPrices(): Promise<number | null> {
    const { repriced } = await this.call('configure', this.config());
    return repriced;
  }

  private async reconfigure(reason: string): Promise<void> {
    try {
      const { repriced } = await this.call('configure', this.config());
      if (repriced !== null) {
        // New price overrides re-price all stored usage at once (documented on the setting), so
        // every cost shown uses the same prices; say so briefly.
        this.log.info(`re-priced after a settings change: ${repriced} rows changed`);
        vscode.window.setStatusBarMessage(`$(check) AI Usage: re-priced with your new prices (${repriced} changed)`, 5000);
      }
      await this.importNow(reason);
      this.reconfigured.fire();
    } catch (e) {
      this.log.error(`configure failed: ${(e as Error).message}`);
    }
  }

  call<M extends EngineMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    return this.client.call(method, params);
  }

  /** Imports what is new; never throws (failures are logged and shown as import state). */
  async importNow(reason: string, files?: string[]): Promise<ImportSummary | undefined> {
    const started = Date.now();
    try {
      const r = await this.call('importNow', files ? { reason, files } : { reason });
      this.log.info(`import (${reason}): ${r.newRows} new, ${r.changedRows} changed, ${r.filesRead} files read in ${r.durationMs} ms (${Date.now() - started} ms round trip)`);
      for (const e of r.errors) this.log.warn(e);
      return r;
    } catch (e) {
      this.log.error(`import (${reason}) failed: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** The API and command for other extensions: validate (clear error on a bad record), store, price. */
  async recordUsage(value: unknown): Promise<void> {
    const record = parseApiRecord(value);
    await this.call('recordUsage', { records: [record] });
  }

  async dispose(): Promise<void> {
    for (const d of this.disposables) d.dispose();
    await this.client.dispose();
    this.dataChanged.dispose();
    this.importStateChanged.dispose();
    this.reconfigured.dispose();
    this.teamStatusChanged.dispose();
    this.restarted.dispose();
  }
}
