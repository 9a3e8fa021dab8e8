import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SyncRow } from '../../../src/core/team/changeSource';
import { claudeCodeTelemetryOn } from '../../../src/core/telemetry/claudeCodeTelemetry';
import { providerOf } from '../../../src/core/telemetry/instruments';
import { jsonFileState, metricsUrl, UsageMetricsExporter, type OtlpOptions } from '../../../src/core/telemetry/otlpExport';
import { generateRows, InMemoryChangeLog } from '../../support/changeLog';
import { OtlpReceiver, type ReceivedPoint } from '../../support/otlpReceiver';
import { tempDir } from '../../support/tempDir';

const NOW = Date.UTC(2026, 10, 20, 12);
const SINCE = NOW - 3 * 86_400_000;

const sum = (pts: ReceivedPoint[], where: (p: ReceivedPoint) => boolean = () => true) => pts.filter(where).reduce((a, p) => a + p.value, 0);
const round = (x: number) => Math.round(x * 1e9) / 1e9;

describe('OpenTelemetry export (real OTLP/HTTP receiver)', function () {
  this.timeout(60_000);
  let receiver: OtlpReceiver;
  let dir: string;
  const exporters: UsageMetricsExporter[] = [];
  beforeEach(async () => {
    receiver = await OtlpReceiver.start();
    dir = await tempDir();
  });
  afterEach(async () => {
    await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
    await receiver.stop();
  });

  /** An exporter whose state file existed since SINCE (so rows after it are "new usage"). */
  async function exporter(over: Partial<OtlpOptions> = {}): Promise<UsageMetricsExporter> {
    const state = jsonFileState(path.join(dir, 'otlp-state.json'));
    if (!(await state.load())) await state.save({ epoch: 'machine-epoch-1', cursor: null, since: SINCE, exported: {} });
    const e = new UsageMetricsExporter({ endpoint: receiver.url, identity: { user: 'alice@example.com', machine: 'laptop', projects: 'path' }, state, now: () => NOW, env: {}, ...over });
    exporters.push(e);
    return e;
  }

  it('exports new usage as gen_ai.client.token.usage and ai_usage.cost.usage, OTLP protobuf, cumulative, with the GenAI attributes', async () => {
    const log = new InMemoryChangeLog();
    const old = generateRows(50, { prefix: 'old', start: SINCE - 86_400_000, stepMs: 60_000 });
    const rows = generateRows(400, { prefix: 'new', start: SINCE + 60_000, stepMs: 5 * 60_000, projects: ['/home/alice/app'] });
    log.upsert([...old, ...rows]);
    const e = await exporter();
    const r = await e.exportChanges(log, 150);
    assert.deepEqual([r.rows, r.exported, r.skipped, r.warnings], [450, 400, 50, []]);
    assert.ok(receiver.requests.every((q) => q.contentType === 'application/x-protobuf'));
    const tokens = receiver.latest('gen_ai.client.token.usage');
    assert.ok(tokens.length > 0);
    for (const p of tokens) {
      assert.equal(p.kind, 'histogram');
      assert.equal(p.unit, '{token}');
      assert.equal(p.temporality, 2, 'cumulative');
      assert.equal(p.attributes['gen_ai.operation.name'], 'chat');
      assert.equal(p.attributes['gen_ai.provider.name'], providerOf(p.attributes['gen_ai.request.model']));
      assert.equal(p.attributes['ai_usage.user'], 'alice@example.com');
      assert.equal(p.attributes['ai_usage.machine'], 'laptop');
      assert.equal(p.attributes['ai_usage.project'], '/home/alice/app');
      assert.equal(p.resource['service.name'], 'ai-usage-dashboard');
    }
    const input = rows.reduce((a, x) => a + x.inputTokens + x.cacheReadTokens + x.cacheWriteTokens, 0);
    const output = rows.reduce((a, x) => a + x.outputTokens, 0);
    assert.equal(sum(tokens, (p) => p.attributes['gen_ai.token.type'] === 'input'), input);
    assert.equal(sum(tokens, (p) => p.attributes['gen_ai.token.type'] === 'output'), output);
    assert.equal(tokens.filter((p) => p.attributes['gen_ai.token.type'] === 'output').reduce((a, p) => a + (p.count ?? 0), 0), 400, 'one observation per request');
    const claude = tokens.filter((p) => p.attributes['gen_ai.request.model'] === 'claude-sonnet-4-5');
    assert.ok(claude.length && claude.every((p) => p.attributes['gen_ai.provider.name'] === 'anthropic'));
    const cost = receiver.latest('ai_usage.cost.usage');
    assert.ok(cost.every((p) => p.kind === 'sum' && p.monotonic && p.unit === 'USD' && p.temporality === 2 && p.attributes['ai_usage.source']));
    assert.equal(round(sum(cost)), round(rows.reduce((a, x) => a + x.cost, 0)));
    assert.deepEqual(
      [...new Set(cost.map((p) => p.attributes['ai_usage.source']))].sort(),
      ['claude-code', 'cline', 'codex', 'gemini-cli'],
    );
  });

  it('counts nothing twice: repeated batches, a more complete copy, a new local epoch, a restarted exporter', async () => {
    const log = new InMemoryChangeLog();
    const rows = generateRows(100, { prefix: 'n', start: SINCE + 1000 });
    log.upsert(rows);
    const e = await exporter();
    await e.exportChanges(log);
    const outputOf = () => sum(receiver.latest('gen_ai.client.token.usage'), (p) => p.attributes['gen_ai.token.type'] === 'output');
    const total = rows.reduce((a, x) => a + x.outputTokens, 0);
    assert.equal(outputOf(), total);
    assert.equal((await e.exportChanges(log)).rows, 0, 'nothing new');
    log.upsert([{ ...rows[0], outputTokens: rows[0].outputTokens + 500 }]); // a streamed copy, more complete
    log.upsert([rows[1]]); // the same copy again
    const r = await e.exportChanges(log);
    assert.deepEqual([r.rows, r.exported], [2, 1]);
    assert.equal(outputOf(), total + 500);
    log.reset();
    log.upsert(rows); // a re-import after Reset Data sends every row again
    assert.equal((await e.exportChanges(log)).exported, 0);
    await e.pushNow();
    assert.equal(outputOf(), total + 500);
    // A new process: its counters start at 0 and must stay there for usage already exported.
    const again = await exporter();
    log.upsert(rows.slice(0, 10));
    const r2 = await again.exportChanges(log);
    assert.deepEqual([r2.rows, r2.exported], [10, 0]);
  });

  it('a failed push keeps the cursor and goes out with the next one, exactly once', async () => {
    const log = new InMemoryChangeLog();
    const rows = generateRows(60, { prefix: 'f', start: SINCE + 1000 });
    log.upsert(rows.slice(0, 30));
    const e = await exporter();
    await e.exportChanges(log);
    log.upsert(rows.slice(30));
    receiver.failNext = 1;
    await assert.rejects(e.exportChanges(log));
    assert.equal((await jsonFileState(path.join(dir, 'otlp-state.json')).load())?.cursor, '30', 'not acknowledged');
    const r = await e.exportChanges(log);
    assert.deepEqual([r.rows, r.exported], [30, 0], 'already in the totals');
    const cost = receiver.latest('ai_usage.cost.usage');
    assert.equal(round(sum(cost)), round(rows.reduce((a, x) => a + x.cost, 0)));
    assert.equal((await jsonFileState(path.join(dir, 'otlp-state.json')).load())?.cursor, '60');
  });

  it('compatibility mode emits Claude Code’s names (OTLP JSON, delta) and warns when Claude Code exports too', async () => {
    const log = new InMemoryChangeLog();
    const rows: SyncRow[] = generateRows(40, { prefix: 'c', start: SINCE + 1000 });
    log.upsert(rows);
    const settingsDir = path.join(dir, 'claude');
    await fs.mkdir(settingsDir);
    await fs.writeFile(path.join(settingsDir, 'settings.json'), JSON.stringify({ env: { CLAUDE_CODE_ENABLE_TELEMETRY: '1', OTEL_METRICS_EXPORTER: 'otlp' } }));
    const e = await exporter({ names: 'claude-code', protocol: 'http/json', temporality: 'delta', headers: { Authorization: 'Bearer t0ken' }, env: { CLAUDE_CONFIG_DIR: settingsDir } });
    const r = await e.exportChanges(log);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /Claude Code's own OpenTelemetry export is on \(.*settings\.json\).*counted twice/);
    const q = receiver.requests[receiver.requests.length - 1];
    assert.match(q.contentType, /application\/json/);
    assert.equal(q.headers.authorization, 'Bearer t0ken');
    assert.deepEqual([...new Set(q.points.map((p) => p.metric))].sort(), ['claude_code.cost.usage', 'claude_code.token.usage']);
    const tokens = receiver.latest('claude_code.token.usage');
    assert.ok(tokens.every((p) => p.temporality === 1 && p.unit === 'tokens' && p.attributes.model && p.attributes['user.email'] === 'alice@example.com'));
    const byType = (t: string) => sum(tokens, (p) => p.attributes.type === t);
    assert.equal(byType('input'), rows.reduce((a, x) => a + x.inputTokens, 0));
    assert.equal(byType('output'), rows.reduce((a, x) => a + x.outputTokens, 0));
    assert.equal(byType('cacheRead'), rows.reduce((a, x) => a + x.cacheReadTokens, 0));
    assert.equal(byType('cacheCreation'), rows.reduce((a, x) => a + x.cacheWriteTokens, 0));
    assert.equal(round(sum(receiver.latest('claude_code.cost.usage'))), round(rows.reduce((a, x) => a + x.cost, 0)));
  });

  it('finds Claude Code’s native telemetry in the environment or a settings file, and only there', async () => {
    const home = await tempDir();
    assert.equal(await claudeCodeTelemetryOn({}, home, 'linux').then((w) => w?.startsWith('/etc/') ?? false), false);
    assert.equal(await claudeCodeTelemetryOn({ CLAUDE_CODE_ENABLE_TELEMETRY: '1' }, home, 'linux'), 'the environment variable CLAUDE_CODE_ENABLE_TELEMETRY');
    await fs.mkdir(path.join(home, '.claude'));
    await fs.writeFile(path.join(home, '.claude', 'settings.json'), '{ "env": { "CLAUDE_CODE_ENABLE_TELEMETRY": "0" } }');
    assert.equal(await claudeCodeTelemetryOn({}, home, 'linux'), undefined);
    await fs.writeFile(path.join(home, '.claude', 'settings.json'), '{ broken');
    assert.equal(await claudeCodeTelemetryOn({}, home, 'linux'), undefined);
    await fs.writeFile(path.join(home, '.claude', 'settings.json'), '{ "env": { "CLAUDE_CODE_ENABLE_TELEMETRY": "true" } }');
    assert.equal(await claudeCodeTelemetryOn({}, home, 'linux'), path.join(home, '.claude', 'settings.json'));
  });

  it('checks the endpoint: http(s) only, /v1/metrics appended to a base URL', () => {
    assert.equal(metricsUrl('http://localhost:4318'), 'http://localhost:4318/v1/metrics');
    assert.equal(metricsUrl('https://otlp.example.com/otlp/'), 'https://otlp.example.com/otlp/v1/metrics');
    assert.equal(metricsUrl('http://c:4318/v1/metrics'), 'http://c:4318/v1/metrics');
    assert.throws(() => metricsUrl('localhost:4318'), /must be http:\/\/ or https:\/\//);
    assert.throws(() => metricsUrl('not a url'), /is not a URL/);
    assert.throws(() => new UsageMetricsExporter({ endpoint: 'grpc://c:4317', identity: { user: 'u', machine: 'm', projects: 'path' }, state: jsonFileState('/dev/null') }), /OTLP\/HTTP/);
  });
});
