// Does a big import block the extension host? Measures the main thread's event-loop delay
// (perf_hooks.monitorEventLoopDelay) while a large Claude Code + Codex corpus imports through
// the engine worker (dist/engineWorker.js, exactly as the extension runs it), with the host
// asking for the badge every 250 ms as it would. For contrast, the same import is then run on
// the main thread, which is what the worker saves the extension host from.
//
//   npm run build && node bench/hostLag.mjs [--size-mb 512] [--no-contrast] [--json]
//
// Target: the host's event-loop lag stays under 50 ms (max) during the worker import.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ensureCorpus, parseArgs } from './generate.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const require = createRequire(import.meta.url);
const args = parseArgs(process.argv.slice(2));
const sizeMb = Number(args.sizeMb ?? 512);
const LAG_TARGET_MS = 50;

const { root, truth } = ensureCorpus({ sizeMb, cacheDir: path.join(repo, '.bench', 'corpus') });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ai-usage-hostlag-'));
const emptyHome = path.join(tmp, 'home');
const config = {
  ctx: { home: emptyHome, env: { CLAUDE_CONFIG_DIR: path.join(root, 'claude'), CODEX_HOME: path.join(root, 'codex') }, platform: process.platform, extraPaths: {} },
  disabledSources: [],
  priceOverrides: {},
};
const wasmPath = path.join(repo, 'dist', 'sql-wasm.wasm');
const ms = (ns) => Math.round((ns / 1e6) * 10) / 10;

/** Event-loop delay of this thread while `work` runs (1 ms resolution). */
async function measure(work) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const out = await work();
  const wall = performance.now() - t0;
  h.disable();
  return { out, wallMs: Math.round(wall), lag: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean) } };
}

/** The host's side of the RPC, minimal: calls by id, events ignored. */
function rpc(worker) {
  let next = 1;
  const pending = new Map();
  worker.on('message', (m) => {
    if (m.kind !== 'result') return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(m.error));
  });
  return (method, params) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ kind: 'call', id, method, params });
    });
}

async function viaWorker() {
  const worker = new Worker(path.join(repo, 'dist', 'engineWorker.js'), {
    workerData: { dbFile: path.join(tmp, 'worker', 'usage.db'), wasmPath, config, saveDelayMs: 1000 },
  });
  const call = rpc(worker);
  await call('info', {}); // worker started, database open
  const badgeMs = [];
  const r = await measure(async () => {
    let importing = true;
    // The badge asks while the import runs (as after each dataChanged).
    const poll = (async () => {
      while (importing) {
        const t = performance.now();
        await call('badge', { period: 'thisMonth', projects: [], timeZone: 'UTC', now: Date.now() });
        badgeMs.push(performance.now() - t);
        await new Promise((res) => setTimeout(res, 250));
      }
    })();
    const report = await call('importNow', { reason: 'bench' });
    importing = false;
    await poll;
    await call('flush', {});
    return report;
  });
  await worker.terminate();
  badgeMs.sort((a, b) => a - b);
  return { ...r, badgeQueries: { count: badgeMs.length, p50: Math.round(badgeMs[Math.floor(badgeMs.length / 2)] ?? 0), max: Math.round(badgeMs.at(-1) ?? 0) } };
}

/** The same import on this thread, as the CLI does it (bundled from source on the fly): what the worker avoids. */
async function inThread() {
  const esbuild = require('esbuild');
  const out = path.join(tmp, 'inThread.js');
  await esbuild.build({
    stdin: {
      contents: `export { runImport } from './src/core/engine/runImport'; export { UsageStore } from './src/core/store/usageStore'; export { Pricer } from './src/core/pricing'; export { setSqlWasmPath } from './src/core/store/sqljs';`,
      resolveDir: repo,
      loader: 'ts',
    },
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
  });
  const { runImport, UsageStore, Pricer, setSqlWasmPath } = require(out);
  setSqlWasmPath(wasmPath);
  const store = await UsageStore.open(path.join(tmp, 'main', 'usage.db'));
  const r = await measure(async () => {
    const report = await runImport(store, { ctx: config.ctx, pricer: new Pricer({}) });
    await store.save();
    return report;
  });
  store.close();
  return r;
}

try {
  const corpusMb = Math.round(truth.bytes.total / 1048576);
  console.error(`corpus: ${corpusMb} MiB, ${truth.totals.requests} requests (${root})`);
  // The noise floor: this thread's lag with nothing to do (other processes compete for the 2 cores).
  const idle = await measure(() => new Promise((res) => setTimeout(res, 2000)));
  const worker = await viaWorker();
  const result = {
    corpusMb,
    requests: truth.totals.requests,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    cpus: os.cpus().length,
    idleLagMs: idle.lag,
    worker: { importMs: worker.out.durationMs, wallMs: worker.wallMs, newRows: worker.out.newRows, hostLagMs: worker.lag, badgeQueryMs: worker.badgeQueries },
  };
  if (!args.noContrast) {
    const main = await inThread();
    result.mainThread = { importMs: main.out.durationMs, wallMs: main.wallMs, newRows: main.out.newRows, hostLagMs: main.lag };
  }
  const ok = worker.lag.max < LAG_TARGET_MS;
  if (args.json) console.log(JSON.stringify(result, null, 1));
  else {
    const w = result.worker;
    console.log(`Machine: ${result.cpus} CPUs, load average ${result.loadAverage.join(' / ')}; idle event-loop lag max ${result.idleLagMs.max} ms (noise floor)`);
    console.log(`Import of ${corpusMb} MiB (${w.newRows} rows) through the engine worker: ${(w.importMs / 1000).toFixed(1)} s`);
    console.log(`  host event-loop lag: p50 ${w.hostLagMs.p50} ms, p99 ${w.hostLagMs.p99} ms, max ${w.hostLagMs.max} ms (target < ${LAG_TARGET_MS} ms)`);
    console.log(`  badge queries during the import: ${w.badgeQueryMs.count}, p50 ${w.badgeQueryMs.p50} ms, max ${w.badgeQueryMs.max} ms`);
    if (result.mainThread) {
      const m = result.mainThread;
      console.log(`Same import on the host thread (what the worker avoids): ${(m.importMs / 1000).toFixed(1)} s`);
      console.log(`  event-loop lag: p50 ${m.hostLagMs.p50} ms, p99 ${m.hostLagMs.p99} ms, max ${m.hostLagMs.max} ms`);
    }
    console.log(ok ? 'PASS: the host stays responsive' : `FAIL: host lag ${w.hostLagMs.max} ms ≥ ${LAG_TARGET_MS} ms`);
  }
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
