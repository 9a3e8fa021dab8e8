// What a subscription is worth: per calendar month, the API-priced cost of the usage its tools
// made (our own price table, list prices) against what the plan cost that month. Months a plan
// began or ended in are prorated by the days it was held. Sums come from the day rollups.
import type { Catalog } from '../store/catalog';
import { totals } from '../queries/aggregate';
import { fromLocal, localTime, parseDate } from '../time/calendar';
import type { Plan, PlanMonth, PlanValue } from './types';

export type { PlanMonth, PlanValue };

const pad = (n: number) => String(n).padStart(2, '0');

/** Days of month (y, m) the plan was held, over the month's days. */
export function heldShare(plan: Plan, y: number, m: number): number {
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const first = `${y}-${pad(m)}-01`;
  const last = `${y}-${pad(m)}-${pad(days)}`;
  const from = plan.from && plan.from > first ? plan.from : first;
  const to = plan.to && plan.to < last ? plan.to : last;
  if (from > to) return 0;
  const a = parseDate(from);
  const b = parseDate(to);
  return (Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000 / days + 1 / days;
}

/** The last `months` calendar months (current included) for each plan. */
export function planValues(cat: Catalog, plans: readonly Plan[], now: number, tz: string, months = 6): PlanValue[] {
  const l = localTime(now, tz);
  const starts: { y: number; m: number; from: number; to: number }[] = [];
  for (let k = months - 1; k >= 0; k--) {
    const d = new Date(Date.UTC(l.year, l.month - 1 - k, 1));
    const n = new Date(Date.UTC(l.year, l.month - k, 1));
    starts.push({ y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, from: fromLocal(d.getUTCFullYear(), d.getUTCMonth() + 1, 1, 0, tz), to: fromLocal(n.getUTCFullYear(), n.getUTCMonth() + 1, 1, 0, tz) });
  }
  return plans.map((p) => ({
    name: p.name,
    monthlyUsd: p.monthlyUsd,
    sources: [...p.sources],
    months: starts.map((s) => {
      const t = totals(cat, { from: s.from, to: s.to, sources: p.sources }, tz);
      const planCost = p.monthlyUsd * heldShare(p, s.y, s.m);
      return { key: `${s.y}-${pad(s.m)}`, start: s.from, apiCost: t.cost, planCost, ratio: planCost > 0 ? t.cost / planCost : null, requests: t.messages, unpriced: t.unpricedMessages };
    }),
  }));
}
