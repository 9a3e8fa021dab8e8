// Claude Code's plan limits, which it writes to no log: it hands them to the statusLine command on
// stdin (`rate_limits.five_hour` / `.seven_day`, limits-and-plans.md §3). Once the user runs
// Connect Claude Code Limits, a wrapper saves that input as `latest.json` in our data folder;
// this reads it like any other source file, so the limits reach every window and the CLI through
// the store.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LimitObservation } from '../model';
import { defaultDataDir } from '../paths';
import { hashHead, HEAD_BYTES, unchanged } from './incremental';
import { homeOf, pathApi } from './toolImportHelpers';
import type { FileCursor, FileReadResult, SourceContext } from './types';

export const STATUSLINE_DIR = 'claude-statusline';
export const STATUSLINE_FILE = 'latest.json';

/** Where the wrapper saves Claude Code's statusLine input (our data folder, shared by the extension and the CLI). */
export function statusLineDir(ctx: Pick<SourceContext, 'env' | 'platform' | 'home'>): string {
  return pathApi(ctx).join(defaultDataDir(ctx.env, ctx.platform, homeOf(ctx as SourceContext)), STATUSLINE_DIR);
}

export function isStatusLineSnapshot(file: string): boolean {
  return path.basename(file) === STATUSLINE_FILE && path.basename(path.dirname(file)) === STATUSLINE_DIR;
}

const WINDOWS: [key: 'five_hour' | 'seven_day', minutes: number][] = [
  ['five_hour', 300],
  ['seven_day', 10080],
];

/**
 * The limits in one statusLine input. `observedAt` is when the wrapper saved it (the file's
 * mtime). A missing `rate_limits`, or a missing window, is unknown, never 0% (API-key users,
 * before the session's first response, builds before 2.1.80).
 */
export function statusLineLimits(input: unknown, observedAt: number): LimitObservation[] {
  const rl = (input as { rate_limits?: unknown } | null)?.rate_limits;
  if (!rl || typeof rl !== 'object') return [];
  const out: LimitObservation[] = [];
  for (const [key, minutes] of WINDOWS) {
    const w = (rl as Record<string, any>)[key];
    if (!w || typeof w !== 'object' || typeof w.used_percentage !== 'number' || !Number.isFinite(w.used_percentage)) continue;
    const resets = typeof w.resets_at === 'number' && Number.isFinite(w.resets_at) ? w.resets_at * 1000 : null;
    out.push({ source: 'claude-code', limitId: 'claude', window: String(minutes), windowMinutes: minutes, usedPercent: w.used_percentage, resetsAt: resets, observedAt });
  }
  return out;
}

/** Reads the snapshot when it changed (the wrapper replaces it whole, by rename). */
export async function readStatusLineSnapshot(file: string, cursor: FileCursor | undefined): Promise<FileReadResult> {
  const stat = fs.statSync(file);
  if (unchanged(stat, cursor)) return { records: [], cursor: cursor!, skipped: 0, bytesRead: 0, reread: false };
  const content = fs.readFileSync(file);
  let limits: LimitObservation[] = [];
  let skipped = 0;
  try {
    limits = statusLineLimits(JSON.parse(content.toString('utf8')), Math.round(stat.mtimeMs));
  } catch {
    skipped = 1; // cut short or not JSON: the next save replaces it
  }
  return {
    records: [],
    cursor: { size: content.length, mtimeMs: stat.mtimeMs, offset: content.length, headHash: hashHead(content.subarray(0, HEAD_BYTES)) },
    skipped,
    bytesRead: content.length,
    reread: false,
    ...(limits.length ? { limits } : {}),
  };
}
