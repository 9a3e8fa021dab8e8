// The scale bench: the engine at 151444b (baseline) and this checkout's (current), side by side
// on the same generated history, at 100k and 1M stored requests (see bench/README.md).
//
//   npm run bench:scale -- [--sizes 100k,1m] [--runs 3] [--reps 3] [--adds 5] [--seed 1]
//                          [--end 2026-11-30] [--tz Europe/Paris] [--only baseline|current]
//                          [--skip-trickle] [--trickle-minutes 10] [--reload]
//
// Progress goes to stderr, the table to stdout, every figure to .bench/scale/results.json.
// Exits 1 when a target of the current engine fails, or when an engine did not store exactly
// what the generator made (or, in the trickle, what was appended).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from '../generate.mjs';
import { dirBytes, measure, median } from '../measure.mjs';
import { BASELINE_COMMIT, BENCH_DIR, generatorVersion, prepareAppender, prepareEngines, REPO } from './engines.mjs';
import { runChild, runTrickle } from './trickle.mjs';

const args = parseArgs(process.argv.slice(2));
const sizes = String(args.sizes ?? '100k,1m').split(',').map((s) => s.trim()).filter(Boolean);
const runs = Number(args.runs ?? 3);
const reps = Number(args.reps ?? 3);
const adds = Number(args.adds ?? 5);
const seed = Number(args.seed ?? 1);
const end = String(args.end ?? '2026-11-30');
const tz = String(args.tz ?? 'Europe/Paris');
const trickleMinutes = Number(args.trickleMinutes ?? 10);
const only = args.only ? String(args.only) : undefined;
const names = only ? [only] : ['baseline', 'current'];
const DB_NAME = 'usage.db';
/** Range presets are resolved at this instant: the evening of the history's last day. */
const NOW = Date.parse(`${end}T20:00:00Z`);
const progress = (s) => console.error(s);
const out = (s = '') => console.log(s);
const MB = 2 ** 20;

if (!['baseline', 'current', undefined].includes(only)) usage(`--only takes baseline or current, not "${only}"`);
if (!(runs >= 1 && reps >= 1 && adds >= 1)) usage('--runs, --reps and --adds must be at least 1');
if (!(trickleMinutes > 0)) usage('--trickle-minutes must be above 0');
if (Number.isNaN(NOW)) usage(`--end must be a date YYYY-MM-DD, not "${end}"`);
const requestsOf = (size) => {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(size);
  const n = m ? Number(m[1]) * { '': 1, k: 1e3, m: 1e6 }[m[2].toLowerCase()] : NaN;
  if (!Number.isInteger(n) || n < 1) usage(`--sizes takes sizes like 100k,1m, not "${size}"`);
  return n;
};
const sizeRequests = Object.fromEntries(sizes.map((s) => [s, requestsOf(s)]));

function usage(message) {
  console.error(`bench:scale: ${message}`);
  process.exit(2);
}

/**
 * The figures of the table. `target` is the issue's "target at 1M" (checked at every size);
 * `stat` says how samples become the figure (default: the median).
 */
const FIGURES = [
  { key: 'dashboardAll', label: 'dashboard answer, All time', unit: 'ms', target: 100 },
  { key: 'dashboardProject', label: 'dashboard answer, one project', unit: 'ms', target: 100 },
  { key: 'dashboard30d', label: 'dashboard answer, last 30 days', unit: 'ms', target: 100 },
  { key: 'pageNewest', label: 'table page, newest first', unit: 'ms', target: 50 },
  { key: 'pageCostliest', label: 'table page, most expensive first', unit: 'ms', target: 50 },
  { key: 'pageHalfway', label: 'table page, halfway down', unit: 'ms', target: 50 },
  { key: 'addCpu', label: 'one new request + save: engine CPU', unit: 'ms', target: 50 },
  { key: 'addBytes', label: 'one new request + save: bytes written', unit: 'bytes', target: 256 * 1024, stat: 'mean' },
  { key: 'peakMemory', label: 'peak memory of the engine (VmHWM)', unit: 'bytes', target: 250 * MB },
  { key: 'cliWall', label: 'report daily --no-import: wall time', unit: 'ms', target: 1000 },
  { key: 'cliRss', label: 'report daily --no-import: peak RSS', unit: 'bytes' },
  { key: 'bytesPerRequest', label: 'database size per request', unit: 'B', target: 120 },
  // Not in the issue's table; measured on the way.
  { key: 'openFirstDashboard', label: 'open + first dashboard (All time)', unit: 'ms', target: 1500 },
  { key: 'filterOptions', label: 'filter options', unit: 'ms' },
  { key: 'addWall', label: 'one new request + save: wall time', unit: 'ms' },
  { key: 'load', label: 'bulk load (generate, price, store, save)', unit: 'ms' },
];
const TRICKLE_TARGETS = { coreShare: 0.05, writeBytes: 100 * MB };

