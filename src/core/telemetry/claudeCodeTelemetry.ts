// Is Claude Code exporting its own OpenTelemetry metrics on this machine? Then emitting its metric
// names for the same usage (compatibility mode) would count Claude Code's usage twice.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const truthy = (v: unknown) => typeof v === 'string' ? /^(1|true|yes|on)$/i.test(v.trim()) : v === true || v === 1;

/** Settings files that may switch it on: managed (system-wide), then the user's. */
function settingsFiles(env: NodeJS.ProcessEnv, home: string, platform: NodeJS.Platform): string[] {
  const managed =
    platform === 'darwin'
      ? '/Library/Application Support/ClaudeCode/managed-settings.json'
      : platform === 'win32'
        ? path.join(env.ProgramFiles ?? 'C:\\Program Files', 'ClaudeCode', 'managed-settings.json')
        : '/etc/claude-code/managed-settings.json';
  const configDirs = (env.CLAUDE_CONFIG_DIR ?? '').split(',').map((d) => d.trim()).filter(Boolean);
  return [managed, ...(configDirs.length ? configDirs : [path.join(home, '.claude')]).map((d) => path.join(d, 'settings.json'))];
}

/**
 * Where Claude Code's native telemetry is switched on (`CLAUDE_CODE_ENABLE_TELEMETRY` in the
 * environment or in a settings file's `env`), or undefined. Unreadable files count as off.
 */
export async function claudeCodeTelemetryOn(env: NodeJS.ProcessEnv = process.env, home = os.homedir(), platform = process.platform): Promise<string | undefined> {
  if (truthy(env.CLAUDE_CODE_ENABLE_TELEMETRY)) return 'the environment variable CLAUDE_CODE_ENABLE_TELEMETRY';
  for (const file of settingsFiles(env, home, platform)) {
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (!text) continue;
    try {
      const settings = JSON.parse(text) as { env?: Record<string, unknown> };
      if (truthy(settings?.env?.CLAUDE_CODE_ENABLE_TELEMETRY)) return file;
    } catch {
      // A settings file Claude Code itself could not read either.
    }
  }
  return undefined;
}

export function doubleCountWarning(where: string): string {
  return `Claude Code's own OpenTelemetry export is on (${where}): with Claude Code metric names, its usage may be counted twice. Tell them apart by service.name (ours is "ai-usage-dashboard"), or switch one of them off.`;
}
