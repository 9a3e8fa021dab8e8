// normalizeModelId = canonical string form + the date-suffix rule, which needs the table.
//
// Date rule: a snapshot date ('-20250929', '-2025-08-07', Vertex '@20250929') is KEPT only when
// the price table prices the dated id as a different model from the undated one (e.g.
// 'gpt-4o-2024-05-13' at $5/$15 vs 'gpt-4o' at $2.50/$10). Otherwise it is stripped, so every
// snapshot of a model groups under one id ('claude-sonnet-4-5-20250929' → 'claude-sonnet-4-5'),
// including ids the table does not know at all.

import { canonicalizeModelId } from './normalize';
import { BUNDLED_TABLE, findTableModel, type PriceTable } from './table';

const caches = new WeakMap<PriceTable, Map<string, string>>();

/** The grouping id of a logged model id; the date rule asks `table` (the one the pricer uses). */
export function normalizeModelId(raw: string, table: PriceTable = BUNDLED_TABLE): string {
  let cache = caches.get(table);
  if (!cache) caches.set(table, (cache = new Map()));
  let out = cache.get(raw);
  if (out === undefined) {
    const { id, undated } = canonicalizeModelId(raw);
    out = undated === null || datedIsDistinct(id, undated, table) ? id : undated;
    cache.set(raw, out);
  }
  return out;
}

function datedIsDistinct(dated: string, undated: string, table: PriceTable): boolean {
  const d = findTableModel(stripFast(dated), undefined, table);
  if (!d) return false;
  const u = findTableModel(stripFast(undated), undefined, table);
  return !u || u.provider.id !== d.provider.id || u.model.id !== d.model.id;
}

function stripFast(id: string): string {
  return id.endsWith('-fast') ? id.slice(0, -5) : id;
}
