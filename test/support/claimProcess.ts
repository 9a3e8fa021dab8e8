// A separate OS process that claims a meta key in a shared store (as a second VS Code window
// raising the same budget notification would): prints "true" when it won the claim.
import { UsageStore } from '../../src/core/store/usageStore';

async function main(): Promise<void> {
  const [file, key, startAtText] = process.argv.slice(2);
  const store = await UsageStore.open(file);
  // Both claimants start together (process start-up times differ by more than a claim).
  await new Promise((r) => setTimeout(r, Math.max(0, Number(startAtText) - Date.now())));
  const won = await store.claimMeta(key, String(process.pid));
  process.stdout.write(JSON.stringify(won));
  await store.close();
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
