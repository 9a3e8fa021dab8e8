// The status bar badge: cost for the chosen period and scope ("$(graph) $3.21 today"), with a
// tooltip of today, this month and the top models. Re-queried whenever data or settings change.
import * as vscode from 'vscode';
import { badgeText, badgeTooltip, escapeMarkdown, type BadgeSummary } from '../core/queries/badge';
import { budgetApplies, type BudgetStatus } from '../core/budgets/budgetStatus';
import { budgetBadgeText, budgetTooltipLines, levelOf, limitBadgeText, limitTooltipLine, type BadgeLevel } from '../core/limits/badgeLines';
import type { NearestLimit } from '../core/limits/limitsView';
import { teamSyncLine } from '../core/team/statusText';
import type { EngineConnection } from './engineConnection';
import type { Settings } from './settings';
import type { TeamDatabase } from './teamDatabase';

export const SHOW_DASHBOARD_COMMAND = 'aiUsage.showDashboard';

/** Folders of the open workspace on disk (usage is keyed by absolute project path). */
export function workspaceFolderPaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

export class StatusBadge implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private queued = false;
  private running = false;
  /** For tests and logs: what the badge last showed. */
  lastSummary: BadgeSummary | undefined;
  lastBudget: BudgetStatus | null = null;
  lastNearest: NearestLimit | null = null;
  /** The team sync's line in the tooltip, as last shown. */
  private teamLine: string | null = null;
  /** ok, warning (the theme's warning background) or over (error background). */
  level: BadgeLevel = 'ok';

  constructor(
    private readonly engine: EngineConnection,
    private readonly settings: Settings,
    private readonly log: vscode.LogOutputChannel,
    private readonly team?: TeamDatabase,
  ) {
    this.item = vscode.window.createStatusBarItem('aiUsage.badge', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'AI Usage';
    this.item.command = SHOW_DASHBOARD_COMMAND;
    this.item.text = '$(graph) AI usage…';
    this.item.accessibilityInformation = { label: 'AI usage cost, loading', role: 'button' };
    this.disposables.push(
      this.item,
      engine.onDataChanged(() => this.refresh()),
      engine.onImportState(() => this.refresh()),
      settings.onDidChange((c) => {
        if (c.affects('statusBar') || c.affects('timeZone') || c.affects('budgets')) this.refresh();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresh()),
      // Only when its tooltip line changes (a sync reports every batch).
      ...(team ? [team.onDidChangeStatus((t) => teamSyncLine(t.sync, settings.current.timeZone) !== this.teamLine && this.refresh())] : []),
    );
    // Periods roll over at midnight and "last import 3 min ago" ages: refresh now and then.
    this.timer = setInterval(() => this.refresh(), 60_000);
    this.refresh();
  }

  get text(): string {
    return this.item.text;
  }

  get tooltipText(): string {
    const t = this.item.tooltip;
    return typeof t === 'string' ? t : (t?.value ?? '');
  }

  get visible(): boolean {
    return this.settings.current.badge.enabled;
  }

  /** Re-queries the worker; calls while one is running are folded into one more. */
  refresh(): void {
    if (this.running) {
      this.queued = true;
      return;
    }
    void this.update();
  }

  private async update(): Promise<void> {
    const s = this.settings.current;
    if (!s.badge.enabled) {
      this.item.hide();
      return;
    }
    this.running = true;
    try {
      const now = Date.now();
      const summary = await this.engine.call('badge', {
        period: s.badge.period,
        projects: s.badge.scope === 'workspace' ? workspaceFolderPaths() : [],
        timeZone: s.timeZone,
        now,
      });
      this.lastSummary = summary;
      // The first budget that concerns this window, and the nearest plan limit.
      const folders = workspaceFolderPaths();
      const index = s.budgets.findIndex((b) => budgetApplies(b, folders));
      const [budget] = index < 0 ? [null] : await this.engine.call('budgets', { budgets: [s.budgets[index]], timeZone: s.timeZone, now, workspaceFolders: folders });
      const nearest = (await this.engine.call('limits', { now })).nearest;
      this.lastBudget = budget ?? null;
      this.lastNearest = nearest;
      let text = badgeText(summary);
      let level: BadgeLevel = 'ok';
      if (s.badge.show === 'limit' && nearest) {
        text = limitBadgeText(nearest, now);
        level = levelOf(nearest.usedPercent);
      } else if (budget) {
        text = budgetBadgeText(budget);
        level = budget.level;
      }
      this.level = level;
      this.item.text = text + (this.engine.importing && summary.lastImport === null ? ' $(sync~spin)' : '');
      const teamLine = (this.teamLine = this.team ? teamSyncLine(this.team.status.sync, s.timeZone) : null);
      const extra = [...(budget ? budgetTooltipLines(budget) : []), ...(nearest ? [limitTooltipLine(nearest, now, s.timeZone)] : []), ...(teamLine ? [escapeMarkdown(teamLine)] : [])];
      const tooltip = badgeTooltip(summary, now, s.timeZone);
      const tip = new vscode.MarkdownString(extra.length ? tooltip.replace('\n\n', `\n\n${extra.join('  \n')}\n\n`) : tooltip, true);
      tip.isTrusted = false;
      this.item.tooltip = tip;
      this.item.accessibilityInformation = { label: `AI usage: ${this.item.text.replace(/\$\([^)]*\)\s*/g, '')}. Open the dashboard.`, role: 'button' };
      this.item.backgroundColor = level === 'over' ? new vscode.ThemeColor('statusBarItem.errorBackground') : level === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this.item.show();
    } catch (e) {
      this.log.warn(`badge update failed: ${(e as Error).message}`);
      this.item.text = '$(graph) AI usage $(warning)';
      this.item.tooltip = `AI Usage could not read the usage database: ${(e as Error).message}`;
      this.item.show();
    } finally {
      this.running = false;
      if (this.queued) {
        this.queued = false;
        void this.update();
      }
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
