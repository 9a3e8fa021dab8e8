// Connect / Disconnect Claude Code Limits: opt-in commands around the core edit
// (core/limits/claudeConnect.ts). Each shows the change to Claude Code's settings.json as a diff
// and writes only after the user says so; Connect keeps a backup.
import * as os from 'node:os';
import * as vscode from 'vscode';
import { statusLineDir } from '../core/importers/claudeStatusLine';
import { applyConnect, applyDisconnect, claudeSettingsFile, connectWarnings, planConnect, planDisconnect, type ConnectPaths } from '../core/limits/claudeConnect';
import { processSourceContext } from '../core/paths';

export const CONNECT_CLAUDE_LIMITS_COMMAND = 'aiUsage.connectClaudeLimits';
export const DISCONNECT_CLAUDE_LIMITS_COMMAND = 'aiUsage.disconnectClaudeLimits';
const PREVIEW_SCHEME = 'ai-usage-preview';

export function claudeConnectPaths(): ConnectPaths {
  return { settingsFile: claudeSettingsFile(process.env, os.homedir()), dir: statusLineDir(processSourceContext()) };
}

/**
 * Asks to go ahead, after the diff is on screen: a quick pick (not a modal dialog, which would
 * hide the diff; not a toast, which can time out unseen), with what will happen as its detail.
 */
async function confirm(title: string, action: string, detail: string, warnings: string[] = []): Promise<boolean> {
  const go: vscode.QuickPickItem = { label: `$(check) ${action}`, detail };
  const items: vscode.QuickPickItem[] = [go, ...warnings.map((w) => ({ label: '$(warning) Note', detail: w })), { label: '$(close) Cancel' }];
  const pick = await vscode.window.showQuickPick(items, { title, placeHolder: 'The diff shows the change to settings.json', ignoreFocusOut: true });
  return pick === go;
}

/** Read-only documents for the diff's proposed side. */
class PreviewDocuments implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();
  private n = 0;
  add(name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${++this.n}/${name}` });
    this.docs.set(uri.toString(), text);
    return uri;
  }
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '';
  }
}

export interface ClaudeLimitsDeps {
  log: vscode.LogOutputChannel;
  /** Import now, so the first saved limits show without waiting for the rescan. */
  importNow: (reason: string) => Promise<void>;
}

export function registerClaudeLimitsCommands(context: vscode.ExtensionContext, d: ClaudeLimitsDeps): void {
  const previews = new PreviewDocuments();
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, previews));

  const showDiff = async (file: string, before: string | null, after: string | null, title: string) => {
    const left = before === null ? previews.add('settings.json (none)', '') : vscode.Uri.file(file);
    const right = previews.add('settings.json', after ?? '');
    await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true });
  };
  const fail = (what: string, e: unknown) => {
    const m = e instanceof Error ? e.message : String(e);
    d.log.error(`${what}: ${m}`);
    void vscode.window.showErrorMessage(`AI Usage: ${what}: ${m}`);
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(CONNECT_CLAUDE_LIMITS_COMMAND, async () => {
      const paths = claudeConnectPaths();
      try {
        const before = await vscode.workspace.fs.readFile(vscode.Uri.file(paths.settingsFile)).then(
          (b) => Buffer.from(b).toString('utf8'),
          () => null,
        );
        const plan = planConnect(before, paths);
        const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
        const warnings = await connectWarnings(folders, process.platform, before);
        await showDiff(paths.settingsFile, before, plan.after, 'Connect Claude Code Limits: settings.json');
        const detail = `Claude Code passes your plan's limits only to its status line command. This wraps ${plan.originalCommand ? 'your command' : 'the (empty) status line'}: the wrapper saves what Claude Code passes into ${paths.dir}, then runs your command unchanged. Nothing leaves this machine; a backup is kept; Disconnect undoes it.`;
        if (!(await confirm('Connect Claude Code Limits?', 'Connect', detail, warnings))) return;
        const { backup } = await applyConnect(plan, paths);
        d.log.info(`connected Claude Code limits in ${paths.settingsFile}${backup ? ` (backup: ${backup})` : ''}`);
        void vscode.window.showInformationMessage(`AI Usage: Claude Code Limits connected. Your limits show after Claude Code's next response.${backup ? ` Backup: ${backup}` : ''}`);
        await d.importNow('Claude Code limits connected');
      } catch (e) {
        fail('Connect Claude Code Limits', e);
      }
    }),
    vscode.commands.registerCommand(DISCONNECT_CLAUDE_LIMITS_COMMAND, async () => {
      const paths = claudeConnectPaths();
      try {
        const plan = await planDisconnect(paths);
        if (!plan) {
          void vscode.window.showInformationMessage('AI Usage: Claude Code Limits are not connected.');
          return;
        }
        await showDiff(plan.settingsFile, plan.before, plan.after, 'Disconnect Claude Code Limits: settings.json');
        const how = plan.exact ? 'restores the file exactly as it was before Connect' : 'puts your own status line command back (the file changed since Connect; your other changes stay)';
        if (!(await confirm('Disconnect Claude Code Limits?', 'Disconnect', `This ${how}.`))) return;
        await applyDisconnect(plan, paths);
        d.log.info(`disconnected Claude Code limits in ${plan.settingsFile}`);
        void vscode.window.showInformationMessage('AI Usage: Claude Code Limits disconnected.');
      } catch (e) {
        fail('Disconnect Claude Code Limits', e);
      }
    }),
  );
}
