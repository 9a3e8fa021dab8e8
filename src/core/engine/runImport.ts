// One import run: for every enabled source, find its files, read what is new in each, price
// the records and store them with the file's new cursor. Bad files are reported, never fatal.
import type { CostSource, LimitHit, LimitObservation, PricedRecord, SourceId, UsageRecord } from '../model';
import { IMPORTERS } from '../importers/registry';
import { overlapDeletes } from './overlaps';
import { ParsePool } from './parsePool';
import { SourceReads } from './sourceReads';
import { listSources, type SourceListing } from './quickCheck';
import type { Importer, SourceContext } from '../importers/types';
import type { CursorUpdate, UsageStore } from '../store/usageStore';

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
  /**
   * The bundled parse worker (dist/parseWorker.js). When given, a big read of a source whose
   * importer is `parallel` is spread over worker threads (see parsePool.ts).
   */
  parseWorkerFile?: string;
  /** Fewer new bytes than this in a source are read on the calling thread (default 32 MiB). */
  parallelMinBytes?: number;
  /**
   * The listing covers only some files (those a file watcher saw change): no source's run record
   * (files found, last error) is rewritten from it.
   */
  partial?: boolean;
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
  /** Of those, rows that did not exist before. */
  newRows: number;
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

/**
 * Prices a read's records in place: they belong to this import once read, and a cold import of a
 * big history makes tens of thousands of them (a copy of each cost more than the pricing).
 */
export function priceInPlace(records: UsageRecord[], pricer: PriceFn): PricedRecord[] {
  return records.map((r) => Object.assign(r, pricer.price(r)));
}

