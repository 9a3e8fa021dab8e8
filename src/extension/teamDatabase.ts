// The extension host's side of the team database and the OpenTelemetry export: the settings
// (aiUsage.team.*, aiUsage.otlp.*) and the secrets (the connection string, the OTLP headers, in
// SecretStorage only) go to the engine worker, which syncs and exports; its state comes back here
// for the Sources view and the badge. The connection string is never logged or shown.
import * as vscode from 'vscode';
import { parseOtlpHeaders, parseTeamSettings, TEAM_SETTING_KEYS, type OtlpSettings, type RawTeamSettings, type TeamSettings } from '../core/team/teamSettings';
import { NOT_CONNECTED, OTLP_OFF, type TeamStatus } from '../core/team/teamTypes';
import type { EngineConnection } from './engineConnection';

export const TEAM_SECRET = 'aiUsage.team.connectionString';
export const OTLP_HEADERS_SECRET = 'aiUsage.otlp.headers';

export class TeamDatabase implements vscode.Disposable {
  status: TeamStatus = { sync: NOT_CONNECTED, otlp: OTLP_OFF };
  settings: { team: TeamSettings; otlp: OtlpSettings };
  private readonly changed = new vscode.EventEmitter<TeamStatus>();
  readonly onDidChangeStatus = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** Configurations go to the worker one after another, in order. */
  private pushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly engine: EngineConnection,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.settings = this.readSettings();
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('aiUsage.team') && !e.affectsConfiguration('aiUsage.otlp')) return;
        this.settings = this.readSettings();
        void this.push('settings changed');
      }),
      // Another window connected, disconnected or set headers (SecretStorage is shared).
      context.secrets.onDidChange((e) => {
        if (e.key === TEAM_SECRET || e.key === OTLP_HEADERS_SECRET) void this.push('secrets changed');
      }),
      engine.onDidRestart(() => void this.push('the engine restarted')),
      engine.onTeamStatus((s) => {
        this.status = s;
        this.changed.fire(s);
      }),
    );
    void this.push('start-up');
  }

  get connected(): boolean {
    return this.status.sync.connected;
  }

  private readSettings(): { team: TeamSettings; otlp: OtlpSettings } {
    const config = vscode.workspace.getConfiguration('aiUsage');
    const raw: RawTeamSettings = {};
    for (const k of TEAM_SETTING_KEYS) raw[k] = config.get(k);
    const { team, otlp, problems } = parseTeamSettings(raw);
    for (const p of problems) {
      this.log.warn(p);
      void vscode.window.showErrorMessage(`AI Usage: ${p}`, 'Open Settings').then((pick) => {
        if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', p.split(/[ :]/)[0]);
      });
    }
    return { team, otlp };
  }

  /** The OTLP headers stored by Set OpenTelemetry Headers; {} when none (or unreadable). */
  private async headers(): Promise<Record<string, string>> {
    const text = await this.context.secrets.get(OTLP_HEADERS_SECRET);
    if (!text) return {};
    try {
      return parseOtlpHeaders(text);
    } catch (e) {
      this.log.warn(`the stored OpenTelemetry headers are unreadable (${(e as Error).message}); exporting without them`);
      return {};
    }
  }

  /** Sends the current settings and secrets to the worker (after the ones sent before). */
  push(reason: string): Promise<void> {
    this.pushing = this.pushing.then(async () => {
      try {
        const { team, otlp } = this.settings;
        const url = (await this.context.secrets.get(TEAM_SECRET)) ?? '';
        const identity = { user: team.user, machine: team.machine, projects: team.projects };
        const sync = await this.engine.call('teamConfigure', { url, caFile: team.caFile || undefined, ...identity });
        const exporting = await this.engine.call('otlpConfigure', { endpoint: otlp.endpoint, headers: otlp.endpoint ? await this.headers() : {}, protocol: otlp.protocol, temporality: otlp.temporality, names: otlp.names, ...identity });
        this.status = { sync, otlp: exporting };
        this.changed.fire(this.status);
        if (url || otlp.endpoint) this.log.info(`team database and OpenTelemetry export configured (${reason}): ${sync.connected ? `team database ${sync.database}` : 'no team database'}, ${exporting.enabled ? `OTLP to ${exporting.endpoint}` : 'no OTLP export'}`);
      } catch (e) {
        this.log.error(`configuring the team database failed: ${(e as Error).message}`);
      }
    });
    return this.pushing;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
