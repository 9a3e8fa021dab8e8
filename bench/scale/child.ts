// One engine in one process: the bench (run.mjs) starts this, compiled with one adapter, for
// each step that must run in a fresh process. `node <bundle> COMMAND 'JSON'`; the answer is one
// JSON line on stdout, progress goes to stderr.
//
//   truth {requests, seed, end}               the history's truth, without an engine
//   load  {dbFile, requests, seed, end}       generates the history into a new store
//   probe {dbFile, tz, now, project, reps, adds}  timed queries, adds, peak memory
//   serve {dbFile, home, tz}                  the engine as a window runs it (trickle; IPC)
//   count {dbFile, tz, now}                   what the store holds of the live project
import * as fs from 'node:fs';
import * as path from 'node:path';
import createEngine from 'scale-adapter';
import type { PageAnswer, Queries, RunningService, Sort, View } from './engine';
import { history, historyTruth, type HistoryOptions } from './history';
import { LIVE_PROJECT, liveRecord } from './live';

const log = (s: string) => process.stderr.write(`${s}\n`);
const answer = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);

export const ALL_TIME: View = { projects: [], range: { preset: 'all' }, models: [], sources: [], granularity: 'week' };
const PAGE_ROWS = 200; // what the dashboard's table asks for at a time
const NEWEST: Sort = { column: 'ts', dir: 'desc' };
const COSTLIEST: Sort = { column: 'cost', dir: 'desc' };

function status(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function io(): { writeBytes: number; wchar: number } {
  const text = fs.readFileSync('/proc/self/io', 'utf8');
  const field = (k: string) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { writeBytes: field('write_bytes'), wchar: field('wchar') };
}

/** Wall time, and CPU time of the whole process (less disturbed by other work on the machine). */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, value };
}

async function load(a: HistoryOptions & { dbFile: string }) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const engine = createEngine();
  fs.mkdirSync(path.dirname(a.dbFile), { recursive: true });
  await engine.open(a.dbFile);
  const h = history(a);
  let shown = 0;
  await engine.load(h.batches, (n) => {
    if (n - shown >= 100_000) {
      shown = n;
      log(`    ${n.toLocaleString('en')} records, ${((performance.now() - t0) / 1000).toFixed(0)} s, RSS ${(status('VmRSS') / 2 ** 20).toFixed(0)} MB`);
    }
  });
  await engine.close();
  const cpu = process.cpuUsage(cpu0);
  answer({ truth: h.truth(), wallS: (performance.now() - t0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6, peakBytes: status('VmHWM') });
}

interface ProbeArgs {
  dbFile: string;
  tz: string;
  now: number;
  /** The busy project of the "one project" view. */
  project: string;
  reps: number;
  adds: number;
}

async function probe(a: ProbeArgs) {
  const engine = createEngine();
  const views: Record<string, View> = {
    dashboardAll: ALL_TIME,
    dashboardProject: { ...ALL_TIME, projects: [a.project] },
    dashboard30d: { ...ALL_TIME, range: { preset: '30d' }, granularity: 'day' },
  };
  const samples: Record<string, number[]> = {};
  const cpuSamples: Record<string, number[]> = {};
  const add = (k: string, t: { ms: number; cpuMs: number }) => {
    (samples[k] ??= []).push(t.ms);
    (cpuSamples[k] ??= []).push(t.cpuMs);
  };

  const opened = await timed(() => engine.open(a.dbFile));
  const first = await timed(() => engine.dashboard(ALL_TIME, a.tz, a.now));
  const options = await timed(() => engine.filterOptions());
  const stored = {
    messages: first.value.totals.messages,
    totalTokens: first.value.totals.totalTokens,
    cost: first.value.totals.cost,
    reportedCost: first.value.totals.reportedCost,
    bySource: Object.fromEntries(options.value.sources.map((s) => [s.source, s.messages])),
  };
  let total = 0;
  for (let rep = 0; rep < a.reps; rep++) {
    for (const [k, v] of Object.entries(views)) add(k, await timed(() => engine.dashboard(v, a.tz, a.now)));
    const newest = await timed(() => engine.page(ALL_TIME, NEWEST, 0, PAGE_ROWS, a.tz, a.now));
    total = newest.value.total;
    add('pageNewest', newest);
    add('pageCostliest', await timed(() => engine.page(ALL_TIME, COSTLIEST, 0, PAGE_ROWS, a.tz, a.now)));
    const half = await timed(() => engine.page(ALL_TIME, NEWEST, Math.floor(total / 2), PAGE_ROWS, a.tz, a.now));
    if (!half.value.rows.length) throw new Error(`the page halfway down (offset ${Math.floor(total / 2)} of ${total}) is empty`);
    add('pageHalfway', half);
    add('filterOptions', await timed(() => engine.filterOptions()));
  }

  const adds: { cpuMs: number; wallMs: number; writeBytes: number; wchar: number }[] = [];
  const tag = `p${process.pid.toString(36)}`;
  for (let n = 0; n < a.adds; n++) {
    const record = liveRecord({ n, tag, ts: a.now - 60_000 + n, sessionId: `live-${tag}` });
    const io0 = io();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await engine.addOneAndSave(record);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const io1 = io();
    adds.push({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs, writeBytes: io1.writeBytes - io0.writeBytes, wchar: io1.wchar - io0.wchar });
  }
  const afterAdds = await engine.page({ ...ALL_TIME, projects: [LIVE_PROJECT] }, NEWEST, 0, PAGE_ROWS, a.tz, a.now);
  await engine.close();
  answer({
    openMs: opened.ms,
    firstDashboardMs: first.ms,
    openFirstDashboardCpuMs: opened.cpuMs + first.cpuMs,
    firstFilterOptionsMs: options.ms,
    samples,
    cpuSamples,
    adds,
    addsStored: afterAdds.total,
    rowsInView: total,
    stored,
    peakBytes: status('VmHWM'),
  });
}

