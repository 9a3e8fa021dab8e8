import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { applyWal, queryRows, readSqliteFile, readSqliteSnapshot } from '../../../src/core/importers/sqliteSnapshot';
import { loadSqlJs } from '../../../src/core/store/sqljs';
import { tempDir } from '../../support/tempDir';

// Fixtures are written by the real SQLite (python3's sqlite3). `os._exit` skips the close that
// would checkpoint and delete the -wal, so committed rows stay in the WAL only.
function py(script: string, db: string): void {
  execFileSync('python3', ['-c', `import sqlite3, os, sys\ndb = sys.argv[1]\n${script}`, db], { stdio: 'pipe' });
}
const WAL_OPEN = `c = sqlite3.connect(db, isolation_level=None)
c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA wal_autocheckpoint=0')`;

async function count(image: Buffer): Promise<number> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(image);
  try {
    return Number(queryRows(db, 'SELECT COUNT(*) AS n FROM t')[0]?.n ?? -1);
  } finally {
    db.close();
  }
}
const sha = async (p: string) => createHash('sha1').update(await fs.readFile(p)).digest('hex');

describe('SQLite snapshot (main file + WAL)', () => {
  let dir: string;
  let db: string;
  beforeEach(async () => {
    dir = await tempDir();
    db = path.join(dir, 't.db');
  });

  it('sees rows that are only in the -wal', async () => {
    py(`${WAL_OPEN}
c.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)')
for i in range(3): c.execute("INSERT INTO t(v) VALUES ('r')")
os._exit(0)`, db);
    assert.ok((await fs.stat(`${db}-wal`)).size > 0);
    // The main file alone does not even have the table yet.
    const SQL = await loadSqlJs();
    const raw = new SQL.Database(await fs.readFile(db));
    assert.deepEqual(queryRows(raw, 'SELECT COUNT(*) AS n FROM t'), []);
    raw.close();
    const snap = await readSqliteSnapshot(db);
    assert.equal(snap.walStatus, 'applied');
    assert.equal(snap.walFrames, 5); // CREATE writes pages 1-2, each INSERT rewrites page 2
    assert.equal(await count(snap.image), 3);
  });

  it('applies checkpointed rows plus newer WAL commits, and ignores an uncommitted tail', async () => {
    py(`${WAL_OPEN}
c.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)')
c.execute("INSERT INTO t(v) VALUES ('a')")
c.execute('PRAGMA wal_checkpoint(TRUNCATE)')
c.execute("INSERT INTO t(v) VALUES ('b')")
c.execute('PRAGMA cache_size=2')
c.execute('BEGIN')
for i in range(100): c.execute("INSERT INTO t(v) VALUES (?)", ('x'*3000,))
os._exit(0)`, db);
    const wal = await fs.readFile(`${db}-wal`);
    assert.ok(wal.length > 100 * 3000, 'the open transaction spilled frames into the WAL');
    const main = await fs.readFile(db);
    assert.equal(await count(applyWal(main, undefined).image), 1, 'main file: checkpointed row only');
    const r = applyWal(main, wal);
    assert.equal(r.status, 'applied');
    assert.equal(r.frames, 1);
    r.image[18] = 1; r.image[19] = 1;
    assert.equal(await count(r.image), 2, 'committed WAL row seen, uncommitted 100 rows not');
  });

  it('falls back to the main file when the WAL is short or corrupt, and stops at a torn frame', async () => {
    py(`${WAL_OPEN}
c.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)')
c.execute("INSERT INTO t(v) VALUES ('a')")
c.execute('PRAGMA wal_checkpoint(TRUNCATE)')
c.execute("INSERT INTO t(v) VALUES ('b')")
c.execute("INSERT INTO t(v) VALUES ('c')")
os._exit(0)`, db);
    const main = await fs.readFile(db);
    const wal = await fs.readFile(`${db}-wal`);
    const pageSize = wal.readUInt32BE(8);
    const frame = 24 + pageSize;
    assert.equal(wal.length, 32 + 2 * frame);
    const fixed = (b: Buffer) => { b[18] = 1; b[19] = 1; return b; };

    assert.equal(applyWal(main, wal.subarray(0, 20)).status, 'invalid');
    assert.equal(await count(fixed(applyWal(main, wal.subarray(0, 20)).image)), 1);

    const badHeader = Buffer.from(wal);
    badHeader[17] ^= 0xff; // salt-1 no longer matches the header checksum
    assert.equal(applyWal(main, badHeader).status, 'invalid');

    const torn = wal.subarray(0, 32 + frame + 100); // second commit half written
    assert.equal(await count(fixed(applyWal(main, torn).image)), 2);

    const flipped = Buffer.from(wal);
    flipped[32 + frame + 24 + 200] ^= 0x01; // second frame's page no longer matches its checksum
    assert.equal(applyWal(main, flipped).frames, 1);
    assert.equal(await count(fixed(applyWal(main, flipped).image)), 2);

    // End to end: a corrupt -wal on disk still reads the main file.
    await fs.writeFile(`${db}-wal`, badHeader);
    const snap = await readSqliteSnapshot(db);
    assert.equal(snap.walStatus, 'invalid');
    assert.equal(await count(snap.image), 1);
  });

  it('reads rollback-journal databases as they are', async () => {
    py(`c = sqlite3.connect(db)
c.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)')
c.execute("INSERT INTO t(v) VALUES ('a')"); c.commit(); c.close()`, db);
    const snap = await readSqliteSnapshot(db);
    assert.equal(snap.walStatus, 'none');
    assert.equal(await count(snap.image), 1);
  });

  it('waits and reads again while a rollback journal is live, but not for a finished (zeroed) one', async () => {
    py(`c = sqlite3.connect(db)
c.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)')
c.execute("INSERT INTO t(v) VALUES ('a')"); c.commit(); c.close()`, db);
    await fs.writeFile(`${db}-journal`, Buffer.concat([Buffer.from('d9d505f920a163d7', 'hex'), Buffer.alloc(504)]));
    let started = Date.now();
    const snap = await readSqliteSnapshot(db);
    assert.ok(Date.now() - started >= 150, 'retried with pauses');
    assert.equal(await count(snap.image), 1, 'still returns the main file in the end');
    await fs.writeFile(`${db}-journal`, Buffer.alloc(512)); // PERSIST mode after commit
    started = Date.now();
    assert.equal(await count((await readSqliteSnapshot(db)).image), 1);
  });

  it('re-reads only when the main file or the WAL changed, and never writes them', async () => {
    py(`${WAL_OPEN}
c.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)')
c.execute("INSERT INTO t(v) VALUES ('a')")
os._exit(0)`, db);
    const hashes = [await sha(db), await sha(`${db}-wal`)];
    const parse = (d: import('sql.js').Database) => ({ records: [], skipped: Number(queryRows(d, 'SELECT COUNT(*) AS n FROM t')[0].n) });
    const first = await readSqliteFile(db, undefined, parse);
    assert.equal(first.skipped, 1);
    const again = await readSqliteFile(db, first.cursor, parse);
    assert.equal(again.bytesRead, 0);
    py(`c = sqlite3.connect(db, isolation_level=None)
c.execute('PRAGMA wal_autocheckpoint=0')
c.execute("INSERT INTO t(v) VALUES ('b')")
os._exit(0)`, db);
    const third = await readSqliteFile(db, again.cursor, parse);
    assert.equal(third.reread, true);
    assert.equal(third.skipped, 2, 'the second commit is only in the WAL');
    assert.notEqual(await sha(`${db}-wal`), hashes[1]);
    // Reading did not touch the files: hashes only change through python's writes.
    const h = [await sha(db), await sha(`${db}-wal`)];
    await readSqliteFile(db, undefined, parse);
    assert.deepEqual([await sha(db), await sha(`${db}-wal`)], h);
  });

  it('reports a file that is not a database as an error for that file', async () => {
    await fs.writeFile(db, 'not a database at all'.repeat(10));
    await assert.rejects(readSqliteFile(db, undefined, (d) => ({ records: [], skipped: queryRows(d, 'SELECT 1 FROM t').length })), /cannot read SQLite database/);
  });
});
