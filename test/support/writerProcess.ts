// A separate OS process that writes rows into a shared store, many times: used to prove that
// concurrent writers lose nothing and double nothing.
import { UsageStore } from '../../src/core/store/usageStore';
import type { PricedRecord } from '../../src/core/model';
import { rec } from './records';

async function main(): Promise<void> {
  const [file, prefix, countText, batchText, startAtText] = process.argv.slice(2);
  const count = Number(countText);
  const batch = Number(batchText);
  // Both writers start together (process start-up times differ by more than a whole run).
  await new Promise((r) => setTimeout(r, Math.max(0, Number(startAtText) - Date.now())));
  const store = await UsageStore.open(file, { foldBytes: 64 * 1024 });
  let synced = 0;
  for (let i = 0; i < count; i += batch) {
    const rows: PricedRecord[] = [];
    for (let j = i; j < Math.min(count, i + batch); j++) {
      // Every writer also imports a few rows the other writer imports (shared-*), as two windows reading the same logs do.
      rows.push(rec({ dedupeKey: `${prefix}-${j}`, sessionId: prefix, ts: Date.UTC(2026, 7, 20, 10) + j * 60_000 }));
      if (j % 10 === 0) rows.push(rec({ dedupeKey: `shared-${j}`, sessionId: 'shared', ts: Date.UTC(2026, 7, 20, 10) + j * 60_000 }));
    }
    const before = store.rowCount();
    const changed = await store.write({ rows });
    // Rows the other writer stored in between were taken in first.
    if (store.rowCount() - before > changed) synced++;
  }
  process.stdout.write(JSON.stringify({ rows: store.rowCount(), synced }));
  await store.close();
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
