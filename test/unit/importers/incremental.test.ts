import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readJsonlIncrement, type JsonlParser } from '../../../src/core/importers/incremental';
import type { UsageRecord } from '../../../src/core/model';
import { tempDir } from '../../support/tempDir';

// A parser that turns {"n":N} lines into one record each, and counts lines in its state.
interface CountState { lines: number }
const parser: JsonlParser<CountState> = {
  initialState: () => ({ lines: 0 }),
  line(state, text) {
    let obj: { n?: unknown };
    try { obj = JSON.parse(text); } catch { return 'skip'; }
    if (typeof obj.n !== 'number') return 'skip';
    state.lines++;
    return [{ source: 'api', dedupeKey: String(obj.n), ts: obj.n, project: '', modelRaw: 'm', sessionId: '', inputTokens: obj.n,
      outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, reasoningTokens: 0 } satisfies UsageRecord];
  },
};
const keys = (r: { records: UsageRecord[] }) => r.records.map((x) => x.dedupeKey);

describe('incremental JSONL reading', () => {
  let dir: string;
  beforeEach(async () => { dir = await tempDir(); });

  it('reads only appended lines and keeps parser state', async () => {
    const f = path.join(dir, 'a.jsonl');
    await fs.writeFile(f, '{"n":1}\n{"n":2}\n');
    const first = await readJsonlIncrement(f, undefined, parser);
    assert.deepEqual(keys(first), ['1', '2']);
    await fs.appendFile(f, '{"n":3}\n');
    const second = await readJsonlIncrement(f, first.cursor, parser);
    assert.deepEqual(keys(second), ['3']);
    assert.equal((second.cursor.state as CountState).lines, 3);
    assert.equal(second.bytesRead, 8);
  });

  it('does not open an unchanged file', async () => {
    const f = path.join(dir, 'a.jsonl');
    await fs.writeFile(f, '{"n":1}\n');
    const first = await readJsonlIncrement(f, undefined, parser);
    const again = await readJsonlIncrement(f, first.cursor, parser);
    assert.equal(again.bytesRead, 0);
    assert.deepEqual(keys(again), []);
  });

  it('counts malformed lines and carries on', async () => {
    const f = path.join(dir, 'a.jsonl');
    await fs.writeFile(f, '{"n":1}\n{"n":\nnot json\n{"n":4}\n');
    const r = await readJsonlIncrement(f, undefined, parser);
    assert.deepEqual(keys(r), ['1', '4']);
    assert.equal(r.skipped, 2);
  });

  it('keeps a half-written last line for the next import', async () => {
    const f = path.join(dir, 'a.jsonl');
    await fs.writeFile(f, '{"n":1}\n{"n":');
    const first = await readJsonlIncrement(f, undefined, parser);
    assert.deepEqual(keys(first), ['1']);
    assert.equal(first.skipped, 0);
    assert.equal(first.cursor.offset, 8);
    await fs.appendFile(f, '2}\n');
    const second = await readJsonlIncrement(f, first.cursor, parser);
    assert.deepEqual(keys(second), ['2']);
  });

  it('uses a complete last line without a newline but reads it again later', async () => {
    const f = path.join(dir, 'a.jsonl');
    await fs.writeFile(f, '{"n":1}\n{"n":2}');
    const first = await readJsonlIncrement(f, undefined, parser);
    assert.deepEqual(keys(first), ['1', '2']);
    assert.equal((first.cursor.state as CountState).lines, 1, 'state stops before the unterminated line');
    await fs.appendFile(f, '\n{"n":3}\n');
    const second = await readJsonlIncrement(f, first.cursor, parser);
    assert.deepEqual(keys(second), ['2', '3']);
  });

  it('re-reads a truncated or rewritten file from the start', async () => {
    const f = path.join(dir, 'a.jsonl');
    await fs.writeFile(f, '{"n":1}\n{"n":2}\n');
    const first = await readJsonlIncrement(f, undefined, parser);
    await fs.writeFile(f, '{"n":5}\n');
    const shrunk = await readJsonlIncrement(f, first.cursor, parser);
    assert.equal(shrunk.reread, true);
    assert.deepEqual(keys(shrunk), ['5']);
    await fs.writeFile(f, '{"n":7}\n{"n":8}\n{"n":9}\n');
    const rewritten = await readJsonlIncrement(f, shrunk.cursor, parser);
    assert.equal(rewritten.reread, true);
    assert.deepEqual(keys(rewritten), ['7', '8', '9']);
  });

  it('handles CRLF line ends and lines longer than a read chunk', async () => {
    const f = path.join(dir, 'a.jsonl');
    const big = JSON.stringify({ n: 6, pad: 'x'.repeat(9 * 1024 * 1024) });
    await fs.writeFile(f, `{"n":1}\r\n${big}\r\n`);
    const r = await readJsonlIncrement(f, undefined, parser);
    assert.deepEqual(keys(r), ['1', '6']);
  });
});

describe('skipping lines by their head', () => {
  it('never decodes a line whose first bytes carry a skip marker', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'a.jsonl');
    const seen: string[] = [];
    const p: JsonlParser<null> = {
      initialState: () => null,
      skipByHead: [Buffer.from('"type":"bulk"')],
      line(_s, text) {
        seen.push(text);
        return [];
      },
    };
    // The marker far into a line (beyond the head) does not skip it.
    await fs.writeFile(f, `{"type":"bulk","x":1}\n{"type":"keep"}\n{"type":"keep","pad":"${'y'.repeat(200)}","t":{"type":"bulk"}}\n`);
    await readJsonlIncrement(f, undefined, p);
    assert.deepEqual(seen.map((t) => JSON.parse(t).type), ['keep', 'keep']);
  });
});
