// Pricing stored rows again (a new price table, changed overrides): each row's record is rebuilt
// from what the month holds, priced, and its cost and rollups move together.
import type { CostSource, SourceId, UsageRecord } from '../model';
import { slotOf } from './applyRows';
import type { Catalog } from './catalog';
import { PART_SELECT, partRowOf, type Partition } from './partition';
import { COST_SOURCE_MASK, COST_SOURCES, NANO, toNano } from './storedRow';

export type PriceFn = (r: UsageRecord) => { model: string; cost: number; costSource: CostSource; pricedAs?: string };

/** One repricing: the dimensions it reads, and the model names the prices gave (written at the end). */
export class Repricing {
  private readonly raw = new Map<number, string>();
  private readonly sources = new Map<number, SourceId>();
  private readonly named = new Map<number, { model: string; pricedAs: string | null }>();

  constructor(
    private readonly cat: Catalog,
    private readonly price: PriceFn,
  ) {
    for (const [id, raw] of cat.all('SELECT id, raw FROM models')) this.raw.set(Number(id), String(raw));
    for (const [id, name] of cat.all('SELECT id, name FROM sources')) this.sources.set(Number(id), String(name) as SourceId);
  }

  /** Prices every row of a month again, in one transaction on the month and the catalog. Returns how many rows changed. */
  month(part: Partition): number {
    const rows = part.all(`SELECT ${PART_SELECT} FROM usage`).map(partRowOf);
    let changed = 0;
    this.cat.begin();
    part.db.run('BEGIN');
    try {
      for (const row of rows) {
        const p = this.price(this.recordOf(part, row));
        if (!this.named.has(row.model)) this.named.set(row.model, { model: p.model, pricedAs: p.pricedAs && p.pricedAs !== p.model ? p.pricedAs : null });
        const cost = toNano(p.cost);
        const flags = (row.flags & ~COST_SOURCE_MASK) | Math.max(0, COST_SOURCES.indexOf(p.costSource));
        if (cost === row.cost && flags === row.flags) continue;
        this.cat.count(row, slotOf(row, part.base), -1);
        const next = { ...row, cost, flags };
        part.replace(next, row);
        this.cat.count(next, slotOf(next, part.base), 1);
        changed++;
      }
      this.cat.renewTopRows([part]);
      this.cat.commit();
      part.db.run('COMMIT');
    } catch (e) {
      this.cat.rollback();
      part.db.run('ROLLBACK');
      throw e;
    }
    return changed;
  }

  /** Stores the models' names as the prices gave them, and the price table's fingerprint. */
  finish(fingerprint: string | undefined): void {
    this.cat.transaction(() => {
      for (const [id, m] of this.named) this.cat.db.run('UPDATE models SET model = ?, priced_as = ? WHERE id = ?', [m.model, m.pricedAs, id]);
      if (fingerprint !== undefined) this.cat.setMeta('price_fingerprint', fingerprint);
    });
  }

  /** What the pricer needs of a stored row (what identifies it is not needed). */
  private recordOf(part: Partition, row: ReturnType<typeof partRowOf>): UsageRecord {
    return {
      source: this.sources.get(row.source) ?? 'api',
      dedupeKey: '',
      ts: part.base + row.t,
      project: '',
      modelRaw: this.raw.get(row.model) ?? '',
      sessionId: '',
      inputTokens: row.input,
      outputTokens: row.output,
      cacheReadTokens: row.cacheRead,
      cacheWriteTokens: row.cacheWrite,
      cacheWrite1hTokens: row.cacheWrite1h,
      reasoningTokens: row.reasoning,
      requests: row.requests,
      reportedCost: row.reported === null ? undefined : row.reported / NANO,
    };
  }
}
