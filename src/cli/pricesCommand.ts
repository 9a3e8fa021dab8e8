// `ai-usage prices update`: the CLI side of Update Prices. The same core code as the extension's
// command fetches and checks the genai-prices data file; here it is stored beside the database,
// where every later `import`, `report` and `reprice` picks it up, and stored usage is re-priced.
import * as path from 'node:path';
import type { Pricer } from '../core/pricing';
import type { UsageStore } from '../core/store/usageStore';
import { formatInt } from '../core/format';

/** The stored price table of the database at `dbFile` (absent: the bundled table is used). */
export function storedPriceTableFile(dbFile: string): string {
  return path.join(path.dirname(dbFile), 'genai-prices-data.json');
}

export interface PricesUpdateDeps {
  dbFile: string;
  url: string | undefined;
  json: boolean;
  openStore: () => Promise<UsageStore>;
  /** The pricer with the overrides and whatever table is stored now. */
  makePricer: () => Promise<Pricer>;
  out: (text: string) => void;
}

export async function pricesUpdate(d: PricesUpdateDeps): Promise<void> {
  // Loaded here: the network modules are not needed by any other command.
  const { updatePriceData }: typeof import('../core/pricing/priceUpdate') = require('../core/pricing/priceUpdate');
  const r = await updatePriceData({ file: storedPriceTableFile(d.dbFile), url: d.url });
  let repriced = 0;
  let rows: number | null = null;
  if (r.changed) {
    const store = await d.openStore();
    const pricer = await d.makePricer();
    repriced = await store.reprice((rec) => pricer.price(rec), pricer.fingerprint);
    rows = store.rowCount();
    await store.close();
  }
  if (d.json) {
    d.out(JSON.stringify({ changed: r.changed, url: r.url, file: r.file, providers: r.providers, models: r.models, changedRows: repriced }));
  } else if (r.changed) {
    d.out(`Prices updated from ${r.url}: ${formatInt(r.models)} models, stored in ${r.file}.`);
    d.out(`Re-priced ${formatInt(rows ?? 0)} rows; ${formatInt(repriced)} changed.`);
  } else {
    d.out(`Prices are up to date (${formatInt(r.models)} models from ${r.url}).`);
  }
}
