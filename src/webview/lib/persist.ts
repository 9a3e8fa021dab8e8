// What survives a reload of the panel (VS Code keeps it per webview via getState/setState).
// Stored state may come from an older version of the webview, so every field is checked.
import { SORT_COLUMNS } from '../../core/queries/types';
import { isViewQuery, type TableSort, type ViewQuery } from '../../shared/protocol';

export type Tab = 'dashboard' | 'sources';
export type PieBy = 'cost' | 'tokens';

export interface Persisted {
  /** Absent until the first `ready` answer supplies the default (the workspace's folders). */
  view: ViewQuery | null;
  sort: TableSort;
  columns: { source: boolean; session: boolean; branch: boolean };
  tab: Tab;
  pieBy: PieBy;
  scrollTop: number;
}

export const DEFAULT_SORT: TableSort = { column: 'ts', dir: 'desc' };

export function loadPersisted(raw: unknown): Persisted {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const sort = o.sort as TableSort | undefined;
  const columns = o.columns as Persisted['columns'] | undefined;
  return {
    view: isViewQuery(o.view) ? o.view : null,
    sort: sort && (SORT_COLUMNS as readonly unknown[]).includes(sort.column) && (sort.dir === 'asc' || sort.dir === 'desc') ? { column: sort.column, dir: sort.dir } : DEFAULT_SORT,
    columns: { source: columns?.source === true, session: columns?.session === true, branch: columns?.branch === true },
    tab: o.tab === 'sources' ? 'sources' : 'dashboard',
    pieBy: o.pieBy === 'tokens' ? 'tokens' : 'cost',
    scrollTop: typeof o.scrollTop === 'number' && o.scrollTop >= 0 ? o.scrollTop : 0,
  };
}
