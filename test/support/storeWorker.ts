// A separate OS process that uses a store the way a VS Code window or the CLI does, printing a
// line for every write that resolved, so a test can kill it at any moment and check that every
// acknowledged row is stored exactly once.
//
//   storeWorker.ts <file> append <prefix> <count> [foldBytes]   one durable row a write (an API record)
//   storeWorker.ts <file> import <prefix> <count> <batch>        import-style batches, each tied to the epoch it read
//   storeWorker.ts <file> reset <delayMs>                          waits, then resets the store
//   storeWorker.ts <file> lock <holdMs> <staleMs>                  takes the store lock, says so, holds it
//   storeWorker.ts <file> open                                     opens the store and says whether it could
import { UsageStore } from '../../src/core/store/usageStore';
import { acquireLock } from '../../src/core/store/lock';
import { storePaths } from '../../src/core/store/storeFiles';
import { rec } from './records';

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const [file, mode, ...args] = process.argv.slice(2);
  if (mode === 'lock') {
    const [holdMs, staleMs] = args.map(Number);
    const lock = await acquireLock(storePaths(file).locks, { staleMs, timeoutMs: 60_000 });
    say(`locked ${process.pid} ${Date.now()}`);
    await sleep(holdMs);
    say(`unlocking ${process.pid} ${Date.now()}`);
    await lock.release();
    return;
  }
  if (mode === 'open') {
    try {
      await (await UsageStore.open(file)).close();
      say('opened');
    } catch (e) {
      say(`error ${(e as Error).message}`);
    }
    return;
  }
  if (mode === 'reset') {
    const store = await UsageStore.open(file);
    await sleep(Number(args[0]));
    await store.reset();
    say(`reset ${store.epoch()}`);
    await store.close();
    return;
  }
  const [prefix, countText, more] = args;
  const count = Number(countText);
  const store = await UsageStore.open(file, mode === 'append' && more ? { foldBytes: Number(more) } : {});
  // Timestamps spread over three months, so writes touch several month files and folds rewrite them.
  const ts = (i: number) => Date.UTC(2026, 6 + (i % 3), 10 + (i % 17), i % 24);
  if (mode === 'append') {
    for (let i = 0; i < count; i++) {
      await store.write({ rows: [rec({ source: 'api', dedupeKey: `${prefix}-${i}`, sessionId: prefix, ts: ts(i) })] }, { durable: true });
      say(`ok ${prefix}-${i}`);
    }
  } else if (mode === 'import') {
    const batch = Number(more);
    for (let i = 0; i < count; i += batch) {
      const epoch = store.epoch();
      const keys = Array.from({ length: Math.min(batch, count - i) }, (_, k) => `${prefix}-${i + k}`);
      const { changed } = await store.write({ rows: keys.map((k, k2) => rec({ dedupeKey: k, sessionId: prefix, ts: ts(i + k2) })), epoch });
      say(`${changed ? 'ok' : 'dropped'} ${epoch} ${keys.join(' ')}`);
      await sleep(20);
    }
  }
  await store.close();
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
