// The adapter for this checkout's engine: a catalog with rollups, one file per month, and a
// journal (see ../engine.ts for the contract, and the README's architecture section).
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { processSourceContext } from 'engine/core/paths';
import { Pricer } from 'engine/core/pricing';
import { setSqlWasmPath } from 'engine/core/store/sqljs';
import { EngineClient } from 'engine/core/worker/engineClient';
import { UsageStore } from 'engine/core/store/usageStore';
import { EngineService } from 'engine/core/worker/engineService';
import type { EngineConfig, EngineWorkerData } from 'engine/core/worker/workerProtocol';
import type { CreateEngine, RunningService, ScaleEngine, ServiceOptions } from '../engine';

declare const ENGINE_DIST: string;

/** recordUsage batches: at 10,000 rows and more a write is applied in memory and folded once (a first import). */
const BATCH = 10_000;
/** No background timers during the figures: the bench decides when things happen. */
const NEVER = 2 ** 31 - 1;

function config(): EngineConfig {
  return {
    ctx: processSourceContext({ env: { ...process.env }, extraPaths: {}, editorStorageRoots: [], workspaceFolders: [], workspaceTrusted: true }),
    disabledSources: [],
    priceOverrides: {},
  };
}

async function startService(opts: ServiceOptions): Promise<RunningService> {
  // As the extension host does (engineConnection.ts): the real worker bundle, default timers.
  const data: EngineWorkerData = {
    dbFile: opts.dbFile,
    wasmPath: path.join(ENGINE_DIST, 'sql-wasm.wasm'),
    parseWorkerFile: path.join(ENGINE_DIST, 'parseWorker.js'),
    config: config(),
  };
  const client = new EngineClient(() => new Worker(path.join(ENGINE_DIST, 'engineWorker.js'), { workerData: data, name: 'ai-usage-engine' }), {
    onEvent: (e) => {
      if (e.type === 'dataChanged') opts.onDataChanged();
      else if (e.type === 'warning' || e.type === 'log') opts.log(e.message);
    },
    onCrash: (reason) => opts.log(`engine worker died: ${reason}`),
  });
  return {
    importNow: async (reason, files) => {
      await client.call('importNow', files ? { reason, files } : { reason });
    },
    watchRoots: () => client.call('watchRoots', {}),
    badge: (tz, now) => client.call('badge', { period: 'today', projects: [], timeZone: tz, now }),
    dashboard: (view, tz, now) => client.call('dashboard', { view, timeZone: tz, now }),
    page: (view, sort, offset, limit, tz, now) => client.call('page', { view, timeZone: tz, now, sort, offset, limit }),
    flush: () => client.call('flush', {}).then(() => undefined),
    stop: () => client.dispose(),
  };
}

const createEngine: CreateEngine = (): ScaleEngine => {
  setSqlWasmPath(path.join(ENGINE_DIST, 'sql-wasm.wasm'));
  let service: EngineService | undefined;
  let file = '';
  const open = () => {
    if (!service) throw new Error('open() first');
    return service;
  };
  const start = async () => {
    service = await EngineService.open({
      dbFile: file,
      config: config(),
      emit: () => undefined,
      makePricer: (overrides) => new Pricer(overrides),
      importers: [],
      idleFoldMs: NEVER,
    });
  };
  return {
    async open(dbFile) {
      file = dbFile;
      await start();
    },
    async load(batches, progress) {
      // As a first import stores what it read: priced by the engine's Pricer, applied in memory in
      // large writes and folded into month files once at the end.
      await service?.dispose();
      const store = await UsageStore.open(file);
      const pricer = new Pricer({});
      let done = 0;
      for (const batch of batches) {
        for (let i = 0; i < batch.length; i += BATCH) {
          await store.write({ rows: batch.slice(i, i + BATCH).map((r) => ({ ...r, ...pricer.price(r) })), meta: { price_fingerprint: pricer.fingerprint } });
        }
        done += batch.length;
        progress?.(done);
      }
      await store.close();
      await start();
    },
    dashboard: (view, tz, now) => open().handle('dashboard', { view, timeZone: tz, now }),
    page: (view, sort, offset, limit, tz, now) => open().handle('page', { view, timeZone: tz, now, sort, offset, limit }),
    filterOptions: () => open().handle('filterOptions', {}),
    async addOneAndSave(record) {
      // recordUsage resolves once the request is on disk (a fsynced journal append): that is the save.
      await open().handle('recordUsage', { records: [record] });
    },
    async close() {
      await service?.dispose();
      service = undefined;
    },
    startService,
  };
};

export default createEngine;
