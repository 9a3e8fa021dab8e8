// The status bar badge: what it sums (a period in the user's time zone, the workspace's
// projects or all), and the words it shows. Pure: the host only puts the strings on screen.
import type { Catalog } from '../store/catalog';
import { formatInt, formatUsd } from '../format';
import { resolveRange } from './dashboard';
import { groupBy, totals } from './aggregate';
import { fromLocal, localTime } from '../time/calendar';
import type { UsageFilter } from './types';

export const BADGE_PERIODS = ['today', 'thisWeek', 'thisMonth', 'last7Days', 'last30Days'] as const;
export type BadgePeriod = (typeof BADGE_PERIODS)[number];

export const BADGE_PERIOD_WORDS: Record<BadgePeriod, string> = {
  today: 'today',
  thisWeek: 'this week',
  thisMonth: 'this month',
  last7Days: 'last 7 days',
  last30Days: 'last 30 days',
};

export function isBadgePeriod(v: unknown): v is BadgePeriod {
  return typeof v === 'string' && (BADGE_PERIODS as readonly string[]).includes(v);
}

/** [from, to) in UTC ms. Weeks start on Monday (ISO 8601). */
export function badgeRange(period: BadgePeriod, now: number, tz: string): { from: number; to: number } {
  if (period === 'thisWeek') {
    const l = localTime(now, tz);
    const weekday = new Date(Date.UTC(l.year, l.month - 1, l.day)).getUTCDay(); // 0 = Sunday
    const monday = new Date(Date.UTC(l.year, l.month - 1, l.day - ((weekday + 6) % 7)));
    const tomorrow = new Date(Date.UTC(l.year, l.month - 1, l.day + 1));
    return {
      from: fromLocal(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), 0, tz),
      to: fromLocal(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth() + 1, tomorrow.getUTCDate(), 0, tz),
    };
  }
  const preset = ({ today: 'today', thisMonth: 'thisMonth', last7Days: '7d', last30Days: '30d' } as const)[period];
  const r = resolveRange({ preset }, now, tz);
  return { from: r.from!, to: r.to! };
}

export interface BadgeQuery {
  period: BadgePeriod;
  /** Project folders to count (the workspace); empty = all projects. */
  projects: string[];
  timeZone: string;
  now: number;
}

export interface CostCount {
  cost: number;
  messages: number;
  /** Requests with no known price: their cost is missing from `cost`. */
  unpriced: number;
}

export interface BadgeSummary {
  period: BadgePeriod;
  /** The badge's own number. */
  current: CostCount;
  today: CostCount;
  thisMonth: CostCount;
  /** Most expensive models this month (at most 3). */
  topModels: { model: string; cost: number; messages: number }[];
  /** Counting only the workspace's projects. */
  scoped: boolean;
  lastImport: number | null;
}

function costCount(cat: Catalog, f: UsageFilter, tz: string): CostCount {
  const t = totals(cat, f, tz);
  return { cost: t.cost, messages: t.messages, unpriced: t.unpricedMessages };
}

export function badgeSummary(cat: Catalog, q: BadgeQuery, lastImport: number | null): BadgeSummary {
  const projects = q.projects.length ? q.projects : undefined;
  const within = (period: BadgePeriod): UsageFilter => ({ ...badgeRange(period, q.now, q.timeZone), projects });
  const month = within('thisMonth');
  return {
    period: q.period,
    current: costCount(cat, within(q.period), q.timeZone),
    today: costCount(cat, within('today'), q.timeZone),
    thisMonth: costCount(cat, month, q.timeZone),
    topModels: groupBy(cat, month, 'model', q.timeZone)
      .filter((g) => g.messages > 0)
      .sort((a, b) => b.cost - a.cost || b.messages - a.messages)
      .slice(0, 3)
      .map((g) => ({ model: g.key, cost: g.cost, messages: g.messages })),
    scoped: !!projects,
    lastImport,
  };
}

/** "$3.21" or "$3.21+" when some requests could not be priced (the total is a lower bound). */
export function costWithMark(c: CostCount): string {
  return `${formatUsd(c.cost)}${c.unpriced > 0 ? '+' : ''}`;
}

/** The status bar text, e.g. "$(graph) $3.21 today". */
export function badgeText(s: BadgeSummary): string {
  return `$(graph) ${costWithMark(s.current)} ${BADGE_PERIOD_WORDS[s.period]}`;
}

// Model ids are plain (letters, digits, - . / :), so only characters that start markup inline are escaped.
const MD_SPECIAL = /[\\`*_[\]<>|~$]/g;
export const escapeMarkdown = (s: string): string => s.replace(MD_SPECIAL, '\\$&');

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

/** The tooltip (Markdown): today, this month, top models, unpriced requests and the last import (time in `tz`). */
export function badgeTooltip(s: BadgeSummary, now: number, tz?: string): string {
  const lines: string[] = [];
  lines.push(`**AI usage** — ${s.scoped ? 'this workspace' : 'all projects'}`, '');
  lines.push('| | Cost | Requests |', '|---|--:|--:|');
  const row = (label: string, c: CostCount) => `| ${label} | ${escapeMarkdown(costWithMark(c))} | ${formatInt(c.messages)} |`;
  if (s.period !== 'today' && s.period !== 'thisMonth') lines.push(row(capitalise(BADGE_PERIOD_WORDS[s.period]), s.current));
  lines.push(row('Today', s.today), row('This month', s.thisMonth), '');
  if (s.topModels.length) {
    lines.push('**Top models this month**', '');
    for (const m of s.topModels) lines.push(`- ${escapeMarkdown(m.model)}: ${escapeMarkdown(formatUsd(m.cost))} (${formatInt(m.messages)} requests)`);
    lines.push('');
  }
  const unpriced = Math.max(s.current.unpriced, s.thisMonth.unpriced);
  if (unpriced > 0) {
    lines.push(`$(warning) ${formatInt(unpriced)} request${unpriced === 1 ? '' : 's'} this month could not be priced and ${unpriced === 1 ? 'is' : 'are'} not in the costs ("+" marks a lower bound).`, '');
  }
  lines.push(s.lastImport === null ? 'Not imported yet.' : `Last import: ${new Date(s.lastImport).toLocaleTimeString('en-US', { timeZone: tz })} (${ago(now - s.lastImport)})`);
  lines.push('', 'Click to open the dashboard.');
  return lines.join('\n');
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
