// Where the CLI keeps its database, and the source context of the current process.
import * as os from 'node:os';
import * as path from 'node:path';
import type { SourceContext } from './importers/types';

/**
 * The CLI's per-user data folder:
 * Linux `$XDG_DATA_HOME/ai-usage-dashboard` (default `~/.local/share/…`),
 * macOS `~/Library/Application Support/ai-usage-dashboard`, Windows `%LOCALAPPDATA%\ai-usage-dashboard`.
 * `AI_USAGE_HOME` overrides it.
 */
export function defaultDataDir(env: Record<string, string | undefined> = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (env.AI_USAGE_HOME) return env.AI_USAGE_HOME;
  if (platform === 'win32') return path.win32.join(env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local'), 'ai-usage-dashboard');
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'ai-usage-dashboard');
  return path.posix.join(env.XDG_DATA_HOME || path.posix.join(home, '.local', 'share'), 'ai-usage-dashboard');
}

/** The source context for this process's own environment. */
export function processSourceContext(extra: Partial<SourceContext> = {}): SourceContext {
  return {
    home: process.env.HOME || process.env.USERPROFILE || os.homedir(),
    env: process.env,
    platform: process.platform,
    extraPaths: {},
    ...extra,
  };
}
