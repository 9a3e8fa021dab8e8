// One import run: for every enabled source, find its files, read what is new in each, price
// the records and store them with the file's new cursor. Bad files are reported, never fatal.
import type { CostSource, PricedRecord, SourceId, UsageRecord } from '../model';
import { IMPORTERS } from '../importers/registry';
import { reconcileOverlaps } from './overlaps';
import { listSources, type SourceListing } from './quickCheck';
import type { FileReadResult, Importer, SourceContext } from '../importers/types';
import type { UsageStore } from '../store/usageStore';

export interface PriceFn {
  price(r: UsageRecord): { model: string; cost: number; costSource: CostSource };
}

export interface ImportOptions {
  ctx: SourceContext;
  /** The pricer, or a loader called only when there is something to price (keeps a warm run light). */
  pricer: PriceFn | (() => Promise<PriceFn>);
  importers?: readonly Importer[];
  /** Sources switched off in settings are not scanned. */
  enabled?: (source: SourceId) => boolean;
  /** Files already listed for these importers (see quickCheck.listSources); listed here otherwise. */
  listing?: readonly SourceListing[];
  /** Called after each source, e.g. to update a progress bar. */
  onSource?: (report: SourceImportReport) => void;
}

export interface SourceImportReport {
  source: SourceId;
  label: string;
  roots: { path: string; found: boolean }[];
  /** Files found under the roots. */
  files: number;
  /** Files that had something new. */
  filesRead: number;
  bytesRead: number;
  /** Records parsed (before deduplication). */
  records: number;
  /** Rows inserted or improved in the database. */
  changedRows: number;
  skipped: number;
  errors: string[];
  durationMs: number;
}

export interface ImportReport {
  sources: SourceImportReport[];
  files: number;
  filesRead: number;
  bytesRead: number;
  records: number;
  /** Rows that did not exist before this run. */
  newRows: number;
  changedRows: number;
  skipped: number;
  errors: string[];
  durationMs: number;
  totalRows: number;
}

export function priceRecords(records: readonly UsageRecord[], pricer: PriceFn): PricedRecord[] {
  return records.map((r) => ({ ...r, ...pricer.price(r) }));
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function importSource(
  store: UsageStore,
  importer: Importer,
  listing: SourceListing,
  getPricer: () => Promise<PriceFn>,
): Promise<SourceImportReport> {
  const started = performance.now();
  const { roots, files } = listing;
  const report: SourceImportReport = {
    source: importer.source,
    label: importer.label,
    roots,
    files: 0,
    filesRead: 0,
    bytesRead: 0,
    records: 0,
    changedRows: 0,
    skipped: 0,
    errors: listing.error ? [`Listing files failed: ${listing.error}`] : [],
    durationMs: 0,
  };
  report.files = files.length;
  const cursors = store.cursors(importer.source);
  for (const file of files) {
    let result: FileReadResult;
    try {
      result = await importer.readFile(file, cursors.get(file));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') report.errors.push(`${file}: ${message(e)}`); // deleted between listing and reading: fine
      continue;
    }
    if (result.bytesRead === 0 && result.records.length === 0) continue;
    report.filesRead++;
    report.bytesRead += result.bytesRead;
    report.records += result.records.length;
    report.skipped += result.skipped;
    const priced = result.records.length ? priceRecords(result.records, await getPricer()) : [];
    // Rows and cursor in one transaction: a crash never leaves a cursor ahead of its rows.
    report.changedRows += store.transaction(() => {
      const changed = store.upsert(priced);
      store.setCursor(importer.source, file, result.cursor, { records: result.records.length, skipped: result.skipped, reread: result.reread });
      return changed;
    });
  }
  report.durationMs = Math.round(performance.now() - started);
  store.setSourceRun({
    source: importer.source,
    roots,
    files: report.files,
    lastImport: Date.now(),
    lastError: report.errors[0],
  });
  return report;
}

/** Imports everything new from every enabled source into `store` (does not save). */
export async function runImport(store: UsageStore, opts: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const before = store.rowCount();
  const importers = (opts.importers ?? IMPORTERS).filter((i) => !opts.enabled || opts.enabled(i.source));
  const sources: SourceImportReport[] = [];
  let pricer: Promise<PriceFn> | undefined;
  const getPricer = () => (pricer ??= typeof opts.pricer === 'function' ? opts.pricer() : Promise.resolve(opts.pricer));
  const listings = opts.listing ?? (await listSources(importers, opts.ctx));
  for (const importer of importers) {
    const listing = listings.find((l) => l.source === importer.source) ?? (await listSources([importer], opts.ctx))[0];
    const r = await importSource(store, importer, listing, getPricer);
    sources.push(r);
    opts.onSource?.(r);
  }
  if (reconcileOverlaps(store) > 0) store.markDirty();
  const totalRows = store.rowCount();
  const sum = (k: 'files' | 'filesRead' | 'bytesRead' | 'records' | 'changedRows' | 'skipped') => sources.reduce((a, s) => a + s[k], 0);
  return {
    sources,
    files: sum('files'),
    filesRead: sum('filesRead'),
    bytesRead: sum('bytesRead'),
    records: sum('records'),
    newRows: totalRows - before,
    changedRows: sum('changedRows'),
    skipped: sum('skipped'),
    errors: sources.flatMap((s) => s.errors.map((e) => `${s.label}: ${e}`)),
    durationMs: Math.round(performance.now() - started),
    totalRows,
  };
}