const phases = {};
async function phase(name, fn) {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    phases[name] = (phases[name] ?? 0) + (performance.now() - t0) / 1000;
  }
}

// ---------------------------------------------------------------- set-up

const started = performance.now();
const loadBefore = os.loadavg();
progress(`bench:scale — sizes ${sizes.join(', ')}, ${runs} runs × ${reps} repetitions, seed ${seed}, history ending ${end}, ${tz}`);
const engines = await phase('prepare engines', () => prepareEngines(names, progress));
const appender = await prepareAppender();
const GEN = generatorVersion();
const storesDir = path.join(BENCH_DIR, 'stores');
const workDir = path.join(BENCH_DIR, 'work');
fs.mkdirSync(storesDir, { recursive: true });
const cleanEnv = { PATH: process.env.PATH, HOME: path.join(workDir, 'no-home'), TZ: 'UTC', LANG: 'C.UTF-8' };

const truths = {};
for (const size of sizes) {
  truths[size] = await phase('generate (truth)', () => cachedTruth(size));
}

/** The generator's truth for a size, cached beside the stores. */
async function cachedTruth(size) {
  const file = path.join(storesDir, `truth-g${GEN}-${size}-s${seed}-${end}.json`);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  progress(`generating the ${size} history's truth …`);
  const truth = await runChild(engines[0].bundle, 'truth', { requests: sizeRequests[size], seed, end }, { env: cleanEnv });
  fs.writeFileSync(file, JSON.stringify(truth, null, 1));
  return truth;
}

/** A loaded store of `size` for `engine`, built once per engine fingerprint and reused. */
async function ensureStore(engine, size) {
  const key = `${engine.name}-${size}-s${seed}-${end}-g${GEN}-${engine.fingerprint}`;
  const dir = path.join(storesDir, key);
  const metaFile = `${dir}.json`;
  if (fs.existsSync(metaFile) && !args.reload) return { dir, meta: { ...JSON.parse(fs.readFileSync(metaFile, 'utf8')), cached: true } };
  // Stores of older fingerprints of the same engine and size are stale.
  for (const f of fs.readdirSync(storesDir)) {
    if (f.startsWith(`${engine.name}-${size}-`)) fs.rmSync(path.join(storesDir, f), { recursive: true, force: true });
  }
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  progress(`loading ${size} requests into a new ${engine.name} store …`);
  const r = await runChild(engine.bundle, 'load', { dbFile: path.join(partial, DB_NAME), requests: sizeRequests[size], seed, end }, { env: cleanEnv, log: progress, label: `${engine.name} load` });
  const meta = { wallS: r.wallS, cpuS: r.cpuS, peakBytes: r.peakBytes, emitted: r.truth.emitted, requests: r.truth.requests, date: new Date().toISOString() };
  fs.renameSync(partial, dir);
  fs.writeFileSync(metaFile, JSON.stringify(meta, null, 1));
  progress(`  loaded in ${r.wallS.toFixed(1)} s (CPU ${r.cpuS.toFixed(1)} s, peak ${(r.peakBytes / MB).toFixed(0)} MB)`);
  return { dir, meta: { ...meta, cached: false } };
}

/** The busiest project: the "one project" view (its subfolders included, as the filter does). */
function busiestProject(truth) {
  return Object.entries(truth.byProject).sort((a, b) => b[1] - a[1])[0][0];
}

// ---------------------------------------------------------------- figures

const results = {}; // size → engine → { samples: {key: number[]}, … }
const problems = [];

