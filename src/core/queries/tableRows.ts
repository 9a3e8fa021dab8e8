// Stored rows turned into the table's rows: dimension ids resolved to their names.
import type { SourceId } from '../model';
import type { Catalog } from '../store/catalog';
import type { Partition, PartRow } from '../store/partition';
import { costSourceOf, FLAG_APPROXIMATE, NANO } from '../store/storedRow';
import type { TableRow } from './types';

/** Names of the dimension ids a set of rows uses, read from the catalog in one query per kind. */
export class DimNames {
  private readonly projects = new Map<number, string>();
  private readonly models = new Map<number, { model: string; raw: string; pricedAs: string | null }>();
  private readonly sources = new Map<number, string>();
  private readonly sessions = new Map<number, string>();
  private readonly branches = new Map<number, string>([[0, '']]);

  constructor(private readonly cat: Catalog) {}

  /** Loads the names `rows` refer to that are not known yet. */
  load(rows: readonly PartRow[]): void {
    const missing = (known: Map<number, unknown>, pick: (r: PartRow) => number) => [...new Set(rows.map(pick))].filter((id) => !known.has(id));
    const fill = <T>(known: Map<number, T>, ids: number[], sql: string, value: (v: unknown[]) => T) => {
      if (!ids.length) return;
      for (const v of this.cat.all(`${sql} WHERE id IN (${ids.join(',')})`)) known.set(Number(v[0]), value(v));
    };
    fill(this.projects, missing(this.projects, (r) => r.project), 'SELECT id, path FROM projects', (v) => String(v[1]));
    fill(this.models, missing(this.models, (r) => r.model), 'SELECT id, model, raw, priced_as FROM models', (v) => ({
      model: String(v[1]),
      raw: String(v[2]),
      pricedAs: v[3] === null ? null : String(v[3]),
    }));
    fill(this.sources, missing(this.sources, (r) => r.source), 'SELECT id, name FROM sources', (v) => String(v[1]));
    fill(this.sessions, missing(this.sessions, (r) => r.session), 'SELECT id, session FROM sessions', (v) => String(v[1]));
    fill(this.branches, missing(this.branches, (r) => r.branch), 'SELECT id, name FROM branches', (v) => String(v[1]));
  }

  row(r: PartRow, part: Partition): TableRow {
    const model = this.models.get(r.model);
    const out: TableRow = {
      id: r.id.toString(),
      ts: part.base + r.t,
      project: this.projects.get(r.project) ?? '',
      model: model?.model ?? '',
      modelRaw: model?.raw ?? '',
      source: (this.sources.get(r.source) ?? 'api') as SourceId,
      sessionId: this.sessions.get(r.session) ?? '',
      inputTokens: r.input,
      outputTokens: r.output,
      cacheReadTokens: r.cacheRead,
      cacheWriteTokens: r.cacheWrite,
      reasoningTokens: r.reasoning,
      tokensSent: r.input + r.cacheRead + r.cacheWrite,
      tokensReceived: r.output,
      cost: r.cost / NANO,
      costSource: costSourceOf(r.flags),
      approximate: (r.flags & FLAG_APPROXIMATE) !== 0,
      branch: this.branches.get(r.branch) ?? '',
      requests: r.requests,
    };
    if (model?.pricedAs) out.pricedAs = model.pricedAs;
    return out;
  }
}
