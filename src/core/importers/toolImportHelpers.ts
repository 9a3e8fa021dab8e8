// Small helpers shared by the Gemini CLI, Qwen Code, Aider, Continue and Copilot CLI importers:
// per-OS path joining from the injected context, timestamp/number checks, and the Gemini-style
// token normalisation that Gemini CLI and Qwen Code (a Gemini CLI fork) both need.
import * as path from 'node:path';
import type { UsageRecord } from '../model';
import { sha1Hex } from './digest';
import type { SourceContext } from './types';

/** Path functions for the platform in the context (tests may simulate Windows on Linux). */
export function pathApi(ctx: Pick<SourceContext, 'platform'>): path.PlatformPath {
  return ctx.platform === 'win32' ? path.win32 : path.posix;
}

/** The home folder: ctx.home, else HOME / USERPROFILE from the context's environment. */
export function homeOf(ctx: SourceContext): string {
  return ctx.home || (ctx.platform === 'win32' ? ctx.env.USERPROFILE : ctx.env.HOME) || '';
}

/** `~` and `~/…` (or `~\…`) against the context's home; other paths unchanged. */
export function expandHome(ctx: SourceContext, raw: string): string {
  if (raw === '~') return homeOf(ctx);
  if (raw.startsWith('~/') || raw.startsWith('~\\')) return pathApi(ctx).join(homeOf(ctx), raw.slice(2));
  return raw;
}

/** An environment variable holding a folder: trimmed, `~` expanded against ctx.home; undefined when unset. */
export function envDir(ctx: SourceContext, name: string): string | undefined {
  const raw = ctx.env[name]?.trim();
  if (!raw) return undefined;
  return pathApi(ctx).resolve(expandHome(ctx, raw));
}

/** Distinct values, first occurrence kept (roots are in priority order). */
export function uniq(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

export function sha1(text: string): string {
  return sha1Hex(text);
}

/** ISO-8601 (or anything Date parses) to epoch ms; undefined when not a valid time. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A finite, non-negative number, or undefined. */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON line's object, or undefined when the line is malformed or not an object (a line to skip). */
export function parseObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isObject(value) ? value : undefined;
}

/**
 * Keeps the last record per dedupe key, at the position of that last copy. Tools that re-append
 * an updated message (Gemini CLI) must contribute the final copy only.
 */
export function keepLastPerKey(records: UsageRecord[]): UsageRecord[] {
  const last = new Map<string, number>();
  records.forEach((r, i) => last.set(r.dedupeKey, i));
  return records.filter((r, i) => last.get(r.dedupeKey) === i);
}

/** Raw counts in Gemini's `usageMetadata` vocabulary. */
export interface GeminiCounts {
  /** promptTokenCount: includes cached tokens when the total says so. */
  prompt: number;
  /** candidatesTokenCount. */
  candidates: number;
  cached: number;
  thoughts: number;
  /** toolUsePromptTokenCount: billed as input, not part of prompt. */
  tool: number;
  total?: number;
}

export interface NormalizedTokens {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  reasoningTokens: number;
}

/**
 * Gemini-style counts to our convention (uncached input; output includes reasoning).
 *
 * Two questions are settled by `total` when it can: is `cached` inside `prompt` (Gemini: yes),
 * and is `thoughts` inside `candidates` (Gemini API: no, it is billed on top; OpenAI-compatible
 * providers in Qwen Code: yes, `completion_tokens` already contains reasoning). `cached` is
 * subtracted only when the total proves the overlap (ccusage `normalize_session_input`); without
 * a usable total, `thoughtsSeparateByDefault` decides the thoughts question.
 */
export function normalizeGeminiCounts(c: GeminiCounts, thoughtsSeparateByDefault: boolean): NormalizedTokens {
  const included = c.prompt + c.candidates + c.tool; // thoughts inside candidates
  const separate = included + c.thoughts; // thoughts on top
  const readings: Array<{ total: number; thoughtsSeparate: boolean; cacheInPrompt: boolean }> = [
    { total: separate, thoughtsSeparate: true, cacheInPrompt: true },
    { total: included, thoughtsSeparate: false, cacheInPrompt: true },
    { total: separate + c.cached, thoughtsSeparate: true, cacheInPrompt: false },
    { total: included + c.cached, thoughtsSeparate: false, cacheInPrompt: false },
  ];
  if (!thoughtsSeparateByDefault) {
    // Prefer the inclusive-thoughts reading when both match (thoughts === 0 or === cached).
    [readings[0], readings[1]] = [readings[1]!, readings[0]!];
    [readings[2], readings[3]] = [readings[3]!, readings[2]!];
  }
  const match = c.total !== undefined && c.total > 0 ? readings.find((r) => r.total === c.total) : undefined;
  const thoughtsSeparate = match ? match.thoughtsSeparate : thoughtsSeparateByDefault;
  const cacheInPrompt = match ? match.cacheInPrompt : false;
  const uncached = cacheInPrompt ? Math.max(0, c.prompt - c.cached) : c.prompt;
  return {
    inputTokens: uncached + c.tool,
    outputTokens: c.candidates + (thoughtsSeparate ? c.thoughts : 0),
    cacheReadTokens: c.cached,
    reasoningTokens: c.thoughts,
  };
}
