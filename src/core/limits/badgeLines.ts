// The status bar's words for budgets and limits (the host only puts them on screen): the badge
// text when it shows a budget or the nearest limit, the tooltip lines, and the level that picks
// the theme's warning (80 %) or error (100 %) background.
import type { BudgetStatus } from '../budgets/budgetStatus';
import { formatInt, formatUsd } from '../format';
import { durationText, type NearestLimit } from './limitsView';

export type BadgeLevel = 'ok' | 'warning' | 'over';

export function levelOf(percent: number): BadgeLevel {
  return percent >= 100 ? 'over' : percent >= 80 ? 'warning' : 'ok';
}

const PERIOD_WORDS = { day: 'today', week: 'this week', month: 'this month' } as const;
const escape = (s: string) => s.replace(/[\\`*_[\]<>|~$]/g, '\\$&');

/** "$(graph) $42.10 of $100 this month (42%)". */
export function budgetBadgeText(b: BudgetStatus): string {
  return `$(graph) ${formatUsd(b.spent)}${b.unpriced ? '+' : ''} of ${formatUsd(b.amountUsd)} ${PERIOD_WORDS[b.period]} (${Math.floor(b.percent)}%)`;
}

/** "$(pulse) Codex 5-hour 72% · resets in 1 h 20 min". */
export function limitBadgeText(n: NearestLimit, now: number): string {
  return `$(pulse) ${n.tool} ${n.window} ${Math.round(n.usedPercent)}%${n.resetsAt !== null ? ` · resets in ${durationText(n.resetsAt - now)}` : ''}`;
}

function clock(ts: number, now: number, tz: string): string {
  const sameDay = new Date(ts).toLocaleDateString('en-US', { timeZone: tz }) === new Date(now).toLocaleDateString('en-US', { timeZone: tz });
  return new Date(ts).toLocaleString('en-US', { timeZone: tz, ...(sameDay ? {} : { weekday: 'short' }), hour: 'numeric', minute: '2-digit' });
}

/** Tooltip lines (Markdown) for the budget. */
export function budgetTooltipLines(b: BudgetStatus): string[] {
  const f = b.forecast;
  const lines = [
    `**${escape(b.name)}**: ${escape(formatUsd(b.spent))} of ${escape(formatUsd(b.amountUsd))} (${formatInt(Math.floor(b.percent))}%), ${escape(b.periodLabel)}, ${b.daysLeft} ${b.daysLeft === 1 ? 'day' : 'days'} left`,
  ];
  if (f.basisDays > 0 && f.high > f.low) lines.push(`At the recent pace: ${escape(formatUsd(f.low))}–${escape(formatUsd(f.high))} by the end of the period`);
  else if (f.basisDays > 0) lines.push(`At the recent pace: ${escape(formatUsd(f.expected))} by the end of the period`);
  return lines;
}

/** Tooltip line (Markdown) for the nearest limit, with its reset time in the user's zone. */
export function limitTooltipLine(n: NearestLimit, now: number, tz: string): string {
  const reset = n.resetsAt === null ? '' : `, resets in ${durationText(n.resetsAt - now)} (${clock(n.resetsAt, now, tz)})`;
  const bucket = n.bucket === n.tool || n.bucket === 'Claude plan' ? '' : ` (${escape(n.bucket)})`;
  return `**Nearest limit**: ${escape(n.tool)}${bucket} ${n.window} window ${Math.round(n.usedPercent)}% used${reset}`;
}
