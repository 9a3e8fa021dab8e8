// Codex's plan limits, from the `rate_limits` snapshot on `token_count` events (limits-and-plans.md
// §1), in every shape the rollouts have had: flat `primary_used_percent` fields (≤ 0.40, no reset
// time), nested windows with a relative `resets_in_seconds` (~0.41), and absolute `resets_at`
// epoch seconds (since PR #5304), with `limit_id`/`limit_name` buckets and
// `rate_limit_reached_type` in later builds.
import type { LimitHit, LimitObservation } from '../model';
import type { LineExtras } from './incremental';

interface Window {
  slot: 'primary' | 'secondary';
  usedPercent: number;
  windowMinutes: number | null;
  resetsAt: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function nestedWindow(slot: Window['slot'], w: any, lineTs: number): Window | null {
  if (!w || typeof w !== 'object') return null;
  const used = num(w.used_percent);
  if (used === null) return null;
  const minutes = num(w.window_minutes);
  const at = num(w.resets_at);
  const relative = num(w.resets_in_seconds);
  // resets_at is epoch seconds; the older relative form counts from the snapshot's own line.
  const resetsAt = at !== null ? at * 1000 : relative !== null ? lineTs + relative * 1000 : null;
  return { slot, usedPercent: used, windowMinutes: minutes === null ? null : Math.round(minutes), resetsAt };
}

function flatWindow(slot: Window['slot'], rl: any): Window | null {
  // PR #4060 renamed weekly_* to secondary_*.
  const prefix = slot === 'primary' ? ['primary'] : ['secondary', 'weekly'];
  for (const p of prefix) {
    const used = num(rl[`${p}_used_percent`]);
    if (used === null) continue;
    const minutes = num(rl[`${p}_window_minutes`]);
    return { slot, usedPercent: used, windowMinutes: minutes === null ? null : Math.round(minutes), resetsAt: null };
  }
  return null;
}

/** How a window is named in hits: by its length, never by its slot (weekly-only plans put the week in `primary`). */
export function windowKind(minutes: number | null): string {
  if (minutes === 300) return 'five_hour';
  if (minutes === 10080) return 'weekly';
  return minutes === null ? 'generic' : `${minutes}m`;
}

/** Reports a `rate_limits` snapshot (and any hit it signals) seen on a line stamped `lineTs`. */
export function reportCodexLimits(rl: unknown, lineTs: number, extras: LineExtras): void {
  if (!rl || typeof rl !== 'object' || Number.isNaN(lineTs)) return;
  const r = rl as any;
  const windows = [nestedWindow('primary', r.primary, lineTs) ?? flatWindow('primary', r), nestedWindow('secondary', r.secondary, lineTs) ?? flatWindow('secondary', r)].filter(
    (w): w is Window => w !== null,
  );
  // The account-wide bucket has id `codex`, or no id and no name (before buckets existed).
  const name = typeof r.limit_name === 'string' && r.limit_name.trim() ? r.limit_name.trim() : undefined;
  const limitId = typeof r.limit_id === 'string' && r.limit_id.trim() ? r.limit_id.trim() : name ? name.toLowerCase().replace(/\s+/g, '-') : 'codex';
  const planType = typeof r.plan_type === 'string' && r.plan_type ? r.plan_type : undefined;
  const reachedType = typeof r.rate_limit_reached_type === 'string' && r.rate_limit_reached_type ? r.rate_limit_reached_type : undefined;
  for (const w of windows) {
    const o: LimitObservation = {
      source: 'codex',
      limitId,
      window: w.windowMinutes !== null ? String(w.windowMinutes) : w.slot,
      windowMinutes: w.windowMinutes,
      usedPercent: w.usedPercent,
      resetsAt: w.resetsAt,
      observedAt: lineTs,
    };
    if (name) o.limitName = name;
    if (planType) o.planType = planType;
    if (reachedType) o.reachedType = reachedType;
    extras.limit(o);
    // Whether Codex persists its usage_limit_exceeded errors is unverified: a full window is the hit signal.
    if (w.usedPercent >= 100) extras.hit(hit(lineTs, w.resetsAt, windowKind(w.windowMinutes), `${name ?? 'Codex'} ${windowKind(w.windowMinutes)} limit at ${w.usedPercent}%`));
  }
  if (reachedType && !windows.some((w) => w.usedPercent >= 100)) {
    const resets = windows.map((w) => w.resetsAt).filter((x): x is number => x !== null);
    extras.hit(hit(lineTs, resets.length ? Math.max(...resets) : null, reachedType, reachedType.replace(/_/g, ' ')));
  }
}

function hit(ts: number, resetsAt: number | null, kind: string, text: string): LimitHit {
  return { source: 'codex', ts, resetsAt, kind, text };
}
