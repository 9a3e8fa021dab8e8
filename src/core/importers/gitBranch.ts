// Git branches as the logs give them, in one vocabulary (limits-and-plans.md §2). The two
// markers contain a space, which git forbids in branch names, so they never meet a real branch.

/** The log says the request was made outside a git repository (Claude Code's `gitBranch: ""`). */
export const NO_BRANCH = '(no branch)';
/** A detached HEAD (Claude Code's and git's `HEAD`). */
export const DETACHED = '(detached HEAD)';

/**
 * A logged branch name in our vocabulary: '' stays unknown unless `emptyMeansNone` (the tool
 * writes '' outside a repository), `HEAD` is a detached head; anything but a string is unknown.
 */
export function normaliseBranch(raw: unknown, emptyMeansNone = false): string {
  if (typeof raw !== 'string') return '';
  const name = raw.trim();
  if (!name) return emptyMeansNone ? NO_BRANCH : '';
  if (name === 'HEAD') return DETACHED;
  return name;
}
