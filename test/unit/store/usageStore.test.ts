import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { UsageStore } from '../../../src/core/store/usageStore';
import { rec } from '../../support/records';
import { tempDir } from '../../support/tempDir';

const run = promisify(execFile);

function count(store: UsageStore, where = '1'): number {
  return Number(store.database.exec(`SELECT count(*) FROM usage WHERE ${where}`)[0].values[0][0]);
}

describe('UsageStore', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await tempDir();
    file = path.join(dir, 'nested', 'usage.db');
  });

  it('creates its folder and round-trips rows through the file', async () => {
    const a = await UsageStore.open(file);
    a.transaction(() => a.upsert([rec({ dedupeKey: 'k1' }), rec({ dedupeKey: 'k2' })]));
    assert.deepEqual(await a.save(), { written: true, merged: false });
    const b = await UsageStore.open(file);
    assert.equal(b.rowCount(), 2);
    assert.deepEqual(b.warnings, []);
  });

  it('keeps the most complete copy of one request', async () => {
    const s = await UsageStore.inMemory();
    s.upsert([rec({ dedupeKey: 'k', outputTokens: 5 })]);
    s.upsert([rec({ dedupeKey: 'k', outputTokens: 412 })]);
    s.upsert([rec({ dedupeKey: 'k', outputTokens: 100 })]);
    assert.equal(count(s), 1);
    assert.equal(Number(s.database.exec('SELECT output FROM usage')[0].values[0][0]), 412);
  });

  it('the same dedupe key from two sources is two rows', async () => {
    const s = await UsageStore.inMemory();
    s.upsert([rec({ dedupeKey: 'k' }), rec({ dedupeKey: 'k', source: 'codex' })]);
    assert.equal(count(s), 2);
  });

  it('drops a replayed copy whichever arrives first', async () => {
    const s = await UsageStore.inMemory();
    s.upsert([rec({ dedupeKey: 'msg1:reqB', aliasKey: 'msg1', isCopy: true })]);
    assert.equal(count(s), 1, 'a copy alone counts');
    s.upsert([rec({ dedupeKey: 'msg1:reqA', aliasKey: 'msg1', isCopy: false })]);
    assert.equal(count(s), 1);
    assert.equal(String(s.database.exec('SELECT dedupe_key FROM usage')[0].values[0][0]), 'msg1:reqA');
    s.upsert([rec({ dedupeKey: 'msg1:reqC', aliasKey: 'msg1', isCopy: true })]);
    assert.equal(count(s), 1, 'a later copy is dropped too');
  });

  it('counts skipped lines per file, replacing the counts when a file is read again from the start', async () => {
    const s = await UsageStore.inMemory();
    const cursor = { size: 10, mtimeMs: 1, offset: 10, headHash: 'h' };
    s.setCursor('codex', '/f', cursor, { records: 3, skipped: 2 });
    s.setCursor('codex', '/f', cursor, { records: 1, skipped: 1 });
    const skipped = () => Number(s.database.exec("SELECT skipped FROM files WHERE path = '/f'")[0].values[0][0]);
    assert.equal(skipped(), 3);
    s.setCursor('codex', '/f', cursor, { records: 2, skipped: 1, reread: true });
    assert.equal(skipped(), 1);
    assert.deepEqual(s.getCursor('/f'), { ...cursor, state: undefined });
  });

  it('moves a corrupt database aside, starts fresh and says so', async () => {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, 'SQLite format 3\0' + 'garbage'.repeat(200));
    const s = await UsageStore.open(file);
    assert.equal(s.rowCount(), 0);
    assert.equal(s.warnings.length, 1);
    assert.match(s.warnings[0], /moved to .*usage\.db\.corrupt-/);
    const names = await fs.readdir(path.dirname(file));
    assert.ok(names.some((n) => n.startsWith('usage.db.corrupt-')), 'the corrupt file is kept');
    s.upsert([rec({ dedupeKey: 'k' })]);
    await s.save();
    assert.equal((await UsageStore.open(file)).rowCount(), 1);
  });

  it('treats a truncated file as corrupt', async () => {
    const a = await UsageStore.open(file);
    a.upsert(Array.from({ length: 500 }, (_, i) => rec({ dedupeKey: `k${i}`, project: `/p/${i}` })));
    await a.save();
    const bytes = await fs.readFile(file);
    await fs.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 3)));
    const b = await UsageStore.open(file);
    assert.equal(b.warnings.length, 1);
  });

  it('merges rows another process saved meanwhile, without doubling', async () => {
    const a = await UsageStore.open(file);
    const b = await UsageStore.open(file);
    a.upsert([rec({ dedupeKey: 'a1' }), rec({ dedupeKey: 'both', outputTokens: 3 })]);
    b.upsert([rec({ dedupeKey: 'b1' }), rec({ dedupeKey: 'both', outputTokens: 9 })]);
    await a.save();
    const r = await b.save();
    assert.equal(r.merged, true);
    const c = await UsageStore.open(file);
    assert.equal(c.rowCount(), 3);
    assert.equal(Number(c.database.exec("SELECT output FROM usage WHERE dedupe_key = 'both'")[0].values[0][0]), 9);
    assert.equal(await a.refreshFromDisk(), true);
    assert.equal(a.rowCount(), 3);
  });

  it('a reset in one process wipes the other on its next save', async () => {
    const a = await UsageStore.open(file);
    const b = await UsageStore.open(file);
    a.upsert([rec({ dedupeKey: 'a1' })]);
    await a.save();
    await b.refreshFromDisk();
    await b.reset();
    a.upsert([rec({ dedupeKey: 'a2' })]);
    await a.save();
    assert.equal(a.rowCount(), 0, 'the older side adopts the reset');
    assert.equal((await UsageStore.open(file)).rowCount(), 0);
  });

  it('refuses a database written by a newer schema instead of clobbering it', async () => {
    const a = await UsageStore.open(file);
    a.database.run('PRAGMA user_version = 99');
    a.upsert([rec({ dedupeKey: 'x' })]);
    await a.save();
    await assert.rejects(UsageStore.open(file), /newer version/);
  });

  it('two real processes writing the same file at once lose nothing and double nothing', async function () {
    this.timeout(120_000);
    const script = path.join(__dirname, '..', '..', 'support', 'writerProcess.ts');
    const tsx = require.resolve('tsx/cli');
    const N = 400;
    const startAt = String(Date.now() + 4000);
    const [p1, p2] = await Promise.all([
      run(process.execPath, [tsx, script, file, 'w1', String(N), '10', startAt]),
      run(process.execPath, [tsx, script, file, 'w2', String(N), '10', startAt]),
    ]);
    const merges = JSON.parse(p1.stdout).merges + JSON.parse(p2.stdout).merges;
    assert.ok(merges > 0, 'the writers really interleaved (some saves had to merge)');
    const s = await UsageStore.open(file);
    assert.equal(count(s, "session_id IN (SELECT id FROM sessions WHERE session = 'w1')"), N);
    assert.equal(count(s, "session_id IN (SELECT id FROM sessions WHERE session = 'w2')"), N);
    assert.equal(count(s, "dedupe_key LIKE 'shared-%'"), N / 10);
    assert.equal(s.rowCount(), 2 * N + N / 10);
    const leftovers = (await fs.readdir(path.dirname(file))).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock'));
    assert.deepEqual(leftovers, []);
  });
});
