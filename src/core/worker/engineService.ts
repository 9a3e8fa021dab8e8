// Everything the engine worker does, without the worker plumbing (so plain-Node tests can drive
// it): owns the UsageStore, imports, answers queries, and takes in what other windows stored.
// Writes (import, re-price, reset, API records, taking in others' changes) run one at a time;
// queries run as they come (the dashboard and the badge read only the catalog's rollups).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { badgeSummary } from '../queries/badge';
import { CSV_HEADER, csvRow, jsonRow } from '../queries/csvExport';
import { writeExport } from '../queries/exportSink';
import { runImport, type PriceFn } from '../engine/runImport';
import { listSources, type SourceListing } from '../engine/quickCheck';
import { IMPORTERS } from '../importers/registry';
import type { Importer } from '../importers/types';
import type { UsageRecord } from '../model';
import type { PriceOverrides } from '../pricing';
import { dashboardData, filterOfView, resolveRange } from '../queries/dashboard';
import { totals } from '../queries/aggregate';
import { filterOptions } from '../queries/filterOptions';
import { orderedRows, page } from '../queries/tablePages';
import type { PageRequest, TableSort, ViewQuery } from '../queries/types';
import { describeSources } from '../engine/sourceStatus';
import { limitsMethods } from '../limits/engineMethods';
import { UsageStore } from '../store/usageStore';
import { TeamServices } from '../team/engineMethods';
import type { SyncTiming } from '../team/syncRunner';
import {
  summariseImport,
  type EngineConfig,
  type EngineEvent,
  type EngineMethod,
  type ExportRequest,
  type ImportSummary,
  type ParamsOf,
  type ResultOf,
  type WatchSpec,
} from './workerProtocol';

export interface Pricing extends PriceFn {
  readonly fingerprint: string;
}

export interface EngineServiceOptions {
  dbFile: string;
  config: EngineConfig;
  emit: (e: EngineEvent) => void;
  /** Builds a pricer from the user's overrides and stored price table (the real one in the worker; a fake in tests). */
  makePricer: (overrides: PriceOverrides, priceTableFile?: string) => Pricing;
  importers?: readonly Importer[];
  /** The bundled parse worker (see engine/parsePool.ts); without it every file is read on this thread. */
  parseWorkerFile?: string;
  /** How often to look for what other processes stored (two stats when nothing changed). */
  refreshIntervalMs?: number;
  /** After this long without a write, fold the journal if it has grown (see UsageStore.foldIfIdle). */
  idleFoldMs?: number;
  /** Team sync's and the OTLP export's delays (tests shorten them). */
  teamTiming?: Partial<SyncTiming>;
}

const PRICE_FINGERPRINT = 'price_fingerprint';
/** The reason of a change another process stored (this window's team sync leaves it to that one). */
const ANOTHER_WINDOW = 'another window stored usage';

/** How long an import may keep the event loop before letting other calls in. */
const YIELD_AFTER_MS = 10;

/**
 * The same importer, but between files the event loop gets a turn once YIELD_AFTER_MS have
 * passed, so calls that arrive during a long import (the badge, the dashboard) are answered
 * between files instead of after the whole import, while a scan of thousands of unchanged files
 * does not pay an event-loop turn each.
 */
export function yieldingBetweenFiles(imp: Importer): Importer {
  let since = performance.now();
  return {
    source: imp.source,
    label: imp.label,
    parallel: imp.parallel,
    roots: (ctx) => imp.roots(ctx),
    watch: (root) => imp.watch(root),
    listFiles: (roots, ctx) => imp.listFiles(roots, ctx),
    readFile: async (file, cursor) => {
      if (performance.now() - since >= YIELD_AFTER_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        since = performance.now();
      }
      return imp.readFile(file, cursor);
    },
  };
}

