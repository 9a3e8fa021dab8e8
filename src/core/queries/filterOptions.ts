// What the filter pickers offer: every project, model and source with stored usage, from the
// running totals the catalog keeps on each dimension (no scan of rows or rollups).
import type { SourceId } from '../model';
import type { Catalog } from '../store/catalog';
import { SLOT_MS } from '../store/catalog';
import { NANO } from '../store/storedRow';
import type { FilterOptions } from './types';

export function filterOptions(cat: Catalog): FilterOptions {
  const projects = cat.all('SELECT path, requests, cost FROM projects WHERE rows > 0 ORDER BY path').map((r) => ({
    path: String(r[0]),
    messages: Number(r[1]),
    cost: Number(r[2]) / NANO,
  }));
  const models = cat.all('SELECT model, SUM(requests), SUM(cost) FROM models WHERE rows > 0 GROUP BY model ORDER BY SUM(cost) DESC, model').map((r) => ({
    model: String(r[0]),
    messages: Number(r[1]),
    cost: Number(r[2]) / NANO,
  }));
  const sources = cat.all('SELECT name, requests FROM sources WHERE rows > 0 ORDER BY requests DESC, name').map((r) => ({
    source: String(r[0]) as SourceId,
    messages: Number(r[1]),
  }));
  const branches = cat.all('SELECT name, requests, cost FROM branches WHERE rows > 0 ORDER BY requests DESC, name').map((r) => ({
    branch: String(r[0]),
    messages: Number(r[1]),
    cost: Number(r[2]) / NANO,
  }));
  const [first, last] = cat.all('SELECT MIN(slot), MAX(slot) FROM rollup')[0];
  return {
    projects,
    models,
    sources,
    branches,
    firstTs: first === null ? null : Number(first) * SLOT_MS,
    lastTs: last === null ? null : (Number(last) + 1) * SLOT_MS - 1,
  };
}
