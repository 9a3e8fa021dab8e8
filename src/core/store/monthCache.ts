// The months of a store held in memory: read from their files when a query or a write needs
// them, closed again (least recently used first, never one with unsaved changes) past a memory
// budget. A file that is gone or unreadable is remembered, not retried on every read.
import * as path from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import { Partition, type Month } from './partition';
import { isCorruption, looksLikeSqlite, readIfExists } from './storeFiles';

interface Loaded {
  part: Partition;
  lastUse: number;
}

export class MonthCache {
  private readonly loaded = new Map<Month, Loaded>();
  private useClock = 0;
  /** Months whose file is gone or unreadable: left out of reads until `clear`. */
  private readonly unreadable = new Set<Month>();
  /** Month files SQLite could not read (the store moves them aside under its lock). */
  readonly corrupt = new Map<Month, { file: string; why: unknown }>();
  /** A month file was gone: another process folded, so the catalog in memory is out of date. */
  stale = false;

  constructor(
    private readonly SQL: SqlJsStatic,
    /** The folder of month files; undefined for a store in memory. */
    private readonly dir: string | undefined,
    private readonly budgetBytes: number,
  ) {}

  get(month: Month): Partition | undefined {
    return this.loaded.get(month)?.part;
  }

  /** A new, empty month (nothing on disk yet). */
  create(month: Month): Partition {
    const part = Partition.create(this.SQL, month);
    this.loaded.set(month, { part, lastUse: this.useClock++ });
    return part;
  }

  /** Closes a month and forgets it. */
  drop(month: Month): void {
    this.loaded.get(month)?.part.close();
    this.loaded.delete(month);
  }

  parts(): Partition[] {
    return [...this.loaded.values()].map((l) => l.part);
  }

  byteSize(): number {
    let n = 0;
    for (const l of this.loaded.values()) n += l.part.byteSize();
    return n;
  }

  /**
   * Loads these months from their files (`files`: the catalog's list). A missing file is an error
   * unless `catalogMoved()` says another process replaced the catalog (then the month is skipped
   * and the cache marked stale); one SQLite cannot read goes to `corrupt`.
   */
  async load(months: Month[], files: Map<Month, { file: string }>, catalogMoved: () => Promise<boolean>): Promise<void> {
    const stamp = this.useClock++;
    for (const m of months) {
      const l = this.loaded.get(m);
      if (l) {
        l.lastUse = stamp;
        continue;
      }
      const file = files.get(m)?.file;
      if (!file || !this.dir || this.unreadable.has(m)) continue;
      const full = path.join(this.dir, file);
      const bytes = await readIfExists(full);
      if (this.loaded.has(m)) continue; // loaded by another call meanwhile
      if (!bytes) {
        if (!(await catalogMoved())) throw new Error(`The usage month file ${full} is missing`);
        this.stale = true;
        this.unreadable.add(m);
        continue;
      }
      try {
        this.loaded.set(m, { part: Partition.load(this.SQL, m, bytes, file), lastUse: stamp });
      } catch (e) {
        if (!isCorruption(e) && looksLikeSqlite(bytes)) throw e;
        this.corrupt.set(m, { file: full, why: e });
        this.unreadable.add(m);
      }
    }
    this.trim(new Set(months));
  }

  /**
   * The loaded months of `wanted`, or undefined when one with a readable file is not loaded
   * (another call's load evicted it meanwhile: load again).
   */
  pick(wanted: Month[], files: Map<Month, { file: string }>): Partition[] | undefined {
    const parts: Partition[] = [];
    for (const m of wanted) {
      const l = this.loaded.get(m);
      if (l) parts.push(l.part);
      else if (files.get(m)?.file && !this.unreadable.has(m)) return undefined;
    }
    return parts;
  }

  /** Closes clean months other than `keep`, least recently used first, until the loaded ones fit the budget. */
  trim(keep: Set<Month> = new Set()): void {
    let total = this.byteSize();
    if (total <= this.budgetBytes) return;
    const clean = [...this.loaded.values()].filter((l) => !l.part.dirty && !l.part.inTransaction && !keep.has(l.part.month)).sort((a, b) => a.lastUse - b.lastUse);
    for (const l of clean) {
      if (total <= this.budgetBytes) break;
      total -= l.part.byteSize();
      this.drop(l.part.month);
    }
  }

  /** The corrupt months were dealt with (moved aside, forgotten): reads may try every month again. */
  corruptHandled(): void {
    this.corrupt.clear();
    this.unreadable.clear();
  }

  /** Closes every month (a reload follows). */
  clear(): void {
    for (const l of this.loaded.values()) l.part.close();
    this.loaded.clear();
    this.stale = false;
    this.unreadable.clear();
  }
}
