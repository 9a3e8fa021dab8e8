// Connect Team Database, Disconnect Team Database and Sync Team Database Now. Connect asks for
// the connection string (a password box), checks it in the engine worker (server, password, TLS,
// schema, grants, member mapping), creates the schema only when the user agrees, and only then
// keeps the string, in SecretStorage. The string is never logged, put in settings or shown.
import * as vscode from 'vscode';
import { formatInt } from '../core/format';
import { databaseLabel, isPostgresUrl } from '../core/team/connectionText';
import type { EngineConnection } from './engineConnection';
import { TEAM_SECRET, type TeamDatabase } from './teamDatabase';

export const CONNECT_TEAM_COMMAND = 'aiUsage.connectTeamDatabase';
export const DISCONNECT_TEAM_COMMAND = 'aiUsage.disconnectTeamDatabase';
export const SYNC_TEAM_COMMAND = 'aiUsage.syncTeamDatabase';

const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/** What the password box says about the text typed so far (nothing of it is echoed). */
function validate(value: string): vscode.InputBoxValidationMessage | null {
  const v = value.trim();
  if (!v) return null;
  if (!isPostgresUrl(v)) return { message: 'Expected postgres://user:password@host:5432/database (special characters in the password as %XX)', severity: vscode.InputBoxValidationSeverity.Error };
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return { message: 'Not a valid URL: write special characters in the password as %XX (e.g. @ as %40)', severity: vscode.InputBoxValidationSeverity.Error };
  }
  const sslmode = url.searchParams.get('sslmode');
  if (!sslmode && !LOCAL_HOST.test(url.hostname)) {
    return { message: 'No sslmode: the connection would not be encrypted. Add ?sslmode=verify-full for a database that is not on this machine.', severity: vscode.InputBoxValidationSeverity.Warning };
  }
  return null;
}

/** A confirmation as a quick pick, as Connect Claude Code Limits asks: the detail says what will happen. */
async function confirm(title: string, action: string, detail: string): Promise<boolean> {
  const go: vscode.QuickPickItem = { label: `$(check) ${action}`, detail };
  const pick = await vscode.window.showQuickPick([go, { label: '$(close) Cancel' }], { title, ignoreFocusOut: true });
  return pick === go;
}

