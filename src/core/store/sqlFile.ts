// One sql.js database of the store (the catalog or a month), with its prepared statements kept:
// preparing costs more than running the small per-row lookups and upserts a write makes.
import type { Database, SqlValue, Statement } from 'sql.js';
import { tune } from './schema';

export class SqlFile {
  private statements = new Map<string, Statement>();

  protected constructor(
    readonly db: Database,
    private readonly cacheKiB: number,
  ) {}

  /** A prepared statement, kept for the next call with the same text. */
  stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Every row of a one-off query (not kept: most are built for one filter). */
  all(sql: string, params: SqlValue[] = []): SqlValue[][] {
    const s = this.db.prepare(sql);
    try {
      s.bind(params);
      const out: SqlValue[][] = [];
      while (s.step()) out.push(s.get());
      return out;
    } finally {
      s.free();
    }
  }

  /** The first row of a kept statement. */
  one(sql: string, params: SqlValue[] = []): SqlValue[] | undefined {
    const s = this.stmt(sql);
    try {
      s.bind(params);
      return s.step() ? s.get() : undefined;
    } finally {
      s.reset();
    }
  }

  /** The file's bytes. export() closes and reopens the connection: statements and pragmas go, and are renewed. */
  protected exportImage(): Uint8Array {
    this.freeStatements();
    const bytes = this.db.export();
    tune(this.db, this.cacheKiB);
    return bytes;
  }

  protected freeStatements(): void {
    for (const s of this.statements.values()) s.free();
    this.statements.clear();
  }

  close(): void {
    this.freeStatements();
    this.db.close();
  }
}
