import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { kiloCliImporter, openCodeImporter } from '../../../src/core/importers/openCode';
import type { SourceContext } from '../../../src/core/importers/types';
import type { UsageRecord } from '../../../src/core/model';
import { tempDir } from '../../support/tempDir';

// OpenCode 1.2+ tables (packages/opencode session.sql.ts), written by real SQLite in WAL mode;
// os._exit keeps the rows in the -wal as they are while OpenCode runs.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS session (id text PRIMARY KEY, project_id text NOT NULL, parent_id text, slug text NOT NULL DEFAULT '',
  directory text NOT NULL, title text NOT NULL, version text NOT NULL DEFAULT '1.2.0', time_created integer NOT NULL, time_updated integer NOT NULL);
CREATE TABLE IF NOT EXISTS message (id text PRIMARY KEY, session_id text NOT NULL, time_created integer NOT NULL, time_updated integer NOT NULL,
  data text NOT NULL);`;
function sql(db: string, statements: [string, unknown[]][]): void {
  const script = `import sqlite3, os, sys, json
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA wal_autocheckpoint=0')
c.executescript('''${SCHEMA}''')
for q, args in json.loads(sys.argv[2]): c.execute(q, args)
os._exit(0)`;
  execFileSync('python3', ['-c', script, db, JSON.stringify(statements)], { stdio: 'pipe' });
}
const T = 1767312000000;
const assistant = (over: Record<string, unknown> = {}) => ({
  role: 'assistant', time: { created: T + 0.25, completed: T + 4500 }, parentID: 'msg_u1', modelID: 'claude-sonnet-4-20250514',
  providerID: 'anthropic', mode: 'build', agent: 'build', path: { cwd: '/elsewhere', root: '/elsewhere' }, cost: 0.0123,
  tokens: { input: 12, output: 345, reasoning: 20, cache: { read: 20480, write: 1024 } }, finish: 'tool-calls', ...over,
});
const HOUR = 3600_000;
const msg = (id: string, data: unknown, updated = T, ses = 'ses_1'): [string, unknown[]] =>
  ['INSERT OR REPLACE INTO message (id, session_id, time_created, time_updated, data) VALUES (?,?,?,?,?)', [id, ses, T, updated, typeof data === 'string' ? data : JSON.stringify(data)]];
const SESSION: [string, unknown[]] = ['INSERT OR REPLACE INTO session (id, project_id, directory, title, time_created, time_updated) VALUES (?,?,?,?,?,?)', ['ses_1', 'prj', '/home/u/app', 't', T, T]];
const byKey = (rs: UsageRecord[]) => Object.fromEntries(rs.map((r) => [r.dedupeKey, r]));
const write = async (file: string, data: unknown) => {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, typeof data === 'string' ? data : JSON.stringify(data));
};

describe('OpenCode / Kilo CLI importers', () => {
  let dir: string;
  let data: string;
  let db: string;
  beforeEach(async () => {
    dir = await tempDir();
    data = path.join(dir, 'share', 'opencode');
    await fs.mkdir(data, { recursive: true });
    db = path.join(data, 'opencode.db');
  });

  it('reads assistant rows from the database and its WAL, using the id/session_id columns and session.directory', async () => {
    sql(db, [
      SESSION,
      msg('msg_a1', assistant(), T - 2 * HOUR),
      msg('msg_u1', { role: 'user', time: { created: T } }, T - 2 * HOUR),
      msg('msg_a2', assistant({ time: { created: T + 5000 }, cost: 0, tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } } })),
      msg('msg_a3', assistant({ providerID: 'github-copilot', modelID: 'gpt-5', cost: 0, tokens: { input: 900, output: 80, reasoning: 0, cache: { read: 0, write: 0 } } }), T - 2 * HOUR),
      msg('msg_b1', '{"role":"assistant", "tokens": {', T - 2 * HOUR),
      msg('msg_b2', assistant({ tokens: { input: '12', output: 1 } }), T - 2 * HOUR),
    ]);
    assert.ok((await fs.stat(`${db}-wal`)).size > 0);
    const r = await openCodeImporter.readFile(db, undefined);
    assert.equal(r.skipped, 2);
    const k = byKey(r.records);
    assert.deepEqual(Object.keys(k).sort(), ['msg_a1', 'msg_a3']);
    assert.deepEqual(k.msg_a1, {
      source: 'opencode', dedupeKey: 'msg_a1', ts: T, project: '/home/u/app', modelRaw: 'claude-sonnet-4-20250514', sessionId: 'ses_1',
      inputTokens: 12, outputTokens: 365, cacheReadTokens: 20480, cacheWriteTokens: 1024, cacheWrite1hTokens: 0, reasoningTokens: 20, reportedCost: 0.0123,
    });
    assert.equal(k.msg_a3.reportedCost, undefined, 'a 0 cost is left to the price table');

    // The streaming row fills in; the database changes in place (WAL only).
    const unchanged = await openCodeImporter.readFile(db, r.cursor);
    assert.equal(unchanged.bytesRead, 0);
    sql(db, [msg('msg_a2', assistant({ time: { created: T + 5000 }, tokens: { input: 7, output: 70, reasoning: 0, cache: { read: 100, write: 0 } } }), T + HOUR)]);
    const again = await openCodeImporter.readFile(db, unchanged.cursor);
    assert.equal(again.reread, false);
    assert.deepEqual(again.records.map((x) => [x.dedupeKey, x.outputTokens]), [['msg_a2', 70]], 'only the row updated since the last read');
    assert.equal(again.skipped, 0, 'old malformed rows are not counted twice');

    // A deleted session (fewer rows) makes the next read start over; keys are unchanged.
    sql(db, [["DELETE FROM message WHERE id = 'msg_b1'", []]]);
    const full = await openCodeImporter.readFile(db, again.cursor);
    assert.equal(full.reread, true);
    const k3 = byKey(full.records);
    assert.deepEqual(Object.keys(k3).sort(), ['msg_a1', 'msg_a2', 'msg_a3']);
    assert.deepEqual(k3.msg_a1, k.msg_a1);
    assert.equal(full.skipped, 1);
  });

  it('reads legacy JSON messages, and drops those the database next to them already has', async () => {
    sql(db, [SESSION, msg('msg_a1', assistant())]);
    const legacy = path.join(data, 'storage', 'message');
    // The migrated copy, even with different numbers, must not compete with the database row.
    await write(path.join(legacy, 'ses_1', 'msg_a1.json'), { id: 'msg_a1', sessionID: 'ses_1', ...assistant({ tokens: { input: 999999, output: 1 } }) });
    await write(path.join(legacy, 'ses_old', 'msg_l1.json'), { id: 'msg_l1', sessionID: 'ses_old', ...assistant({ path: { cwd: '/home/u/old/sub', root: '/home/u/old' } }) });
    await write(path.join(legacy, 'ses_old', 'msg_l2.json'), '{"id":"msg_l2","role":"assis');
    await write(path.join(legacy, 'ses_old', 'msg_l3.json'), { id: 'msg_l3', sessionID: 'ses_old', role: 'user', time: { created: T } });

    const ctx: SourceContext = { home: path.join(dir, 'home'), env: { XDG_DATA_HOME: path.join(dir, 'share') }, platform: 'linux', extraPaths: {} };
    const files = await openCodeImporter.listFiles(openCodeImporter.roots(ctx), ctx);
    assert.deepEqual(files.map((f) => path.relative(data, f)), [
      'opencode.db', 'storage/message/ses_1/msg_a1.json', 'storage/message/ses_old/msg_l1.json', 'storage/message/ses_old/msg_l2.json', 'storage/message/ses_old/msg_l3.json',
    ].map((f) => f.split('/').join(path.sep)));

    const results = [];
    for (const f of files) results.push(await openCodeImporter.readFile(f, undefined));
    assert.deepEqual(results.map((x) => x.records.map((r) => r.dedupeKey)), [['msg_a1'], [], ['msg_l1'], [], []]);
    assert.deepEqual(results.map((x) => x.skipped), [0, 0, 0, 1, 0]);
    const l1 = results[2].records[0];
    assert.deepEqual([l1.project, l1.sessionId, l1.inputTokens, l1.reportedCost], ['/home/u/old', 'ses_old', 12, 0.0123]);
    assert.equal(results[0].records[0].inputTokens, 12);

    // Whole-file reads: unchanged files are not re-read, rewritten ones come back with the same key.
    assert.equal((await openCodeImporter.readFile(files[2], results[2].cursor)).bytesRead, 0);
    await write(files[2], { id: 'msg_l1', sessionID: 'ses_old', ...assistant({ tokens: { input: 12, output: 400, reasoning: 0, cache: { read: 0, write: 0 } } }) });
    const rewritten = await openCodeImporter.readFile(files[2], results[2].cursor);
    assert.deepEqual(rewritten.records.map((r) => [r.dedupeKey, r.outputTokens]), [['msg_l1', 400]]);
  });

  it('Kilo CLI: kilo.db under the kilo data folder, its own source', async () => {
    const kdata = path.join(dir, 'home', '.local', 'share', 'kilo');
    await fs.mkdir(kdata, { recursive: true });
    sql(path.join(kdata, 'kilo.db'), [SESSION, msg('msg_k1', assistant({ modelID: 'kilo/auto' }))]);
    const ctx: SourceContext = { home: path.join(dir, 'home'), env: {}, platform: 'linux', extraPaths: {} };
    const files = await kiloCliImporter.listFiles(kiloCliImporter.roots(ctx), ctx);
    assert.deepEqual(files, [path.join(kdata, 'kilo.db')]);
    const r = await kiloCliImporter.readFile(files[0], undefined);
    assert.deepEqual(r.records.map((x) => [x.source, x.dedupeKey, x.modelRaw]), [['kilo-cli', 'msg_k1', 'kilo/auto']]);
  });

  it('finds channel databases but not WAL sidecars; reports a corrupt database', async () => {
    sql(path.join(data, 'opencode-beta.db'), [SESSION, msg('msg_c1', assistant())]);
    await fs.writeFile(db, Buffer.alloc(4096, 1));
    const files = await openCodeImporter.listFiles([data], {} as SourceContext);
    assert.deepEqual(files.map((f) => path.basename(f)), ['opencode-beta.db', 'opencode.db']);
    assert.equal((await openCodeImporter.readFile(files[0], undefined)).records.length, 1);
    await assert.rejects(openCodeImporter.readFile(files[1], undefined), /cannot read SQLite database/);
  });

  it('roots: OPENCODE_DATA_DIR first, XDG data home on every OS, extra paths', () => {
    assert.deepEqual(openCodeImporter.roots({ home: '/home/u', env: { OPENCODE_DATA_DIR: '/oc' }, platform: 'linux', extraPaths: { opencode: ['/x'] } }),
      ['/oc', '/home/u/.local/share/opencode', '/x']);
    assert.deepEqual(openCodeImporter.roots({ home: '/Users/u', env: {}, platform: 'darwin', extraPaths: {} }), ['/Users/u/.local/share/opencode']);
    assert.deepEqual(kiloCliImporter.roots({ home: 'C:\\Users\\u', env: {}, platform: 'win32', extraPaths: {} }), ['C:\\Users\\u\\.local\\share\\kilo']);
    assert.deepEqual(kiloCliImporter.roots({ home: '/h', env: { XDG_DATA_HOME: '/xdg' }, platform: 'linux', extraPaths: {} }), ['/xdg/kilo']);
  });
});
