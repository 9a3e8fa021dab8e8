// Set OpenTelemetry Headers (kept in SecretStorage: they usually carry an API key), and the one
// warning the export gives: Claude Code's own telemetry may count its usage twice.
import * as vscode from 'vscode';
import { parseOtlpHeaders } from '../core/team/teamSettings';
import type { EngineConnection } from './engineConnection';
import { OTLP_HEADERS_SECRET, type TeamDatabase } from './teamDatabase';

export const SET_OTLP_HEADERS_COMMAND = 'aiUsage.setOtlpHeaders';
/** Shown once (across windows and reloads: the first to claim it in the store shows it). */
const DOUBLE_COUNT_NOTICE = 'notice.otlp-double-count';

export function registerOtlpCommands(context: vscode.ExtensionContext, d: { engine: EngineConnection; team: TeamDatabase; log: vscode.LogOutputChannel }): void {
  const { engine, team, log } = d;
  let warned = false;
  context.subscriptions.push(
    vscode.commands.registerCommand(SET_OTLP_HEADERS_COMMAND, async () => {
      const had = !!(await context.secrets.get(OTLP_HEADERS_SECRET));
      const text = await vscode.window.showInputBox({
        title: 'Set OpenTelemetry Headers',
        prompt: `Headers for every OTLP export, as OTEL_EXPORTER_OTLP_HEADERS writes them: key=value pairs separated by commas, values %-encoded. Kept in VS Code's secret storage only.${had ? ' Empty removes the stored ones.' : ''}`,
        placeHolder: 'authorization=Bearer%20<token>,x-scope-orgid=team',
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => {
          try {
            parseOtlpHeaders(v);
            return null;
          } catch (e) {
            return (e as Error).message;
          }
        },
      });
      if (text === undefined) return;
      if (!text.trim()) {
        await context.secrets.delete(OTLP_HEADERS_SECRET);
        void vscode.window.showInformationMessage('AI Usage: the OpenTelemetry headers were removed.');
      } else {
        const keys = Object.keys(parseOtlpHeaders(text));
        await context.secrets.store(OTLP_HEADERS_SECRET, text.trim());
        log.info(`OpenTelemetry headers set: ${keys.join(', ')} (values kept in secret storage)`);
        void vscode.window.showInformationMessage(`AI Usage: OpenTelemetry headers set (${keys.join(', ')}).${team.settings.otlp.endpoint ? '' : ' Set aiUsage.otlp.endpoint to start exporting.'}`);
      }
      await team.push('OpenTelemetry headers changed');
    }),
    team.onDidChangeStatus(async (s) => {
      const warning = s.otlp.doubleCountWarning;
      if (!warning || warned) return;
      warned = true;
      try {
        if (!(await engine.call('claimMeta', { key: DOUBLE_COUNT_NOTICE, value: String(Date.now()) }))) return;
      } catch {
        return;
      }
      log.warn(warning);
      const pick = await vscode.window.showWarningMessage(`AI Usage: ${warning}`, 'Open Settings');
      if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'aiUsage.otlp.metricNames');
    }),
  );
}
