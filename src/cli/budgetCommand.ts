// `ai-usage budget` and `ai-usage limits`: the Budget and Limits cards in a terminal. Budgets are
// read from the same setting as in VS Code (`aiUsage.budgets` in its user settings.json, or the
// file given with --settings); a "workspace" budget counts the current folder.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { budgetStatuses } from '../core/budgets/budgetStatus';
import { parseBudgets, type BudgetStatus } from '../core/budgets/types';
import { formatUsd } from '../core/format';
import { limitsData } from '../core/limits/limitsData';
import { durationText, type LimitsData } from '../core/limits/limitsView';
import type { UsageStore } from '../core/store/usageStore';
import { UsageError } from './args';
import { renderTable } from './table';

/** VS Code's user settings file on this platform. */
export function vscodeUserSettings(env: Record<string, string | undefined> = process.env, platform = process.platform, home = os.homedir()): string {
  if (platform === 'win32') return path.win32.join(env.APPDATA || path.win32.join(home, 'AppData', 'Roaming'), 'Code', 'User', 'settings.json');
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'Code', 'User', 'settings.json');
  return path.posix.join(env.XDG_CONFIG_HOME || path.posix.join(home, '.config'), 'Code', 'User', 'settings.json');
}

/** The `aiUsage.*` values of a settings file (JSON with comments); {} when there is no such file. */
export async function readAiUsageSettings(file: string, explicit: boolean): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if (!explicit && (e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`cannot read settings file ${file}: ${(e as Error).message}`);
  }
  const errors: ParseError[] = [];
  const value = parseJsonc(text, errors, { allowTrailingComma: true });
  if (errors.length || !value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${file} is not a valid settings file (JSON with comments)`);
  return value as Record<string, unknown>;
}

export interface BudgetCommandDeps {
  settingsFile: string;
  /** --settings was given (a missing file is then an error). */
  explicitSettings: boolean;
  tz: string | undefined;
  json: boolean;
  /** The store, with new usage imported first unless --no-import. */
  openStore: () => Promise<UsageStore>;
  resolveTz: (tz: string | undefined) => string;
  now: number;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The stable JSON shape of one budget (documented in the README). */
function budgetJson(b: BudgetStatus) {
  return {
    name: b.name,
    period: b.period,
    periodLabel: b.periodLabel,
    from: b.from,
    to: b.to,
    scope: b.scope,
    sources: b.sources ?? null,
    amountUsd: b.amountUsd,
    spent: b.spent,
    unpricedRequests: b.unpriced,
    percent: b.percent,
    level: b.level,
    daysLeft: b.daysLeft,
    forecast: { low: b.forecast.low, expected: b.forecast.expected, high: b.forecast.high, ratePerDay: b.forecast.ratePerDay, basisDays: b.forecast.basisDays },
  };
}

export async function budgetCommand(d: BudgetCommandDeps): Promise<void> {
  const settings = await readAiUsageSettings(d.settingsFile, d.explicitSettings);
  const { budgets, problems } = parseBudgets(settings['aiUsage.budgets']);
  for (const p of problems) d.err(`warning: ${p}`);
  const tz = d.resolveTz(d.tz ?? (typeof settings['aiUsage.timeZone'] === 'string' ? settings['aiUsage.timeZone'] : undefined));
  const store = await d.openStore();
  const statuses = budgetStatuses(store.catalog, budgets, { now: d.now, tz, workspaceFolders: [d.cwd] });
  await store.close();
  if (d.json) {
    d.out(JSON.stringify({ budgets: statuses.map(budgetJson) }));
    return;
  }
  if (!statuses.length) {
    d.out(`No budgets. Set aiUsage.budgets in VS Code's settings (${d.settingsFile}), or pass --settings FILE.`);
    return;
  }
  const rows = statuses.map((b) => [
    b.name,
    b.periodLabel,
    `${formatUsd(b.spent)}${b.unpriced ? '+' : ''}`,
    formatUsd(b.amountUsd),
    `${Math.floor(b.percent)}%${b.level === 'over' ? ' !!' : b.level === 'warning' ? ' !' : ''}`,
    String(b.daysLeft),
    b.forecast.basisDays ? `${formatUsd(b.forecast.low)}–${formatUsd(b.forecast.high)}` : '—',
  ]);
  d.out(renderTable(['Budget', 'Period', 'Spent', 'Budget', 'Used', 'Days left', 'Forecast (80% range)'], rows, undefined, [false, false, true, true, true, true, true]));
  d.out(`(times in ${tz}; forecast from the last ${14} days' costs; "workspace" = ${d.cwd})`);
}

export interface LimitsCommandDeps {
  json: boolean;
  tz: string;
  now: number;
  openStore: () => Promise<UsageStore>;
  out: (text: string) => void;
}

export function limitsText(data: LimitsData, tz: string): string[] {
  const lines: string[] = [];
  const at = (ts: number) => new Date(ts).toLocaleString('en-US', { timeZone: tz, weekday: 'short', hour: 'numeric', minute: '2-digit' });
  for (const t of data.tools) {
    lines.push(`${t.label} (${t.origin === 'official' ? 'reported by the tool' : 'estimated from the logs'})`);
    for (const b of t.buckets) {
      for (const w of b.windows) {
        const state = w.state === 'reset' ? 'reset (no data since)' : `${Math.round(w.usedPercent * 10) / 10}% used`;
        const reset = w.resetsAt === null ? '' : w.state === 'reset' ? '' : `, resets in ${durationText(w.resetsAt - data.now)} (${at(w.resetsAt)})`;
        lines.push(`  ${b.name}${b.planType ? ` [${b.planType}]` : ''} ${w.label}: ${state}${reset}`);
      }
    }
    const cur = t.blocks?.current;
    if (cur) {
      lines.push(`  current 5-hour block (estimated): ${formatUsd(cur.cost)}, ${cur.totalTokens.toLocaleString('en-US')} tokens, ends ${at(cur.end)}` + (cur.projection ? `; at this pace ${formatUsd(cur.projection.cost)} by then` : ''));
    }
    for (const h of t.hits.slice(0, 3)) lines.push(`  limit hit ${at(h.ts)}: ${h.text}${h.resetsAt ? ` (reset ${at(h.resetsAt)})` : ''}`);
  }
  if (!lines.length) lines.push('No plan limits known yet: Codex reports them in its logs; for Claude Code run "AI Usage: Connect Claude Code Limits" in VS Code.');
  return lines;
}

export async function limitsCommand(d: LimitsCommandDeps): Promise<void> {
  const store = await d.openStore();
  const data = await limitsData(store, d.now);
  await store.close();
  if (d.json) d.out(JSON.stringify(data));
  else d.out(limitsText(data, d.tz).join('\n'));
}
