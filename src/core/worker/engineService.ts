// Everything the engine worker does, without the worker plumbing (so plain-Node tests can drive
// it): owns the UsageStore, imports, answers queries, saves (debounced) and takes in what other
// windows saved. Writes (import, re-price, reset, API records, merges) run one at a time.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { badgeSummary } from '../queries/badge';
import { CSV_HEADER, csvRow, jsonRow } from '../queries/csvExport';
import { runImport, type PriceFn } from '../engine/runImport';
import { IMPORTERS } from '../importers/registry';
import type { Importer } from '../importers/types';
import type { UsageRecord } from '../model';
import type { PriceOverrides } from '../pricing';
import { dashboardData, filterOfView, resolveRange } from '../queries/dashboard';
import { filterOptions, page, totals } from '../queries/queries';
import type { PageRequest, TableSort, ViewQuery } from '../queries/types';
import { describeSources } from '../engine/sourceStatus';
import { UsageStore } from '../store/usageStore';
import {
  summariseImport,
  type EngineConfig,
  type EngineEvent,
  type EngineMethod,
  type ExportRequest,
  type ImportSummary,
  type ParamsOf,
  type ResultOf,
} from './workerProtocol';

export interface Pricing extends PriceFn {
  readonly fingerprint: string;
}

export interface EngineServiceOptions {
  dbFile: string;
  config: EngineConfig;
  emit: (e: EngineEvent) => void;
  /** Builds a pricer from the user's overrides (the real one in the worker; a fake in tests). */
  makePricer: (overrides: PriceOverrides) => Pricing;
  importers?: readonly Importer[];
  /** The bundled parse worker (see engine/parsePool.ts); without it every file is read on this thread. */
  parseWorkerFile?: string;
  saveDelayMs?: number;
  refreshIntervalMs?: number;
}

const PRICE_FINGERPRINT = 'price_fingerprint';
const EXPORT_PAGE = 1000;

/**
 * The same importer, but each file is read on a fresh turn of the event loop, so calls that
 * arrive during a long import (the badge, the dashboard) are answered between files instead of
 * after the whole import: readers may do all their work synchronously.
 */
