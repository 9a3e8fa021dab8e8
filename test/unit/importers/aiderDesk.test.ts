import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { aiderDeskImporter, aiderDeskProjects, isAiderParsed, parseSqliteUtc } from '../../../src/core/importers/aiderDesk';
import type { SourceContext } from '../../../src/core/importers/types';
import type { UsageRecord } from '../../../src/core/model';
import { tempDir } from '../../support/tempDir';

// The schema AiderDesk creates (src/main/data-manager/data-manager.ts), written by real SQLite.
const SCHEMA = `CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, timestamp DATETIME DEFAULT CURRENT_TIMESTAMP,
  type TEXT NOT NULL, project TEXT NOT NULL, task_id TEXT, model TEXT NOT NULL, input_tokens INTEGER, output_tokens INTEGER,
  cache_write_tokens INTEGER, cache_read_tokens INTEGER, cost REAL, message_content_json TEXT)`;
type Row = [string, string, string, string, string | null, string, unknown, unknown, unknown, unknown, unknown];
function writeRows(db: string, rows: Row[], opts: { wal?: boolean; keepWal?: boolean } = {}): void {
  const script = `import sqlite3, os, sys, json
c = sqlite3.connect(sys.argv[1], isolation_level=None)
${opts.wal ? "c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA wal_autocheckpoint=0')" : ''}
c.execute('''${SCHEMA}''')
for r in json.loads(sys.argv[2]):
    c.execute('INSERT INTO messages (id, timestamp, type, project, task_id, model, input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, cost, message_content_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)', r + ['{"content":"x"}'])
${opts.keepWal ? 'os._exit(0)' : 'c.close()'}`;
  execFileSync('python3', ['-c', script, db, JSON.stringify(rows)], { stdio: 'pipe' });
}

const AGENT: Row = ['a1', '2026-08-20 10:00:05', 'assistant', '/home/u/app', 't1', 'anthropic/claude-sonnet-4-5-20250929', 1234, 455, 2048, 18000, 0.0213417];
const TOOL: Row = ['a2', '2026-08-20 10:00:09', 'tool', '/home/u/app', 't1', 'my-openrouter/anthropic/claude-3.5-sonnet', 321, 45, 0, 7000, 0.004102];
// Aider mode: "Tokens: 15k sent, 2.0k cache write, 12k cache hit, 812 received. Cost: $0.06 message"
const AIDER: Row = ['a3', '2026-08-20 11:00:00', 'assistant', '/home/u/lib', null, 'anthropic/claude-sonnet-4-20250514', 15000, 812, 2000, 12000, 0.06];
const AIDER_OPENAI: Row = ['a4', '2026-08-20 11:05:00', 'assistant', '/home/u/lib', null, 'gpt-4o', 15000, 500, 0, 12000, 0.04];
const BAD: Row[] = [
  ['b1', 'yesterday', 'assistant', '/p', null, 'm', 1, 1, 0, 0, 0.1],
  ['b2', '2026-08-20 10:00:00', 'user', '/p', null, 'm', 1, 1, 0, 0, 0.1],
  ['b3', '2026-08-20 10:00:00', 'assistant', '/p', null, 'm', -5, 1, 0, 0, 0.1],
  ['b4', '2026-08-20 10:00:00', 'tool', '/p', null, 'm', 'lots', 1, 0, 0, 0.1],
];
const EMPTY: Row = ['e1', '2026-08-20 10:00:00', 'assistant', '/p', null, 'm', null, null, null, null, null];

const byKey = (rs: UsageRecord[]) => Object.fromEntries(rs.map((r) => [r.dedupeKey, r]));

