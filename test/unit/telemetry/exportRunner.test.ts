// The OpenTelemetry export as the engine worker runs it: after this window's changes, one window
// at a time (a second one leaves it to the first, and takes over when it goes, counting nothing
// twice), failures in plain words; against a real OTLP/HTTP receiver and the real store.
import { strict as assert } from 'node:assert';
import { StoreChangeFeed } from '../../../src/core/store/changeFeed';
import { UsageStore } from '../../../src/core/store/usageStore';
import { ExportRunner, type OtlpConfig } from '../../../src/core/telemetry/exportRunner';
import type { OtlpState } from '../../../src/core/team/teamTypes';
import { OtlpReceiver, type ReceivedPoint } from '../../support/otlpReceiver';
import { rec } from '../../support/records';
import { tempDir } from '../../support/tempDir';

const FAST = { startDelayMs: 20, debounceMs: 20, safetyNetMs: 3_600_000, backoffBaseMs: 60_000 };

function runner(source: StoreChangeFeed, dir: string, env: NodeJS.ProcessEnv = {}) {
  const states: OtlpState[] = [];
  const r = new ExportRunner({ source, dir, timing: FAST, env, onState: (s) => states.push(s) });
  const until = async (test: (s: OtlpState) => boolean, what: string) => {
    for (let i = 0; i < 400; i++) {
      const s = states.at(-1);
      if (s && test(s)) return s;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(states.at(-1))}`);
  };
  return { r, states, until };
}

const costOf = (pts: ReceivedPoint[]) => Math.round(pts.reduce((a, p) => a + p.value, 0) * 1e9) / 1e9;

describe('OpenTelemetry export in the engine worker (real receiver, real store)', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  const runners: ExportRunner[] = [];
  beforeEach(async () => (receiver = await OtlpReceiver.start()));
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.dispose()));
    await receiver.stop();
  });

  const config = (over: Partial<OtlpConfig> = {}): OtlpConfig => ({
    endpoint: receiver.url,
    headers: { authorization: 'Bearer tok-123456' },
    protocol: 'http/protobuf',
    temporality: 'cumulative',
    names: 'semconv',
    user: 'alice@example.com',
    machine: 'laptop',
    projects: 'path',
    ...over,
  });

  it('exports what this window stores, with the headers set; a second window leaves it to the first and takes over when it goes, counting nothing twice', async () => {
    const dir = await tempDir();
    const store = await UsageStore.inMemory();
    const feed = new StoreChangeFeed(store);
    const a = runner(feed, dir);
    const b = runner(feed, dir);
    runners.push(a.r, b.r);
    await a.r.configure(config());
    await a.until((s) => s.lastExport !== null, 'the first (empty) export');
    const t = Date.now();
    const first = Array.from({ length: 30 }, (_, i) => rec({ dedupeKey: `n${i}`, ts: t + i * 1000, cost: 0.01 * (i + 1) }));
    await store.write({ rows: first });
    a.r.dataChanged(true);
    const done = await a.until((s) => s.lastRows === 30, 'the export of 30 requests');
    assert.deepEqual([done.enabled, done.endpoint, done.lastError, done.otherWindow], [true, `${receiver.url}/v1/metrics`, null, false]);
    assert.equal(receiver.requests.at(-1)!.headers.authorization, 'Bearer tok-123456');
    assert.equal(costOf(receiver.latest('ai_usage.cost.usage')), costOf(first.map((r) => ({ value: r.cost }) as ReceivedPoint)));

    await b.r.configure(config());
    const other = await b.until((s) => s.otherWindow, 'the second window standing back');
    assert.equal(other.lastExport, null);
    const sent = receiver.requests.length;
    await b.r.exportNow();
    assert.equal(receiver.requests.length, sent, 'the second window sends nothing while the first exports');

    // The first window closes; the second takes over from the saved cursor and ledger.
    await a.r.dispose();
    const more = Array.from({ length: 5 }, (_, i) => rec({ dedupeKey: `m${i}`, ts: t + 60_000 + i * 1000, cost: 1 }));
    await store.write({ rows: more });
    const took = await b.r.exportNow();
    assert.deepEqual([took.otherWindow, took.lastRows, took.lastError], [false, 5, null]);
    // A new process: its cumulative totals start again, with only what is new since the first one's last push.
    assert.equal(costOf(receiver.latest('ai_usage.cost.usage')), 5);
  });

  it('compatibility names with Claude Code’s own telemetry on: the state carries the double-count warning', async () => {
    const dir = await tempDir();
    const store = await UsageStore.inMemory();
    const r = runner(new StoreChangeFeed(store), dir, { CLAUDE_CODE_ENABLE_TELEMETRY: '1' });
    runners.push(r.r);
    await r.r.configure(config({ names: 'claude-code' }));
    const s = await r.until((x) => x.lastExport !== null, 'an export');
    assert.match(s.doubleCountWarning ?? '', /Claude Code's own OpenTelemetry export is on \(the environment variable CLAUDE_CODE_ENABLE_TELEMETRY\)/);
  });

  it('a receiver that refuses: the error in plain words without the header values, retried later, not at once', async () => {
    const dir = await tempDir();
    const store = await UsageStore.inMemory();
    await store.write({ rows: [rec({ dedupeKey: 'x', ts: Date.now() + 1000 })] });
    receiver.failNext = 100;
    const r = runner(new StoreChangeFeed(store), dir);
    runners.push(r.r);
    await r.r.configure(config({ endpoint: receiver.url.replace('http://', 'http://user:pw-secret@') }));
    const s = await r.until((x) => x.lastError !== null, 'the failure');
    assert.match(s.lastError!, /^the OTLP export failed: /);
    assert.ok(s.nextAttempt! - s.errorAt! >= 60_000, 'backed off');
    assert.ok(!JSON.stringify(r.states).includes('pw-secret') && !JSON.stringify(r.states).includes('tok-123456'), 'no credential in any state');
    assert.equal(s.endpoint, `${receiver.url}/v1/metrics`, 'the endpoint shown without its user part');
  });

  it('an endpoint that is not a URL: said once, not retried', async () => {
    const r = runner(new StoreChangeFeed(await UsageStore.inMemory()), await tempDir());
    runners.push(r.r);
    await r.r.configure(config({ endpoint: 'localhost 4318' }));
    const s = await r.until((x) => x.lastError !== null, 'the failure');
    assert.match(s.lastError!, /the OTLP endpoint "localhost 4318" is not a URL/);
    assert.equal(s.nextAttempt, null);
  });
});
