// A separate OS process that imports rows into a shared database file and saves, many times:
// used to prove that concurrent writers lose nothing.
import { UsageStore } from '../../src/core/store/usageStore';
import type { PricedRecord } from '../../src/core/model';
import { rec } from './records';

async function main(): Promise<void> {
  const [file, prefix, countText, batchText, startAtText] = process.argv.slice(2);
  const count = Number(countText);
  const batch = Number(batchText);
  // Both writers start together (process start-up times differ by more than a whole run).
  await new Promise((r) => setTimeout(r, Math.max(0, Number(startAtText) - Date.now())));
  const store = await UsageStore.open(file);
  let merges = 0;
  for (let i = 0; i < count; i += batch) {
    const rows: PricedRecord[] = [];
    for (let j = i; j < Math.min(count, i + batch); j++) {
      // Every writer also imports a few rows the other writer imports (shared-*), as two windows reading the same logs do.
      rows.push(rec({ dedupeKey: `${prefix}-${j}`, sessionId: prefix }));
      if (j % 10 === 0) rows.push(rec({ dedupeKey: `shared-${j}`, sessionId: 'shared' }));
    }
    store.transaction(() => store.upsert(rows));
    if ((await store.save()).merged) merges++;
  }
  process.stdout.write(JSON.stringify({ rows: store.rowCount(), merges }));
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
