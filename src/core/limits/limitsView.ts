// What the Limits card, the badge and the CLI show about plan limits: per tool, the official
// windows (newest snapshot per bucket), the rebuilt 5-hour blocks for Claude Code, and recent
// hits. Pure functions over what the store holds.
import type { LimitHit, LimitObservation, SourceId } from '../model';
import type { Block } from './blocks';

export type WindowState = 'current' | 'reset';

export interface LimitWindowView {
  window: string;
  windowMinutes: number | null;
  /** "5-hour", "Weekly", "30-day"… */
  label: string;
  /** As reported (may exceed 100 or be fractional; clamp for bars only). */
  usedPercent: number;
  resetsAt: number | null;
  /**
   * `reset`: the reset time has passed and nothing newer arrived, so the stale percentage is not
   * shown (Codex has pushed resets back and recomputed anchors; the newest snapshot is the truth).
   */
  state: WindowState;
  observedAt: number;
  /** Not part of its bucket's newest snapshot (e.g. Claude Code omitted it): shown with its age. */
  older: boolean;
}

export interface LimitBucketView {
  limitId: string;
  /** "Codex", "GPT-5.3-Codex-Spark", "Claude plan". */
  name: string;
  /** The account-wide bucket (Codex `codex`, Claude's plan): the headline. */
  primary: boolean;
  planType?: string;
  reachedType?: string;
  observedAt: number;
  windows: LimitWindowView[];
}

export interface BlocksView {
  /** The block in progress, if any. */
  current: Block | null;
  /** Past blocks of the last few days, newest first (no gaps). */
  recent: Block[];
  /** Claude Code's own reset time for the 5-hour window, when a statusLine snapshot gave one. */
  officialResetsAt: number | null;
}

export interface ToolLimits {
  source: SourceId;
  label: string;
  /** official: the tool reported its limits; rebuilt: only 5-hour blocks estimated from the logs. */
  origin: 'official' | 'rebuilt';
  buckets: LimitBucketView[];
  /** Hits of the last week, newest first. */
  hits: LimitHit[];
  blocks?: BlocksView;
}

export interface NearestLimit {
  source: SourceId;
  tool: string;
  bucket: string;
  window: string;
  usedPercent: number;
  resetsAt: number | null;
}

export interface LimitsData {
  now: number;
  tools: ToolLimits[];
  nearest: NearestLimit | null;
  /** Every tool's limit hits of the last year, oldest first: marked on the cost chart's timeline. */
  timeline: LimitHit[];
}

const TOOL_LABELS: Partial<Record<SourceId, string>> = { codex: 'Codex', 'claude-code': 'Claude Code' };

export function windowLabel(minutes: number | null, fallback = 'Window'): string {
  if (minutes === null) return fallback;
  if (minutes === 300) return '5-hour';
  if (minutes === 10080) return 'Weekly';
  if (minutes % 1440 === 0) return `${minutes / 1440}-day`;
  if (minutes % 60 === 0) return `${minutes / 60}-hour`;
  return `${minutes}-minute`;
}

function bucketName(o: LimitObservation): string {
  if (o.limitName) return o.limitName;
  if (o.source === 'claude-code') return 'Claude plan';
  if (o.limitId === 'codex') return 'Codex';
  return o.limitId;
}

/** Buckets per tool from the stored observations, each with its windows' state at `now`. */
export function bucketsOf(observations: readonly LimitObservation[], now: number): Map<SourceId, LimitBucketView[]> {
  const groups = new Map<string, LimitObservation[]>();
  for (const o of observations) {
    const k = `${o.source}\0${o.limitId}`;
    groups.set(k, [...(groups.get(k) ?? []), o]);
  }
  const out = new Map<SourceId, LimitBucketView[]>();
  for (const list of groups.values()) {
    const newest = Math.max(...list.map((o) => o.observedAt));
    const head = list.find((o) => o.observedAt === newest)!;
    const windows = list
      .map((o): LimitWindowView => ({
        window: o.window,
        windowMinutes: o.windowMinutes,
        label: windowLabel(o.windowMinutes, o.window === 'primary' ? 'Primary' : o.window === 'secondary' ? 'Secondary' : o.window),
        usedPercent: o.usedPercent,
        resetsAt: o.resetsAt,
        state: o.resetsAt !== null && o.resetsAt <= now ? 'reset' : 'current',
        observedAt: o.observedAt,
        older: o.observedAt < newest,
      }))
      // A window the newest snapshot left out is kept only while its data may still hold.
      .filter((w) => !w.older || w.state === 'current')
      .sort((a, b) => (a.windowMinutes ?? Infinity) - (b.windowMinutes ?? Infinity));
    const bucket: LimitBucketView = {
      limitId: head.limitId,
      name: bucketName(head),
      primary: head.limitId === 'codex' || head.limitId === 'claude',
      observedAt: newest,
      windows,
    };
    if (head.planType) bucket.planType = head.planType;
    if (head.reachedType) bucket.reachedType = head.reachedType;
    out.set(head.source, [...(out.get(head.source) ?? []), bucket]);
  }
  for (const list of out.values()) list.sort((a, b) => Number(b.primary) - Number(a.primary) || a.name.localeCompare(b.name));
  return out;
}

/** The limit closest to being reached: the fullest window not yet reset (ties: the sooner reset). */
export function nearestLimit(tools: readonly ToolLimits[]): NearestLimit | null {
  let best: NearestLimit | null = null;
  for (const t of tools) {
    for (const b of t.buckets) {
      for (const w of b.windows) {
        if (w.state !== 'current') continue;
        const better = !best || w.usedPercent > best.usedPercent || (w.usedPercent === best.usedPercent && (w.resetsAt ?? Infinity) < (best.resetsAt ?? Infinity));
        if (better) best = { source: t.source, tool: t.label, bucket: b.name, window: w.label, usedPercent: w.usedPercent, resetsAt: w.resetsAt };
      }
    }
  }
  return best;
}

/** Assembles the tools' views: official buckets, recent hits, and Claude Code's rebuilt blocks. */
export function toolLimits(observations: readonly LimitObservation[], hits: readonly LimitHit[], claudeBlocks: Block[] | null, now: number): ToolLimits[] {
  const buckets = bucketsOf(observations, now);
  const sources = new Set<SourceId>([...buckets.keys()]);
  if (claudeBlocks?.length) sources.add('claude-code');
  const out: ToolLimits[] = [];
  for (const source of sources) {
    const b = buckets.get(source) ?? [];
    const tool: ToolLimits = {
      source,
      label: TOOL_LABELS[source] ?? source,
      origin: b.length ? 'official' : 'rebuilt',
      buckets: b,
      hits: hits.filter((h) => h.source === source).sort((x, y) => y.ts - x.ts),
    };
    if (source === 'claude-code' && claudeBlocks?.length) {
      const official = b.find((x) => x.primary)?.windows.find((w) => w.windowMinutes === 300 && w.state === 'current');
      tool.blocks = {
        current: claudeBlocks.find((x) => x.isActive && !x.isGap) ?? null,
        recent: claudeBlocks.filter((x) => !x.isActive && !x.isGap).reverse(),
        officialResetsAt: official?.resetsAt ?? null,
      };
    }
    out.push(tool);
  }
  return out.sort((a, b) => a.label.localeCompare(b.label));
}

/** "2 h 14 min", "3 d 4 h", "45 min", "less than a minute". */
export function durationText(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min < 1) return 'less than a minute';
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  if (d) return h ? `${d} d ${h} h` : `${d} d`;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}
