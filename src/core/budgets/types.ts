// Budgets and plans as the user writes them in settings (aiUsage.budgets, aiUsage.plans), checked:
// a bad entry is reported in plain words and left out, never fatal.
import { isSourceId, type SourceId } from '../model';
import { parseDate } from '../time/calendar';

export const BUDGET_PERIODS = ['day', 'week', 'month'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

export interface Budget {
  name?: string;
  period: BudgetPeriod;
  amountUsd: number;
  /** 'all' projects, the open 'workspace' folders, or one project folder (its subfolders included). */
  scope: string;
  /** Only these tools; absent = all. */
  sources?: SourceId[];
}

export interface Plan {
  name: string;
  /** What the plan costs per month, USD (an annual plan: its yearly price / 12). */
  monthlyUsd: number;
  sources: SourceId[];
  /** First and last day the plan was held (YYYY-MM-DD, local), to prorate the months it began or ended in. */
  from?: string;
  to?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function sourcesOf(v: unknown, where: string, problems: string[]): SourceId[] | undefined | null {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    problems.push(`${where}.sources must be a list of source ids such as ["claude-code"].`);
    return null;
  }
  const bad = v.filter((s) => !isSourceId(s));
  if (bad.length) {
    problems.push(`${where}.sources: unknown source ${bad.map((s) => `"${s}"`).join(', ')}.`);
    return null;
  }
  return v as SourceId[];
}

export function parseBudgets(raw: unknown): { budgets: Budget[]; problems: string[] } {
  const problems: string[] = [];
  const budgets: Budget[] = [];
  if (raw === undefined || raw === null) return { budgets, problems };
  if (!Array.isArray(raw)) return { budgets, problems: ['aiUsage.budgets must be a list such as [{ "period": "month", "amountUsd": 100, "scope": "all" }].'] };
  raw.forEach((b, i) => {
    const where = `aiUsage.budgets[${i}]`;
    if (!isObj(b)) return problems.push(`${where} must be an object.`);
    if (!(BUDGET_PERIODS as readonly unknown[]).includes(b.period)) return problems.push(`${where}.period must be "day", "week" or "month"; this budget is ignored.`);
    if (typeof b.amountUsd !== 'number' || !Number.isFinite(b.amountUsd) || b.amountUsd <= 0) return problems.push(`${where}.amountUsd must be a number above 0; this budget is ignored.`);
    const scope = b.scope === undefined ? 'all' : b.scope;
    if (typeof scope !== 'string' || !scope.trim()) return problems.push(`${where}.scope must be "all", "workspace" or a project folder; this budget is ignored.`);
    const sources = sourcesOf(b.sources, where, problems);
    if (sources === null) return;
    if (b.name !== undefined && typeof b.name !== 'string') return problems.push(`${where}.name must be text.`);
    const out: Budget = { period: b.period as BudgetPeriod, amountUsd: b.amountUsd, scope: scope.trim() };
    if (typeof b.name === 'string' && b.name.trim()) out.name = b.name.trim();
    if (sources?.length) out.sources = sources;
    budgets.push(out);
  });
  return { budgets, problems };
}

export function parsePlans(raw: unknown): { plans: Plan[]; problems: string[] } {
  const problems: string[] = [];
  const plans: Plan[] = [];
  if (raw === undefined || raw === null) return { plans, problems };
  if (!Array.isArray(raw)) return { plans, problems: ['aiUsage.plans must be a list such as [{ "name": "Claude Max", "monthlyUsd": 200, "sources": ["claude-code"] }].'] };
  raw.forEach((p, i) => {
    const where = `aiUsage.plans[${i}]`;
    if (!isObj(p)) return problems.push(`${where} must be an object.`);
    if (typeof p.name !== 'string' || !p.name.trim()) return problems.push(`${where}.name is required; this plan is ignored.`);
    if (typeof p.monthlyUsd !== 'number' || !Number.isFinite(p.monthlyUsd) || p.monthlyUsd < 0) return problems.push(`${where}.monthlyUsd must be a number ≥ 0; this plan is ignored.`);
    const sources = sourcesOf(p.sources, where, problems);
    if (sources === null) return;
    if (!sources?.length) return problems.push(`${where}.sources must name the tools the plan covers, e.g. ["codex"]; this plan is ignored.`);
    const out: Plan = { name: p.name.trim(), monthlyUsd: p.monthlyUsd, sources };
    for (const k of ['from', 'to'] as const) {
      if (p[k] === undefined) continue;
      try {
        parseDate(String(p[k]));
        out[k] = String(p[k]);
      } catch {
        return problems.push(`${where}.${k} must be a date YYYY-MM-DD; this plan is ignored.`);
      }
    }
    if (out.from && out.to && out.from > out.to) return problems.push(`${where}: "from" is after "to"; this plan is ignored.`);
    plans.push(out);
  });
  return { plans, problems };
}

/** A stable name for a budget (notifications are remembered under it). */
export function budgetName(b: Budget): string {
  if (b.name) return b.name;
  const scope = b.scope === 'all' ? 'all projects' : b.scope === 'workspace' ? 'this workspace' : b.scope;
  return `${b.period === 'day' ? 'Daily' : b.period === 'week' ? 'Weekly' : 'Monthly'} budget (${scope}${b.sources?.length ? `, ${b.sources.join(', ')}` : ''})`;
}

export interface Forecast {
  /** USD at the end of the period: the middle 80% and the expected value. */
  low: number;
  expected: number;
  high: number;
  /** Mean USD per day over the basis days. */
  ratePerDay: number;
  /** Complete days the rate is taken from (0: no history yet, the forecast is what is spent). */
  basisDays: number;
}

export interface BudgetStatus {
  /** Position in aiUsage.budgets. */
  index: number;
  name: string;
  period: BudgetPeriod;
  amountUsd: number;
  scope: string;
  sources?: string[];
  /** The current period, UTC ms [from, to). */
  from: number;
  to: number;
  /** "November 2026", "Week of Nov 23", "Saturday, Nov 28". */
  periodLabel: string;
  spent: number;
  /** Requests without a price: their cost is missing from `spent`. */
  unpriced: number;
  /** spent / amount × 100. */
  percent: number;
  level: 'ok' | 'warning' | 'over';
  /** Calendar days left in the period, today included. */
  daysLeft: number;
  forecast: Forecast;
  /** Cost per local day of the period so far (the card's chart). */
  days: { start: number; cost: number }[];
  /** Identifies this budget's current period, for remembering notifications. */
  periodKey: string;
}

export interface PlanMonth {
  /** YYYY-MM. */
  key: string;
  start: number;
  /** API-priced cost of the plan's sources that month (so far, for the current month). */
  apiCost: number;
  /** The plan's cost that month (prorated by the days held). */
  planCost: number;
  /** apiCost / planCost; null when the plan cost nothing that month. */
  ratio: number | null;
  requests: number;
  unpriced: number;
}

export interface PlanValue {
  name: string;
  monthlyUsd: number;
  sources: string[];
  /** Oldest first; the last is the current month. */
  months: PlanMonth[];
}

