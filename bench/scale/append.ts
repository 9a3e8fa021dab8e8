// The trickle's third process: a Claude Code session that keeps working. Appends one assistant
// line every `intervalMs` to a transcript in a fake home, as the tool does.
//
//   prepare {home}                       creates the transcript (empty); answers {file}
//   run {file, count, intervalMs, tag}   appends `count` lines; answers {appended: [ts…]}
import * as fs from 'node:fs';
import * as path from 'node:path';
import { claudeLine, claudeProjectFolder, LIVE_PROJECT } from './live';

const SESSION = '5f0c2a7e-9d41-4b8e-a3c6-7e2b1d9f4a10';

async function main() {
  const [command, json] = process.argv.slice(2);
  const a = JSON.parse(json ?? '{}');
  if (command === 'prepare') {
    const file = path.join(a.home, '.claude', 'projects', claudeProjectFolder(LIVE_PROJECT), `${SESSION}.jsonl`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    process.stdout.write(`${JSON.stringify({ file })}\n`);
    return;
  }
  if (command !== 'run') throw new Error(`unknown command ${command}`);
  const appended: number[] = [];
  const start = performance.now();
  for (let n = 0; n < a.count; n++) {
    // On a fixed beat, whatever the machine's load: line n goes out at start + n × interval.
    const wait = start + n * a.intervalMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const ts = Date.now();
    fs.appendFileSync(a.file, claudeLine({ n, tag: a.tag, ts, sessionId: SESSION }));
    appended.push(ts);
    if ((n + 1) % 30 === 0) process.stderr.write(`    appended ${n + 1}/${a.count}\n`);
  }
  process.stdout.write(`${JSON.stringify({ appended })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