for (const size of sizes) {
  const truth = truths[size];
  const project = busiestProject(truth);
  progress(`\n== ${size}: ${truth.requests.toLocaleString('en')} requests (${truth.emitted.toLocaleString('en')} records with copies), ${truth.days} days; one project = ${project}`);
  const stores = {};
  for (const engine of engines) stores[engine.name] = await phase(`load ${size}`, () => ensureStore(engine, size));
  for (const engine of engines) {
    const { dir, meta } = stores[engine.name];
    results[size] ??= {};
    results[size][engine.name] = { store: path.relative(REPO, dir), load: meta, dbBytes: dirBytes(dir), samples: { load: [meta.wallS * 1000] }, cpuSamples: {}, probes: [] };
  }
  // Runs alternate between the engines, first one first then the other, so that drift in the
  // machine's load and the order of the processes affect both alike.
  for (let run = 1; run <= runs; run++) {
    for (const engine of run % 2 ? engines : [...engines].reverse()) {
      const res = results[size][engine.name];
      const copyDir = path.join(workDir, `${engine.name}-${size}`);
      fs.rmSync(copyDir, { recursive: true, force: true });
      fs.cpSync(stores[engine.name].dir, copyDir, { recursive: true });
      const dbFile = path.join(copyDir, DB_NAME);
      try {
        await phase(`figures ${size}`, async () => {
          const cli = await measure(process.execPath, [engine.cli, 'report', 'daily', '--no-import', '--db', dbFile, '--tz', 'UTC', '--json'], { env: cleanEnv });
          if (cli.code !== 0) throw new Error(`${engine.name} CLI report daily: exit ${cli.code}\n${cli.stderr.slice(-2000)}`);
          checkCli(engine.name, size, JSON.parse(cli.stdout), truth);
          const p = await runChild(engine.bundle, 'probe', { dbFile, tz, now: NOW, project, reps, adds }, { env: cleanEnv });
          checkStored(engine.name, size, p, truth);
          const s = res.samples;
          const push = (k, ...v) => (s[k] ??= []).push(...v);
          for (const [k, v] of Object.entries(p.samples)) push(k, ...v);
          for (const [k, v] of Object.entries(p.cpuSamples)) (res.cpuSamples[k] ??= []).push(...v);
          (res.cpuSamples.openFirstDashboard ??= []).push(p.openFirstDashboardCpuMs);
          push('openFirstDashboard', p.openMs + p.firstDashboardMs);
          push('addCpu', ...p.adds.map((a) => a.cpuMs));
          push('addWall', ...p.adds.map((a) => a.wallMs));
          push('addBytes', ...p.adds.map((a) => a.writeBytes));
          push('peakMemory', p.peakBytes);
          push('cliWall', cli.wallS * 1000);
          push('cliRss', cli.maxRssMb * MB);
          res.probes.push({ openMs: p.openMs, firstDashboardMs: p.firstDashboardMs, adds: p.adds, stored: p.stored });
          progress(
            `  ${engine.name} run ${run}/${runs}: All time ${ms(median(p.samples.dashboardAll))}, page halfway ${ms(median(p.samples.pageHalfway))}, add+save ${ms(median(p.adds.map((a) => a.cpuMs)))} CPU / ${bytes(median(p.adds.map((a) => a.writeBytes)))}, peak ${bytes(p.peakBytes)}, CLI ${ms(cli.wallS * 1000)}`,
          );
        });
      } finally {
        fs.rmSync(copyDir, { recursive: true, force: true });
      }
    }
  }
  for (const engine of engines) {
    const res = results[size][engine.name];
    res.samples.bytesPerRequest = [res.dbBytes / truth.requests];
    res.figures = Object.fromEntries(FIGURES.filter((f) => res.samples[f.key]?.length).map((f) => [f.key, summarize(res.samples[f.key], f.stat)]));
    res.cpuFigures = Object.fromEntries(Object.entries(res.cpuSamples).map(([k, v]) => [k, summarize(v)]));
  }
}

function checkCli(name, size, report, truth) {
  const t = report.totals;
  const tokens = t.inputTokens + t.outputTokens + t.cacheReadTokens + t.cacheWriteTokens;
  if (tokens !== truth.tokens.total) problems.push(`${name} ${size}: report daily totals ${tokens} tokens, the history has ${truth.tokens.total}`);
}

/** Did the engine store exactly the history (copies once)? */
function checkStored(name, size, p, truth) {
  const s = p.stored;
  const bad = [];
  if (s.messages !== truth.requests) bad.push(`${s.messages} requests stored, ${truth.requests} generated`);
  if (s.totalTokens !== truth.tokens.total) bad.push(`${s.totalTokens} tokens stored, ${truth.tokens.total} generated`);
  if (Math.abs(s.reportedCost - truth.reported.cost) > 1e-6 * Math.max(1, truth.reported.cost)) bad.push(`reported cost $${s.reportedCost} stored, $${truth.reported.cost} generated`);
  for (const [src, n] of Object.entries(truth.bySource)) if (s.bySource[src] !== n) bad.push(`${src}: ${s.bySource[src] ?? 0} stored, ${n} generated`);
  if (p.addsStored !== adds) bad.push(`${p.addsStored} of ${adds} added requests found after the saves`);
  if (bad.length) problems.push(`${name} ${size}: ${bad.join('; ')}`);
}

