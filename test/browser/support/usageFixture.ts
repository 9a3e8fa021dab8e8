// A realistic usage database for the browser tests, filled through the real UsageStore so the
// numbers the dashboard shows can be checked against the real queries.
import { describeSources } from '../../../src/core/engine/sourceStatus';
import { IMPORTERS } from '../../../src/core/importers/registry';
import type { PricedRecord, SourceId } from '../../../src/core/model';
import type { SourceStatus } from '../../../src/core/engine/sourceStatus';
import { UsageStore } from '../../../src/core/store/usageStore';
import { rng } from '../../support/rng';

/** "Now" for every test: Sat Nov 28, 2026, 12:00 in New York. */
export const NOW = Date.UTC(2026, 10, 28, 17, 0);
export const TZ = 'America/New_York';
export const HOME = '/home/dev';
export const WORKSPACE = `${HOME}/work/webapp`;

interface ModelSpec {
  model: string;
  raw: string;
  source: SourceId;
  /** USD per million: input, output, cache read, cache write; null = unpriced. */
  price: [number, number, number, number] | null;
  weight: number;
}

const MODELS: ModelSpec[] = [
  { model: 'claude-sonnet-4-5', raw: 'claude-sonnet-4-5-20250929', source: 'claude-code', price: [3, 15, 0.3, 3.75], weight: 34 },
  { model: 'claude-opus-4-1', raw: 'claude-opus-4-1-20250805', source: 'claude-code', price: [15, 75, 1.5, 18.75], weight: 6 },
  { model: 'claude-haiku-4-5', raw: 'claude-haiku-4-5-20251001', source: 'claude-code', price: [1, 5, 0.1, 1.25], weight: 12 },
  { model: 'gpt-5-codex', raw: 'gpt-5-codex', source: 'codex', price: [1.25, 10, 0.125, 0], weight: 18 },
  { model: 'gpt-5', raw: 'gpt-5', source: 'codex', price: [1.25, 10, 0.125, 0], weight: 6 },
  { model: 'gemini-2.5-pro', raw: 'gemini-2.5-pro', source: 'gemini-cli', price: [1.25, 10, 0.31, 0], weight: 10 },
  { model: 'qwen3-coder-plus', raw: 'qwen3-coder-plus', source: 'qwen-code', price: [1, 5, 0.1, 0], weight: 5 },
  { model: 'mystery-model-x', raw: 'mystery-model-x', source: 'qwen-code', price: null, weight: 2 },
];

export const PROJECTS = [WORKSPACE, `${WORKSPACE}/packages/ui`, `${HOME}/work/api-server`, `${HOME}/oss/cli-tool`, `${HOME}/notes`];
const PROJECT_WEIGHTS = [40, 20, 25, 12, 3];

function pick<T>(items: T[], weights: number[], r: number): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = r * total;
  for (let i = 0; i < items.length; i++) if ((x -= weights[i]) < 0) return items[i];
  return items[items.length - 1];
}

/** About `perDay` requests a day over the `days` days before NOW, busier on weekdays. */
export function usageRecords(days = 60, perDay = 50, seed = 7): PricedRecord[] {
  const r = rng(seed);
  const out: PricedRecord[] = [];
  const dayMs = 86400_000;
  for (let d = days - 1; d >= 0; d--) {
    const dayStart = NOW - d * dayMs - 10 * 3600_000; // ~02:00 New York
    const weekday = new Date(dayStart).getUTCDay();
    const n = Math.round(perDay * (weekday === 0 || weekday === 6 ? 0.3 : 1) * (0.6 + r() * 0.8) * (1 + (days - d) / days));
    for (let k = 0; k < n; k++) {
      const ts = Math.round(dayStart + (6 + r() * 16) * 3600_000);
      if (ts > NOW) continue;
      const m = pick(MODELS, MODELS.map((x) => x.weight), r());
      const project = pick(PROJECTS, PROJECT_WEIGHTS, r());
      const inputTokens = Math.round(5 + r() * r() * 4000);
      const outputTokens = Math.round(40 + r() * r() * 6000);
      const cacheReadTokens = m.source === 'claude-code' || r() < 0.6 ? Math.round(8000 + r() * 140000) : 0;
      const cacheWriteTokens = m.source === 'claude-code' ? Math.round(r() * r() * 24000) : 0;
      const cost = m.price ? (inputTokens * m.price[0] + outputTokens * m.price[1] + cacheReadTokens * m.price[2] + cacheWriteTokens * m.price[3]) / 1e6 : 0;
      out.push({
        source: m.source,
        dedupeKey: `${seed}-${d}-${k}`,
        ts,
        project,
        modelRaw: m.raw,
        model: m.model,
        sessionId: `${m.source}-${d}-${Math.floor(k / 12)}`,
        inputTokens,
        outputTokens,
        cacheReadTokens,
        cacheWriteTokens,
        cacheWrite1hTokens: 0,
        reasoningTokens: m.source === 'codex' ? Math.round(outputTokens * 0.3) : 0,
        cost,
        costSource: m.price ? 'estimated' : 'unpriced',
      });
    }
  }
  return out;
}

export async function usageStore(records: PricedRecord[] = usageRecords()): Promise<UsageStore> {
  const store = await UsageStore.inMemory();
  await store.write({ rows: records });
  return store;
}

/** The Sources view's data, through the real describeSources: some tools found, one with an error. */
export async function sourceStatuses(store: UsageStore): Promise<SourceStatus[]> {
  const runs: { source: SourceId; roots: string[]; files: number; error?: string }[] = [
    { source: 'claude-code', roots: [`${HOME}/.config/claude/projects`, `${HOME}/.claude/projects`], files: 214 },
    { source: 'codex', roots: [`${HOME}/.codex/sessions`], files: 57 },
    { source: 'gemini-cli', roots: [`${HOME}/.gemini/tmp`], files: 31 },
    { source: 'qwen-code', roots: [`${HOME}/.qwen/tmp`], files: 12 },
    { source: 'continue', roots: [`${HOME}/.continue/dev_data`], files: 1, error: `EACCES: permission denied, open '${HOME}/.continue/dev_data/0.2.0/tokensGenerated.jsonl'` },
  ];
  if (store.rowCount() > 0) {
    await store.write({
      runs: runs.map((run) => ({
        source: run.source,
        roots: run.roots.map((path, i) => ({ path, found: i === run.roots.length - 1 })),
        files: run.files,
        lastImport: NOW - 4 * 60_000,
        lastError: run.error,
      })),
    });
  }
  return describeSources(store, IMPORTERS, { home: HOME, env: {}, platform: 'linux', extraPaths: {}, workspaceFolders: [WORKSPACE], workspaceTrusted: true });
}
