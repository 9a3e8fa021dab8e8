// A separate OS process that syncs a generated local history to a team database, printing a line
// per batch: the team tests kill it part-way to prove a killed sync resumes with nothing lost.
import { syncToTeam } from '../../src/core/team/sync';
import { generateRows, InMemoryChangeLog } from './changeLog';

async function main(): Promise<void> {
  const [url, countText, batchText] = process.argv.slice(2);
  const log = new InMemoryChangeLog('child');
  log.upsert(generateRows(Number(countText), { prefix: 'child' }));
  await syncToTeam(log, {
    url,
    identity: { user: 'alice@example.com', machine: 'laptop', projects: 'path' },
    batchRows: Number(batchText),
    onProgress: (p) => process.stdout.write(`batch ${p.batches} ${p.cursor}\n`),
  });
  process.stdout.write('done\n');
}

main().catch((e) => {
  process.stderr.write(String((e as Error)?.stack ?? e));
  process.exit(1);
});
