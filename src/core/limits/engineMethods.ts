// The engine worker's calls for limits, budgets, plan value, branch breakdowns and session
// drill-downs: typed here, answered from the store the worker owns, and merged into the worker's
// RPC (workerProtocol.ts / engineService.ts) in one line each.
import type { Budget, Plan } from '../budgets/types';
import { budgetStatuses, type BudgetStatus } from '../budgets/budgetStatus';
import { planValues, type PlanValue } from '../budgets/planValue';
import { groupBy } from '../queries/aggregate';
import { filterOfView, resolveRange } from '../queries/dashboard';
import type { GroupRow, ViewQuery } from '../queries/types';
import { sessionDetail, type SessionDetail } from '../sessions/sessionDetail';
import type { UsageStore } from '../store/usageStore';
import { limitsData } from './limitsData';
import type { LimitsData } from './limitsView';

import type { BreakdownBy } from '../../shared/protocol';

/** method → [params, result] */
export interface LimitsMethods {
  limits: [{ now: number }, LimitsData];
  budgets: [{ budgets: Budget[]; timeZone: string; now: number; workspaceFolders: string[] }, BudgetStatus[]];
  planValue: [{ plans: Plan[]; timeZone: string; now: number; months?: number }, PlanValue[]];
  breakdown: [{ view: ViewQuery; timeZone: string; now: number; by: BreakdownBy }, GroupRow[]];
  session: [{ sessionId: string }, SessionDetail];
  /** Sets a meta value if absent, across windows: true for the one caller that set it (see UsageStore.claimMeta). */
  claimMeta: [{ key: string; value: string }, boolean];
}

type Impl<M> = { [K in keyof M]: M[K] extends [infer P, infer R] ? (p: P) => Promise<R> | R : never };

/** The implementations; `exclusive` runs a write after the worker's other writes. */
export function limitsMethods(store: UsageStore, exclusive: <T>(fn: () => Promise<T>) => Promise<T>): Impl<LimitsMethods> {
  return {
    limits: (x) => limitsData(store, x.now),
    budgets: (x) => budgetStatuses(store.catalog, x.budgets, { now: x.now, tz: x.timeZone, workspaceFolders: x.workspaceFolders }),
    planValue: (x) => planValues(store.catalog, x.plans, x.now, x.timeZone, x.months),
    breakdown: (x) => groupBy(store.catalog, filterOfView(x.view, resolveRange(x.view.range, x.now, x.timeZone)), x.by, x.timeZone),
    session: (x) => sessionDetail(store, x.sessionId),
    claimMeta: (x) => exclusive(() => store.claimMeta(x.key, x.value)),
  };
}