/** Every row of the live project, oldest first. */
async function liveRows(q: Queries, tz: string, now: number): Promise<{ total: number; ts: number[]; ids: string[] }> {
  const view: View = { ...ALL_TIME, projects: [LIVE_PROJECT] };
  const ts: number[] = [];
  const ids: string[] = [];
  let total = 0;
  for (let offset = 0; ; offset += 1000) {
    const p: PageAnswer = await q.page(view, { column: 'ts', dir: 'asc' }, offset, 1000, tz, now);
    total = p.total;
    for (const r of p.rows) {
      ts.push(r.ts);
      ids.push(r.id);
    }
    if (p.rows.length < 1000) break;
  }
  return { total, ts, ids };
}

async function count(a: { dbFile: string; tz: string; now: number }) {
  const engine = createEngine();
  await engine.open(a.dbFile);
  const all = await engine.dashboard(ALL_TIME, a.tz, a.now);
  const live = await liveRows(engine, a.tz, a.now);
  await engine.close();
  answer({ rows: all.totals.messages, live });
}

/** A VS Code glob (`**`, `*`, `{a,b}`) as a regular expression over '/'-separated relative paths. */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '{') re += '(?:';
    else if (c === '}') re += ')';
    else if (c === ',') re += '|';
    else re += c.replace(/[.+?^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * A window's engine during the trickle: the adapter's service (the real worker and timers), an
 * import 250 ms after the last change under a watched root (sourceWatcher.ts's debounce), a
 * rescan every 60 s (the default setting) and a badge refresh after every data change
 * (statusBadge.ts, calls folded while one runs). Driven over IPC by the bench.
 */
async function serve(a: { dbFile: string; home: string; tz: string }) {
  const send = (m: unknown) => process.send!(m);
  let service: RunningService | undefined;
  let badgeRunning = false;
  let badgeQueued = false;
  const stats = { imports: 0, badges: 0, events: 0 };
  const refreshBadge = () => {
    if (!service) return;
    if (badgeRunning) {
      badgeQueued = true;
      return;
    }
    badgeRunning = true;
    void service
      .badge(a.tz, Date.now())
      .catch((e: Error) => log(`badge: ${e.message}`))
      .finally(() => {
        stats.badges++;
        badgeRunning = false;
        if (badgeQueued) {
          badgeQueued = false;
          refreshBadge();
        }
      });
  };
  const engine = createEngine();
  service = await engine.startService({ dbFile: a.dbFile, home: a.home, onDataChanged: refreshBadge, log: (m) => log(`[engine ${process.pid}] ${m}`) });
  const s = service;
  const importNow = (reason: string, files?: string[]) => {
    stats.imports++;
    return s.importNow(reason, files).catch((e: Error) => log(`import failed: ${e.message}`));
  };
  await importNow('startup');
  let debounce: NodeJS.Timeout | undefined;
  const changed = new Set<string>();
  // As VS Code's watcher with a RelativePattern: events of the files the glob matches.
  const watchers = (await s.watchRoots()).map((spec) => {
    const matches = globRegExp(spec.glob);
    return fs.watch(spec.path, { recursive: /\/|\*\*/.test(spec.glob) }, (_event, name) => {
      if (!name || !matches.test(String(name).split(path.sep).join('/'))) return;
      stats.events++;
      changed.add(path.join(spec.path, String(name)));
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        const files = [...changed];
        changed.clear();
        void importNow('file changed', files);
      }, 250);
    });
  });
  const rescan = setInterval(() => void importNow('periodic rescan'), 60_000);
  refreshBadge();
  process.on('message', async (m: { type: string; now?: number }) => {
    try {
      if (m.type === 'check') {
        // As a window that is still open: take in what is new, save, then look.
        await importNow('check');
        await s.flush();
        send({ type: 'checked', live: await liveRows(s, a.tz, m.now ?? Date.now()), stats, peakBytes: status('VmHWM') });
      } else if (m.type === 'stop') {
        clearInterval(rescan);
        clearTimeout(debounce);
        for (const w of watchers) w.close();
        await s.flush();
        await s.stop();
        send({ type: 'stopped', stats });
        process.disconnect();
      }
    } catch (e) {
      send({ type: 'error', message: (e as Error).stack ?? String(e) });
    }
  });
  send({ type: 'ready', watched: watchers.length });
}

async function main() {
  const [command, json] = process.argv.slice(2);
  const a = JSON.parse(json ?? '{}');
  switch (command) {
    case 'truth':
      return answer(historyTruth(a));
    case 'load':
      return load(a);
    case 'probe':
      return probe(a);
    case 'count':
      return count(a);
    case 'serve':
      return serve(a);
    default:
      throw new Error(`unknown command ${command}`);
  }
}

main().catch((e) => {
  log((e as Error).stack ?? String(e));
  process.exit(1);
});
