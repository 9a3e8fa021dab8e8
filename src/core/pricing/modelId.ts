// normalizeModelId = canonical string form + the date-suffix rule, which needs the table.
//
// Date rule: a snapshot date ('-20250929', '-2025-08-07', Vertex '@20250929') is KEPT only when
// the price table prices the dated id as a different model from the undated one (e.g.
// 'gpt-4o-2024-05-13' at $5/$15 vs 'gpt-4o' at $2.50/$10). Otherwise it is stripped, so every
// snapshot of a model groups under one id ('claude-sonnet-4-5-20250929' → 'claude-sonnet-4-5'),
// including ids the table does not know at all.

import { canonicalizeModelId } from './normalize';
import { findTableModel } from './table';

const cache = new Map<string, string>();

export function normalizeModelId(raw: string): string {
  let out = cache.get(raw);
  if (out === undefined) {
    const { id, undated } = canonicalizeModelId(raw);
    out = undated === null || datedIsDistinct(id, undated) ? id : undated;
    cache.set(raw, out);
  }
  return out;
}

function datedIsDistinct(dated: string, undated: string): boolean {
  const d = findTableModel(stripFast(dated));
  if (!d) return false;
  const u = findTableModel(stripFast(undated));
  return !u || u.model !== d.model;
}

function stripFast(id: string): string {
  return id.endsWith('-fast') ? id.slice(0, -5) : id;
}
