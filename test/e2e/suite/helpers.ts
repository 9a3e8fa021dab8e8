// What the end-to-end tests share: the run's fixtures, the host's test state, an independent
// reading of the database file, and the bridge to the runner (for what only the page shows).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import initSqlJs from 'sql.js';
import * as vscode from 'vscode';
import type { FixturePaths } from '../fixtures/logs';

export const EXTENSION_ID = 'ai-usage-dashboard.ai-usage-dashboard';
const RUN_DIR = process.env.AI_USAGE_E2E_RUN_DIR ?? '';
const BRIDGE = process.env.AI_USAGE_E2E_BRIDGE ?? '';
const REPO = process.env.AI_USAGE_E2E_REPO ?? path.resolve(__dirname, '../../..');

/** Prints a line of the test report (prefixed, so the runner shows it). */
export function report(...args: unknown[]): void {
  const text = format(...args);
  console.log(hasBridge() ? text.split('\n').map((l) => `[e2e] ${l}`).join('\n') : text);
}

export function phase(): 'main' | 'restore' {
  try {
    return fs.readFileSync(path.join(RUN_DIR, 'phase'), 'utf8').trim() === 'restore' ? 'restore' : 'main';
  } catch {
    return 'main';
  }
}

export function fixtures(): FixturePaths {
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
  badge: { text: string; tooltip: string; visible: boolean; summary: any };
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

let SQL: Awaited<ReturnType<typeof initSqlJs>> | undefined;

/** Sums straight from the saved database file (not through the extension's queries). */
export async function dbSums(dbFile: string, folder: string | null, from: number | null, to: number | null): Promise<DbSums> {
  SQL ??= await initSqlJs({ wasmBinary: fs.readFileSync(path.join(REPO, 'dist', 'sql-wasm.wasm')).buffer as ArrayBuffer });
  const db = new SQL.Database(fs.readFileSync(dbFile));
  try {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (folder) {
      where.push("(p.path = ? OR substr(p.path, 1, ?) = ?)");
      params.push(folder, folder.length + 1, `${folder}/`);
    }
    if (from !== null) {
      where.push('u.ts >= ?');
      params.push(from);
    }
    if (to !== null) {
      where.push('u.ts < ?');
      params.push(to);
    }
    const r = db.exec(
      `SELECT COUNT(*), COALESCE(SUM(u.cost), 0), COALESCE(SUM(u.input + u.output + u.cache_read + u.cache_write), 0)
       FROM usage u JOIN projects p ON p.id = u.project_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
      params,
    );
    const [messages, cost, totalTokens] = r[0].values[0].map(Number);
    return { messages, cost, totalTokens };
  } finally {
    db.close();
  }
}

export function utcDay(now = Date.now()): { from: number; to: number } {
  const from = Math.floor(now / 86_400_000) * 86_400_000;
  return { from, to: from + 86_400_000 };
}

export function dashboardTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('aiUsage.dashboard'));
}
