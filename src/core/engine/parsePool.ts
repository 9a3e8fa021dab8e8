// Reading and parsing log files on worker threads. A cold import of a big history is mostly
// JSON decoding; spread over the machine's cores it finishes in a fraction of the time, while
// the calling thread prices and stores what the workers return.
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { SourceId } from '../model';
import type { FileCursor, FileReadResult } from '../importers/types';

/** What a parse worker is asked and answers (see parseWorker.ts). */
export interface ParseRequest {
  id: number;
  source: SourceId;
  file: string;
  cursor: FileCursor | undefined;
}
export type ParseReply = { id: number; result: FileReadResult } | { id: number; error: string; code?: string };

interface Pending {
  resolve: (r: FileReadResult) => void;
  reject: (e: Error) => void;
}

/**
 * Requests a worker holds at once. More than one, so a worker never waits for this thread to
 * come back from storing a batch before it gets its next file.
 */
const QUEUE_PER_WORKER = 256;

export class ParsePool {
  private readonly workers: Worker[] = [];
  /** Requests sent to each worker and not answered yet. */
  private readonly outstanding = new Map<Worker, number>();
  private readonly queue: { req: ParseRequest; pending: Pending }[] = [];
  private readonly inFlight = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;

  /** `workerFile` is the bundled parseWorker.js. */
  constructor(workerFile: string, threads = defaultThreads()) {
    // Loaded here, not at start-up: most runs (a warm CLI import) never start a worker.
    const { Worker: WorkerThread } = require('node:worker_threads') as typeof import('node:worker_threads');
    for (let i = 0; i < threads; i++) {
      const w = new WorkerThread(workerFile);
      w.on('message', (reply: ParseReply) => this.onReply(w, reply));
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => code !== 0 && this.fail(new Error(`parse worker exited with code ${code}`)));
      this.workers.push(w);
      this.outstanding.set(w, 0);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Reads one file on a worker: the same result as `importer.readFile(file, cursor)`. */
  read(source: SourceId, file: string, cursor: FileCursor | undefined): Promise<FileReadResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ req: { id: this.nextId++, source, file, cursor }, pending: { resolve, reject } });
      this.pump();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.queue.length) {
      // The least busy worker, if it has room.
      let w = this.workers[0];
      for (const x of this.workers) if (this.outstanding.get(x)! < this.outstanding.get(w)!) w = x;
      if (this.outstanding.get(w)! >= QUEUE_PER_WORKER) return;
      const { req, pending } = this.queue.shift()!;
      this.inFlight.set(req.id, pending);
      this.outstanding.set(w, this.outstanding.get(w)! + 1);
      w.postMessage(req);
    }
  }

  private onReply(w: Worker, reply: ParseReply): void {
    const pending = this.inFlight.get(reply.id);
    this.inFlight.delete(reply.id);
    this.outstanding.set(w, this.outstanding.get(w)! - 1);
    if (pending) {
      if ('result' in reply) pending.resolve(reply.result);
      else pending.reject(Object.assign(new Error(reply.error), { code: reply.code }));
    }
    this.pump();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.inFlight.values()) p.reject(e);
    this.inFlight.clear();
    for (const q of this.queue.splice(0)) q.pending.reject(e);
  }
}

/**
 * One core stays with the calling thread, which prices and stores what the workers parse
 * (measured on 2 cores: one worker beat two, which competed with the storing thread).
 */
export function defaultThreads(): number {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return Math.max(1, Math.min(4, cores - 1));
}

/** Bytes an import would read from these files (what is beyond each cursor), to decide if workers pay off. */
export function pendingBytes(files: readonly string[], cursors: Map<string, FileCursor>): number {
  let total = 0;
  for (const f of files) {
    const st = fs.statSync(f, { throwIfNoEntry: false });
    if (!st) continue;
    const c = cursors.get(f);
    total += c && st.size >= c.offset ? st.size - c.offset : st.size;
  }
  return total;
}
