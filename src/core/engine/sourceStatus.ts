// The state of every source, for the Sources view and `ai-usage sources`.
import { promises as fs } from 'node:fs';
import type { SourceId } from '../model';
import type { Importer, SourceContext } from '../importers/types';
import type { SourceStatus } from '../queries/types';
import type { UsageStore } from '../store/usageStore';

export type { SourceStatus };


export async function describeSources(
  store: UsageStore,
  importers: readonly Importer[],
  ctx: SourceContext,
  enabled: (s: SourceId) => boolean = () => true,
): Promise<SourceStatus[]> {
  const cat = store.catalog;
  const runs = new Map<string, { roots: string; files: number; error: string | null }>();
  for (const [source, roots, files, error] of cat.all('SELECT source, roots, files, last_error FROM source_runs')) {
    runs.set(String(source), { roots: String(roots), files: Number(files), error: error === null ? null : String(error) });
  }
  const count = (sql: string) => new Map(cat.all(sql).map(([k, v]) => [String(k), Number(v)]));
  const rows = count('SELECT name, rows FROM sources');
  const skipped = count('SELECT source, SUM(skipped) FROM files GROUP BY source');
  const out: SourceStatus[] = [];
  for (const imp of importers) {
    const run = runs.get(imp.source);
    const roots: { path: string; found: boolean }[] = run
      ? JSON.parse(run.roots)
      : await Promise.all(
          imp.roots(ctx).map(async (p) => ({
            path: p,
            found: await fs.stat(p).then(
              () => true,
              () => false,
            ),
          })),
        );
    out.push({
      source: imp.source,
      label: imp.label,
      enabled: enabled(imp.source),
      found: roots.some((r) => r.found),
      roots,
      files: run?.files ?? 0,
      rows: rows.get(imp.source) ?? 0,
      skipped: skipped.get(imp.source) ?? 0,
      lastImport: store.lastScan(imp.source) ?? null,
      lastError: run?.error ?? null,
    });
  }
  // Usage recorded through the API has no importer but is a source all the same.
  const apiRows = rows.get('api');
  if (apiRows) {
    out.push({ source: 'api', label: 'Other extensions (API)', enabled: true, found: true, roots: [], files: 0, rows: apiRows, skipped: 0, lastImport: null, lastError: null });
  }
  return out;
}
