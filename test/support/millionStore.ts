// A store of one million requests (bench/scale's realistic 14-month history, priced by the real
// price table), for the browser and workbench tests that must hold at that size. Built once per
// generator version and schema into .test-cache/ (about a minute), then reused.
//
//   node -r tsx/cjs test/support/millionStore.ts     builds it if missing and prints its path
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GENERATOR_VERSION, history } from '../../bench/scale/history';
import { Pricer } from '../../src/core/pricing';
import { UsageStore } from '../../src/core/store/usageStore';

export const MILLION = 1_000_000;
/** The last day of the history: the browser tests' "now" (test/browser/support/usageFixture.ts) is Nov 28, 2026. */
export const MILLION_END = '2026-11-27';
const SEED = 1;

const REPO = path.resolve(__dirname, '..', '..');

/** Changes whenever the store's layout does, so a cached store of an older layout is rebuilt. */
function schemaFingerprint(): string {
  return createHash('sha256').update(readFileSync(path.join(REPO, 'src', 'core', 'store', 'schema.ts'))).digest('hex').slice(0, 8);
}

/** The store's folder (it holds usage.db and its months) for this generator version and schema. */
export function millionStoreDir(): string {
  return path.join(REPO, '.test-cache', `million-g${GENERATOR_VERSION}-s${SEED}-${MILLION_END}-${schemaFingerprint()}`);
}

/** The store's database path; builds it first when it is not there. */
export async function ensureMillionStore(log: (s: string) => void = () => undefined): Promise<string> {
  const dir = millionStoreDir();
  const file = path.join(dir, 'usage.db');
  const done = path.join(dir, 'complete');
  if (existsSync(done)) return file;
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const started = Date.now();
  log(`building a store of ${MILLION.toLocaleString('en-US')} requests in ${dir} (once) …`);
  const store = await UsageStore.open(file);
  const pricer = new Pricer({});
  const h = history({ requests: MILLION, seed: SEED, end: MILLION_END, batchSize: 20_000 });
  for (const batch of h.batches) await store.write({ rows: batch.map((r) => ({ ...r, ...pricer.price(r) })), meta: { price_fingerprint: pricer.fingerprint } });
  await store.close();
  await fs.writeFile(done, JSON.stringify({ requests: h.truth().requests, seconds: Math.round((Date.now() - started) / 1000) }));
  log(`  built in ${Math.round((Date.now() - started) / 1000)} s`);
  return file;
}

if (require.main === module) {
  ensureMillionStore((s) => process.stderr.write(`${s}\n`)).then(
    (file) => process.stdout.write(`${file}\n`),
    (e) => {
      process.stderr.write(`${e?.stack ?? e}\n`);
      process.exit(1);
    },
  );
}
