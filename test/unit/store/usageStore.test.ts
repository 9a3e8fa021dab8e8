import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { totals } from '../../../src/core/queries/aggregate';
import { orderedRows } from '../../../src/core/queries/tablePages';
import type { TableRow } from '../../../src/core/queries/types';
import { UsageStore } from '../../../src/core/store/usageStore';
import { storePaths } from '../../../src/core/store/storeFiles';
import { loadSqlJs } from '../../../src/core/store/sqljs';
import { rec } from '../../support/records';
import { tempDir } from '../../support/tempDir';

export async function allRows(store: UsageStore): Promise<TableRow[]> {
  const out: TableRow[] = [];
  for await (const batch of orderedRows(store, {}, 'ts', 'asc')) out.push(...batch);
  return out;
}

describe('UsageStore', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await tempDir();
    file = path.join(dir, 'nested', 'usage.db');
  });

  it('creates its folder, and another process opening it sees every write at once', async () => {
    const a = await UsageStore.open(file);
    assert.deepEqual(await a.write({ rows: [rec({ dedupeKey: 'k1' }), rec({ dedupeKey: 'k2' })] }), { changed: 2, inserted: 2 });
    const b = await UsageStore.open(file);
    assert.equal(b.rowCount(), 2);
    assert.deepEqual(b.warnings, []);
    await a.close();
    await b.close();
  });

  it('keeps the most complete copy of one request, with the rollups following', async () => {
    const s = await UsageStore.inMemory();
    await s.write({ rows: [rec({ dedupeKey: 'k', outputTokens: 5 })] });
    await s.write({ rows: [rec({ dedupeKey: 'k', outputTokens: 412 })] });
    await s.write({ rows: [rec({ dedupeKey: 'k', outputTokens: 100 })] });
    const rows = await allRows(s);
    assert.deepEqual(rows.map((r) => r.outputTokens), [412]);
    assert.equal(totals(s.catalog, {}).outputTokens, 412);
    assert.equal(totals(s.catalog, {}).messages, 1);
  });

  it('a copy logged a moment later across a month boundary is still the same request', async () => {
    const s = await UsageStore.inMemory();
    await s.write({ rows: [rec({ dedupeKey: 'k', ts: Date.UTC(2026, 7, 31, 23, 59, 59), outputTokens: 5 })] });
    await s.write({ rows: [rec({ dedupeKey: 'k', ts: Date.UTC(2026, 8, 1, 0, 0, 2), outputTokens: 50 })] });
    const rows = await allRows(s);
    assert.deepEqual(rows.map((r) => [r.ts, r.outputTokens]), [[Date.UTC(2026, 8, 1, 0, 0, 2), 50]], 'moved to the month of the better copy');
    assert.deepEqual(s.monthsWithRows().length, 1);
  });

  it('the same dedupe key from two sources is two rows', async () => {
    const s = await UsageStore.inMemory();
    await s.write({ rows: [rec({ dedupeKey: 'k' }), rec({ dedupeKey: 'k', source: 'codex' })] });
    assert.equal(s.rowCount(), 2);
  });

  it('drops a replayed copy whichever arrives first, even an hour apart', async () => {
    const s = await UsageStore.inMemory();
    const t = Date.UTC(2026, 7, 20, 10);
    await s.write({ rows: [rec({ dedupeKey: 'msg1:sidechain', ts: t + 3600_000, aliasKey: 'msg1', isCopy: true })] });
    assert.equal(s.rowCount(), 1, 'a copy alone counts');
    await s.write({ rows: [rec({ dedupeKey: 'msg1:reqA', ts: t, aliasKey: 'msg1', isCopy: false, outputTokens: 7 })] });
    assert.deepEqual((await allRows(s)).map((r) => [r.ts, r.outputTokens]), [[t, 7]], 'the original replaced the copy');
    await s.write({ rows: [rec({ dedupeKey: 'msg1:sidechain2', ts: t + 7200_000, aliasKey: 'msg1', isCopy: true })] });
    assert.equal(s.rowCount(), 1, 'a later copy is dropped too');
    assert.equal(totals(s.catalog, {}).messages, 1);
  });

  it('counts skipped lines per file, replacing the counts when a file is read again from the start', async () => {
    const s = await UsageStore.inMemory();
    const cursor = { size: 10, mtimeMs: 1, offset: 10, headHash: 'h' };
    await s.write({ cursors: [{ source: 'codex', file: '/f', cursor, stats: { records: 3, skipped: 2 } }] });
    await s.write({ cursors: [{ source: 'codex', file: '/f', cursor, stats: { records: 1, skipped: 1 } }] });
    const skipped = () => Number(s.catalog.all("SELECT skipped FROM files WHERE path = '/f'")[0][0]);
    assert.equal(skipped(), 3);
    await s.write({ cursors: [{ source: 'codex', file: '/f', cursor, stats: { records: 2, skipped: 1, reread: true } }] });
    assert.equal(skipped(), 1);
    assert.deepEqual(s.getCursor('/f'), { ...cursor, state: undefined });
  });

  it('a small write is one journal append; a large one is folded into month files', async () => {
    const s = await UsageStore.open(file, { bulkRows: 100 });
    const p = storePaths(file);
    const catalogBefore = await fs.stat(p.catalog);
    await s.write({ rows: [rec({ dedupeKey: 'one' })] });
    assert.equal((await fs.stat(p.catalog)).mtimeMs, catalogBefore.mtimeMs, 'the catalog is not rewritten for one row');
    assert.ok((await fs.stat(p.journal)).size > 100, 'the row is in the journal');
    await s.write({ rows: Array.from({ length: 150 }, (_, i) => rec({ dedupeKey: `bulk${i}`, ts: Date.UTC(2026, i % 3, 5) })) });
    assert.equal((await fs.readdir(p.months).catch(() => [])).length, 0, 'a large write waits for finishWrites');
    await s.finishWrites();
    assert.deepEqual((await fs.readdir(p.months)).map((n) => n.slice(0, 7)).sort(), ['2026-01', '2026-02', '2026-03', '2026-08']);
    const reader = await UsageStore.open(file);
    assert.equal(reader.rowCount(), 151);
    await s.close();
    await reader.close();
  });

  it('moves a catalog SQLite cannot read aside, starts fresh and says so', async () => {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, 'SQLite format 3\0' + 'garbage'.repeat(200));
    const s = await UsageStore.open(file);
    assert.equal(s.rowCount(), 0);
    assert.equal(s.warnings.length, 1);
    assert.match(s.warnings[0], /moved to .*usage\.db\.corrupt-/);
    const names = await fs.readdir(path.dirname(file));
    assert.ok(names.some((n) => n.startsWith('usage.db.corrupt-')), 'the corrupt file is kept');
    await s.write({ rows: [rec({ dedupeKey: 'k' })] });
    const again = await UsageStore.open(file);
    assert.equal(again.rowCount(), 1);
    await s.close();
    await again.close();
  });

  it('a truncated catalog is corrupt; a truncated month file is moved aside alone, and its rows leave the totals', async () => {
    const a = await UsageStore.open(file, { bulkRows: 10 });
    await a.write({ rows: Array.from({ length: 500 }, (_, i) => rec({ dedupeKey: `k${i}`, project: `/p/${i}`, ts: Date.UTC(2026, i % 2 ? 6 : 7, 3) })) });
    await a.close();
    const p = storePaths(file);
    const july = (await fs.readdir(p.months)).find((n) => n.startsWith('2026-07'))!;
    const bytes = await fs.readFile(path.join(p.months, july));
    await fs.writeFile(path.join(p.months, july), bytes.subarray(0, Math.floor(bytes.length / 3)));
    const b = await UsageStore.open(file);
    assert.equal(b.rowCount(), 500, 'months load lazily: nothing is read yet');
    assert.equal((await allRows(b)).length, 250, 'the readable month still reads');
    await b.write({ rows: [rec({ dedupeKey: 'after', ts: Date.UTC(2026, 7, 4) })] });
    assert.match(b.warnings.join('\n'), /usage of 2026-07 could not be read/);
    assert.equal(b.rowCount(), 251);
    assert.equal(totals(b.catalog, {}).messages, 251, 'the lost month is out of the rollups too');
    assert.ok((await fs.readdir(p.months)).some((n) => n.startsWith(july) && n.includes('.corrupt-')), 'the month file is kept aside');
    await b.close();
  });

  it('refuses a catalog written by a newer schema instead of clobbering it', async () => {
    const a = await UsageStore.open(file);
    await a.close();
    const SQL = await loadSqlJs();
    const db = new SQL.Database(await fs.readFile(file));
    db.run('PRAGMA user_version = 99');
    await fs.writeFile(file, db.export());
    await assert.rejects(UsageStore.open(file), /newer version/);
    assert.ok((await fs.readFile(file)).length > 0, 'left in place');
  });

  it('a reset in one process wipes the other; rows it records after the reset are kept', async () => {
    const a = await UsageStore.open(file);
    const b = await UsageStore.open(file);
    await a.write({ rows: [rec({ dedupeKey: 'a1' })] });
    const epoch = a.epoch();
    await b.reset();
    // a imported before the reset and writes now: dropped (the logs bring the rows back) ...
    assert.equal((await a.write({ rows: [rec({ dedupeKey: 'a2' })], epoch })).changed, 0);
    // ... but usage recorded through the API after the reset lands.
    assert.equal((await a.write({ rows: [rec({ dedupeKey: 'api1', source: 'api' })] }, { durable: true })).inserted, 1);
    assert.equal(a.rowCount(), 1);
    await b.sync();
    assert.deepEqual((await allRows(b)).map((r) => r.source), ['api']);
    await a.close();
    await b.close();
  });

  it('removes temp files an interrupted save left behind, but not one being written now', async () => {
    const p = storePaths(file);
    await fs.mkdir(p.months, { recursive: true });
    const old = path.join(p.dir, `.usage.db.4242.${Date.now() - 3600_000}.tmp`);
    const oldMonth = path.join(p.months, `2026-08.g3.db.4242.${Date.now() - 3600_000}.tmp`);
    const fresh = path.join(p.dir, `usage.db.4243.${Date.now()}.tmp`);
    for (const f of [old, oldMonth, fresh]) await fs.writeFile(f, 'x'.repeat(1000));
    const past = new Date(Date.now() - 3600_000);
    await fs.utimes(old, past, past);
    await fs.utimes(oldMonth, past, past);
    const s = await UsageStore.open(file);
    const left = [...(await fs.readdir(p.dir)), ...(await fs.readdir(p.months))].filter((n) => n.endsWith('.tmp'));
    assert.deepEqual(left, [path.basename(fresh)]);
    await s.close();
  });

  it('a permission or I/O error on open is an error, and the history stays where it is', async () => {
    await fs.mkdir(file, { recursive: true }); // the catalog's path is a folder: EISDIR, not corruption
    await assert.rejects(UsageStore.open(file), /Cannot read the usage database .*usage\.db: .*EISDIR/);
    assert.ok((await fs.stat(file)).isDirectory(), 'not moved aside');
    assert.deepEqual((await fs.readdir(path.dirname(file))).filter((n) => n.includes('corrupt')), []);
  });
});
