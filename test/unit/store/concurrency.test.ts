// What must hold with real processes: kills at any moment, several writers at once, a reset in
// another process, permission errors. Each worker is a separate OS process (test/support/storeWorker.ts).
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as esbuild from 'esbuild';
import * as path from 'node:path';
import { groupBy, totals } from '../../../src/core/queries/aggregate';
import { UsageStore } from '../../../src/core/store/usageStore';
import { FIXTURE_REQUESTS, writeFixtures } from '../../e2e/fixtures/logs';
import { tempDir } from '../../support/tempDir';
import { allRows } from './usageStore.test';

// One process (not tsx's launcher, which runs the script in a child): a kill must reach the writer itself.
const TSX_HOOK = require.resolve('tsx/cjs');
const WORKER = path.join(__dirname, '..', '..', 'support', 'storeWorker.ts');
const CLI = path.join(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');

interface Running {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the exit code (null when killed). */
  done: Promise<number | null>;
  /** Resolves once a line matching `re` was printed. */
  saw(re: RegExp): Promise<string>;
}

function run(args: string[], env: NodeJS.ProcessEnv = process.env, script = WORKER, uid?: number): Running {
  // A bundled script (.js) runs as is: another user may not be able to read tsx or the sources.
  const hook = script.endsWith('.js') ? [] : ['-r', TSX_HOOK];
  const child = spawn(process.execPath, [...hook, script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], ...(uid === undefined ? {} : { uid, gid: uid }) });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      for (const w of waiters.splice(0)) (w.re.test(line) ? w.resolve(line) : waiters.push(w));
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code) process.stderr.write(`worker ${args.join(' ')} exited ${code}: ${err}\n`);
      resolve(code);
    }),
  );
  return {
    child,
    lines,
    done,
    saw: (re) => {
      const hit = lines.find((l) => re.test(l));
      return hit ? Promise.resolve(hit) : new Promise((resolve) => waiters.push({ re, resolve }));
    },
  };
}

/** The store's own bookkeeping agrees with its rows: rollup totals equal the rows read one by one. */
async function assertConsistent(store: UsageStore): Promise<string[]> {
  const rows = await allRows(store);
  assert.equal(store.rowCount(), rows.length, 'row count in the catalog');
  const t = totals(store.catalog, {});
  assert.equal(t.messages, rows.reduce((a, r) => a + r.requests, 0), 'rollup requests');
  assert.equal(t.totalTokens, rows.reduce((a, r) => a + r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens, 0), 'rollup tokens');
  const bySession = new Map(groupBy(store.catalog, {}, 'source').map((g) => [g.key, g.messages]));
  for (const [source, n] of bySession) assert.equal(n, rows.filter((r) => r.source === source).length, `rollups of ${source}`);
  return rows.map((r) => r.id);
}