/** A file lies in a root (the root itself, or below it). */
function isUnder(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class EngineService {
  private config: EngineConfig;
  private pricer: Pricing;
  /** The tail of the write queue: each write waits for the one before. */
  private writes: Promise<unknown> = Promise.resolve();
  private pendingImport: Promise<ImportSummary> | undefined;
  /** Files the queued import must read; undefined: everything. */
  private pendingFiles: Set<string> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private warningsSeen = 0;
  private disposed = false;
  /** Team sync and the OpenTelemetry export (their heavy parts load only once configured). */
  private readonly team: TeamServices;

  private constructor(
    private readonly store: UsageStore,
    private readonly opts: EngineServiceOptions,
  ) {
    this.config = opts.config;
    this.pricer = opts.makePricer(opts.config.priceOverrides, opts.config.priceTableFile);
    this.team = new TeamServices({ store, dbFile: opts.dbFile, timing: opts.teamTiming, onStatus: (status) => this.emit({ type: 'teamStatus', status }) });
    if (opts.refreshIntervalMs) {
      this.refreshTimer = setInterval(() => void this.refreshFromDisk(), opts.refreshIntervalMs);
      this.refreshTimer.unref?.();
    }
  }

  static async open(opts: EngineServiceOptions): Promise<EngineService> {
    const store = await UsageStore.open(opts.dbFile);
    const service = new EngineService(store, opts);
    service.reportWarnings();
    // Prices may have changed while we were away (new price table, overrides edited elsewhere).
    await service.exclusive(async () => service.repriceIfStale('the price table or overrides changed'));
    return service;
  }

  private get importers(): readonly Importer[] {
    return this.opts.importers ?? IMPORTERS;
  }

  private readonly yielding = new Map<Importer, Importer>();

  private importersForRun(): Importer[] {
    return this.importers.map((imp) => {
      let y = this.yielding.get(imp);
      if (!y) this.yielding.set(imp, (y = yieldingBetweenFiles(imp)));
      return y;
    });
  }

  /** Runs a write after every earlier write has finished. */
  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.writes.then(fn);
    this.writes = run.catch(() => undefined);
    return run;
  }

  private emit(e: EngineEvent): void {
    if (!this.disposed) this.opts.emit(e);
  }

  private reportWarnings(): void {
    while (this.warningsSeen < this.store.warnings.length) this.emit({ type: 'warning', message: this.store.warnings[this.warningsSeen++] });
  }

  private changed(reason: string): void {
    this.reportWarnings();
    this.emit({ type: 'dataChanged', lastImport: this.store.lastImport(), reason });
    this.team.dataChanged(reason !== ANOTHER_WINDOW);
  }

  // ---- sharing the store ------------------------------------------------------------

  /** Folds the journal once writes have paused for a while (the next write resets the clock). */
  private scheduleIdleFold(): void {
    if (this.disposed) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      void this.exclusive(async () => {
        try {
          await this.store.foldIfIdle();
        } catch (e) {
          this.emit({ type: 'log', message: `Folding the usage journal failed: ${message(e)}; it will be retried.` });
        }
      });
    }, this.opts.idleFoldMs ?? 60_000);
    this.idleTimer.unref?.();
  }

  private refreshFromDisk(): Promise<void> {
    return this.exclusive(async () => {
      try {
        if (await this.store.sync()) this.changed(ANOTHER_WINDOW);
      } catch (e) {
        this.emit({ type: 'log', message: `Reading what another window stored failed: ${message(e)}` });
      }
    });
  }

  // ---- writes -------------------------------------------------------------------------

  private async repriceIfStale(reason: string): Promise<number | null> {
    const stored = this.store.getMeta(PRICE_FINGERPRINT);
    if (stored === this.pricer.fingerprint) return null;
    if (this.store.rowCount() === 0) {
      await this.store.write({ meta: { [PRICE_FINGERPRINT]: this.pricer.fingerprint } });
      return null;
    }
    const changed = await this.store.reprice((r) => this.pricer.price(r), this.pricer.fingerprint);
    this.emit({ type: 'log', message: `Re-priced ${this.store.rowCount()} rows (${reason}); ${changed} changed.` });
    this.changed('re-priced');
    return changed;
  }

  private configure(config: EngineConfig): Promise<{ repriced: number | null }> {
    return this.exclusive(async () => {
      this.config = config;
      this.pricer = this.opts.makePricer(config.priceOverrides, config.priceTableFile);
      return { repriced: await this.repriceIfStale('the price overrides changed') };
    });
  }

  /**
   * Which files to read for a watcher's list of changed files: those of sources whose files read
   * on their own (`parallel`) are listed alone; any other source with a changed file is scanned
   * whole. Undefined when a file belongs to no source (scan everything).
   */
  private async listingFor(files: Set<string>, importers: readonly Importer[]): Promise<SourceListing[] | undefined> {
    const out: SourceListing[] = [];
    const claimed = new Set<string>();
    for (const imp of importers) {
      const roots = imp.roots(this.config.ctx).map((r) => path.resolve(r));
      const mine = [...files].filter((f) => roots.some((r) => isUnder(f, r)));
      if (!mine.length) continue;
      for (const f of mine) claimed.add(f);
      if (imp.parallel) out.push({ source: imp.source, label: imp.label, roots: roots.map((p) => ({ path: p, found: true })), files: mine.sort() });
      else out.push(...(await listSources([imp], this.config.ctx)));
    }
    return claimed.size === files.size ? out : undefined;
  }

  /**
   * Imports now; a call while an import runs queues one more (coalesced), so nothing new is
   * missed. With `files` (what the file watcher saw change), only those files are read where
   * their source allows it, so a new line costs reading that line, not scanning every log.
   */
  private importNow(reason: string, files?: string[]): Promise<ImportSummary> {
    if (this.pendingImport) {
      if (!files) this.pendingFiles = undefined;
      else for (const f of files) this.pendingFiles?.add(f);
      return this.pendingImport;
    }
    this.pendingFiles = files ? new Set(files.map((f) => path.resolve(f))) : undefined;
    const run = this.exclusive(async () => {
      this.pendingImport = undefined; // from here on, a new request needs a new run
      const only = this.pendingFiles;
      this.emit({ type: 'importState', importing: true, error: null });
      try {
        // Take in what others stored first: their cursors may make this import find nothing to read.
        const synced = await this.store.sync();
        const disabled = new Set(this.config.disabledSources);
        const importers = this.importersForRun().filter((i) => !disabled.has(i.source));
        const listing = only ? await this.listingFor(only, importers) : undefined;
        const report = await runImport(this.store, {
          ctx: this.config.ctx,
          pricer: this.pricer,
          importers: listing ? importers.filter((i) => listing.some((l) => l.source === i.source)) : importers,
          listing,
          partial: !!listing,
          parseWorkerFile: this.opts.parseWorkerFile,
        });
        const summary = summariseImport(report);
        if (this.store.getMeta(PRICE_FINGERPRINT) === undefined) await this.store.write({ meta: { [PRICE_FINGERPRINT]: this.pricer.fingerprint } });
        if (summary.newRows || summary.changedRows || synced) this.changed(`import (${reason})`);
        this.scheduleIdleFold();
        this.emit({ type: 'importState', importing: false, error: summary.errors[0] ?? null });
        return summary;
      } catch (e) {
        this.emit({ type: 'importState', importing: false, error: message(e) });
        throw e;
      }
    });
    this.pendingImport = run;
    return run;
  }

  /** Stores API-recorded usage; resolves once it is on disk (no log can bring it back). */
  private recordUsage(records: UsageRecord[]): Promise<{ changed: number }> {
    return this.exclusive(async () => {
      const priced = records.map((r) => ({ ...r, ...this.pricer.price(r) }));
      const { changed } = await this.store.write({ rows: priced }, { durable: true });
      if (changed) this.changed('usage recorded through the API');
      this.scheduleIdleFold();
      return { changed };
    });
  }

  private reprice(): Promise<{ changed: number; rows: number }> {
    return this.exclusive(async () => {
      const changed = await this.store.reprice((r) => this.pricer.price(r), this.pricer.fingerprint);
      this.changed('re-priced');
      return { changed, rows: this.store.rowCount() };
    });
  }

  private reset(): Promise<null> {
    return this.exclusive(async () => {
      await this.store.reset();
      await this.store.write({ meta: { [PRICE_FINGERPRINT]: this.pricer.fingerprint } });
      this.changed('reset');
      return null;
    });
  }

  // ---- reads --------------------------------------------------------------------------

  private pageRequest(view: ViewQuery, timeZone: string, now: number, sort: TableSort, offset: number, limit: number): PageRequest {
    const filter = filterOfView(view, resolveRange(view.range, now, timeZone));
    return { filter, sort: sort.column, dir: sort.dir, offset, limit };
  }

  /**
   * Writes every row of the view in the table's order. It streams month by month outside the
   * write queue (imports go on meanwhile); each month is read by keyset, so rows stored during
   * the export never shift it (see orderedRows).
   */
  private exportRows(req: ExportRequest): Promise<{ rows: number; text?: string }> {
    return writeExport(req.file, async (write) => {
      let rows = 0;
      await write(req.format === 'csv' ? CSV_HEADER : '[');
      const filter = filterOfView(req.view, resolveRange(req.view.range, req.now, req.timeZone));
      for await (const batch of orderedRows(this.store, filter, req.sort.column, req.sort.dir)) {
        const text =
          req.format === 'csv'
            ? batch.map((r) => csvRow(r, req.timeZone)).join('')
            : batch.map((r, i) => `${rows + i ? ',' : ''}\n  ${JSON.stringify(jsonRow(r))}`).join('');
        await write(text);
        rows += batch.length;
      }
      if (req.format === 'json') await write(rows ? '\n]\n' : ']\n');
      return rows;
    });
  }

  /** What to watch: the files the enabled importers read (a file root as it is, under a folder root the importer's globs). */
  private async watchRoots(): Promise<WatchSpec[]> {
    const disabled = new Set(this.config.disabledSources);
    const out: WatchSpec[] = [];
    const seen = new Set<string>();
    const isDir = async (p: string) => (await fs.stat(p).catch(() => undefined))?.isDirectory();
    for (const imp of this.importers) {
      if (disabled.has(imp.source)) continue;
      for (const root of imp.roots(this.config.ctx)) {
        const abs = path.resolve(root);
        const dir = await isDir(abs);
        if (dir === undefined) continue; // not there (yet): the periodic rescan notices when it appears
        const targets = dir ? imp.watch(abs) : [{ base: path.dirname(abs), glob: path.basename(abs) }];
        for (const t of targets) {
          const key = `${path.resolve(t.base)}\0${t.glob}`;
          if (seen.has(key) || !(await isDir(t.base))) continue;
          seen.add(key);
          out.push({ path: path.resolve(t.base), glob: t.glob });
        }
      }
    }
    return out;
  }

  /** Answers one RPC call. */
  async handle<M extends EngineMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const p = params as never;
    const impl: { [K in EngineMethod]: (p: ParamsOf<K>) => Promise<ResultOf<K>> | ResultOf<K> } = {
      configure: (c) => this.configure(c),
      importNow: (x) => this.importNow(x.reason, x.files),
      recordUsage: (x) => this.recordUsage(x.records),
      initData: (x) => ({
        options: filterOptions(this.store.catalog),
        workspaceHasUsage: x.workspaceFolders.length > 0 && totals(this.store.catalog, { projects: x.workspaceFolders }).messages > 0,
        lastImport: this.store.lastImport(),
      }),
      filterOptions: () => filterOptions(this.store.catalog),
      dashboard: (x) => dashboardData(this.store.catalog, x.view, x.timeZone, x.now),
      page: (x) => page(this.store, this.pageRequest(x.view, x.timeZone, x.now, x.sort, x.offset, x.limit)),
      exportRows: (x) => this.exportRows(x),
      sources: () => {
        const disabled = new Set(this.config.disabledSources);
        return describeSources(this.store, this.importers, this.config.ctx, (s) => !disabled.has(s));
      },
      badge: (q) => badgeSummary(this.store.catalog, q, this.store.lastImport()),
      watchRoots: () => this.watchRoots(),
      reprice: () => this.reprice(),
      reset: () => this.reset(),
      flush: () => this.exclusive(async () => {
        await this.store.finishWrites();
        return null;
      }),
      info: () => ({ dbFile: this.opts.dbFile, rows: this.store.rowCount(), bytes: this.store.byteSize(), warnings: [...this.store.warnings] }),
      ...limitsMethods(this.store, (fn) => this.exclusive(fn)),
      ...this.team.methods(),
    };
    const fn = impl[method] as (p: ParamsOf<M>) => Promise<ResultOf<M>> | ResultOf<M>;
    return fn(p);
  }

  /** Stops the timers and closes the store once the writes in progress are done. */
  async dispose(): Promise<void> {
    clearTimeout(this.idleTimer);
    clearInterval(this.refreshTimer);
    await this.team.dispose();
    await this.exclusive(() => undefined);
    this.disposed = true;
    await this.store.close();
  }
}
