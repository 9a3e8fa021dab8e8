// Finding files under a source's roots, tolerant of folders that vanish mid-scan.
// Synchronous on purpose: a scan is thousands of tiny metadata calls, which run several times
// faster without a thread-pool round trip each; imports run in the CLI or a worker thread.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** True when `p` exists (file or folder). */
export async function exists(p: string): Promise<boolean> {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every file under `root` (or `root` itself when it is a file) whose path passes `accept`,
 * sorted for a deterministic import order. Unreadable folders are skipped, not fatal.
 * `descend` can prune folders (it gets the folder's absolute path).
 */
export async function walkFiles(
  root: string,
  accept: (file: string) => boolean,
  descend: (dir: string) => boolean = () => true,
): Promise<string[]> {
  const out: string[] = [];
  const top = path.normalize(root);
  let rootStat;
  try {
    rootStat = fs.statSync(top);
  } catch {
    return out;
  }
  if (rootStat.isFile()) return accept(top) ? [top] : [];
  const stack = [top.length > 1 && top.endsWith(path.sep) ? top.slice(0, -1) : top];
  while (stack.length) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    // Plain concatenation: `dir` is already normal, and path.join per entry showed in profiles.
    const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
    for (const e of entries) {
      const full = prefix + e.name;
      if (e.isDirectory()) {
        if (descend(full)) stack.push(full);
      } else if (e.isFile() && accept(full)) {
        out.push(full);
      }
    }
  }
  return out.sort();
}

/**
 * Every accepted file under the roots, in root order. A file whose identity (by default its
 * path) was already seen under an earlier root is left out: on an overlap the earlier root wins.
 * `descend` can prune folders; it also gets the root being walked.
 */
export async function filesUnder(
  roots: readonly string[],
  accept: (file: string) => boolean,
  opts: { descend?: (dir: string, root: string) => boolean; identity?: (file: string) => string } = {},
): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const root of roots) {
    const descend = opts.descend;
    for (const f of await walkFiles(root, accept, descend ? (d) => descend(d, root) : undefined)) {
      const id = opts.identity ? opts.identity(f) : f;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(f);
    }
  }
  return out;
}

/** Splits a comma-separated list of paths (as in `CLAUDE_CONFIG_DIR=a,b`). */
export function splitPathList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
