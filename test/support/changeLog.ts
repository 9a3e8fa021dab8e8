// A local history for team-sync and telemetry tests, until the real store implements ChangeSource:
// an in-memory change log. Every upsert or delete gets the next sequence number; the cursor is the
// sequence number of the last change a batch holds. `reset()` starts a new epoch (a local reset).
import type { ChangeBatch, ChangeSource, SyncRow } from '../../src/core/team/changeSource';
import type { SourceId } from '../../src/core/model';
import { hash64 } from '../../src/core/store/hash';

export class InMemoryChangeLog implements ChangeSource {
  private epochId: string;
  private seq = 0;
  private readonly rows = new Map<string, { row: SyncRow; seq: number }>();
  private readonly deleted = new Map<string, number>();
  /** Every cursor handed out, in order (for tests that stop mid-way). */
  readonly cursorsGiven: string[] = [];

  constructor(private readonly name = 'machine') {
    this.epochId = `${name}-epoch-1`;
  }

  epoch(): string {
    return this.epochId;
  }

  upsert(rows: SyncRow[]): void {
    for (const row of rows) {
      this.rows.set(row.id, { row: { ...row }, seq: ++this.seq });
      this.deleted.delete(row.id);
    }
  }

  delete(ids: string[]): void {
    for (const id of ids) {
      this.rows.delete(id);
      this.deleted.set(id, ++this.seq);
    }
  }

  /** Forgets everything and starts a new epoch (as Reset Data does). */
  reset(): void {
    this.rows.clear();
    this.deleted.clear();
    this.seq = 0;
    this.epochId = `${this.name}-epoch-${Number(this.epochId.split('-').pop()) + 1}`;
  }

  all(): SyncRow[] {
    return [...this.rows.values()].map((r) => r.row);
  }

  async *changesSince(cursor: string | null, batchRows: number): AsyncIterable<{ batch: ChangeBatch; cursor: string }> {
    const after = cursor === null ? 0 : Number(cursor);
    const changes: { seq: number; row?: SyncRow; deletedId?: string }[] = [];
    for (const { row, seq } of this.rows.values()) if (seq > after) changes.push({ seq, row });
    for (const [id, seq] of this.deleted) if (seq > after) changes.push({ seq, deletedId: id });
    changes.sort((a, b) => a.seq - b.seq);
    for (let i = 0; i < changes.length; i += batchRows) {
      const slice = changes.slice(i, i + batchRows);
      const batch: ChangeBatch = { rows: [], deletedIds: [] };
      for (const c of slice) {
        if (c.row) batch.rows.push(c.row);
        else batch.deletedIds.push(c.deletedId!);
      }
      const next = String(slice[slice.length - 1].seq);
      this.cursorsGiven.push(next);
      yield { batch, cursor: next };
    }
  }
}

const MODELS = ['claude-sonnet-4-5', 'claude-opus-4-1', 'gpt-5', 'gemini-2.5-pro'];
const SOURCES: SourceId[] = ['claude-code', 'codex', 'gemini-cli', 'cline'];

/**
 * `count` deterministic rows: ids `${prefix}-${i}` hashed into distinct 63-bit decimals, times
 * spread from `start` every `stepMs`, token counts and costs that differ per row.
 */
export function generateRows(count: number, opts: { prefix: string; start?: number; stepMs?: number; projects?: string[]; offset?: number }): SyncRow[] {
  const start = opts.start ?? Date.UTC(2026, 9, 1);
  const step = opts.stepMs ?? 7 * 60_000;
  const projects = opts.projects ?? ['/home/u/app'];
  const rows: SyncRow[] = [];
  for (let j = 0; j < count; j++) {
    const i = j + (opts.offset ?? 0);
    rows.push({
      id: rowIdOf(`${opts.prefix}-${i}`),
      ts: start + i * step,
      source: SOURCES[i % SOURCES.length],
      project: projects[i % projects.length],
      model: MODELS[i % MODELS.length],
      modelRaw: MODELS[i % MODELS.length],
      sessionId: `${opts.prefix}-s${Math.floor(i / 50)}`,
      branch: i % 3 ? 'main' : 'feature/x',
      inputTokens: 100 + (i % 17),
      outputTokens: 200 + (i % 31),
      cacheReadTokens: 1000 * (i % 5),
      cacheWriteTokens: 50 * (i % 4),
      cacheWrite1hTokens: i % 8 === 0 ? 50 * (i % 4) : 0,
      reasoningTokens: i % 7,
      requests: 1,
      cost: Math.round((0.001 + (i % 13) * 0.00037) * 1e6) / 1e6,
      costSource: i % 29 === 0 ? 'unpriced' : i % 5 === 0 ? 'reported' : 'estimated',
      approximate: i % 41 === 0,
    });
  }
  return rows;
}

/** The id the local store gives a request (hash64 of source and dedupe key), as a decimal. */
export function rowIdOf(key: string): string {
  return hash64(`claude-code\0${key}`).toString();
}

/** Sums of the fields a team total checks. */
export function sumRows(rows: SyncRow[]): { rows: number; input: number; output: number; cacheRead: number; cacheWrite: number; cost: number } {
  const t = { rows: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cost: 0 };
  for (const r of rows) {
    t.rows++;
    t.input += r.inputTokens;
    t.output += r.outputTokens;
    t.cacheRead += r.cacheReadTokens;
    t.cacheWrite += r.cacheWriteTokens;
    t.cost += r.cost;
  }
  return t;
}
