// Who and where a row comes from, and exactly what of it leaves the machine. `sharedRowOf` is the
// one place that turns a local row into what the team database (and the OpenTelemetry export)
// receives; the README's "What leaves the machine" table lists the same fields.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import type { SyncRow } from './changeSource';
import type { RepositoryResolver } from './repository';
import { PROJECT_PRIVACY, type ProjectPrivacy } from './teamTypes';

/**
 * How a project folder is shared: `repository` (default) sends the repository identity, or a hash
 * of the folder when it has none; `hash` sends hashes only (of the repository identity where there
 * is one, so a team still groups by repository, else of the folder); `path` sends the local folder
 * as it is, with its repository beside it.
 */
export { PROJECT_PRIVACY, type ProjectPrivacy };

export interface TeamIdentity {
  user: string;
  machine: string;
  projects: ProjectPrivacy;
}

/** The row as it leaves the machine: the local row's fields, its id as `rowId`, plus where it came from. */
export interface SharedRow extends Omit<SyncRow, 'id'> {
  rowId: string;
  machine: string;
  repository: string;
}

/** A short, stable one-way id: `h:` + 16 hex digits of SHA-256. */
export function hashed(text: string): string {
  return `h:${createHash('sha256').update(`ai-usage\0${text}`).digest('hex').slice(0, 16)}`;
}

/** What the team sees as the project and repository of a local folder, per the privacy setting. */
export async function sharedProject(folder: string, mode: ProjectPrivacy, repos: RepositoryResolver): Promise<{ repository: string; project: string }> {
  const repository = await repos.repositoryOf(folder);
  if (mode === 'path') return { repository, project: folder };
  if (mode === 'hash') {
    const repo = repository ? hashed(repository) : '';
    return { repository: repo, project: repo || (folder ? hashed(folder) : '') };
  }
  return { repository, project: repository || (folder ? hashed(folder) : '') };
}

export async function sharedRowOf(row: SyncRow, identity: TeamIdentity, repos: RepositoryResolver): Promise<SharedRow> {
  const { repository, project } = await sharedProject(row.project, identity.projects, repos);
  return {
    rowId: row.id,
    ts: row.ts,
    machine: identity.machine,
    source: row.source,
    repository,
    project,
    model: row.model,
    modelRaw: row.modelRaw,
    sessionId: row.sessionId,
    branch: row.branch,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    cacheWrite1hTokens: row.cacheWrite1hTokens,
    reasoningTokens: row.reasoningTokens,
    requests: row.requests,
    cost: row.cost,
    costSource: row.costSource,
    approximate: row.approximate,
  };
}

/** `git config --get user.email` (global and system config; run from the home folder), or undefined. */
export function gitUserEmail(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['config', '--get', 'user.email'], { cwd: os.homedir(), env, timeout: 5000, windowsHide: true }, (err, stdout) => {
      const email = String(stdout ?? '').trim();
      resolve(err || !email ? undefined : email);
    });
  });
}

export interface IdentitySettings {
  user?: string;
  machine?: string;
  projects?: ProjectPrivacy;
}

/** The identity to sync as: the settings where given, else git's user.email and the host name. */
export async function resolveIdentity(settings: IdentitySettings, env: NodeJS.ProcessEnv = process.env): Promise<TeamIdentity> {
  const user = settings.user?.trim() || (await gitUserEmail(env));
  if (!user) throw new Error('no team user: git has no user.email here; set one (git config --global user.email you@example.com) or give the user explicitly');
  const machine = settings.machine?.trim() || os.hostname();
  const projects = settings.projects ?? 'repository';
  if (!PROJECT_PRIVACY.includes(projects)) throw new Error(`unknown project privacy "${String(projects)}" (one of: ${PROJECT_PRIVACY.join(', ')})`);
  return { user, machine, projects };
}
