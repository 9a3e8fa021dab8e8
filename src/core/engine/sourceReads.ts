// A source's file reads for one import run. On parse workers every file is queued at once, in
// file order: the workers keep parsing while the calling thread prices and stores, and they can
// start on the next source while this one's last batch is stored. On the calling thread, one
// file is read at a time, when it is taken.
import type { FileCursor, FileReadResult, Importer } from '../importers/types';
import { pendingBytes, type ParsePool } from './parsePool';

export interface FileRead {
  file: string;
  /** The read's result, or its error (a read never rejects). */
  result: Promise<FileReadResult | Error>;
  /** True once `result` has settled. */
  ready: boolean;
}

export class SourceReads {
  private readonly queued: FileRead[] = [];
  private next = 0;

  private constructor(
    private readonly importer: Importer,
    private readonly files: readonly string[],
    private readonly cursors: Map<string, FileCursor>,
    readonly pool: ParsePool | undefined,
  ) {
    if (pool) for (const f of files) this.queued.push(track(f, pool.read(importer.source, f, cursors.get(f))));
  }

  /**
   * Starts reading `files` from `cursors`: on `getPool()`'s workers when the source can be read
   * there and has at least `parallelMinBytes` new (worker start-up costs tens of milliseconds).
   */
  static start(importer: Importer, files: readonly string[], cursors: Map<string, FileCursor>, getPool: () => ParsePool | undefined, parallelMinBytes: number): SourceReads {
    const pool = importer.parallel && pendingBytes(files, cursors) >= parallelMinBytes ? getPool() : undefined;
    return new SourceReads(importer, files, cursors, pool);
  }

  /** The next file's read, in file order; undefined after the last. */
  take(): FileRead | undefined {
    if (this.pool) return this.queued.shift();
    if (this.next >= this.files.length) return undefined;
    const f = this.files[this.next++];
    return track(f, this.importer.readFile(f, this.cursors.get(f)));
  }

  /** Whether the next read has already finished (on the calling thread nothing runs ahead). */
  nextReady(): boolean {
    return this.queued[0]?.ready ?? false;
  }
}

function track(file: string, read: Promise<FileReadResult>): FileRead {
  const r: FileRead = { file, result: read.catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))), ready: false };
  void r.result.then(() => (r.ready = true));
  return r;
}