export function registerTeamCommands(context: vscode.ExtensionContext, d: { engine: EngineConnection; team: TeamDatabase; log: vscode.LogOutputChannel }): void {
  const { engine, team, log } = d;
  const fail = (what: string, e: unknown, ...actions: string[]) => {
    const m = e instanceof Error ? e.message : String(e);
    log.error(`${what}: ${m}`);
    return vscode.window.showErrorMessage(`AI Usage: ${what}: ${m}`, ...actions);
  };

  /** Checks `url` (creating the schema with consent); true when it may be kept. */
  async function check(url: string): Promise<boolean> {
    const caFile = team.settings.team.caFile || undefined;
    const where = databaseLabel(url);
    const progress = (title: string, migrate: boolean) =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, () => engine.call('teamCheck', { url, caFile, migrate }));
    let r;
    try {
      r = await progress(`AI Usage: connecting to ${where}…`, false);
      if (r.schema !== 'ready') {
        if (!r.canMigrate) {
          throw new Error(
            `${where} has ${r.schema === 'missing' ? 'no AI Usage schema yet' : `an older AI Usage schema (version ${r.schemaVersion})`}, and role "${r.role}" may not ${r.schema === 'missing' ? 'create' : 'upgrade'} it: connect once as the database owner, or ask the owner to run \`ai-usage sync --init\``,
          );
        }
        const what = r.schema === 'missing' ? 'Create the schema' : 'Upgrade the schema';
        const detail =
          r.schema === 'missing'
            ? `${where} has no AI Usage schema yet. This creates the schema "ai_usage" (usage rows partitioned by month, a 15-minute rollup, sync state, member mapping, row-level security) as role "${r.role}". Nothing else in the database changes.`
            : `${where} has AI Usage schema version ${r.schemaVersion}; this version needs the newer one. The upgrade runs in one transaction.`;
        if (!(await confirm(`Connect Team Database: ${what.toLowerCase()}?`, what, detail))) return false;
        r = await progress(`AI Usage: ${what.toLowerCase()} on ${where}…`, true);
      }
    } catch (e) {
      const tls = /TLS certificate|CA file/.test((e as Error).message);
      const pick = await fail(`could not connect to the team database ${where}`, e, ...(tls ? ['Choose CA File…'] : []), 'Try Again');
      if (pick === 'Choose CA File…') {
        const [file] = (await vscode.window.showOpenDialog({ title: 'The CA certificate (PEM) that signed the server’s certificate', canSelectMany: false, filters: { 'PEM certificate': ['pem', 'crt', 'cer'], 'All files': ['*'] } })) ?? [];
        if (file) {
          await vscode.workspace.getConfiguration('aiUsage').update('team.caFile', file.fsPath, vscode.ConfigurationTarget.Global);
          team.settings.team.caFile = file.fsPath;
          return check(url);
        }
      }
      if (pick === 'Try Again') void vscode.commands.executeCommand(CONNECT_TEAM_COMMAND);
      return false;
    }
    log.info(`team database ${where}: role ${r.role}, schema version ${r.schemaVersion}${r.migrated ? ' (created or upgraded now)' : ''}, ${r.mappedUser ? `writes as ${r.mappedUser}` : 'owner (writes as any user)'}`);
    return true;
  }

  context.subscriptions.push(
    vscode.commands.registerCommand(CONNECT_TEAM_COMMAND, async () => {
      const entered = await vscode.window.showInputBox({
        title: 'Connect Team Database',
        prompt: 'The PostgreSQL connection string. It is kept in VS Code’s secret storage only, never in settings or logs.',
        placeHolder: 'postgres://user:password@db.example.com:5432/ai_usage?sslmode=verify-full',
        password: true,
        ignoreFocusOut: true,
        validateInput: validate,
      });
      const url = entered?.trim();
      if (!url || !isPostgresUrl(url)) return;
      if (!(await check(url))) return;
      await context.secrets.store(TEAM_SECRET, url);
      await team.push('connected');
      const s = team.status.sync;
      void vscode.window.showInformationMessage(`AI Usage: connected to the team database ${s.database ?? databaseLabel(url)} as ${s.user ?? 'your team user'} on ${s.machine ?? 'this machine'}. Your usage is synced in the background; the Sources view shows how far it got.`);
      void engine.call('teamSyncNow', {}).catch(() => undefined); // failures show in the Sources view
    }),

    vscode.commands.registerCommand(DISCONNECT_TEAM_COMMAND, async () => {
      const url = await context.secrets.get(TEAM_SECRET);
      if (!url) {
        void vscode.window.showInformationMessage('AI Usage: no team database is connected.');
        return;
      }
      const where = databaseLabel(url);
      if (!(await confirm('Disconnect Team Database?', 'Disconnect', `Forgets the connection string for ${where} on this machine and stops syncing. Rows already synced stay in the team database.`))) return;
      await context.secrets.delete(TEAM_SECRET);
      await team.push('disconnected');
      log.info(`team database ${where} disconnected`);
      void vscode.window.showInformationMessage(`AI Usage: disconnected from the team database ${where}.`);
    }),

    vscode.commands.registerCommand(SYNC_TEAM_COMMAND, async () => {
      if (!team.connected) {
        const pick = await vscode.window.showInformationMessage('AI Usage: no team database is connected.', 'Connect Team Database…');
        if (pick) void vscode.commands.executeCommand(CONNECT_TEAM_COMMAND);
        return;
      }
      try {
        const s = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'AI Usage: syncing to the team database' }, () => engine.call('teamSyncNow', {}));
        if (s.lastError) void fail('the team sync failed', new Error(s.lastError));
        else if (s.busyElsewhere) void vscode.window.setStatusBarMessage('AI Usage: another window is syncing this machine', 4000);
        else void vscode.window.setStatusBarMessage(`AI Usage: synced ${formatInt(s.lastRows ?? 0)} rows to ${s.database}`, 4000);
      } catch (e) {
        void fail('the team sync failed', e);
      }
    }),
  );
}
