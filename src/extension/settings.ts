// Reads the `aiUsage.*` settings (parsed and checked in core/settingsModel), tells the user
// about invalid values once per change, and keeps the last valid price overrides in force.
import * as vscode from 'vscode';
import type { PriceOverrides } from '../core/pricing';
import { parseSettings, type ExtensionSettings, type RawSettings } from '../core/settings';

export const SECTION = 'aiUsage';
const KEYS: (keyof RawSettings)[] = ['statusBar.enabled', 'statusBar.period', 'statusBar.scope', 'timeZone', 'priceOverrides', 'sources', 'extraPaths', 'rescanIntervalSeconds', 'prices.autoUpdate', 'prices.updateUrl', 'statusBar.show', 'budgets', 'plans'];

export interface EffectiveSettings extends Omit<ExtensionSettings, 'priceOverrides'> {
  priceOverrides: PriceOverrides;
}

export interface SettingsChange {
  previous: EffectiveSettings;
  current: EffectiveSettings;
  affects(key: string): boolean;
}

export class Settings implements vscode.Disposable {
  private value: EffectiveSettings;
  private readonly emitter = new vscode.EventEmitter<SettingsChange>();
  readonly onDidChange = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.value = this.read({});
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      const previous = this.value;
      this.value = this.read(previous.priceOverrides);
      this.emitter.fire({ previous, current: this.value, affects: (key) => e.affectsConfiguration(`${SECTION}.${key}`) });
    });
  }

  get current(): EffectiveSettings {
    return this.value;
  }

  private read(lastValidPrices: PriceOverrides): EffectiveSettings {
    const config = vscode.workspace.getConfiguration(SECTION);
    const raw: RawSettings = {};
    for (const k of KEYS) raw[k] = config.get(k);
    const { settings, problems } = parseSettings(raw);
    for (const p of problems) {
      this.log.warn(p);
      void vscode.window.showErrorMessage(`AI Usage: ${p}`, 'Open Settings').then((pick) => {
        if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', p.split(/[ :]/)[0]);
      });
    }
    return { ...settings, priceOverrides: settings.priceOverrides ?? lastValidPrices };
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
