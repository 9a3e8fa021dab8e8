// What the end-to-end tests share: the run's fixtures, the host's test state, an independent
// reading of the stored rows, and the bridge to the runner (for what only the page shows).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import * as vscode from 'vscode';
import type { SourceId } from '../../../src/core/model';
import type { FixturePaths } from '../fixtures/logs';
import { orderedRows } from '../../../src/core/queries/tablePages';
import { setSqlWasmPath } from '../../../src/core/store/sqljs';
import { UsageStore } from '../../../src/core/store/usageStore';

export const EXTENSION_ID = 'ai-usage-dashboard.ai-usage-dashboard';
const RUN_DIR = process.env.AI_USAGE_E2E_RUN_DIR ?? '';
const BRIDGE = process.env.AI_USAGE_E2E_BRIDGE ?? '';
const REPO = process.env.AI_USAGE_E2E_REPO ?? path.resolve(__dirname, '../../..');

/** Prints a line of the test report (prefixed, so the runner shows it). */
export function report(...args: unknown[]): void {
  const text = format(...args);
  console.log(hasBridge() ? text.split('\n').map((l) => `[e2e] ${l}`).join('\n') : text);
}

export type Phase = 'main' | 'restore' | 'trust' | 'scale' | 'team';

export function phase(): Phase {
  try {
    const p = fs.readFileSync(path.join(RUN_DIR, 'phase'), 'utf8').trim();
    return p === 'restore' || p === 'trust' || p === 'scale' || p === 'team' ? p : 'main';
  } catch {
    return 'main';
  }
}

export function fixtures<T extends FixturePaths = FixturePaths>(): T {
  return JSON.parse(fs.readFileSync(path.join(RUN_DIR, 'fixtures.json'), 'utf8'));
}

export const hasBridge = (): boolean => !!BRIDGE;

/** Asks the runner to look at (or act on) the page. */
export async function bridge<T = any>(action: string, args: object = {}): Promise<T> {
  assert.ok(BRIDGE, 'no bridge to the page (run through test/e2e/run.mjs)');
  const res = await fetch(BRIDGE, { method: 'POST', body: JSON.stringify({ action, ...args }) });
  const out = (await res.json()) as { ok: boolean; value?: T; error?: string };
  if (!out.ok) throw new Error(`bridge ${action}: ${out.error}`);
  return out.value as T;
}

export interface HostState {
  badge: { text: string; tooltip: string; visible: boolean; summary: any; level: 'ok' | 'warning' | 'over'; budget: any; nearest: any };
  /** Budget notifications this window raised. */
  budgetNotifications: { key: string; message: string }[];
  panel: null | {
    open: boolean;
    visible: boolean;
    ready: boolean;
    readyCount: number;
    restored: boolean;
    restoredState: unknown;
    lastDashboard: null | { totals: any; rangeLabel: string; from: number | null; to: number | null; view: any };
    dataChangedPosted: number;
    invalidMessages: number;
  };
  watchedRoots: string[];
  watcherEvents: number;
  importing: boolean;
  lastImport: number | null;
  dbFile: string;
  /** The team database and the OpenTelemetry export, as the host last heard from the worker. */
  team: import('../../../src/core/team/teamTypes').TeamStatus;
  info: { dbFile: string; rows: number; bytes: number; warnings: string[] };
}

export async function activateExtension(): Promise<any> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

export function hostState(opts: { flush?: boolean } = {}): Promise<HostState> {
  return vscode.commands.executeCommand<HostState>('aiUsage.test.state', opts) as Promise<HostState>;
}

/** Polls `fn` until it returns a truthy value; fails with the last value seen. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface DbSums {
  messages: number;
  cost: number;
  totalTokens: number;
}

/**
 * The store on disk, opened by this test itself (as another window or the CLI would): what the
 * files hold, not what the extension's worker has in memory.
 */
async function withOwnStore<T>(dbFile: string, fn: (store: UsageStore) => Promise<T>): Promise<T> {
  setSqlWasmPath(path.join(REPO, 'dist', 'sql-wasm.wasm'));
  const store = await UsageStore.open(dbFile);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * Sums of the stored requests themselves, row by row: not through the extension's worker, nor
 * through the rollups the extension answers from.
 */
export async function dbSums(dbFile: string, folder: string | null, from: number | null, to: number | null): Promise<DbSums> {
  return withOwnStore(dbFile, async (store) => {
    const out: DbSums = { messages: 0, cost: 0, totalTokens: 0 };
    for await (const rows of orderedRows(store, {}, 'ts', 'asc')) {
      for (const r of rows) {
        if (folder && r.project !== folder && !r.project.startsWith(`${folder}/`)) continue;
        if ((from !== null && r.ts < from) || (to !== null && r.ts >= to)) continue;
        out.messages += r.requests;
        out.cost += r.cost;
        out.totalTokens += r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens;
      }
    }
    return out;
  });
}

/** One source's stored requests, and the files its imports have read, as the files on disk hold them. */
export async function dbSource(dbFile: string, source: SourceId): Promise<{ requests: number; files: string[] }> {
  return withOwnStore(dbFile, async (store) => {
    let requests = 0;
    for await (const rows of orderedRows(store, { sources: [source] }, 'ts', 'asc')) for (const r of rows) requests += r.requests;
    return { requests, files: [...store.cursors(source).keys()].sort() };
  });
}

export function utcDay(now = Date.now()): { from: number; to: number } {
  const from = Math.floor(now / 86_400_000) * 86_400_000;
  return { from, to: from + 86_400_000 };
}

export function dashboardTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('aiUsage.dashboard'));
}
