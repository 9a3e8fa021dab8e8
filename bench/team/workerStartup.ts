// `npm run bench:team-startup`: what the team database and the OpenTelemetry export cost the
// engine worker, with and without them set up. Each sample is a fresh Node process (cold module
// cache) that starts the bundled engine worker (dist/engineWorker.js) on an empty store, as the
// extension does, then:
//   - without: sends the configuration a window without a team database sends (no URL, no endpoint);
//   - team: connects a team database (a throwaway PostgreSQL) and syncs once;
//   - otlp: sets an OTLP endpoint and exports once.
// It reports the worker's start-up (spawn to its first answer), the time until the configuration
// (and, when set up, the first sync or export) is done, the worker's V8 heap after a full GC (its
// own isolate, asked through a side channel the engine ignores) and the process's resident memory.
// Medians of --runs.
//
//   npm run build && npm run bench:team-startup [-- --runs 7] [--baseline DIST]
//
// --baseline DIST also measures another build's worker (e.g. main's dist/, before team sync)
// without a team database: only its start-up answer is asked (it knows no team calls).
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EngineClient } from '../../src/core/worker/engineClient';
import type { EngineWorkerData } from '../../src/core/worker/workerProtocol';
import { syncToTeam } from '../../src/core/team/sync';
import { InMemoryChangeLog } from '../../test/support/changeLog';
import { PgCluster } from '../../test/support/pgCluster';

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'dist');
type Case = 'baseline' | 'without' | 'team' | 'otlp';
interface Sample {
  startupMs: number;
  readyMs: number;
  rssMb: number;
  /** The worker isolate's heap after a full GC. */
  heapMb: number;
}

// The engine worker, with a side channel for its own memory: the engine ignores messages that are not
// calls. (The sample process runs with --expose-gc, which its workers share.)
const WRAPPER = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m && m.kind === 'memory') {
    global.gc();
    parentPort.postMessage({ kind: 'memory', heapUsed: process.memoryUsage().heapUsed });
  }
});
require(workerData.benchWorkerFile);
`;

function workerHeap(w: Worker): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: { kind?: string; heapUsed?: number }) => {
      if (m?.kind !== 'memory') return;
      w.off('message', on);
      resolve(m.heapUsed!);
    };
    w.on('message', on);
    w.postMessage({ kind: 'memory' });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One sample, in this (fresh) process. */
async function sample(kind: Case, url: string, endpoint: string, dist = DIST): Promise<Sample> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ai-usage-startup-'));
  const data: EngineWorkerData = {
    dbFile: path.join(dir, 'usage.db'),
    wasmPath: path.join(dist, 'sql-wasm.wasm'),
    config: { ctx: { home: dir, env: {}, platform: process.platform, extraPaths: {}, workspaceFolders: [], workspaceTrusted: true }, disabledSources: [], priceOverrides: {} },
  };
  const t0 = performance.now();
  let worker!: Worker;
  const client = new EngineClient(
    () => (worker = new Worker(WRAPPER, { eval: true, workerData: { ...data, benchWorkerFile: path.join(dist, 'engineWorker.js') } })),
    { onEvent: () => undefined, onCrash: () => undefined },
  );
  const measure = async () => {
    await new Promise((r) => setTimeout(r, 500));
    const heap = await workerHeap(worker);
    return { rssMb: process.memoryUsage().rss / 2 ** 20, heapMb: heap / 2 ** 20 };
  };
  try {
    await client.call('initData', { workspaceFolders: [] });
    const startupMs = performance.now() - t0;
    if (kind === 'baseline') return { startupMs, readyMs: startupMs, ...(await measure()) };
    const identity = { user: 'bench@example.com', machine: 'bench', projects: 'repository' as const };
    await client.call('teamConfigure', { url: kind === 'team' ? url : '', ...identity });
    await client.call('otlpConfigure', { endpoint: kind === 'otlp' ? endpoint : '', headers: {}, protocol: 'http/protobuf', temporality: 'cumulative', names: 'semconv', ...identity });
    if (kind === 'team') {
      const s = await client.call('teamSyncNow', {});
      if (s.lastError) throw new Error(s.lastError);
    }
    if (kind === 'otlp') {
      // The export runs on its own schedule; wait for its first attempt (it loads the SDK).
      for (let i = 0; i < 200; i++) {
        const s = await client.call('teamStatus', {});
        if (s.otlp.lastExport !== null || s.otlp.lastError !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const readyMs = performance.now() - t0;
    return { startupMs, readyMs, ...(await measure()) };
  } finally {
    await client.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [mode, kind, url, endpoint, dist] = process.argv.slice(2);
  if (mode === '--sample') {
    process.stdout.write(JSON.stringify(await sample(kind as Case, url, endpoint, dist)));
    return;
  }
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : 7;
  const b = process.argv.indexOf('--baseline');
  const baseline = b > 0 ? path.resolve(process.argv[b + 1]) : undefined;
  const cases: Case[] = [...(baseline ? (['baseline'] as Case[]) : []), 'without', 'team', 'otlp'];
  const cluster = await PgCluster.start();
  try {
    const url = cluster.url();
    await syncToTeam(new InMemoryChangeLog(), { url, identity: { user: 'owner', machine: 'server', projects: 'path' } }); // the schema
    const endpoint = 'http://127.0.0.1:9/'; // nothing listens: the export loads the SDK and fails, as a collector that is down
    const results: Record<Case, Sample[]> = { baseline: [], without: [], team: [], otlp: [] };
    for (let r = 0; r < runs; r++) {
      for (const kind of cases) {
        const out = execFileSync(process.execPath, ['--expose-gc', '-r', require.resolve('tsx/cjs'), __filename, '--sample', kind, url, endpoint, kind === 'baseline' ? baseline! : DIST], { cwd: ROOT, encoding: 'utf8' });
        results[kind].push(JSON.parse(out));
      }
    }
    const row = (k: Case) => {
      const s = results[k];
      return {
        case: k,
        startupMs: Math.round(median(s.map((x) => x.startupMs))),
        readyMs: Math.round(median(s.map((x) => x.readyMs))),
        workerHeapMb: Math.round(median(s.map((x) => x.heapMb)) * 10) / 10,
        rssMb: Math.round(median(s.map((x) => x.rssMb))),
      };
    };
    const table = cases.map(row);
    console.table(table);
    console.log(`medians of ${runs} cold starts each; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    await fs.mkdir(path.join(ROOT, '.bench', 'team'), { recursive: true });
    await fs.writeFile(path.join(ROOT, '.bench', 'team', 'startup.json'), JSON.stringify({ runs, table, loadavg: os.loadavg(), samples: results }, null, 2));
  } finally {
    await cluster.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