/** A batch is written once it holds this many records or files. */
const FLUSH_RECORDS = 20_000;
const FLUSH_FILES = 200;
/** With parse workers, a batch this big is stored early when the next file is not parsed yet. */
const EARLY_FLUSH_RECORDS = 2_000;
/** Below this many new bytes a source is read on the calling thread. */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function importSource(
  store: UsageStore,
  importer: Importer,
  listing: SourceListing,
  reads: SourceReads,
  getPricer: () => Promise<PriceFn>,
  epoch: string,
  partial: boolean,
): Promise<SourceImportReport> {
  const started = performance.now();
  const { roots, files } = listing;
  const report: SourceImportReport = {
    source: importer.source,
    label: importer.label,
    roots,
    files: files.length,
    filesRead: 0,
    bytesRead: 0,
    records: 0,
    changedRows: 0,
    newRows: 0,
    skipped: 0,
    errors: listing.error ? [`Listing files failed: ${listing.error}`] : [],
    durationMs: 0,
  };
  // Files' rows and cursors are written in batches, rows and cursors together: a crash never
  // leaves a cursor ahead of its rows. (One write per file rewrote the same index pages over and
  // over: row ids are hashes, so inserts land all over the b-tree.)
  let rows: PricedRecord[] = [];
  let moved: CursorUpdate[] = [];
  // Limit snapshots and hits travel with their file's cursor, like rows.
  let limits: LimitObservation[] = [];
  let hits: LimitHit[] = [];
  const flush = async () => {
    if (!rows.length && !moved.length) return;
    const write = { rows, cursors: moved, limits, hits, epoch };
    rows = [];
    moved = [];
    limits = [];
    hits = [];
    // A read big enough for workers is one large write in the store's eyes, whatever its batches.
    const r = await store.write(write, { bulk: reads.pool !== undefined });
    report.changedRows += r.changed;
    report.newRows += r.inserted;
  };
  for (let read = reads.take(); read; read = reads.take()) {
    const { file } = read;
    const result = await read.result;
    if (result instanceof Error) {
      const code = (result as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') report.errors.push(`${file}: ${message(result)}`); // deleted between listing and reading: fine
      continue;
    }
    if (result.bytesRead === 0 && result.records.length === 0 && !result.limits?.length) continue;
    report.filesRead++;
    report.bytesRead += result.bytesRead;
    report.records += result.records.length;
    report.skipped += result.skipped;
    if (result.records.length) rows.push(...priceInPlace(result.records, await getPricer()));
    if (result.limits) limits.push(...result.limits);
    if (result.hits) hits.push(...result.hits);
    moved.push({ source: importer.source, file, cursor: result.cursor, stats: { records: result.records.length, skipped: result.skipped, reread: result.reread } });
    if (rows.length >= FLUSH_RECORDS || moved.length >= FLUSH_FILES) await flush();
    // Waiting for a worker with rows in hand: store them meanwhile, so storing overlaps parsing.
    else if (rows.length >= EARLY_FLUSH_RECORDS && reads.pool && !reads.nextReady()) await flush();
  }
  await flush();
  report.durationMs = Math.round(performance.now() - started);
  if (!partial) await store.write({ runs: [{ source: importer.source, roots, files: report.files, lastImport: Date.now(), lastError: report.errors[0] }], epoch });
  return report;
}

/**
 * Imports everything new from every enabled source into `store`. Small imports are journaled as
 * they go; a large one is applied in memory and folded at the end (see UsageStore.write). When
 * another process folded the store in the middle of a large import, that import's work is
 * dropped and it runs again on the new state (which then holds most of it).
 */
export async function runImport(store: UsageStore, opts: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const importers = (opts.importers ?? IMPORTERS).filter((i) => !opts.enabled || opts.enabled(i.source));
  let pricer: Promise<PriceFn> | undefined;
  const getPricer = () => (pricer ??= typeof opts.pricer === 'function' ? opts.pricer() : Promise.resolve(opts.pricer));
  const listings = opts.listing ?? (await listSources(importers, opts.ctx));
  let pool: ParsePool | undefined;
  const getPool = () => (opts.parseWorkerFile ? (pool ??= new ParsePool(opts.parseWorkerFile)) : undefined);
  const parallelMinBytes = opts.parallelMinBytes ?? PARALLEL_MIN_BYTES;
  let sources: SourceImportReport[] = [];
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      sources = [];
      const epoch = store.epoch();
      const start = async (importer: Importer) => {
        const listing = listings.find((l) => l.source === importer.source) ?? (await listSources([importer], opts.ctx))[0];
        return { listing, reads: SourceReads.start(importer, listing.files, store.cursors(importer.source), getPool, parallelMinBytes) };
      };
      let ahead: Awaited<ReturnType<typeof start>> | undefined;
      for (let i = 0; i < importers.length; i++) {
        const { listing, reads } = ahead ?? (await start(importers[i]));
        // With workers, queue the next source's reads now: they parse it while this thread stores this one.
        ahead = reads.pool && i + 1 < importers.length ? await start(importers[i + 1]) : undefined;
        const r = await importSource(store, importers[i], listing, reads, getPricer, epoch, opts.partial ?? false);
        sources.push(r);
        opts.onSource?.(r);
      }
      const deletes = await overlapDeletes(store);
      if (deletes.length) await store.write({ deletes, epoch });
      if (await store.finishWrites()) break;
    }
  } finally {
    await pool?.close();
  }
  const totalRows = store.rowCount();
  const sum = (k: 'files' | 'filesRead' | 'bytesRead' | 'records' | 'changedRows' | 'newRows' | 'skipped') => sources.reduce((a, s) => a + s[k], 0);
  return {
    sources,
    files: sum('files'),
    filesRead: sum('filesRead'),
    bytesRead: sum('bytesRead'),
    records: sum('records'),
    newRows: sum('newRows'),
    changedRows: sum('changedRows'),
    skipped: sum('skipped'),
    errors: sources.flatMap((s) => s.errors.map((e) => `${s.label}: ${e}`)),
    durationMs: Math.round(performance.now() - started),
    totalRows,
  };
}
