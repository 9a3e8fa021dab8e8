import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { UsageRecord } from '../../../src/core/model';
import { UsageStore } from '../../../src/core/store/usageStore';
import { pricerFor } from '../../../src/core/pricing';
import { EngineService, yieldingBetweenFiles, type Pricing } from '../../../src/core/worker/engineService';
import type { EngineConfig, EngineEvent } from '../../../src/core/worker/workerProtocol';
import type { ViewQuery } from '../../../src/core/queries/types';
import { appendWorkspaceRequest, FIXTURE_REQUESTS, writeFixtures, type FixturePaths } from '../../e2e/fixtures/logs';
import { priceDataWith } from '../../support/priceData';
import { tempDir } from '../../support/tempDir';

/** $1 per million tokens of any kind, or the override's input rate; "unknown-*" models unpriced. */
function fakePricer(overrides: Record<string, { input: number; output: number }>): Pricing {
  return {
    fingerprint: JSON.stringify(overrides),
    price(r: UsageRecord) {
      const model = r.modelRaw.replace(/-\d{8}$/, '');
      if (r.reportedCost !== undefined) return { model, cost: r.reportedCost, costSource: 'reported' };
      if (model.startsWith('unknown')) return { model, cost: 0, costSource: 'unpriced' };
      const rate = overrides[model]?.input ?? 1;
      return { model, cost: ((r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens) * rate) / 1e6, costSource: 'estimated' };
    },
  };
}

function configOf(p: FixturePaths, over: Partial<EngineConfig> = {}): EngineConfig {
  return {
    ctx: { home: p.home, env: { CLAUDE_CONFIG_DIR: p.claudeConfigDir, CODEX_HOME: p.codexHome }, platform: 'linux', extraPaths: {}, workspaceFolders: [p.workspace], workspaceTrusted: true },
    disabledSources: [],
    priceOverrides: {},
    ...over,
  };
}

const ALL: ViewQuery = { projects: [], range: { preset: 'all' }, models: [], sources: [], granularity: 'day' };