export function yieldingBetweenFiles(imp: Importer): Importer {
  return {
    source: imp.source,
    label: imp.label,
    parallel: imp.parallel,
    roots: (ctx) => imp.roots(ctx),
    listFiles: (roots, ctx) => imp.listFiles(roots, ctx),
    readFile: async (file, cursor) => {
      await new Promise((resolve) => setImmediate(resolve));
      return imp.readFile(file, cursor);
    },
  };
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
  private saveTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private warningsSeen = 0;
  private disposed = false;

  private constructor(
    private readonly store: UsageStore,
    private readonly opts: EngineServiceOptions,
  ) {
    this.config = opts.config;
    this.pricer = opts.makePricer(opts.config.priceOverrides);
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

  private lastImport(): number | null {
    const v = this.store.database.exec('SELECT MAX(last_import) FROM source_runs')[0]?.values[0][0];
    return v === null || v === undefined ? null : Number(v);
  }

  private changed(reason: string): void {
    this.scheduleSave();
    this.emit({ type: 'dataChanged', lastImport: this.lastImport(), reason });
  }

  // ---- saving and sharing -----------------------------------------------------------

  private scheduleSave(): void {
    if (this.saveTimer || this.disposed) return;
    // Not reset by later changes: a steady trickle of appends still saves every saveDelayMs.
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, this.opts.saveDelayMs ?? 1500);
  }

  private save(): Promise<void> {
    return this.exclusive(async () => {
      try {
        const r = await this.store.save();
        this.reportWarnings();
        if (r.merged) this.emit({ type: 'dataChanged', lastImport: this.lastImport(), reason: 'merged rows another window saved' });
      } catch (e) {
        this.emit({ type: 'warning', message: `Saving the usage database failed: ${message(e)}. It will be retried.` });
        this.scheduleSave();
      }
    });
  }

  private refreshFromDisk(): Promise<void> {
    return this.exclusive(async () => {
      try {
        if (await this.store.refreshFromDisk()) {
          this.reportWarnings();
          this.emit({ type: 'dataChanged', lastImport: this.lastImport(), reason: 'another window saved' });
        }
      } catch (e) {
        this.emit({ type: 'log', message: `Reading the database another window saved failed: ${message(e)}` });
      }
    });
  }

  // ---- writes -------------------------------------------------------------------------

  private repriceIfStale(reason: string): number | null {
    const stored = this.store.getMeta(PRICE_FINGERPRINT);
    if (stored === this.pricer.fingerprint) return null;
    if (this.store.rowCount() === 0) {
      this.store.setMeta(PRICE_FINGERPRINT, this.pricer.fingerprint);
      return null;
    }
    const changed = this.store.reprice((r) => this.pricer.price(r), this.pricer.fingerprint);
    this.emit({ type: 'log', message: `Re-priced ${this.store.rowCount()} rows (${reason}); ${changed} changed.` });
    this.changed('re-priced');
    return changed;
  }

  private configure(config: EngineConfig): Promise<{ repriced: number | null }> {
    return this.exclusive(() => {
      this.config = config;
      this.pricer = this.opts.makePricer(config.priceOverrides);
      return { repriced: this.repriceIfStale('the price overrides changed') };
    });
  }

  /** Imports now; a call while an import runs queues one more (coalesced), so nothing new is missed. */
  private importNow(reason: string): Promise<ImportSummary> {
    if (this.pendingImport) return this.pendingImport;
    const run = this.exclusive(async () => {
      this.pendingImport = undefined; // from here on, a new request needs a new run
      this.emit({ type: 'importState', importing: true, error: null });
      try {
        const disabled = new Set(this.config.disabledSources);
        const report = await runImport(this.store, {
          ctx: this.config.ctx,
          pricer: this.pricer,
          importers: this.importersForRun(),
          enabled: (s) => !disabled.has(s),
          parseWorkerFile: this.opts.parseWorkerFile,
        });
        const summary = summariseImport(report);
        if (this.store.getMeta(PRICE_FINGERPRINT) === undefined) this.store.setMeta(PRICE_FINGERPRINT, this.pricer.fingerprint);
        if (summary.newRows || summary.changedRows) this.changed(`import (${reason})`);
        else this.scheduleSave(); // cursors and source runs moved on
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

  private recordUsage(records: UsageRecord[]): Promise<{ changed: number }> {
    return this.exclusive(() => {
      const priced = records.map((r) => ({ ...r, ...this.pricer.price(r) }));
      const changed = this.store.transaction(() => this.store.upsert(priced));
      if (changed) this.changed('usage recorded through the API');
      return { changed };
    });
  }

  private reprice(): Promise<{ changed: number; rows: number }> {
    return this.exclusive(() => {
      const changed = this.store.reprice((r) => this.pricer.price(r), this.pricer.fingerprint);
      this.changed('re-priced');
      return { changed, rows: this.store.rowCount() };
    });
  }

  private reset(): Promise<null> {
    return this.exclusive(async () => {
      await this.store.reset();
      this.store.setMeta(PRICE_FINGERPRINT, this.pricer.fingerprint);
      this.changed('reset');
      return null;
    });
  }

  // ---- reads --------------------------------------------------------------------------

  private pageRequest(view: ViewQuery, timeZone: string, now: number, sort: TableSort, offset: number, limit: number): PageRequest {
    const filter = filterOfView(view, resolveRange(view.range, now, timeZone));
    return { filter, sort: sort.column, dir: sort.dir, offset, limit };
  }

  /** Writes every row of the view, a page at a time, inside the write queue so no import shifts the pages. */
  private exportRows(req: ExportRequest): Promise<{ rows: number; text?: string }> {
    return this.exclusive(async () => {
      const chunks: string[] = [];
      const tmp = req.file ? `${req.file}.${process.pid}.tmp` : undefined;
      const handle = tmp ? await fs.open(tmp, 'w') : undefined;
      const write = async (s: string) => {
        if (handle) await handle.write(s);
        else chunks.push(s);
      };
      let rows = 0;
      try {
        await write(req.format === 'csv' ? CSV_HEADER : '[');
        for (let offset = 0; ; offset += EXPORT_PAGE) {
          const p = page(this.store.database, this.pageRequest(req.view, req.timeZone, req.now, req.sort, offset, EXPORT_PAGE));
          if (!p.rows.length) break;
          const text =
            req.format === 'csv'
              ? p.rows.map((r) => csvRow(r, req.timeZone)).join('')
              : p.rows.map((r, i) => `${rows + i ? ',' : ''}\n  ${JSON.stringify(jsonRow(r))}`).join('');
          await write(text);
          rows += p.rows.length;
          if (p.rows.length < EXPORT_PAGE) break;
        }
        if (req.format === 'json') await write(rows ? '\n]\n' : ']\n');
        if (handle && tmp && req.file) {
          await handle.sync();
          await handle.close();
          await fs.rename(tmp, req.file);
        }
      } catch (e) {
        if (handle) {
          await handle.close().catch(() => undefined);
          await fs.rm(tmp!, { force: true });
        }
        throw e;
      }
      return req.file ? { rows } : { rows, text: chunks.join('') };
    });
  }

  private async watchRoots(): Promise<{ path: string; isDirectory: boolean }[]> {
    const disabled = new Set(this.config.disabledSources);
    const out: { path: string; isDirectory: boolean }[] = [];
    const seen = new Set<string>();
    for (const imp of this.importers) {
      if (disabled.has(imp.source)) continue;
      for (const root of imp.roots(this.config.ctx)) {
        const abs = path.resolve(root);
        if (seen.has(abs)) continue;
        seen.add(abs);
        try {
          const st = await fs.stat(abs);
          out.push({ path: abs, isDirectory: st.isDirectory() });
        } catch {
          // not there (yet): the periodic rescan notices when it appears
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
      importNow: (x) => this.importNow(x.reason),
      recordUsage: (x) => this.recordUsage(x.records),
      initData: (x) => ({
        options: filterOptions(this.store.database),
        workspaceHasUsage: x.workspaceFolders.length > 0 && totals(this.store.database, { projects: x.workspaceFolders }).messages > 0,
        lastImport: this.lastImport(),
      }),
      filterOptions: () => filterOptions(this.store.database),
      dashboard: (x) => dashboardData(this.store.database, x.view, x.timeZone, x.now),
      page: (x) => page(this.store.database, this.pageRequest(x.view, x.timeZone, x.now, x.sort, x.offset, x.limit)),
      exportRows: (x) => this.exportRows(x),
      sources: () => {
        const disabled = new Set(this.config.disabledSources);
        return describeSources(this.store, this.importers, this.config.ctx, (s) => !disabled.has(s));
      },
      badge: (q) => badgeSummary(this.store.database, q, this.lastImport()),
      watchRoots: () => this.watchRoots(),
      reprice: () => this.reprice(),
      reset: () => this.reset(),
      flush: async () => {
        clearTimeout(this.saveTimer);
        this.saveTimer = undefined;
        await this.save();
        return null;
      },
      info: () => ({ dbFile: this.opts.dbFile, rows: this.store.rowCount(), bytes: this.store.byteSize(), warnings: [...this.store.warnings] }),
    };
    const fn = impl[method] as (p: ParamsOf<M>) => Promise<ResultOf<M>> | ResultOf<M>;
    return fn(p);
  }

  /** Saves what is unsaved and stops the timers. */
  async dispose(): Promise<void> {
    clearTimeout(this.saveTimer);
    clearInterval(this.refreshTimer);
    this.saveTimer = undefined;
    await this.save();
    await this.writes;
    this.disposed = true;
    this.store.close();
  }
}
