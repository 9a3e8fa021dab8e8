// Reads a schema-1 database (the single-file layout of earlier versions) so the store can move
// it into the partitioned layout without losing a row: row ids and alias hashes are the same
// content hashes in both layouts, so nothing is re-keyed.
import type { Database, SqlJsStatic } from 'sql.js';
import type { CostSource, FileCursor, PricedRecord, SourceId } from '../model';
import type { FileStats, SourceRunInfo } from './catalog';
import { userVersion } from './schema';
import { fromPriced, type StoredRow } from './storedRow';

/** True when `bytes` is a schema-1 usage database (user_version 1 with its `usage` table). */
export function isSchema1(SQL: SqlJsStatic, bytes: Uint8Array): boolean {
  let db: Database | undefined;
  try {
    db = new SQL.Database(bytes);
    return userVersion(db) === 1 && db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'usage' AND sql LIKE '%dedupe_key%'").length > 0;
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

export interface Schema1Contents {
  /** Rows in batches, so a large history is never all in memory as objects at once. */
  rows(batchSize: number): Generator<StoredRow[]>;
  cursors: { source: SourceId; file: string; cursor: FileCursor; stats: FileStats; at: number }[];
  runs: SourceRunInfo[];
  meta: Record<string, string>;
  count: number;
  close(): void;
}

export function readSchema1(SQL: SqlJsStatic, bytes: Uint8Array): Schema1Contents {
  const db = new SQL.Database(bytes);
  const cursors = (db.exec('SELECT path, source, size, mtime_ms, offset, head_hash, state, records, skipped, imported_at FROM files')[0]?.values ?? []).map((v) => ({
    file: String(v[0]),
    source: String(v[1]) as SourceId,
    cursor: { size: Number(v[2]), mtimeMs: Number(v[3]), offset: Number(v[4]), headHash: String(v[5]), state: v[6] === null ? undefined : JSON.parse(String(v[6])) },
    stats: { records: Number(v[7]), skipped: Number(v[8]), reread: true },
    at: Number(v[9]),
  }));
  const runs = (db.exec('SELECT source, roots, files, last_import, last_error FROM source_runs')[0]?.values ?? []).map((v) => ({
    source: String(v[0]) as SourceId,
    roots: JSON.parse(String(v[1])),
    files: Number(v[2]),
    lastImport: Number(v[3]),
    lastError: v[4] === null ? undefined : String(v[4]),
  }));
  const meta: Record<string, string> = {};
  for (const [k, v] of db.exec('SELECT key, value FROM meta')[0]?.values ?? []) meta[String(k)] = String(v);
  const count = Number(db.exec('SELECT count(*) FROM usage')[0].values[0][0]);
  return {
    cursors,
    runs,
    meta,
    count,
    *rows(batchSize: number) {
      const s = db.prepare(
        `SELECT CAST(u.id AS TEXT), u.source, u.dedupe_key, u.ts, p.path, m.raw, m.model, s.session, u.input, u.output, u.cache_read,
                u.cache_write, u.cache_write_1h, u.reasoning, u.cost, u.cost_source, u.reported_cost, u.approximate,
                CAST(u.alias AS TEXT), u.is_copy
         FROM usage u JOIN projects p ON p.id = u.project_id JOIN models m ON m.id = u.model_id JOIN sessions s ON s.id = u.session_id
         ORDER BY u.ts`,
      );
      try {
        let batch: StoredRow[] = [];
        while (s.step()) {
          const v = s.get();
          const rec: PricedRecord = {
            source: String(v[1]) as SourceId,
            dedupeKey: String(v[2]),
            ts: Number(v[3]),
            project: String(v[4]),
            modelRaw: String(v[5]),
            model: String(v[6]),
            sessionId: String(v[7]),
            inputTokens: Number(v[8]),
            outputTokens: Number(v[9]),
            cacheReadTokens: Number(v[10]),
            cacheWriteTokens: Number(v[11]),
            cacheWrite1hTokens: Number(v[12]),
            reasoningTokens: Number(v[13]),
            cost: Number(v[14]),
            costSource: String(v[15]) as CostSource,
            reportedCost: v[16] === null ? undefined : Number(v[16]),
            approximate: Number(v[17]) === 1,
            isCopy: Number(v[19]) === 1,
          };
          const row = fromPriced(rec);
          row.id = BigInt(String(v[0]));
          row.alias = v[18] === null ? null : BigInt(String(v[18]));
          batch.push(row);
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length) yield batch;
      } finally {
        s.free();
      }
    },
    close: () => db.close(),
  };
}