describe('the store under kills, concurrent writers and resets (real processes)', function () {
  this.timeout(180_000);
  let file: string;
  beforeEach(async () => {
    file = path.join(await tempDir(), 'store', 'usage.db');
  });

  it('a kill at any moment, mid-append or mid-fold, loses no acknowledged row and doubles none', async () => {
    const acked = new Set<string>();
    // A tiny fold threshold: most kills land in the middle of a fold (month files, catalog, journal swap).
    for (let trial = 0; trial < 6; trial++) {
      const w = run([file, 'append', `t${trial}`, '400', '3000']);
      if (trial === 0) await w.saw(/^ok /); // killed right after the first write resolved
      else {
        await w.saw(/^ok /);
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 700));
      }
      w.child.kill('SIGKILL');
      await w.done;
      for (const l of w.lines) if (l.startsWith('ok ')) acked.add(l.slice(3));
    }
    assert.ok(acked.size > 20, `${acked.size} writes acknowledged before the kills`);
    const s = await UsageStore.open(file);
    const rows = await allRows(s);
    const ids = await assertConsistent(s);
    assert.equal(new Set(ids).size, ids.length, 'no row twice');
    // Every acknowledged row is there (its session is its prefix; count per prefix at least the acks).
    for (let trial = 0; trial < 6; trial++) {
      const want = [...acked].filter((k) => k.startsWith(`t${trial}-`)).length;
      const have = rows.filter((r) => r.sessionId === `t${trial}`).length;
      // (Writes acknowledged just before the kill may not have reached us through the pipe: more may be stored.)
      assert.ok(have >= want, `trial ${trial}: ${have} stored of ${want} acknowledged`);
    }
    await s.close();
  });

  it('two writers and the CLI importing at once: every row once, nothing lost', async () => {
    const fx = writeFixtures(path.join(path.dirname(file), 'fx'));
    const env = { ...process.env, HOME: fx.home, CLAUDE_CONFIG_DIR: fx.claudeConfigDir, CODEX_HOME: fx.codexHome };
    const a = run([file, 'import', 'a', '300', '10']);
    const b = run([file, 'import', 'b', '300', '10']);
    const cli = run(['import', '--db', file, '--json'], env, CLI);
    assert.deepEqual(await Promise.all([a.done, b.done, cli.done]), [0, 0, 0]);
    assert.equal(JSON.parse(cli.lines.join('\n')).newRows, FIXTURE_REQUESTS.workspace + FIXTURE_REQUESTS.other);
    const s = await UsageStore.open(file);
    await assertConsistent(s);
    const rows = await allRows(s);
    assert.equal(rows.filter((r) => r.sessionId === 'a').length, 300);
    assert.equal(rows.filter((r) => r.sessionId === 'b').length, 300);
    assert.equal(rows.length, 600 + FIXTURE_REQUESTS.workspace + FIXTURE_REQUESTS.other);
    await s.close();
  });

  it('a reset in another process during an import: the import stops counting old rows, usage recorded after the reset is kept', async () => {
    const imp = run([file, 'import', 'imp', '3000', '10']);
    await imp.saw(/^ok /);
    const reset = run([file, 'reset', '200']);
    const resetLine = await reset.saw(/^reset /);
    const api = run([file, 'append', 'api', '20']);
    assert.deepEqual(await Promise.all([imp.done, reset.done, api.done]), [0, 0, 0]);
    const epoch = resetLine.split(' ')[1];
    const s = await UsageStore.open(file);
    assert.equal(s.epoch(), epoch);
    await assertConsistent(s);
    const rows = await allRows(s);
    const kept = new Set(rows.filter((r) => r.sessionId === 'imp').map((r) => r.id));
    const afterReset = imp.lines.filter((l) => l.startsWith(`ok ${epoch} `)).flatMap((l) => l.split(' ').slice(2));
    const beforeReset = imp.lines.filter((l) => l.startsWith('ok ') && !l.startsWith(`ok ${epoch} `)).flatMap((l) => l.split(' ').slice(2));
    assert.ok(beforeReset.length > 0 && afterReset.length > 0, `the reset fell inside the import (${beforeReset.length} before, ${afterReset.length} after)`);
    assert.equal(kept.size, afterReset.length, 'exactly the import batches written after the reset are stored');
    assert.equal(rows.filter((r) => r.sessionId === 'api').length, 20, 'every API record made after the reset is kept');
    await s.close();
  });

  it('a permission error on open is an error and moves nothing aside', async () => {
    const s = await UsageStore.open(file);
    await s.close();
    const dir = path.dirname(file);
    const before = (await fs.readdir(dir)).sort();
    // Root may read anything, so the store is opened by another user, who may not. That user may
    // not read this checkout either (a clone under a private folder): it runs a bundle of the
    // worker from a folder anyone can read.
    const asRoot = process.getuid?.() === 0;
    const script = asRoot ? await worldReadableWorker() : WORKER;
    if (asRoot) await fs.chmod(dir, 0o700);
    else await fs.chmod(file, 0o000);
    try {
      const r = run([file, 'open'], process.env, script, asRoot ? 65534 : undefined);
      await r.done;
      assert.match(r.lines.join('\n'), /^error Cannot (read|open) the usage database .*(EACCES|permission denied)/im);
    } finally {
      await fs.chmod(dir, 0o755);
      await fs.chmod(file, 0o644);
    }
    assert.deepEqual((await fs.readdir(dir)).sort(), before, 'nothing moved aside, nothing created');
    if (asRoot) await fs.rm(path.dirname(script), { recursive: true, force: true });
    const again = await UsageStore.open(file);
    assert.deepEqual(again.warnings, []);
    await again.close();
  });
});

/** The store worker bundled with sql.js's wasm beside it, in a new folder anyone may read. */
async function worldReadableWorker(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ai-usage-worker-'));
  await fs.chmod(dir, 0o755);
  const out = path.join(dir, 'storeWorker.js');
  await esbuild.build({ entryPoints: [WORKER], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'error' });
  await fs.copyFile(path.join(path.dirname(require.resolve('sql.js')), 'sql-wasm.wasm'), path.join(dir, 'sql-wasm.wasm'));
  await fs.chmod(out, 0o644);
  await fs.chmod(path.join(dir, 'sql-wasm.wasm'), 0o644);
  return out;
}
