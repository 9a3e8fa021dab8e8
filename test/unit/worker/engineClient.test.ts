import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import { EngineClient, EngineError } from '../../../src/core/worker/engineClient';
import type { EngineEvent, EngineWorkerData } from '../../../src/core/worker/workerProtocol';
import { FIXTURE_REQUESTS, writeFixtures } from '../../e2e/fixtures/logs';
import { tempDir } from '../../support/tempDir';

/** A stand-in worker speaking the protocol: `info` and `flush` answer, `reprice` fails, `reset` crashes the thread. */
const FAKE_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.postMessage({ kind: 'event', event: { type: 'log', message: 'hello' } });
parentPort.on('message', (m) => {
  if (m.method === 'info') parentPort.postMessage({ kind: 'result', id: m.id, ok: true, value: { rows: 42 } });
  else if (m.method === 'reprice') parentPort.postMessage({ kind: 'result', id: m.id, ok: false, error: 'no prices today' });
  else if (m.method === 'reset') process.exit(3);
  else if (m.method === 'flush') parentPort.postMessage({ kind: 'result', id: m.id, ok: true, value: null });
});`;

function hooks() {
  const h = { events: [] as EngineEvent[], crashes: [] as [string, boolean][], restarts: 0 };
  return {
    h,
    hooks: {
      onEvent: (e: EngineEvent) => h.events.push(e),
      onCrash: (reason: string, restarting: boolean) => h.crashes.push([reason, restarting]),
      onRestart: () => h.restarts++,
    },
  };
}

const until = async (fn: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('EngineClient', () => {
  it('answers calls by id, passes events on, and turns worker errors into rejections', async () => {
    const { h, hooks: k } = hooks();
    const c = new EngineClient(() => new Worker(FAKE_WORKER, { eval: true }), k);
    try {
      assert.deepEqual(await c.call('info', {}), { rows: 42 });
      await assert.rejects(c.call('reprice', {}), (e: unknown) => e instanceof EngineError && e.message === 'no prices today' && e.method === 'reprice');
      await until(() => h.events.length > 0);
      assert.deepEqual(h.events[0], { type: 'log', message: 'hello' });
    } finally {
      await c.dispose();
    }
  });

  it('restarts a crashed worker, failing only the calls in flight', async () => {
    const { h, hooks: k } = hooks();
    const c = new EngineClient(() => new Worker(FAKE_WORKER, { eval: true }), k, { restartDelayMs: 10 });
    try {
      await assert.rejects(c.call('reset', {}), /stopped unexpectedly \(exited with code 3\)/);
      assert.deepEqual(h.crashes, [['exited with code 3', true]]);
      // A call made while it restarts waits for the new worker.
      assert.deepEqual(await c.call('info', {}), { rows: 42 });
      assert.equal(h.restarts, 1);
    } finally {
      await c.dispose();
    }
  });

  it('gives up after too many crashes in a row', async () => {
    const { h, hooks: k } = hooks();
    const c = new EngineClient(() => new Worker(FAKE_WORKER, { eval: true }), k, { restartDelayMs: 1, maxCrashes: 2 });
    try {
      for (let i = 0; i < 3; i++) {
        await until(() => c.running);
        await assert.rejects(c.call('reset', {}));
      }
      assert.deepEqual(h.crashes.map((x) => x[1]), [true, true, false]);
      await assert.rejects(c.call('info', {}), /keeps crashing/);
    } finally {
      await c.dispose();
    }
  });

  it('runs the real bundled engine worker: imports logs and answers queries off the calling thread', async function () {
    this.timeout(60_000);
    const dir = await tempDir();
    const repo = path.resolve(__dirname, '../../..');
    await esbuild.build({
      entryPoints: [path.join(repo, 'src/extension/engineWorker.ts')],
      outfile: path.join(dir, 'engineWorker.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'error',
    });
    const fx = writeFixtures(path.join(dir, 'fx'));
    const data: EngineWorkerData = {
      dbFile: path.join(dir, 'db', 'usage.db'),
      wasmPath: path.join(repo, 'node_modules/sql.js/dist/sql-wasm.wasm'),
      config: {
        ctx: { home: fx.home, env: { CLAUDE_CONFIG_DIR: fx.claudeConfigDir, CODEX_HOME: fx.codexHome }, platform: 'linux', extraPaths: {} },
        disabledSources: [],
        priceOverrides: {},
      },
    };
    const { h, hooks: k } = hooks();
    const c = new EngineClient(() => new Worker(path.join(dir, 'engineWorker.js'), { workerData: data }), k);
    try {
      const r = await c.call('importNow', { reason: 'test' });
      assert.equal(r.newRows, FIXTURE_REQUESTS.workspace + FIXTURE_REQUESTS.other);
      assert.ok(h.events.some((e) => e.type === 'dataChanged'));
      const d = await c.call('dashboard', { view: { projects: [fx.workspace], range: { preset: 'all' }, models: [], sources: [], granularity: 'day' }, timeZone: 'UTC', now: Date.now() });
      assert.equal(d.totals.messages, FIXTURE_REQUESTS.workspace);
      assert.ok(d.totals.cost > 0, 'priced by the real price table');
    } finally {
      await c.dispose();
    }
    assert.ok((await import('node:fs')).existsSync(data.dbFile), 'the database exists after dispose');
  });
});