describe('EngineService', () => {
  let fx: FixturePaths;
  let dbFile: string;
  let events: EngineEvent[];
  const open: EngineService[] = [];

  async function start(over: Partial<Parameters<typeof EngineService.open>[0]> = {}, config?: EngineConfig): Promise<EngineService> {
    const s = await EngineService.open({
      dbFile,
      config: config ?? configOf(fx),
      emit: (e) => events.push(e),
      makePricer: fakePricer,
      ...over,
    });
    open.push(s);
    return s;
  }

  beforeEach(async () => {
    const dir = await tempDir();
    fx = writeFixtures(dir);
    dbFile = path.join(dir, 'storage', 'usage.db');
    events = [];
  });

  afterEach(async () => {
    for (const s of open.splice(0)) await s.dispose();
  });

  it('imports the logs, says so, and has them on disk when the import resolves', async () => {
    const s = await start();
    const r = await s.handle('importNow', { reason: 'test' });
    assert.equal(r.newRows, FIXTURE_REQUESTS.workspace + FIXTURE_REQUESTS.other);
    assert.deepEqual(
      events.filter((e) => e.type === 'importState').map((e) => (e as { importing: boolean }).importing),
      [true, false],
    );
    const changed = events.find((e) => e.type === 'dataChanged');
    assert.ok(changed && changed.type === 'dataChanged' && changed.lastImport !== null);
    const reader = await UsageStore.open(dbFile);
    assert.equal(reader.rowCount(), FIXTURE_REQUESTS.workspace + FIXTURE_REQUESTS.other, 'another process sees every row at once');
    await reader.close();

    const init = await s.handle('initData', { workspaceFolders: [fx.workspace] });
    assert.equal(init.workspaceHasUsage, true);
    assert.equal(init.options.projects.length, 2);
    const ws = await s.handle('dashboard', { view: { ...ALL, projects: [fx.workspace] }, timeZone: 'UTC', now: Date.now() });
    assert.equal(ws.totals.messages, FIXTURE_REQUESTS.workspace);
    const page = await s.handle('page', { view: ALL, sort: { column: 'ts', dir: 'desc' }, offset: 0, limit: 2, timeZone: 'UTC', now: Date.now() });
    assert.equal(page.rows.length, 2);
    assert.equal(page.total, 6);
    const badge = await s.handle('badge', { period: 'today', projects: [fx.workspace], timeZone: 'UTC', now: Date.now() });
    assert.equal(badge.current.messages, FIXTURE_REQUESTS.workspace);
  });

  it('a second import finds nothing new, and an appended request only', async () => {
    const s = await start();
    await s.handle('importNow', { reason: 'first' });
    assert.equal((await s.handle('importNow', { reason: 'again' })).newRows, 0);
    appendWorkspaceRequest(fx, 9);
    assert.equal((await s.handle('importNow', { reason: 'append' })).newRows, 1);
  });

  it("reads only the files the watcher saw change, and keeps each source's file count", async () => {
    const s = await start();
    await s.handle('importNow', { reason: 'first' });
    const filesBefore = (await s.handle('sources', {})).find((x) => x.source === 'claude-code')!.files;
    appendWorkspaceRequest(fx, 9);
    const r = await s.handle('importNow', { reason: 'file changed', files: [fx.claudeSession] });
    assert.equal(r.newRows, 1);
    assert.equal(r.filesRead, 1);
    assert.equal((await s.handle('sources', {})).find((x) => x.source === 'claude-code')!.files, filesBefore, 'a partial import does not recount the files');
    // A changed file no source claims: everything is scanned (nothing new there).
    assert.equal((await s.handle('importNow', { reason: 'file changed', files: ['/elsewhere/x.jsonl'] })).newRows, 0);
  });

  it('folds import requests made while one is queued into one run', async () => {
    const s = await start();
    const [a, b, c] = await Promise.all([s.handle('importNow', { reason: '1' }), s.handle('importNow', { reason: '2' }), s.handle('importNow', { reason: '3' })]);
    assert.equal(a, b);
    assert.equal(b, c);
    assert.equal(events.filter((e) => e.type === 'importState' && e.importing).length, 1);
  });

  it('records API usage priced like the rest, once per dedupe key', async () => {
    const s = await start();
    const rec: UsageRecord = { source: 'api', dedupeKey: 'k', ts: Date.now(), project: '/p', modelRaw: 'gpt-5', sessionId: '', inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0, reasoningTokens: 0 };
    assert.equal((await s.handle('recordUsage', { records: [rec] })).changed, 1);
    assert.equal((await s.handle('recordUsage', { records: [rec] })).changed, 0);
    const d = await s.handle('dashboard', { view: ALL, timeZone: 'UTC', now: Date.now() });
    assert.equal(d.totals.cost, 1);
    assert.ok(events.some((e) => e.type === 'dataChanged' && /API/.test(e.reason)));
  });

  it('re-prices everything when the price overrides change, and only then', async () => {
    const s = await start();
    await s.handle('importNow', { reason: 'x' });
    const before = (await s.handle('dashboard', { view: ALL, timeZone: 'UTC', now: Date.now() })).totals.cost;
    assert.deepEqual(await s.handle('configure', configOf(fx)), { repriced: null });
    const r = await s.handle('configure', configOf(fx, { priceOverrides: { 'claude-sonnet-4-5': { input: 2, output: 2 } } }));
    assert.ok(r.repriced && r.repriced > 0);
    const after = (await s.handle('dashboard', { view: ALL, timeZone: 'UTC', now: Date.now() })).totals.cost;
    assert.ok(after > before);
  });

  it('re-prices with a stored price table (Update Prices), writing only the rows whose price changed', async () => {
    const s = await start({ makePricer: (o, f) => pricerFor(o, f).pricer });
    await s.handle('importNow', { reason: 'x' });
    const before = await s.handle('dashboard', { view: ALL, timeZone: 'UTC', now: Date.now() });
    // A newer table in which only gpt-5-codex costs more.
    const data = await priceDataWith('openai', { id: 'gpt-5-codex', match: { starts_with: 'gpt-5-codex' }, prices: { input_mtok: 9, output_mtok: 90 } });
    const priceTableFile = path.join(path.dirname(dbFile), 'prices', 'genai-prices-data.json');
    await fs.mkdir(path.dirname(priceTableFile), { recursive: true });
    await fs.writeFile(priceTableFile, JSON.stringify(data));

    const codexRows = before.models.find((m) => m.key === 'gpt-5-codex')!.messages;
    assert.ok(codexRows > 0);
    assert.deepEqual(await s.handle('configure', configOf(fx, { priceTableFile })), { repriced: codexRows });
    assert.deepEqual(await s.handle('configure', configOf(fx, { priceTableFile })), { repriced: null }, 'same table: nothing to do');
    const after = await s.handle('dashboard', { view: ALL, timeZone: 'UTC', now: Date.now() });
    for (const m of after.models) {
      const old = before.models.find((x) => x.key === m.key)!;
      if (m.key === 'gpt-5-codex') assert.ok(m.cost > old.cost);
      else assert.equal(m.cost, old.cost, m.key);
    }
    // A damaged stored table: the bundled prices again, and the host is told.
    await fs.writeFile(priceTableFile, '[{"id":');
    const warned: string[] = [];
    const { pricer, warning } = pricerFor({}, priceTableFile);
    if (warning) warned.push(warning);
    assert.match(warned[0] ?? '', /stored price table .* is unusable/);
    assert.equal(pricer.fingerprint, pricerFor({}).pricer.fingerprint);
    assert.deepEqual(await s.handle('configure', configOf(fx, { priceTableFile })), { repriced: codexRows });
  });

  it('re-prices on open when the stored prices are stale', async () => {
    const a = await start();
    await a.handle('importNow', { reason: 'x' });
    await a.handle('flush', {});
    await a.dispose();
    open.length = 0;
    events = [];
    const b = await start({}, configOf(fx, { priceOverrides: { 'gpt-5-codex': { input: 5, output: 5 } } }));
    assert.ok(events.some((e) => e.type === 'log' && /Re-priced/.test(e.message)));
    assert.ok(events.some((e) => e.type === 'dataChanged'));
    await b.handle('flush', {});
  });

  it('takes in rows another window stored and says the data changed', async () => {
    const a = await start({ refreshIntervalMs: 30 });
    await a.handle('flush', {});
    const other = await start();
    await other.handle('importNow', { reason: 'other window' });
    await other.handle('flush', {});
    events = [];
    await new Promise((res) => setTimeout(res, 200));
    assert.ok(events.some((e) => e.type === 'dataChanged' && /another window/.test(e.reason)), JSON.stringify(events));
    assert.equal((await a.handle('info', {})).rows, 6);
  });

  it('exports every row of the view, in pages, as CSV or JSON', async () => {
    const s = await start();
    const records: UsageRecord[] = Array.from({ length: 2345 }, (_, i) => ({
      source: 'api',
      dedupeKey: `k${i}`,
      ts: Date.UTC(2026, 0, 1) + i * 1000,
      project: i % 2 ? '/w/a' : '=cmd|/c calc',
      modelRaw: 'm',
      sessionId: 's',
      inputTokens: i,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
    }));
    await s.handle('recordUsage', { records });
    const file = path.join(path.dirname(dbFile), 'out.csv');
    const r = await s.handle('exportRows', { view: ALL, sort: { column: 'ts', dir: 'asc' }, format: 'csv', timeZone: 'UTC', now: Date.now(), file });
    assert.equal(r.rows, 2345);
    const lines = (await fs.readFile(file, 'utf8')).split('\r\n');
    assert.equal(lines.length, 2345 + 2); // header + rows + the empty string after the last CRLF
    assert.match(lines[0], /^timestamp_utc,local_time,project,/);
    assert.match(lines[1], /^2026-01-01T00:00:00\.000Z,2026-01-01 00:00:00,"'=cmd\|\/c calc",m,m,api,s,0,1,/);
    const json = await s.handle('exportRows', { view: { ...ALL, projects: ['/w/a'] }, sort: { column: 'ts', dir: 'desc' }, format: 'json', timeZone: 'UTC', now: Date.now() });
    const parsed = JSON.parse(json.text!);
    assert.equal(parsed.length, 1172);
    assert.equal(parsed[0].project, '/w/a');
    assert.deepEqual(await fs.readdir(path.dirname(file)).then((f) => f.filter((x) => x.endsWith('.tmp'))), []);
  });

  it('lists what to watch: the files each source reads under the folders that exist, without switched-off sources', async () => {
    await fs.writeFile(path.join(fx.workspace, '.aider.chat.history.md'), '# aider chat started at 2026-08-20 10:00:00\n');
    const s = await start();
    const specs = await s.handle('watchRoots', {});
    const has = (p: string, glob: string) => specs.some((r) => r.path === p && r.glob === glob);
    assert.ok(has(path.join(fx.claudeConfigDir, 'projects'), '**/*.jsonl'), JSON.stringify(specs));
    assert.ok(has(path.join(fx.codexHome, 'sessions'), '**/*.jsonl'));
    assert.ok(has(fx.workspace, '.aider.chat.history.md'), 'in a workspace folder only its Aider chat history, not its whole tree');
    assert.ok(specs.every((r) => r.path !== fx.workspace || r.glob === '.aider.chat.history.md'));
    assert.ok(specs.every((r) => !r.path.includes('archived_sessions')), 'missing folders are left out');
    await s.handle('configure', configOf(fx, { disabledSources: ['codex'] }));
    assert.ok((await s.handle('watchRoots', {})).every((r) => !r.path.startsWith(fx.codexHome)));
  });

  it("watches Cline's task files, not its checkpoint repositories beside them", async () => {
    const storage = path.join(path.dirname(dbFile), 'editor-storage');
    const cline = path.join(storage, 'saoudrizwan.claude-dev');
    await fs.mkdir(path.join(cline, 'tasks', 't1'), { recursive: true });
    await fs.mkdir(path.join(cline, 'checkpoints', 'abc', '.git'), { recursive: true });
    const s = await start({}, configOf(fx, { ctx: { ...configOf(fx).ctx, editorStorageRoots: [storage] } }));
    const specs = (await s.handle('watchRoots', {})).filter((r) => r.path.startsWith(cline));
    assert.deepEqual(specs, [
      { path: path.join(cline, 'tasks'), glob: '*/ui_messages.json' },
      { path: cline, glob: 'ui_messages.json' }, // a glob without a folder part: that folder alone, not its subfolders
    ]);
  });

  it('reset empties the database and tells the host', async () => {
    const s = await start();
    await s.handle('importNow', { reason: 'x' });
    events = [];
    await s.handle('reset', {});
    assert.equal((await s.handle('info', {})).rows, 0);
    assert.ok(events.some((e) => e.type === 'dataChanged' && e.reason === 'reset'));
    assert.equal((await s.handle('importNow', { reason: 'after reset' })).newRows, 6, 'the logs are imported again');
  });
});

describe('yieldingBetweenFiles', () => {
  it('lets timers and messages run between files once a file took long, not between every quick file', async () => {
    const order: string[] = [];
    const imp = yieldingBetweenFiles({
      source: 'codex',
      label: 'x',
      roots: () => ['/r'],
      watch: (root) => [{ base: root, glob: '*.x' }],
      listFiles: async () => ['/r/a', '/r/b', '/r/c'],
      readFile: async (file) => {
        order.push(`read ${file}`);
        if (file === '/r/b') for (const t = performance.now(); performance.now() - t < 15; ); // a long read
        return { records: [], cursor: { size: 0, mtimeMs: 0, offset: 0, headHash: '' }, skipped: 0, bytesRead: 0, reread: false };
      },
    });
    setImmediate(() => order.push('other work'));
    await imp.readFile('/r/a', undefined);
    await imp.readFile('/r/b', undefined);
    await imp.readFile('/r/c', undefined);
    assert.deepEqual(order, ['read /r/a', 'read /r/b', 'other work', 'read /r/c']);
    assert.deepEqual(imp.roots({} as never), ['/r']);
  });
});
