// The worker side of the RPC: opens the engine, answers calls in arrival order (queries run as
// they come; writes queue inside the service) and forwards its events to the host.
import type { MessagePort } from 'node:worker_threads';
import { pricerFor, type PriceOverrides } from '../pricing';
import { setSqlWasmPath } from '../store/sqljs';
import { EngineService } from './engineService';
import type { EngineWorkerData, HostToWorker, WorkerToHost } from './workerProtocol';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function startEngineWorker(port: MessagePort, data: EngineWorkerData): void {
  const post = (m: WorkerToHost) => port.postMessage(m);
  setSqlWasmPath(data.wasmPath);
  const ready = EngineService.open({
    dbFile: data.dbFile,
    config: data.config,
    parseWorkerFile: data.parseWorkerFile,
    emit: (event) => post({ kind: 'event', event }),
    makePricer: (overrides: PriceOverrides, priceTableFile?: string) => {
      const { pricer, warning } = pricerFor(overrides, priceTableFile);
      if (warning) post({ kind: 'event', event: { type: 'warning', message: warning } });
      return pricer;
    },
    refreshIntervalMs: data.refreshIntervalMs ?? 1_000,
  });
  // A database that cannot be opened at all (e.g. written by a newer version) fails every call
  // with the reason, rather than crashing the worker in a restart loop.
  ready.catch(() => undefined);

  port.on('message', async (m: HostToWorker) => {
    if (!m || m.kind !== 'call') return;
    try {
      const service = await ready;
      const value = await service.handle(m.method, m.params as never);
      post({ kind: 'result', id: m.id, ok: true, value });
    } catch (e) {
      post({ kind: 'result', id: m.id, ok: false, error: message(e) });
    }
  });
}