function summarize(xs, stat) {
  const value = stat === 'mean' ? xs.reduce((a, b) => a + b, 0) / xs.length : median(xs);
  return { value, stat: stat ?? 'median', min: Math.min(...xs), max: Math.max(...xs), n: xs.length, samples: xs };
}

// ---------------------------------------------------------------- trickle

let trickle;
if (!args.skipTrickle) {
  const size = sizes[sizes.length - 1];
  progress(`\n== trickle: ${trickleMinutes} min on the ${size} store, two windows per engine, one engine at a time`);
  trickle = { size, minutes: trickleMinutes, engines: {} };
  for (const engine of engines) {
    const store = await ensureStore(engine, size);
    const r = await phase('trickle', () =>
      runTrickle({ engine, storeDir: store.dir, dbName: DB_NAME, workDir: path.join(workDir, `trickle-${engine.name}`), minutes: trickleMinutes, tz, expectedRows: truths[size].requests, appender, log: progress }),
    );
    trickle.engines[engine.name] = r;
    for (const p of r.processes) {
      progress(`  ${engine.name} window ${p.window}: CPU ${p.cpuS.toFixed(1)} s (${pct(p.coreShare)} of a core), wrote ${bytes(p.writeBytes)}, ${p.stats.imports} imports; ${p.check.found}/${p.check.appended} appended requests, ${p.check.ok ? 'each once' : 'NOT each once'}`);
      if (!p.check.ok) problems.push(`${engine.name} trickle window ${p.window}: ${JSON.stringify(p.check)}`);
    }
    if (!r.onDisk.ok) problems.push(`${engine.name} trickle, on disk: ${JSON.stringify(r.onDisk)}`);
  }
}

// ---------------------------------------------------------------- report

const totalS = (performance.now() - started) / 1000;
const current = names.includes('current') ? 'current' : undefined;
const failures = [];

