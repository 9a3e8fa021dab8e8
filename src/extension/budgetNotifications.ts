// One notification per budget, period and threshold (80 %, 100 %), across windows and reloads:
// after each change of data or settings (and each minute, as periods roll over) the budgets that
// concern this window are checked, and a threshold is announced only by the window whose claim
// on it the store accepts (UsageStore.claimMeta: under the lock, first writer wins).
import * as vscode from 'vscode';
import { budgetApplies, notificationKey, reachedThresholds, type BudgetStatus } from '../core/budgets/budgetStatus';
import { formatUsd } from '../core/format';
import type { EngineConnection } from './engineConnection';
import type { Settings } from './settings';
import { SHOW_DASHBOARD_COMMAND, workspaceFolderPaths } from './statusBadge';

export class BudgetNotifications implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly timer: NodeJS.Timeout;
  private running = false;
  private queued = false;
  /** For tests: the notifications this window raised. */
  readonly shown: { key: string; message: string }[] = [];

  constructor(
    private readonly engine: EngineConnection,
    private readonly settings: Settings,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      engine.onDataChanged(() => this.check()),
      settings.onDidChange((c) => {
        if (c.affects('budgets') || c.affects('timeZone')) this.check();
      }),
    );
    this.timer = setInterval(() => this.check(), 60_000);
    this.check();
  }

  check(): void {
    if (this.running) {
      this.queued = true;
      return;
    }
    this.running = true;
    void this.run()
      .catch((e) => this.log.warn(`budget check failed: ${(e as Error).message}`))
      .finally(() => {
        this.running = false;
        if (this.queued) {
          this.queued = false;
          this.check();
        }
      });
  }

  private async run(): Promise<void> {
    const s = this.settings.current;
    const folders = workspaceFolderPaths();
    const budgets = s.budgets.filter((b) => budgetApplies(b, folders));
    if (!budgets.length) return;
    const statuses = await this.engine.call('budgets', { budgets, timeZone: s.timeZone, now: Date.now(), workspaceFolders: folders });
    for (const status of statuses) {
      let claimed = 0;
      for (const t of reachedThresholds(status)) {
        const key = notificationKey(status, t, folders);
        if (await this.engine.call('claimMeta', { key, value: String(Date.now()) })) claimed = t;
      }
      // Crossing both at once (a big import) announces only the higher one.
      if (claimed) this.announce(status, claimed, notificationKey(status, claimed, folders));
    }
  }

  private announce(b: BudgetStatus, threshold: number, key: string): void {
    const f = b.forecast;
    const pace = f.basisDays > 0 && b.percent < 100 ? ` At the recent pace: ${formatUsd(f.low)}–${formatUsd(f.high)} by the end of the period.` : '';
    const message =
      threshold >= 100
        ? `AI Usage: ${b.name} is used up: ${formatUsd(b.spent)} of ${formatUsd(b.amountUsd)} (${Math.floor(b.percent)}%), ${b.periodLabel}.`
        : `AI Usage: ${Math.floor(b.percent)}% of ${b.name} spent: ${formatUsd(b.spent)} of ${formatUsd(b.amountUsd)}, ${b.periodLabel}, ${b.daysLeft} ${b.daysLeft === 1 ? 'day' : 'days'} left.${pace}`;
    this.shown.push({ key, message });
    this.log.info(`budget notification: ${message}`);
    const show = threshold >= 100 ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    void show(message, 'Show Dashboard').then((pick) => {
      if (pick) void vscode.commands.executeCommand(SHOW_DASHBOARD_COMMAND);
    });
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
