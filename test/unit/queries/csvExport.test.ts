import { strict as assert } from 'node:assert';
import { CSV_COLUMNS, CSV_HEADER, csvField, csvLine, csvRow, jsonRow, localDateTime } from '../../../src/core/queries/csvExport';
import type { TableRow } from '../../../src/core/queries/types';

const row: TableRow = {
  id: '1',
  ts: Date.UTC(2026, 7, 20, 22, 5, 9),
  project: '/w/app, "new"',
  model: 'claude-sonnet-4-5',
  modelRaw: 'claude-sonnet-4-5-20250929',
  source: 'claude-code',
  sessionId: 's1',
  branch: 'main',
  requests: 1,
  inputTokens: 10,
  outputTokens: 100,
  cacheReadTokens: 1000,
  cacheWriteTokens: 5,
  reasoningTokens: 0,
  tokensSent: 1015,
  tokensReceived: 100,
  cost: 0.1 + 0.2,
  costSource: 'estimated',
  approximate: false,
};

describe('csvExport', () => {
  it('leaves plain fields alone and quotes commas, quotes, line breaks and edge spaces', () => {
    assert.equal(csvField('abc'), 'abc');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(' padded'), '" padded"');
    assert.equal(csvField(''), '');
  });

  it('neutralises formula starts (= + - @ tab CR) with an apostrophe, quoted', () => {
    assert.equal(csvField('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
    assert.equal(csvField('+1'), `"'+1"`);
    assert.equal(csvField('-2+3'), `"'-2+3"`);
    assert.equal(csvField('@SUM(A1)'), `"'@SUM(A1)"`);
    assert.equal(csvField('\t=1'), `"'\t=1"`);
    assert.equal(csvField('a=b'), 'a=b');
  });

  it('writes numbers and booleans as they are', () => {
    assert.equal(csvField(42), '42');
    assert.equal(csvField(0.5), '0.5');
    assert.equal(csvField(Number.NaN), '');
    assert.equal(csvField(true), 'true');
  });

  it('ends every line with CRLF and has a header naming every column', () => {
    assert.equal(csvLine(['a', 1]), 'a,1\r\n');
    assert.equal(CSV_HEADER, `${CSV_COLUMNS.join(',')}\r\n`);
  });

  it('writes a row with UTC and local times, escaped text and a clean cost', () => {
    const line = csvRow(row, 'Europe/Paris');
    assert.equal(
      line,
      '2026-08-20T22:05:09.000Z,2026-08-21 00:05:09,"/w/app, ""new""",claude-sonnet-4-5,claude-sonnet-4-5-20250929,claude-code,s1,10,100,1000,5,0,1015,100,0.3,estimated,false,\r\n',
    );
    assert.equal(line.split(',').length >= CSV_COLUMNS.length, true);
    assert.match(csvRow({ ...row, model: 'gemini-3-pro', pricedAs: 'gemini-3-pro-preview' }, 'UTC'), /,estimated,false,gemini-3-pro-preview\r\n$/, 'a price fallback is named');
    assert.equal(jsonRow({ ...row, pricedAs: 'gemini-3-pro-preview' }).pricedAs, 'gemini-3-pro-preview');
  });

  it('formats local times across a day boundary', () => {
    assert.equal(localDateTime(Date.UTC(2026, 0, 1, 3, 0, 0), 'America/New_York'), '2025-12-31 22:00:00');
  });

  it('gives JSON rows the same values without the formula guard', () => {
    const j = jsonRow({ ...row, project: '=x' });
    assert.equal(j.project, '=x');
    assert.equal(j.costUsd, 0.3);
    assert.equal(j.timestamp, '2026-08-20T22:05:09.000Z');
  });
});
