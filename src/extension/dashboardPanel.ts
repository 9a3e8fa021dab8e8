// The dashboard panel: one at a time (the command reveals it), restored after a reload by a
// serializer (the webview keeps its filters with setState, so the restored page picks them up).
// Every incoming message is validated with parseRequest; nothing is posted before `ready`.
//
// No retainContextWhenHidden: the webview keeps its state with setState and re-asks on `ready`,
// so a hidden dashboard costs no memory, and its charts are rebuilt from fresh data on reveal.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { DashboardData, HostMessage, Notification, Request } from '../shared/protocol';
import { checkRequest } from '../shared/protocol';
import { answerRequest, planInfo } from './dashboardRequests';
import type { EngineConnection } from './engineConnection';
import type { Settings } from './settings';
import type { TeamDatabase } from './teamDatabase';
import { webviewHtml } from './webviewHtml';

export const VIEW_TYPE = 'aiUsage.dashboard';
const TITLE = 'AI Usage';

/** What tests read back: what the host last told the webview. */
export interface PanelSnapshot {
  open: boolean;
  visible: boolean;
  ready: boolean;
  /** How many times the page said `ready` (1 after a first load or a restore). */
  readyCount: number;
  restored: boolean;
  /** The webview state the serializer was given (its filters), when restored. */
  restoredState: unknown;
  lastDashboard: (Pick<DashboardData, 'totals' | 'rangeLabel' | 'from' | 'to'> & { view: unknown }) | null;
  dataChangedPosted: number;
  invalidMessages: number;
}

class DashboardPanel implements vscode.Disposable {
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  readonly snapshot: PanelSnapshot;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly engine: EngineConnection,
    private readonly settings: Settings,
    private readonly team: TeamDatabase,
    private readonly log: vscode.LogOutputChannel,
    restoredState: unknown,
    onDispose: () => void,
  ) {
    const restored = restoredState !== undefined;
    this.snapshot = { open: true, visible: panel.visible, ready: false, readyCount: 0, restored, restoredState, lastDashboard: null, dataChangedPosted: 0, invalidMessages: 0 };
    panel.iconPath = new vscode.ThemeIcon('graph');
    panel.webview.options = DashboardPanels.webviewOptions(extensionUri);
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m) => void this.onMessage(m)),
      panel.onDidChangeViewState(() => {
        this.snapshot.visible = panel.visible;
        // A hidden webview is torn down (no retained context): it says `ready` again when shown.
        if (!panel.visible) this.setReady(false);
      }),
      engine.onDataChanged((c) => void this.notifyDataChanged(c.lastImport)),
      engine.onImportState((s) => this.post({ type: 'importState', importing: s.importing, error: s.error })),
      team.onDidChangeStatus((status) => this.post({ type: 'teamStatus', status })),
      settings.onDidChange((c) => {
        if (c.affects('timeZone') || c.affects('budgets') || c.affects('plans')) void this.notifyDataChanged(engine.lastImport);
      }),
      panel.onDidDispose(() => {
        this.snapshot.open = false;
        this.setReady(false);
        this.dispose();
        onDispose();
      }),
    );
  }

  private html(): string {
    const w = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    return webviewHtml({
      cspSource: w.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      codiconsUri: w.asWebviewUri(vscode.Uri.joinPath(dist, 'codicon.css')).toString(),
    });
  }

  private setReady(ready: boolean): void {
    this.ready = ready;
    this.snapshot.ready = ready;
  }

  private post(m: HostMessage): void {
    if (!this.ready) return;
    void this.panel.webview.postMessage(m);
  }

  private async notifyDataChanged(lastImport: number | null): Promise<void> {
    if (!this.ready) return;
    try {
      const options = await this.engine.call('filterOptions', {});
      const n: Notification = { type: 'dataChanged', lastImport, options, plans: planInfo(this.settings) };
      this.post(n);
      this.snapshot.dataChangedPosted++;
    } catch (e) {
      this.log.warn(`dashboard refresh failed: ${(e as Error).message}`);
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    const checked = checkRequest(raw);
    if ('error' in checked) {
      this.snapshot.invalidMessages++;
      this.log.warn(`ignored an invalid message from the dashboard (${checked.error}): ${safePreview(raw)}`);
      // A request with an id gets its error back, so the page can say what went wrong.
      const id = (raw as { id?: unknown } | null)?.id;
      if (this.ready && typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) this.post({ id, type: 'reply', ok: false, error: checked.error });
      return;
    }
    const req: Request = checked.request;
    if (req.type === 'ready') {
      this.setReady(true);
      this.snapshot.readyCount++;
    }
    try {
      const data = await answerRequest(req, this.engine, this.settings, this.team);
      if (req.type === 'dashboard') {
        const d = data as DashboardData;
        this.snapshot.lastDashboard = { totals: d.totals, rangeLabel: d.rangeLabel, from: d.from, to: d.to, view: req.view };
      }
      this.post({ id: req.id, type: 'reply', ok: true, data } as HostMessage);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.log.warn(`dashboard request ${req.type} failed: ${error}`);
      this.post({ id: req.id, type: 'reply', ok: false, error });
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function safePreview(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 300 ? `${s.slice(0, 300)}…` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** Owns the single dashboard panel and restores it after a reload. */
export class DashboardPanels implements vscode.WebviewPanelSerializer, vscode.Disposable {
  private current: DashboardPanel | undefined;
  private lastSnapshot: PanelSnapshot | undefined;
  private readonly registration: vscode.Disposable;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: EngineConnection,
    private readonly settings: Settings,
    private readonly team: TeamDatabase,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.registration = vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, this);
  }

  /** Scripts on; local files only from dist/ (bundle, styles, codicons). */
  static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
  }

  show(): void {
    if (this.current) {
      this.current.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, TITLE, vscode.ViewColumn.Active, DashboardPanels.webviewOptions(this.extensionUri));
    this.attach(panel, undefined);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    this.log.info(`restoring the dashboard${state ? ' with its saved filters' : ''}`);
    if (this.current) {
      // A second restored copy (two editor groups): keep one dashboard.
      panel.dispose();
      return;
    }
    this.attach(panel, state ?? null);
  }

  /** `restoredState`: undefined for a new panel; the webview's saved state (or null) for a restored one. */
  private attach(panel: vscode.WebviewPanel, restoredState: unknown): void {
    const p = new DashboardPanel(panel, this.extensionUri, this.engine, this.settings, this.team, this.log, restoredState, () => {
      if (this.current === p) {
        this.lastSnapshot = p.snapshot;
        this.current = undefined;
      }
    });
    this.current = p;
  }

  get snapshot(): PanelSnapshot | undefined {
    return this.current?.snapshot ?? this.lastSnapshot;
  }

  dispose(): void {
    this.registration.dispose();
    this.current?.panel.dispose();
  }
}
