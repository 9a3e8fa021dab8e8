// A project's repository identity: the normalised `origin` URL of the git repository holding the
// folder, read from the repository's own config file (no git process, no network). Local paths
// differ on every machine; this is what lets a team view group one project across machines.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * `git@github.com:a/b.git`, `https://github.com/a/b`, `ssh://git@github.com:22/a/b.git` and
 * `https://user:token@GitHub.com/a/b/` all become `github.com/a/b`: no scheme, user, password or
 * port, a lower-case host and path, no `.git` or trailing slash. '' for what is not a remote URL
 * (a local path, an empty value).
 */
export function normaliseRemoteUrl(url: string): string {
  const text = url.trim();
  let host: string;
  let repoPath: string;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i.exec(text);
  if (scheme) {
    if (scheme[1].toLowerCase() === 'file') return '';
    const authority = scheme[2].replace(/^.*@/, ''); // drop user:password@
    host = authority.replace(/^\[([^\]]*)\].*$/, '$1').replace(/:\d*$/, '');
    repoPath = scheme[3] ?? '';
  } else {
    // scp-like syntax: [user@]host:path (a ':' before any '/'; Windows drive letters are paths).
    const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.*)$/.exec(text);
    if (!scp || /^[a-z]$/i.test(scp[1])) return '';
    host = scp[1];
    repoPath = scp[2];
  }
  repoPath = repoPath
    .replace(/[?#].*$/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/^\/+/, '')
    .replace(/^~[^/]*\//, ''); // ssh://host/~user/repo
  if (!host || !repoPath) return '';
  return `${host}/${repoPath}`.toLowerCase();
}

/** The `url` of `[remote "origin"]` in a git config file's text, or undefined. */
export function originUrlOf(configText: string): string | undefined {
  let inOrigin = false;
  for (const raw of configText.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([^\s\]"]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (section) {
      inOrigin = section[1].toLowerCase() === 'remote' && section[2] === 'origin';
      continue;
    }
    if (!inOrigin) continue;
    const kv = /^url\s*=\s*(.*)$/i.exec(line);
    if (kv) return kv[1].replace(/^"(.*)"$/, '$1').trim();
  }
  return undefined;
}

/** The common git folder of the repository holding `folder`: follows `.git` files (worktrees, submodules). */
async function gitDirOf(folder: string): Promise<string | undefined> {
  let dir = path.resolve(folder);
  for (;;) {
    const dotGit = path.join(dir, '.git');
    const st = await fs.stat(dotGit).catch(() => undefined);
    if (st?.isDirectory()) return dotGit;
    if (st?.isFile()) {
      const text = await fs.readFile(dotGit, 'utf8').catch(() => '');
      const m = /^gitdir:\s*(.+)$/m.exec(text);
      if (m) {
        const gitDir = path.resolve(dir, m[1].trim());
        // A linked worktree's folder names the shared one in `commondir`.
        const common = await fs.readFile(path.join(gitDir, 'commondir'), 'utf8').catch(() => undefined);
        return common ? path.resolve(gitDir, common.trim()) : gitDir;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Finds repository identities of project folders, each folder read once. */
export class RepositoryResolver {
  private readonly cache = new Map<string, Promise<string>>();

  /** The normalised origin URL of the repository holding `folder`; '' when there is none. */
  repositoryOf(folder: string): Promise<string> {
    if (!folder) return Promise.resolve('');
    let hit = this.cache.get(folder);
    if (!hit) {
      hit = this.lookUp(folder);
      this.cache.set(folder, hit);
    }
    return hit;
  }

  private async lookUp(folder: string): Promise<string> {
    const gitDir = await gitDirOf(folder).catch(() => undefined);
    if (!gitDir) return '';
    const config = await fs.readFile(path.join(gitDir, 'config'), 'utf8').catch(() => '');
    const url = originUrlOf(config);
    return url ? normaliseRemoteUrl(url) : '';
  }
}
