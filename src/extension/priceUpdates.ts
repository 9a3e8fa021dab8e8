// Update Prices in the extension: the "Update Prices" command, and (only with
// `aiUsage.prices.autoUpdate` on) a daily check. The fetching, checking and storing is core's
// (core/pricing/priceUpdate.ts); here it is started, reported, and handed to the engine, whose
// pricer then uses the stored table and re-prices the rows whose price changed.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatInt } from '../core/format';
import { DEFAULT_PRICE_DATA_URL, storedPriceDataTime, updatePriceData, type PriceUpdateResult } from '../core/pricing/priceUpdate';
import type { Settings } from './settings';

/** The stored table, in the extension's global storage beside the database. */
export function priceTableFile(context: vscode.ExtensionContext): string {
  return path.join(context.globalStorageUri.fsPath, 'prices', 'genai-prices-data.json');
}

const DAY_MS = 24 * 60 * 60 * 1000;
const CHECK_EVERY_MS = 6 * 60 * 60 * 1000;

export class PriceUpdates implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly timer: NodeJS.Timeout;
  private running: Promise<PriceUpdateResult> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly settings: Settings,
    /** Makes the engine take up the stored table; resolves to the number of re-priced rows (null: none). */
    private readonly applyToEngine: () => Promise<number | null>,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(settings.onDidChange((c) => c.affects('prices') && void this.autoUpdate()));
    this.timer = setInterval(() => void this.autoUpdate(), CHECK_EVERY_MS);
    this.timer.unref?.();
    void this.autoUpdate();
  }

  /** The command: fetch now and say what happened. */
  async command(): Promise<void> {
    const url = this.url();
    try {
      const { result, repriced } = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `AI Usage: fetching prices from ${new URL(url).host}…` },
        () => this.update(),
      );
      void vscode.window.showInformationMessage(
        result.changed
          ? `AI Usage: prices updated (${formatInt(result.models)} models); ${formatInt(repriced ?? 0)} stored requests re-priced.`
          : `AI Usage: prices are up to date (${formatInt(result.models)} models).`,
      );
    } catch (e) {
      const m = (e as Error).message;
      this.log.warn(`price update failed: ${m}`);
      void vscode.window.showErrorMessage(`AI Usage: could not update prices: ${m}. Your prices are unchanged.`);
    }
  }

  /** With the setting on: fetch when the stored table is missing or a day old. Failures are logged only. */
  private async autoUpdate(): Promise<void> {
    if (!this.settings.current.prices.autoUpdate) return;
    const last = await storedPriceDataTime(priceTableFile(this.context));
    if (last !== null && Date.now() - last < DAY_MS) return;
    try {
      const { result, repriced } = await this.update();
      this.log.info(`automatic price update: ${result.changed ? `new data, ${repriced ?? 0} rows re-priced` : 'no change'} (${result.url})`);
    } catch (e) {
      this.log.warn(`automatic price update failed (prices unchanged): ${(e as Error).message}`);
    }
  }

  private async update(): Promise<{ result: PriceUpdateResult; repriced: number | null }> {
    this.running ??= updatePriceData({ file: priceTableFile(this.context), url: this.url() }).finally(() => (this.running = undefined));
    const result = await this.running;
    this.log.info(`prices fetched from ${result.url}: ${result.models} models, ${result.changed ? 'stored' : 'unchanged'}`);
    return { result, repriced: result.changed ? await this.applyToEngine() : null };
  }

  private url(): string {
    return this.settings.current.prices.updateUrl || DEFAULT_PRICE_DATA_URL;
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