out();
out(`AI Usage Dashboard scale bench — engine at ${BASELINE_COMMIT} (baseline) vs this checkout (current), same history`);
out(`${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average before ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
out(`medians of ${runs} fresh processes × ${reps} repetitions (${runs} × ${adds} adds; "add" bytes are the mean); min–max in brackets; targets are the issue's at 1M`);
for (const size of sizes) {
  const t = truths[size];
  out();
  out(`${size} — ${t.requests.toLocaleString('en')} requests stored from ${t.emitted.toLocaleString('en')} records (${t.copies.exactDuplicates} exact duplicates, ${t.copies.resumedReplays} resumed replays, ${t.copies.streamedPartials} streamed partials, ${t.copies.sidechainReplays} sidechain replays);`);
  out(`  ${new Date(t.firstTs).toISOString().slice(0, 10)} – ${new Date(t.lastTs).toISOString().slice(0, 10)}, ${t.activeDays} active days (${t.perActiveDay.min}–${t.perActiveDay.max} requests), ${Object.keys(t.byProject).length} projects, ${Object.keys(t.byModel).length} model ids, ${t.sessions.toLocaleString('en')} sessions, ${(t.tokens.total / 1e9).toFixed(2)} G tokens, ${t.longContext} requests > 200k;`);
  out(`  per source: ${Object.entries(t.bySource).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}`);
  const rows = [['', ...names, ...(names.length === 2 ? ['current/baseline'] : []), 'target', current ? 'current' : '']];
  for (const f of FIGURES) {
    const cells = names.map((n) => results[size][n].figures[f.key]);
    if (cells.every((c) => !c)) continue;
    const row = [f.label, ...cells.map((c) => (c ? withSpread(c, f.unit) : '—'))];
    if (names.length === 2) row.push(cells[0] && cells[1] ? `${(cells[1].value / cells[0].value).toFixed(2)}×` : '');
    row.push(f.target === undefined ? '' : `≤ ${fmt(f.target, f.unit)}`);
    let verdict = '';
    const c = current && results[size][current].figures[f.key];
    if (c && f.target !== undefined) {
      verdict = c.value <= f.target ? 'PASS' : 'FAIL';
      if (verdict === 'FAIL') failures.push(`${f.label} at ${size}: ${fmt(c.value, f.unit)} > ${fmt(f.target, f.unit)}`);
    }
    row.push(verdict);
    rows.push(row);
  }
  out(table(rows));
  // Wall times on a shared machine swing with its load; CPU time much less.
  const cpuRows = [['CPU time of the same steps (user + system)', ...names, ...(names.length === 2 ? ['current/baseline'] : [])]];
  for (const f of FIGURES) {
    const cells = names.map((n) => results[size][n].cpuFigures[f.key]);
    if (cells.some((c) => !c)) continue;
    cpuRows.push([f.label, ...cells.map((c) => withSpread(c, 'ms')), ...(names.length === 2 ? [`${(cells[1].value / cells[0].value).toFixed(2)}×`] : [])]);
  }
  out(table(cpuRows));
  const loads = names.map((n) => `${n} ${(results[size][n].load.wallS).toFixed(1)} s${results[size][n].load.cached ? ' (cached store)' : ''}`);
  out(`  database: ${names.map((n) => `${n} ${bytes(results[size][n].dbBytes)}`).join(', ')}; load of the store: ${loads.join(', ')}`);
}

if (trickle) {
  out();
  out(`Trickle — ${trickle.minutes} min on the ${trickle.size} store: one Claude Code line every 2 s, two engine processes per engine on one file (targets per process: ≤ ${pct(TRICKLE_TARGETS.coreShare)} of one core, ≤ ${bytes(TRICKLE_TARGETS.writeBytes)} written)`);
  const rows = [['', 'CPU', 'share of a core', 'written', 'peak RSS', 'imports', 'appended requests', current ? 'current' : '']];
  for (const [name, r] of Object.entries(trickle.engines)) {
    for (const p of r.processes) {
      let verdict = '';
      if (name === current) {
        const ok = p.coreShare <= TRICKLE_TARGETS.coreShare && p.writeBytes <= TRICKLE_TARGETS.writeBytes;
        verdict = ok ? 'PASS' : 'FAIL';
        if (!ok) failures.push(`trickle window ${p.window}: ${pct(p.coreShare)} of a core, ${bytes(p.writeBytes)} written`);
      }
      rows.push([`${name}, window ${p.window}`, `${p.cpuS.toFixed(1)} s`, pct(p.coreShare), bytes(p.writeBytes), bytes(p.peakBytes), String(p.stats.imports), `${p.check.found}/${p.check.appended} ${p.check.ok ? 'each once' : 'WRONG'}`, verdict]);
    }
    rows.push([`${name}, on disk after`, '', '', '', '', '', `${r.onDisk.found}/${r.onDisk.appended} ${r.onDisk.ok ? 'each once' : 'WRONG'}; ${r.onDisk.rows.toLocaleString('en')} rows`, '']);
  }
  out(table(rows));
}

out();
out(`Run time ${minutes(totalS)}: ${Object.entries(phases).map(([k, v]) => `${k} ${minutes(v)}`).join(', ')}`);
for (const p of problems) out(`DATA CHECK FAILED: ${p}`);
if (failures.length) out(`Current engine misses ${failures.length} target${failures.length > 1 ? 's' : ''}: ${failures.join('; ')}`);
else if (current) out('Current engine meets every target.');

fs.writeFileSync(
  path.join(BENCH_DIR, 'results.json'),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadBefore, loadAfter: os.loadavg() },
      options: { sizes, runs, reps, adds, seed, end, tz, now: NOW, trickleMinutes: trickle ? trickleMinutes : null },
      engines: Object.fromEntries(engines.map((e) => [e.name, { tree: path.relative(REPO, e.tree) || '.', fingerprint: e.fingerprint }])),
      figures: FIGURES.map(({ key, label, unit, target, stat }) => ({ key, label, unit, target, stat: stat ?? 'median' })),
      truth: truths,
      results,
      trickle,
      trickleTargets: TRICKLE_TARGETS,
      runTimeS: { total: totalS, ...phases },
      problems,
      failures,
    },
    null,
    1,
  ),
);
out(`(all figures in ${path.relative(REPO, path.join(BENCH_DIR, 'results.json'))})`);
process.exitCode = failures.length || problems.length ? 1 : 0;

// ---------------------------------------------------------------- formatting

function ms(v) {
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`;
}
function bytes(v) {
  return v >= 10 * MB ? `${(v / MB).toFixed(0)} MB` : v >= MB ? `${(v / MB).toFixed(1)} MB` : v >= 1024 ? `${(v / 1024).toFixed(0)} KB` : `${v.toFixed(0)} B`;
}
function fmt(v, unit) {
  return unit === 'ms' ? ms(v) : unit === 'bytes' ? bytes(v) : `${v.toFixed(0)} B`;
}
function withSpread(c, unit) {
  return c.n > 1 && c.max > c.min ? `${fmt(c.value, unit)} (${fmt(c.min, unit)}–${fmt(c.max, unit)})` : fmt(c.value, unit);
}
function pct(f) {
  return `${(f * 100).toFixed(f < 0.1 ? 1 : 0)} %`;
}
function minutes(s) {
  return s >= 90 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`;
}
function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c] ?? '').length)));
  return rows.map((r) => `  ${r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ')}`).join('\n');
}
