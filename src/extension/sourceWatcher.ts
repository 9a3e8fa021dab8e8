// Notices new usage: a file system watcher on every source folder that exists (outside the
// workspace too, via RelativePattern with a Uri base), debounced into one import, plus a
// periodic rescan as a safety net (roots that appear later, watchers that miss events).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WatchSpec } from '../core/worker/workerProtocol';
import type { EngineConnection } from './engineConnection';
import type { Settings } from './settings';

/** Short enough that new usage reaches the UI well within 2 s; long enough to fold a burst of appends. */
export const IMPORT_DEBOUNCE_MS = 250;

export class SourceWatcher implements vscode.Disposable {
  private readonly watchers = new Map<string, vscode.Disposable>();
  private readonly disposables: vscode.Disposable[] = [];
  private debounce: NodeJS.Timeout | undefined;
  /** Files changed since the last import was scheduled. */
  private readonly changed = new Set<string>();
  private rescan: NodeJS.Timeout | undefined;
  private disposed = false;
  /** Events seen, for logs and tests. */
  events = 0;

  constructor(
    private readonly engine: EngineConnection,
    private readonly settings: Settings,
    private readonly log: vscode.LogOutputChannel,
    /** Our own storage folder: writes there (the database) must not trigger imports. */
    private readonly ownStorage: string,
  ) {
    this.disposables.push(
      settings.onDidChange((c) => {
        if (c.affects('rescanIntervalSeconds')) this.scheduleRescan();
      }),
      // Sources, extra paths, workspace folders or trust changed: watch what the engine now reads.
      engine.onDidReconfigure(() => void this.refreshRoots()),
    );
    this.scheduleRescan();
  }

  /** What is watched, as folder/glob paths. */
  get watchedRoots(): string[] {
    return [...this.watchers.keys()].map((k) => path.join(...(k.split('\0') as [string, string])));
  }

  /** Watches the roots that exist now; stops watching those that are gone or switched off. */
  async refreshRoots(): Promise<void> {
    let roots: WatchSpec[];
    try {
      roots = await this.engine.call('watchRoots', {});
    } catch (e) {
      this.log.warn(`listing source folders to watch failed: ${(e as Error).message}`);
      return;
    }
    if (this.disposed) return;
    const wanted = new Map(roots.filter((r) => !this.isOwn(r.path)).map((r) => [`${r.path}\0${r.glob}`, r]));
    for (const [p, w] of this.watchers) {
      if (!wanted.has(p)) {
        w.dispose();
        this.watchers.delete(p);
      }
    }
    for (const [key, r] of wanted) {
      if (this.watchers.has(key)) continue;
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(r.path), r.glob));
      const onEvent = (uri: vscode.Uri) => this.onEvent(uri);
      this.watchers.set(key, vscode.Disposable.from(w, w.onDidChange(onEvent), w.onDidCreate(onEvent)));
      this.log.info(`watching ${path.join(r.path, r.glob)}`);
    }
  }

  private isOwn(p: string): boolean {
    const rel = path.relative(this.ownStorage, p);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  }

  private onEvent(uri: vscode.Uri): void {
    if (this.isOwn(uri.fsPath)) return;
    this.events++;
    this.changed.add(uri.fsPath);
    this.log.trace(`changed: ${uri.fsPath}`);
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      const files = [...this.changed];
      this.changed.clear();
      void this.importAndRefresh('file changed', files);
    }, IMPORT_DEBOUNCE_MS);
  }

  /** One import (of `files` only, when given), then watch any root that has appeared since. */
  async importAndRefresh(reason: string, files?: string[]): Promise<void> {
    await this.engine.importNow(reason, files);
    if (!this.disposed) await this.refreshRoots();
  }

  private scheduleRescan(): void {
    clearInterval(this.rescan);
    const seconds = this.settings.current.rescanSeconds;
    this.rescan = seconds > 0 ? setInterval(() => void this.importAndRefresh('periodic rescan'), seconds * 1000) : undefined;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.debounce);
    clearInterval(this.rescan);
    for (const w of this.watchers.values()) w.dispose();
    this.watchers.clear();
    for (const d of this.disposables) d.dispose();
  }
}
