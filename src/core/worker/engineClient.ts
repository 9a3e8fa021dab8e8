// The host side of the engine RPC: one promise per call (by request id), errors come back as
// messages, and a worker that dies is restarted (with a back-off, and not forever) while the
// calls it was answering fail with a clear reason.
import type { Worker } from 'node:worker_threads';
import type { EngineEvent, EngineMethod, HostToWorker, ParamsOf, ResultOf, WorkerToHost } from './workerProtocol';

export interface EngineClientHooks {
  onEvent(e: EngineEvent): void;
  /** The worker died. `restarting` is false once it has crashed too often to try again. */
  onCrash(reason: string, restarting: boolean): void;
  /** A new worker is running (after a crash). */
  onRestart?(): void;
}

export interface EngineClientOptions {
  /** Crashes tolerated within `crashWindowMs` before giving up. */
  maxCrashes?: number;
  crashWindowMs?: number;
  restartDelayMs?: number;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  method: string;
}

export class EngineError extends Error {
  constructor(
    message: string,
    readonly method: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export class EngineClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private crashes: number[] = [];
  private disposed = false;
  private gaveUp: string | undefined;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly spawn: () => Worker,
    private readonly hooks: EngineClientHooks,
    private readonly opts: EngineClientOptions = {},
  ) {
    this.start();
  }

  private start(): void {
    const w = this.spawn();
    this.worker = w;
    w.on('message', (m: WorkerToHost) => this.onMessage(m));
    w.on('error', (e) => this.onDeath(w, e instanceof Error ? e.message : String(e)));
    w.on('exit', (code) => this.onDeath(w, `exited with code ${code}`));
  }

  private onMessage(m: WorkerToHost): void {
    if (m.kind === 'event') {
      this.hooks.onEvent(m.event);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new EngineError(m.error, p.method));
  }

  private onDeath(w: Worker, reason: string): void {
    if (this.worker !== w) return; // 'error' is followed by 'exit': handle the first only
    this.worker = undefined;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new EngineError(this.disposed ? 'The usage engine was stopped.' : `The usage engine stopped unexpectedly (${reason}).`, p.method));
    }
    if (this.disposed) return;
    const now = Date.now();
    const windowMs = this.opts.crashWindowMs ?? 60_000;
    this.crashes = [...this.crashes.filter((t) => now - t < windowMs), now];
    const restarting = this.crashes.length <= (this.opts.maxCrashes ?? 3);
    if (!restarting) this.gaveUp = reason;
    this.hooks.onCrash(reason, restarting);
    if (!restarting) return;
    this.restartTimer = setTimeout(
      () => {
        this.restartTimer = undefined;
        if (this.disposed) return;
        this.start();
        this.hooks.onRestart?.();
      },
      (this.opts.restartDelayMs ?? 500) * this.crashes.length,
    );
  }

  get running(): boolean {
    return !!this.worker;
  }

  /** Calls `method` in the worker. Rejects with an EngineError carrying the worker's message. */
  call<M extends EngineMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    if (this.disposed) return Promise.reject(new EngineError('The usage engine was stopped.', method));
    if (this.gaveUp) return Promise.reject(new EngineError(`The usage engine keeps crashing (${this.gaveUp}); reload the window to try again.`, method));
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      const send = () => {
        const msg: HostToWorker = { kind: 'call', id, method, params };
        this.worker!.postMessage(msg);
      };
      if (this.worker) send();
      else {
        // Restarting: send once the new worker is up.
        const wait = setInterval(() => {
          if (!this.pending.has(id)) clearInterval(wait);
          else if (this.worker) {
            clearInterval(wait);
            send();
          } else if (this.disposed || this.gaveUp) {
            clearInterval(wait);
            this.pending.delete(id);
            reject(new EngineError('The usage engine is not running.', method));
          }
        }, 50);
      }
    });
  }

  /** Asks the worker to save, then stops it. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    clearTimeout(this.restartTimer);
    if (this.worker) {
      await Promise.race([this.call('flush', {}).catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
    }
    this.disposed = true;
    const w = this.worker;
    this.worker = undefined;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new EngineError('The usage engine was stopped.', p.method));
    }
    await w?.terminate();
  }
}
