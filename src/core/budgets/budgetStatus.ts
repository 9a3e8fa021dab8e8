// How much of a budget is spent, and where the period is heading: pure arithmetic over sums the
// rollups give (the day rollups of the user's zone), for the Budget card, the badge, the
// notifications and `ai-usage budget`.
import type { Catalog } from '../store/catalog';
import { series, totals } from '../queries/aggregate';
import { fromLocal, localTime } from '../time/calendar';
import type { UsageFilter } from '../queries/types';
import { budgetName, type Budget, type BudgetPeriod, type BudgetStatus, type Forecast } from './types';

export type { BudgetStatus, Forecast };

const DAY = 86_400_000;
/** Days of history the burn rate is taken from. */
export const BASIS_DAYS = 14;
/** The forecast range is the middle 80% (±1.28 standard deviations of the sum of the remaining days). */
const Z80 = 1.2816;
export const THRESHOLDS = [80, 100] as const;

export interface BudgetContext {
  now: number;
  tz: string;
  /** The open workspace's folders: what a "workspace" budget counts (all projects when none is open). */
  workspaceFolders: string[];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The local period containing `now`: [from, to) in UTC ms. Weeks start on Monday. */
export function periodRange(period: BudgetPeriod, now: number, tz: string): { from: number; to: number } {
  const l = localTime(now, tz);
  const day = (y: number, m: number, d: number) => {
    const t = new Date(Date.UTC(y, m - 1, d));
    return fromLocal(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), 0, tz);
  };
  if (period === 'day') return { from: day(l.year, l.month, l.day), to: day(l.year, l.month, l.day + 1) };
  if (period === 'week') {
    const dow = (new Date(Date.UTC(l.year, l.month - 1, l.day)).getUTCDay() + 6) % 7;
    return { from: day(l.year, l.month, l.day - dow), to: day(l.year, l.month, l.day - dow + 7) };
  }
  return { from: day(l.year, l.month, 1), to: day(l.year, l.month + 1, 1) };
}

function periodLabelOf(period: BudgetPeriod, from: number, tz: string): string {
  const f = (o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-US', { timeZone: tz, ...o }).format(from);
  if (period === 'month') return f({ month: 'long', year: 'numeric' });
  if (period === 'week') return `Week of ${f({ month: 'short', day: 'numeric', year: 'numeric' })}`;
  return f({ weekday: 'long', month: 'short', day: 'numeric' });
}

/** The projects a budget counts: undefined = all. */
export function budgetProjects(b: Budget, workspaceFolders: string[]): string[] | undefined {
  if (b.scope === 'all') return undefined;
  if (b.scope === 'workspace') return workspaceFolders.length ? workspaceFolders : undefined;
  return [b.scope];
}

const trimSlash = (p: string) => p.replace(/[\\/]+$/, '');
const within = (p: string, folder: string) => p === folder || p.startsWith(`${folder}/`) || p.startsWith(`${folder}\\`);

/** Whether a budget concerns this window: all projects, the workspace, or a project the workspace is in or holds. */
export function budgetApplies(b: Budget, workspaceFolders: string[]): boolean {
  if (b.scope === 'all' || b.scope === 'workspace') return true;
  const scope = trimSlash(b.scope);
  return workspaceFolders.map(trimSlash).some((f) => within(f, scope) || within(scope, f));
}

/** The forecast from the recent daily costs: expected = spent + days left × the mean; the range from their spread. */
export function forecastOf(spent: number, daily: readonly number[], remainingDays: number): Forecast {
  const n = daily.length;
  if (!n || remainingDays <= 0) return { low: spent, expected: spent, high: spent, ratePerDay: 0, basisDays: n };
  const mean = daily.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(daily.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const ahead = mean * remainingDays;
  const spread = Z80 * sd * Math.sqrt(remainingDays);
  return { low: spent + Math.max(0, ahead - spread), expected: spent + ahead, high: spent + ahead + spread, ratePerDay: mean, basisDays: n };
}

export function budgetStatus(cat: Catalog, b: Budget, index: number, ctx: BudgetContext): BudgetStatus {
  const { now, tz } = ctx;
  const { from, to } = periodRange(b.period, now, tz);
  const scope: UsageFilter = { projects: budgetProjects(b, ctx.workspaceFolders), sources: b.sources };
  const t = totals(cat, { ...scope, from, to }, tz);
  const today = periodRange('day', now, tz);
  // The burn rate: complete local days before today, from the first with usage (a new user's
  // empty past is not a zero burn rate).
  const basisFrom = periodRange('day', today.from - (BASIS_DAYS - 1) * DAY - 1, tz).from;
  const past = series(cat, { ...scope, from: basisFrom, to: today.from }, 'day', tz);
  const daily: number[] = [];
  if (past.length) {
    const byStart = new Map(past.map((p) => [p.start, p.cost]));
    for (let d = past[0].start; d < today.from; d = periodRange('day', d + DAY + 3_600_000, tz).from) daily.push(byStart.get(d) ?? 0);
  }
  const remainingDays = Math.max(0, (to - now) / DAY);
  const days = series(cat, { ...scope, from, to: Math.min(to, today.to) }, 'day', tz).map((p) => ({ start: p.start, cost: p.cost }));
  const percent = (t.cost / b.amountUsd) * 100;
  const l = localTime(from, tz);
  const status: BudgetStatus = {
    index,
    name: budgetName(b),
    period: b.period,
    amountUsd: b.amountUsd,
    scope: b.scope,
    from,
    to,
    periodLabel: periodLabelOf(b.period, from, tz),
    spent: t.cost,
    unpriced: t.unpricedMessages,
    percent,
    level: percent >= 100 ? 'over' : percent >= 80 ? 'warning' : 'ok',
    daysLeft: Math.max(1, Math.round((to - today.from) / DAY)),
    forecast: forecastOf(t.cost, daily, remainingDays),
    days,
    periodKey: `${b.period}:${l.year}-${pad(l.month)}-${pad(l.day)}`,
  };
  if (b.sources) status.sources = [...b.sources];
  return status;
}

/** Every budget's status, in settings order. */
export function budgetStatuses(cat: Catalog, budgets: readonly Budget[], ctx: BudgetContext): BudgetStatus[] {
  return budgets.map((b, i) => budgetStatus(cat, b, i, ctx));
}

/** The thresholds a status has reached (80, 100), for notifications. */
export function reachedThresholds(s: BudgetStatus): number[] {
  return THRESHOLDS.filter((x) => s.percent >= x);
}

/**
 * The key a notification is remembered under: one per budget, period and threshold. A
 * "workspace" budget counts different projects in different windows, so its folders are part of it.
 */
export function notificationKey(s: Pick<BudgetStatus, 'name' | 'amountUsd' | 'periodKey' | 'scope'>, threshold: number, workspaceFolders: readonly string[] = []): string {
  const scope = s.scope === 'workspace' ? `:${[...workspaceFolders].sort().join('|')}` : '';
  return `notified:budget:${s.name}:${s.amountUsd}${scope}:${s.periodKey}:${threshold}`;
}
