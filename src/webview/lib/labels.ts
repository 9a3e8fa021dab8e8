// Display names for paths, sources and deltas (number formats themselves live in src/core/format.ts).
import { formatPercent } from '../../core/format';
import type { SourceId } from '../../core/model';
import type { SourceStatus } from '../../core/queries/types';

/** The last folder of a project path (either separator); '' is usage a tool logged without a project. */
export function projectName(path: string): string {
  if (!path) return '(no project)';
  const parts = path.split(/[\\/]+/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/**
 * A team project key as a name: a repository identity without its host (`github.com/acme/app` →
 * `acme/app`), a hash as it is, a local path (the `path` sharing mode) as its last folder.
 */
export function repositoryName(key: string): string {
  if (!key) return '(no project)';
  if (key.startsWith('h:')) return key;
  if (/^([a-zA-Z]:)?[\\/]/.test(key)) return projectName(key);
  const slash = key.indexOf('/');
  return slash > 0 ? key.slice(slash + 1) : key;
}

/** A source's name as its importer labels it (from the Sources list), else its id. */
export function sourceLabel(id: SourceId, sources: readonly SourceStatus[] | null): string {
  return sources?.find((s) => s.source === id)?.label ?? id;
}

/** "▲ 12%" / "▼ 3.4%" / "no change"; null when there is nothing to compare with. */
export function delta(now: number, before: number): { text: string; dir: 'up' | 'down' | 'flat' } | null {
  if (before === 0) return now === 0 ? null : { text: 'new', dir: 'up' };
  const f = (now - before) / before;
  if (Math.abs(f) < 0.0005) return { text: 'no change', dir: 'flat' };
  return { text: formatPercent(Math.abs(f)), dir: f > 0 ? 'up' : 'down' };
}

/** Whether two selections hold the same values, in any order. */
export function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** An error's words as a sentence: they come without a closing stop. */
export function sentence(message: string): string {
  return /[.!?)]$/.test(message.trim()) ? message.trim() : `${message.trim()}.`;
}