describe('AiderDesk importer', () => {
  let dir: string;
  let db: string;
  beforeEach(async () => {
    dir = await tempDir();
    db = path.join(dir, 'aider-desk.db');
  });

  it('maps agent, tool and aider-mode rows, keeps reported cost, skips bad rows', async () => {
    writeRows(db, [AGENT, TOOL, AIDER, AIDER_OPENAI, ...BAD, EMPTY]);
    const r = await aiderDeskImporter.readFile(db, undefined);
    assert.equal(r.skipped, 4);
    assert.equal(r.records.length, 4);
    const k = byKey(r.records);
    assert.deepEqual(k.a1, {
      source: 'aider-desk', dedupeKey: 'a1', ts: Date.UTC(2026, 7, 20, 10, 0, 5), project: '/home/u/app',
      modelRaw: 'claude-sonnet-4-5-20250929', sessionId: 't1', inputTokens: 1234, outputTokens: 455, cacheReadTokens: 18000,
      cacheWriteTokens: 2048, cacheWrite1hTokens: 0, reasoningTokens: 0, reportedCost: 0.0213417,
    });
    assert.equal(k.a2.modelRaw, 'anthropic/claude-3.5-sonnet', 'only the profile prefix is stripped');
    assert.equal(k.a2.approximate, undefined);
    assert.equal(k.a2.reportedCost, 0.004102);
    // Aider's "sent" includes the cache writes: uncached input = 15000 - 2000.
    assert.deepEqual([k.a3.inputTokens, k.a3.cacheWriteTokens, k.a3.cacheReadTokens, k.a3.outputTokens, k.a3.approximate, k.a3.modelRaw],
      [13000, 2000, 12000, 812, true, 'anthropic/claude-sonnet-4-20250514']);
    assert.equal(k.a3.sessionId, '');
    // OpenAI-style prompt_tokens include the cache hits.
    assert.deepEqual([k.a4.inputTokens, k.a4.cacheReadTokens, k.a4.approximate], [3000, 12000, true]);
  });

  it('tells aider-parsed rows from exact ones', () => {
    assert.equal(isAiderParsed('assistant', [15000, 812, 2000, 12000], 0.06), true);
    assert.equal(isAiderParsed('assistant', [2500, 812, 0, 0], 0.0042), true);
    assert.equal(isAiderParsed('assistant', [15234, 812, 0, 0], 0.06), false, 'exact count');
    assert.equal(isAiderParsed('assistant', [15000, 812, 0, 0], 0.0579123), false, 'computed cost');
    assert.equal(isAiderParsed('tool', [15000, 812, 0, 0], 0.06), false, 'tool rows come from the agent');
    assert.equal(isAiderParsed('assistant', [900, 12, 0, 0], 0.01), false, 'nothing was rounded');
    assert.equal(parseSqliteUtc('2026-08-20 10:00:05'), Date.UTC(2026, 7, 20, 10, 0, 5));
    assert.equal(parseSqliteUtc('2026-08-20T10:00:05.500+02:00'), Date.UTC(2026, 7, 20, 8, 0, 5, 500));
    assert.equal(parseSqliteUtc('20/08/2026'), undefined);
  });

  it('re-reads a database that changed in place (rows in the WAL) without new keys for old rows', async () => {
    writeRows(db, [AGENT, AIDER], { wal: true, keepWal: true });
    const first = await aiderDeskImporter.readFile(db, undefined);
    assert.deepEqual(first.records.map((r) => r.dedupeKey).sort(), ['a1', 'a3']);
    const same = await aiderDeskImporter.readFile(db, first.cursor);
    assert.equal(same.bytesRead, 0);
    assert.deepEqual(same.records, []);
    writeRows(db, [TOOL, BAD[0]], { wal: true, keepWal: true });
    const second = await aiderDeskImporter.readFile(db, same.cursor);
    assert.equal(second.reread, false);
    assert.deepEqual(second.records.map((r) => r.dedupeKey), ['a2'], 'only the rows inserted since');
    assert.equal(second.skipped, 1);
    // A deleted row (or VACUUM renumbering rowids) makes the next read start over, with the same keys.
    execFileSync('python3', ['-c', `import sqlite3, sys, os
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("DELETE FROM messages WHERE id = 'a3'")
os._exit(0)`, db]);
    const third = await aiderDeskImporter.readFile(db, second.cursor);
    assert.equal(third.reread, true);
    assert.deepEqual(third.records.map((r) => r.dedupeKey).sort(), ['a1', 'a2']);
    assert.deepEqual(byKey(third.records).a1, byKey(first.records).a1, 'identical record, so the store keeps one');
  });

  it('reads the old schema without task_id', async () => {
    execFileSync('python3', ['-c', `import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute('CREATE TABLE messages (id TEXT PRIMARY KEY, timestamp DATETIME DEFAULT CURRENT_TIMESTAMP, type TEXT NOT NULL, project TEXT NOT NULL, model TEXT NOT NULL, input_tokens INTEGER, output_tokens INTEGER, cache_write_tokens INTEGER, cache_read_tokens INTEGER, cost REAL, message_content_json TEXT)')
c.execute("INSERT INTO messages (id, type, project, model, input_tokens, output_tokens, cost) VALUES ('o1', 'assistant', '/x', 'p/gpt-4.1', 100, 20, 0.001)")
c.commit(); c.close()`, db]);
    const r = await aiderDeskImporter.readFile(db, undefined);
    assert.equal(r.records.length, 1);
    assert.equal(r.records[0].modelRaw, 'gpt-4.1');
    assert.equal(r.records[0].sessionId, '');
    assert.ok(Math.abs(r.records[0].ts - Date.now()) < 60_000, 'CURRENT_TIMESTAMP is UTC');
  });

  it('reports a corrupt database as an error for that file', async () => {
    await fs.writeFile(db, Buffer.alloc(8192, 7));
    await assert.rejects(aiderDeskImporter.readFile(db, undefined), /cannot read SQLite database/);
  });

  it('lists the standard locations per OS and finds the database', async () => {
    const ctx = (platform: NodeJS.Platform, home: string, env: Record<string, string> = {}): SourceContext =>
      ({ home, env, platform, extraPaths: { 'aider-desk': ['/extra/aider-desk.db'] } });
    const linux = aiderDeskImporter.roots(ctx('linux', '/home/u', { AIDER_DESK_DATA_DIR: '/data/ad' }));
    assert.deepEqual(linux, ['/data/ad', '/home/u/.config/aider-desk', '/home/u/.config/aider-desk-dev', '/home/u/.local/share/aider-desk-nodejs', '/extra/aider-desk.db']);
    assert.equal(aiderDeskImporter.roots(ctx('darwin', '/Users/u'))[0], '/Users/u/Library/Application Support/aider-desk');
    assert.equal(aiderDeskImporter.roots(ctx('win32', 'C:\\Users\\u', { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }))[0], 'C:\\Users\\u\\AppData\\Roaming\\aider-desk');
    writeRows(db, [AGENT, AIDER]);
    const c = ctx('linux', path.join(dir, 'nohome'), { AIDER_DESK_DATA_DIR: dir });
    assert.deepEqual(await aiderDeskImporter.listFiles(aiderDeskImporter.roots(c), c), [db]);
    assert.deepEqual([...(await aiderDeskProjects(c))].sort(), ['/home/u/app', '/home/u/lib']);
  });
});
