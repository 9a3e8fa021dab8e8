// The adapter for the engine at commit 151444b: one sql.js database, saved whole (see
// ../engine.ts for the contract). Compiled against the baseline worktree; `current.ts` reuses it
// while this checkout's engine has the same API.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { processSourceContext } from 'engine/core/paths';
import { Pricer } from 'engine/core/pricing';
import { setSqlWasmPath } from 'engine/core/store/sqljs';
import { EngineClient } from 'engine/core/worker/engineClient';
import { EngineService } from 'engine/core/worker/engineService';
import type { EngineConfig, EngineWorkerData } from 'engine/core/worker/workerProtocol';
import type { CreateEngine, RunningService, ScaleEngine, ServiceOptions } from '../engine';

declare const ENGINE_DIST: string;

const BATCH = 10_000;
/** Saves happen when the bench says so (addOneAndSave, the end of a load), not on a timer. */
const NO_TIMED_SAVE = 2 ** 31 - 1;

function config(): EngineConfig {
  return {
    ctx: processSourceContext({ env: { ...process.env }, extraPaths: {}, editorStorageRoots: [], workspaceFolders: [] }),
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
    importNow: async (reason) => {
      await client.call('importNow', { reason });
    },
    // This engine watched whole folders, and imported everything on any change.
    watchRoots: async () => (await client.call('watchRoots', {})).map((r) => ({ path: r.path, glob: '**/*' })),
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
  const open = () => {
    if (!service) throw new Error('open() first');
    return service;
  };
  return {
    async open(dbFile) {
      service = await EngineService.open({
        dbFile,
        config: config(),
        emit: () => undefined,
        makePricer: (overrides) => new Pricer(overrides),
        importers: [],
        saveDelayMs: NO_TIMED_SAVE,
      });
    },
    async load(batches, progress) {
      // The API path (recordUsage): priced by the engine's Pricer, upserted in one transaction per call.
      let done = 0;
      for (const batch of batches) {
        for (let i = 0; i < batch.length; i += BATCH) await open().handle('recordUsage', { records: batch.slice(i, i + BATCH) });
        done += batch.length;
        progress?.(done);
      }
      await open().handle('flush', {});
    },
    dashboard: (view, tz, now) => open().handle('dashboard', { view, timeZone: tz, now }),
    page: (view, sort, offset, limit, tz, now) => open().handle('page', { view, timeZone: tz, now, sort, offset, limit }),
    filterOptions: () => open().handle('filterOptions', {}),
    async addOneAndSave(record) {
      await open().handle('recordUsage', { records: [record] });
      await open().handle('flush', {});
    },
    async close() {
      await service?.dispose();
      service = undefined;
    },
    startService,
  };
};

export default createEngine;
