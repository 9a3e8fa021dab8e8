import { strict as assert } from 'node:assert';
import { ApiRecordError, parseApiRecord } from '../../../src/core/importers/apiRecord';

const NOW = Date.UTC(2026, 7, 20, 12);
const good = { dedupeKey: 'req-1', ts: Date.UTC(2026, 7, 20, 10), model: 'claude-sonnet-4-5', inputTokens: 100, outputTokens: 50 };

function refuses(value: unknown, pattern: RegExp): void {
  assert.throws(
    () => parseApiRecord(value, NOW),
    (e: unknown) => e instanceof ApiRecordError && pattern.test(e.message) && e.message.startsWith('Invalid usage record: '),
  );
}

describe('parseApiRecord', () => {
  it('turns a minimal record into an api usage record with zero optional counts', () => {
    assert.deepEqual(parseApiRecord(good, NOW), {
      source: 'api',
      dedupeKey: 'req-1',
      ts: good.ts,
      project: '',
      modelRaw: 'claude-sonnet-4-5',
      sessionId: '',
      inputTokens: 100,
      outputTokens: 50,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('keeps every optional field, an ISO timestamp and a known cost', () => {
    const r = parseApiRecord(
      { ...good, ts: '2026-08-20T10:00:00.000Z', cacheReadTokens: 7, cacheWriteTokens: 5, cacheWrite1hTokens: 2, reasoningTokens: 10, cost: 0.25, project: '/w/app', sessionId: 's9' },
      NOW,
    );
    assert.equal(r.ts, Date.UTC(2026, 7, 20, 10));
    assert.equal(r.reportedCost, 0.25);
    assert.equal(r.project, '/w/app');
    assert.equal(r.sessionId, 's9');
    assert.deepEqual([r.cacheReadTokens, r.cacheWriteTokens, r.cacheWrite1hTokens, r.reasoningTokens], [7, 5, 2, 10]);
  });

  it('accepts a zero cost (free requests are real)', () => {
    assert.equal(parseApiRecord({ ...good, cost: 0 }, NOW).reportedCost, 0);
  });

  it('refuses non-objects', () => {
    refuses(null, /expected an object/);
    refuses([good], /got an array/);
    refuses('x', /expected an object/);
  });

  it('requires dedupeKey, ts, model and the two main token counts', () => {
    for (const k of ['dedupeKey', 'ts', 'model', 'inputTokens', 'outputTokens'] as const) {
      const { [k]: _omit, ...rest } = good;
      refuses(rest, new RegExp(`"${k}"`));
    }
    refuses({ ...good, dedupeKey: '  ' }, /"dedupeKey" must be a non-empty string/);
    refuses({ ...good, model: '' }, /"model"/);
  });

  it('refuses negative, fractional, non-numeric and absurd token counts', () => {
    refuses({ ...good, inputTokens: -1 }, /"inputTokens" must be a whole number ≥ 0, got -1/);
    refuses({ ...good, outputTokens: 1.5 }, /"outputTokens"/);
    refuses({ ...good, cacheReadTokens: '3' }, /"cacheReadTokens" must be a whole number ≥ 0 \(or left out\), got "3"/);
    refuses({ ...good, reasoningTokens: NaN }, /"reasoningTokens"/);
    refuses({ ...good, inputTokens: 1e15 }, /"inputTokens"/);
  });

  it('refuses parts larger than their whole', () => {
    refuses({ ...good, cacheWriteTokens: 1, cacheWrite1hTokens: 2 }, /cannot exceed/);
    refuses({ ...good, reasoningTokens: 51 }, /"reasoningTokens" is part of "outputTokens"/);
  });

  it('refuses timestamps in seconds, unparseable strings and far-future times', () => {
    refuses({ ...good, ts: Math.floor(good.ts / 1000) }, /not a plausible time/);
    refuses({ ...good, ts: 'yesterday' }, /ISO 8601/);
    refuses({ ...good, ts: '2026-13-45T99:00:00Z' }, /not a valid date/);
    refuses({ ...good, ts: NOW + 30 * 86_400_000 }, /not a plausible time/);
  });

  it('refuses a negative or non-numeric cost', () => {
    refuses({ ...good, cost: -0.01 }, /"cost" must be a number of USD ≥ 0/);
    refuses({ ...good, cost: '0.1' }, /"cost"/);
  });

  it('names unknown fields, so a snake_case typo is not silently ignored', () => {
    refuses({ ...good, input_tokens: 5 }, /unknown field "input_tokens"/);
  });

  it('refuses non-string project and session ids', () => {
    refuses({ ...good, project: 42 }, /"project"/);
    refuses({ ...good, sessionId: {} }, /"sessionId".*got an object/);
  });
});
