// The extension's settings as plain values, checked. `settings.json` is hand-edited, so every
// value may be of the wrong shape: a bad part is reported and replaced by its default, never fatal.
import { BADGE_PERIODS, isBadgePeriod, type BadgePeriod } from './queries/badge';
import { isSourceId, SOURCE_IDS, type SourceId } from './model';
import type { PriceOverrides } from './pricing';
import { parsePriceOverrides } from './pricing/overrides';
import { resolveTimeZone } from './time/calendar';
import { parseBudgets, parsePlans, type Budget, type Plan } from './budgets/types';

/** Sources the user can switch on and off (usage from the API is always kept). */
export const IMPORTED_SOURCE_IDS = SOURCE_IDS.filter((s): s is Exclude<SourceId, 'api'> => s !== 'api');

export const RESCAN_DEFAULT_SECONDS = 60;
export const RESCAN_MIN_SECONDS = 5;

/** What the status bar shows: cost (or the first matching budget), or the nearest plan limit. */
export type BadgeShow = 'cost' | 'limit';

export interface ExtensionSettings {
  badge: { enabled: boolean; period: BadgePeriod; scope: 'workspace' | 'all'; show: BadgeShow };
  /** An IANA zone name, resolved (the system's when the setting is empty). */
  timeZone: string;
  /** Undefined when the setting is invalid: the previous prices stay in force. */
  priceOverrides: PriceOverrides | undefined;
  disabledSources: SourceId[];
  extraPaths: Partial<Record<SourceId, string[]>>;
  /** 0 = no periodic rescan (file watching only). */
  rescanSeconds: number;
  /** Update Prices: fetch a newer price table by itself (off unless the user turns it on), and from where ('' = the default). */
  prices: { autoUpdate: boolean; updateUrl: string };
  budgets: Budget[];
  plans: Plan[];
}

/** What `vscode.workspace.getConfiguration('aiUsage').get(key)` returned, per key. */
export type RawSettings = Partial<Record<'statusBar.enabled' | 'statusBar.period' | 'statusBar.scope' | 'timeZone' | 'priceOverrides' | 'sources' | 'extraPaths' | 'rescanIntervalSeconds' | 'prices.autoUpdate' | 'prices.updateUrl' | 'statusBar.show' | 'budgets' | 'plans', unknown>>;

export interface ParsedSettings {
  settings: ExtensionSettings;
  /** One plain sentence per problem, naming the setting. */
  problems: string[];
}

export function parseSettings(raw: RawSettings): ParsedSettings {
  const problems: string[] = [];
  const enabled = raw['statusBar.enabled'] === undefined ? true : raw['statusBar.enabled'] !== false;
  let period: BadgePeriod = 'today';
  if (raw['statusBar.period'] !== undefined) {
    if (isBadgePeriod(raw['statusBar.period'])) period = raw['statusBar.period'];
    else problems.push(`aiUsage.statusBar.period must be one of ${BADGE_PERIODS.join(', ')}; using "today".`);
  }
  let scope: 'workspace' | 'all' = 'workspace';
  if (raw['statusBar.scope'] !== undefined) {
    if (raw['statusBar.scope'] === 'workspace' || raw['statusBar.scope'] === 'all') scope = raw['statusBar.scope'];
    else problems.push('aiUsage.statusBar.scope must be "workspace" or "all"; using "workspace".');
  }

  let timeZone: string;
  try {
    timeZone = resolveTimeZone(typeof raw.timeZone === 'string' ? raw.timeZone : undefined);
  } catch (e) {
    timeZone = resolveTimeZone();
    problems.push(`aiUsage.timeZone: ${(e as Error).message}; using ${timeZone}.`);
  }

  let priceOverrides: PriceOverrides | undefined = {};
  if (raw.priceOverrides !== undefined && raw.priceOverrides !== null) {
    try {
      priceOverrides = parsePriceOverrides(raw.priceOverrides);
    } catch (e) {
      priceOverrides = undefined;
      problems.push(`aiUsage.priceOverrides is invalid (${(e as Error).message}); the previous prices are kept.`);
    }
  }

  const disabledSources: SourceId[] = [];
  const toggles = raw.sources;
  if (toggles !== undefined && toggles !== null) {
    if (typeof toggles !== 'object' || Array.isArray(toggles)) {
      problems.push('aiUsage.sources must be an object such as { "codex": false }; every source stays on.');
    } else {
      for (const [id, on] of Object.entries(toggles)) {
        if (!isSourceId(id) || id === 'api') problems.push(`aiUsage.sources: unknown source "${id}" (known: ${IMPORTED_SOURCE_IDS.join(', ')}).`);
        else if (typeof on !== 'boolean') problems.push(`aiUsage.sources.${id} must be true or false.`);
        else if (!on) disabledSources.push(id);
      }
    }
  }

  const extraPaths: Partial<Record<SourceId, string[]>> = {};
  const extra = raw.extraPaths;
  if (extra !== undefined && extra !== null) {
    if (typeof extra !== 'object' || Array.isArray(extra)) {
      problems.push('aiUsage.extraPaths must be an object such as { "claude-code": ["/path/to/projects"] }.');
    } else {
      for (const [id, list] of Object.entries(extra)) {
        if (!isSourceId(id) || id === 'api') problems.push(`aiUsage.extraPaths: unknown source "${id}" (known: ${IMPORTED_SOURCE_IDS.join(', ')}).`);
        else if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) problems.push(`aiUsage.extraPaths.${id} must be a list of folder paths.`);
        else {
          const paths = list.map((p) => p.trim()).filter(Boolean);
          if (paths.length) extraPaths[id] = paths;
        }
      }
    }
  }

  let rescanSeconds = RESCAN_DEFAULT_SECONDS;
  const r = raw.rescanIntervalSeconds;
  if (r !== undefined && r !== null) {
    if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) problems.push(`aiUsage.rescanIntervalSeconds must be a number ≥ 0; using ${RESCAN_DEFAULT_SECONDS}.`);
    else rescanSeconds = r === 0 ? 0 : Math.max(RESCAN_MIN_SECONDS, r);
  }

  const autoUpdate = raw['prices.autoUpdate'] === true;
  if (raw['prices.autoUpdate'] !== undefined && raw['prices.autoUpdate'] !== null && typeof raw['prices.autoUpdate'] !== 'boolean') {
    problems.push('aiUsage.prices.autoUpdate must be true or false; prices are not updated automatically.');
  }
  let updateUrl = '';
  const url = raw['prices.updateUrl'];
  if (url !== undefined && url !== null && url !== '') {
    if (typeof url === 'string' && /^https?:\/\/\S+$/i.test(url.trim())) updateUrl = url.trim();
    else problems.push('aiUsage.prices.updateUrl must be an http(s) URL; using the default (genai-prices on GitHub).');
  }

  let show: BadgeShow = 'cost';
  if (raw['statusBar.show'] !== undefined && raw['statusBar.show'] !== null) {
    if (raw['statusBar.show'] === 'cost' || raw['statusBar.show'] === 'limit') show = raw['statusBar.show'];
    else problems.push('aiUsage.statusBar.show must be "cost" or "limit"; using "cost".');
  }
  const budgets = parseBudgets(raw.budgets);
  const plans = parsePlans(raw.plans);
  problems.push(...budgets.problems, ...plans.problems);

  return {
    settings: {
      badge: { enabled, period, scope, show },
      timeZone,
      priceOverrides,
      disabledSources,
      extraPaths,
      rescanSeconds,
      prices: { autoUpdate, updateUrl },
      budgets: budgets.budgets,
      plans: plans.plans,
    },
    problems,
  };
}
