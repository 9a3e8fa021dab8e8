// The benchmark: ccusage vs our CLI on the same generated corpus (see README.md).
//
//   npm run bench -- [--size-mb 512] [--runs 5] [--seed 1] [--regenerate] [--cli dist/cli.js]
//
// Speed: ccusage `daily` vs our `import` cold (fresh database) and warm (nothing new).
// Accuracy: tokens per day, model and project must equal ccusage's and the generator's
// truth exactly; total cost within 0.5 % of ccusage's. Figures go to .bench/results.json.
// Exits 1 when a target or an accuracy check fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureCorpus, parseArgs, MODELS } from './generate.mjs';
import { CCUSAGE_VERSION, DAILY_ARGS, ccusageEnv, ccusageReports, ensureCcusage, runCcusage } from './ccusage.mjs';
import { dirBytes, measure, repeat } from './measure.mjs';
import { canonical, costDiff, formatDiffs, tokenDiffs, truthReport } from './compare.mjs';

const args = parseArgs(process.argv.slice(2));
const sizeMb = Number(args.sizeMb ?? 512);
const runs = Number(args.runs ?? 5);
const seed = Number(args.seed ?? 1);
const COLD_TARGET = 3; // ours cold ≤ 3 × ccusage
const WARM_TARGET = 0.1; // ours warm < 10 % of ccusage
const COST_TOLERANCE = 0.005;
const CLI = path.resolve(args.cli ?? 'dist/cli.js'); // --cli: another build, e.g. a baseline
const log = (s = '') => console.log(s);
const progress = (s) => console.error(s);

if (!fs.existsSync(CLI)) {
  console.error(`${CLI} is missing: run \`npm run build\` (npm run bench does it).`);
  process.exit(2);
}

// ---------------------------------------------------------------- set-up
const { root, truth } = ensureCorpus({ sizeMb, seed, force: !!args.regenerate, log: progress });
const ccusage = ensureCcusage(progress);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-usage-bench-'));
const fakeHome = path.join(work, 'home'); // empty: only the corpus is read
fs.mkdirSync(fakeHome);
const ccEnv = ccusageEnv(root, fakeHome);
const ourEnv = { ...ccEnv }; // same variables: HOME, TZ=UTC, CLAUDE_CONFIG_DIR, CODEX_HOME
// The store is a folder of files (catalog, journal, month files, lock tickets, the warm-import
// manifest): a cold run starts from an empty folder, and the size counts every file in it.
const storeDir = path.join(work, 'store');
const db = path.join(storeDir, 'usage.db');
const emptyStore = () => {
  fs.rmSync(storeDir, { recursive: true, force: true });
  fs.mkdirSync(storeDir);
};
const ours = (argv) => measure(process.execPath, [CLI, ...argv], { env: ourEnv });
const parseJson = (r, what) => {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code}\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout);
};

try {
  await main();
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

async function main() {
  progress(`corpus: ${root} (${mb(truth.bytes.total)}; ${truth.sessions.claude} Claude + ${truth.sessions.codex} Codex sessions; ${truth.totals.requests} requests)`);

  const loadBefore = os.loadavg();
  // Warm the page cache for both tools (and check that ccusage runs at all).
  progress('priming page cache …');
  parseJson(await runCcusage(ccusage, DAILY_ARGS, ccEnv), 'ccusage daily');

  // ---------------------------------------------------------------- speed
  // ccusage and our cold import alternate, so that drift in the machine affects both alike.
  progress(`timing (${runs} runs each) …`);
  const ccSamples = [];
  const coldSamples = [];
  let importJson;
  for (let i = 0; i < runs; i++) {
    const c = await runCcusage(ccusage, DAILY_ARGS, ccEnv);
    parseJson(c, 'ccusage daily');
    ccSamples.push({ wallS: c.wallS, maxRssMb: c.maxRssMb, cpuS: c.cpuS });
    emptyStore();
    const r = await ours(['import', '--db', db, '--json']);
    importJson = parseJson(r, 'ours import (cold)');
    coldSamples.push({ wallS: r.wallS, maxRssMb: r.maxRssMb, cpuS: r.cpuS });
    progress(`  run ${i + 1}/${runs}: ccusage ${ccSamples[i].wallS.toFixed(2)} s ${ccSamples[i].maxRssMb.toFixed(0)} MB | ours cold ${r.wallS.toFixed(2)} s ${r.maxRssMb.toFixed(0)} MB`);
  }
  const dbBytes = dirBytes(storeDir);
  const rows = importJson.totalRows;
  let warmJson;
  const warm = await repeat(runs, async () => {
    const r = await ours(['import', '--db', db, '--json']);
    warmJson = parseJson(r, 'ours import (warm)');
    return r;
  }, 'ours warm', progress);
  const cc = summarize(ccSamples);
  const cold = summarize(coldSamples);

  // Reports (timed once: informational).
  const reportArgs = (kind) => ['report', kind, '--json', '--db', db, '--tz', 'UTC', '--no-import'];
  const rep = {};
  const reportTimes = {};
  for (const kind of ['daily', 'models', 'projects']) {
    const r = await ours(reportArgs(kind));
    rep[kind] = parseJson(r, `ours report ${kind}`);
    reportTimes[kind] = { wallS: r.wallS, maxRssMb: r.maxRssMb };
  }

  // ---------------------------------------------------------------- accuracy
  progress('ccusage reports for the comparison …');
  const ccRep = await ccusageReports(ccusage, ccEnv, truth);
  const ourRep = {
    totals: pick(rep.daily.totals),
    byDay: keyed(rep.daily.rows),
    byModel: keyed(rep.models.rows),
    byProject: keyed(rep.projects.rows),
  };
  const truthRep = truthReport(truth);
  const vsCc = tokenDiffs(ourRep, ccRep);
  const vsTruth = tokenDiffs(ourRep, truthRep);
  const ccVsTruth = tokenDiffs(ccRep, truthRep);
  const cost = costDiff(ourRep, ccRep);

  // ---------------------------------------------------------------- report
  const coldRatio = cold.wallS / cc.wallS;
  const warmRatio = warm.wallS / cc.wallS;
  const rssRatio = cold.maxRssMb / cc.maxRssMb;
  const mbPerMRows = rows ? dbBytes / 1048576 / (rows / 1e6) : NaN;
  const pass = (ok) => (ok ? 'PASS' : 'FAIL');
  const checks = {
    cold: coldRatio <= COLD_TARGET,
    warm: warmRatio < WARM_TARGET,
    tokensVsCcusage: vsCc.length === 0,
    tokensVsTruth: vsTruth.length === 0,
    cost: Math.abs(cost) <= COST_TOLERANCE,
  };

  log();
  log(`AI Usage Dashboard benchmark — ${mb(truth.bytes.total)} corpus (${pct(truth.bytes.claude / truth.bytes.total)} Claude Code, ${truth.totals.requests.toLocaleString('en')} requests), ${runs} runs, medians`);
  log(`ccusage ${CCUSAGE_VERSION} (${path.basename(ccusage.cmd)} ${DAILY_ARGS.join(' ')}) vs node dist/cli.js import`);
  log(`${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load average before ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine makes timings noisy)`);
  log();
  const T = [
    ['', 'ccusage', 'ours', 'ours/ccusage', 'target', ''],
    ['cold (fresh db)', s(cc.wallS), s(cold.wallS), x(coldRatio), `≤ ${COLD_TARGET}×`, pass(checks.cold)],
    ['warm (nothing new)', s(cc.wallS), s(warm.wallS), x(warmRatio), `< ${WARM_TARGET}×`, pass(checks.warm)],
    ['CPU user+sys (cold)', s(cc.cpuS), s(cold.cpuS), x(cold.cpuS / cc.cpuS), '', ''],
    ['CPU user+sys (warm)', s(cc.cpuS), s(warm.cpuS), x(warm.cpuS / cc.cpuS), '', ''],
    ['peak RSS (cold)', `${cc.maxRssMb.toFixed(0)} MB`, `${cold.maxRssMb.toFixed(0)} MB`, x(rssRatio), '', ''],
    ['peak RSS (warm)', `${cc.maxRssMb.toFixed(0)} MB`, `${warm.maxRssMb.toFixed(0)} MB`, x(warm.maxRssMb / cc.maxRssMb), '', ''],
    ['database', '—', mb(dbBytes), '', '', ''],
    ['rows', '—', rows.toLocaleString('en'), '', '', ''],
    ['db size / M rows', '—', `${mbPerMRows.toFixed(0)} MB`, '', '', ''],
  ];
  log(table(T));
  const best = (xs) => Math.min(...xs.map((q) => q.wallS));
  log(`  ranges: ccusage ${range(ccSamples)}; cold ${range(coldSamples)}; warm ${range(warm.samples)}; best-of-${runs} ratios: cold ${x(best(coldSamples) / best(ccSamples))}, warm ${x(best(warm.samples) / best(ccSamples))}`);
  log(`  reports (--no-import): daily ${s(reportTimes.daily.wallS)}, models ${s(reportTimes.models.wallS)}, projects ${s(reportTimes.projects.wallS)}`);
  log();
  log('Accuracy (input = uncached input; tokens must match exactly):');
  log(`  ours vs ccusage, per day / model / project: ${vsCc.length ? `${vsCc.length} differences` : 'identical'}  ${pass(checks.tokensVsCcusage)}`);
  if (vsCc.length) log(formatDiffs(vsCc, 'ours', 'ccusage'));
  log(`  ours vs truth.json:                          ${vsTruth.length ? `${vsTruth.length} differences` : 'identical'}  ${pass(checks.tokensVsTruth)}`);
  if (vsTruth.length) log(formatDiffs(vsTruth, 'ours', 'truth'));
  log(`  ccusage vs truth.json:                       ${ccVsTruth.length ? `${ccVsTruth.length} differences` : 'identical'}`);
  if (ccVsTruth.length) log(formatDiffs(ccVsTruth, 'ccusage', 'truth'));
  log(`  total cost: ours $${ourRep.totals.cost.toFixed(2)}, ccusage $${ccRep.totals.cost.toFixed(2)} (${cost >= 0 ? '+' : ''}${(cost * 100).toFixed(3)} %, tolerance ±${COST_TOLERANCE * 100} %)  ${pass(checks.cost)}`);
  log(`  rows: ours ${rows.toLocaleString('en')}, truth ${truth.totals.requests.toLocaleString('en')} requests; report messages ${ourRep.totals.messages?.toLocaleString('en')}`);
  log(`  requests with total input > ${truth.longContextThreshold / 1000}k (long-context tier: ccusage prices per token above 200k, a per-request tier prices the whole request): ${truth.counts.longContextRequests} ${JSON.stringify(truth.counts.longContextByModel)}`);
  const ccM = canonical(ccRep).byModel;
  const ourM = canonical(ourRep).byModel;
  const costRows = [['cost by model', 'ccusage', 'ours', 'ours − ccusage']];
  for (const m of [...new Set([...Object.keys(ccM), ...Object.keys(ourM)])].sort()) {
    const a = ccM[m]?.cost ?? 0;
    const b = ourM[m]?.cost ?? 0;
    costRows.push([m, usd(a), usd(b), a ? `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(2)} %` : '']);
  }
  costRows.push(['total', usd(ccRep.totals.cost), usd(ourRep.totals.cost), `${cost >= 0 ? '+' : ''}${(cost * 100).toFixed(2)} %`]);
  log(table(costRows));
  const tier = longContextCostGap(truth.longContext ?? []);
  if (tier.requests) log(`  of which long context (${tier.requests} claude-sonnet-4-5 requests > 200k): a per-request tier bills $${tier.gap.toFixed(3)} more than ccusage's per-token one; sonnet ours − ccusage = $${((ourM['claude-sonnet-4-5']?.cost ?? 0) - (ccM['claude-sonnet-4-5']?.cost ?? 0)).toFixed(3)}`);
  log();

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${process.platform}-${process.arch}`, loadBefore, loadAfter: os.loadavg() },
    corpus: { root, sizeMb, seed, bytes: truth.bytes, sessions: truth.sessions, requests: truth.totals.requests, counts: truth.counts, models: MODELS },
    runs,
    ccusage: { version: CCUSAGE_VERSION, command: [path.basename(ccusage.cmd), ...DAILY_ARGS].join(' '), ...cc, samples: ccSamples },
    ours: {
      cold: { ...cold, samples: coldSamples },
      warm: { wallS: warm.wallS, maxRssMb: warm.maxRssMb, cpuS: warm.cpuS, samples: warm.samples },
      dbBytes,
      rows,
      mbPerMillionRows: mbPerMRows,
      reports: reportTimes,
      importReport: stripSources(importJson),
      warmImportReport: stripSources(warmJson),
    },
    ratios: { cold: coldRatio, warm: warmRatio, rss: rssRatio, coldCpu: cold.cpuS / cc.cpuS, warmCpu: warm.cpuS / cc.cpuS, coldBest: Math.min(...coldSamples.map((q) => q.wallS)) / Math.min(...ccSamples.map((q) => q.wallS)), warmBest: Math.min(...warm.samples.map((q) => q.wallS)) / Math.min(...ccSamples.map((q) => q.wallS)) },
    targets: { cold: COLD_TARGET, warm: WARM_TARGET, costTolerance: COST_TOLERANCE },
    accuracy: {
      oursVsCcusage: vsCc,
      oursVsTruth: vsTruth,
      ccusageVsTruth: ccVsTruth,
      cost: { ours: ourRep.totals.cost, ccusage: ccRep.totals.cost, relative: cost },
      totals: { ours: ourRep.totals, ccusage: ccRep.totals, truth: truth.totals },
    },
    checks,
  };
  fs.mkdirSync('.bench', { recursive: true });
  fs.writeFileSync('.bench/results.json', JSON.stringify(results, null, 1));
  const failed = Object.entries(checks).filter(([, ok]) => !ok).map(([k]) => k);
  log(failed.length ? `FAILED: ${failed.join(', ')}  (figures in .bench/results.json)` : 'All checks passed  (figures in .bench/results.json)');
  process.exitCode = failed.length ? 1 : 0;
}

// ---------------------------------------------------------------- helpers

/**
 * The cost gap the long-context tier alone explains, for claude-sonnet-4-5 (the only model in
 * MODELS with a >200k tier): Anthropic (and a per-request tier) bill every token of a request
 * whose total input exceeds 200k at the higher rates; ccusage bills, per token type, the first
 * 200k at the base rate and the rest at the higher one. USD per million tokens, list prices.
 */
function longContextCostGap(requests) {
  const base = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
  const high = { input: 6, output: 22.5, cacheRead: 0.6, cacheWrite: 7.5 };
  let gap = 0;
  let n = 0;
  for (const r of requests) {
    if (!r.model.startsWith('claude-sonnet-4-5')) continue;
    n++;
    for (const k of Object.keys(base)) {
      const perRequest = r[k] * high[k];
      const perToken = Math.min(r[k], 200_000) * base[k] + Math.max(0, r[k] - 200_000) * high[k];
      gap += (perRequest - perToken) / 1e6;
    }
  }
  return { requests: n, gap };
}
function summarize(samples) {
  const med = (k) => {
    const v = samples.map((x) => x[k]).sort((a, b) => a - b);
    const m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  };
  return { wallS: med('wallS'), maxRssMb: med('maxRssMb'), cpuS: med('cpuS') };
}
function pick(r) {
  return { inputTokens: r.inputTokens, outputTokens: r.outputTokens, cacheReadTokens: r.cacheReadTokens, cacheWriteTokens: r.cacheWriteTokens, cost: r.cost, messages: r.messages };
}
function keyed(rows) {
  const o = {};
  for (const r of rows) o[r.key] = pick(r);
  return o;
}
function stripSources(r) {
  if (!r) return r;
  const { sources, ...rest } = r;
  return { ...rest, sources: sources?.filter((x) => x.files || x.records).map(({ label, files, filesRead, bytesRead, records, changedRows, skipped, durationMs }) => ({ label, files, filesRead, bytesRead, records, changedRows, skipped, durationMs })) };
}
function usd(v) {
  return `$${v.toFixed(2)}`;
}
function mb(bytes) {
  return `${(bytes / 1048576).toFixed(0)} MB`;
}
function s(sec) {
  return sec < 10 ? `${sec.toFixed(2)} s` : `${sec.toFixed(1)} s`;
}
function x(r) {
  return `${r.toFixed(2)}×`;
}
function pct(f) {
  return `${(f * 100).toFixed(0)} %`;
}
function range(samples) {
  const w = samples.map((q) => q.wallS);
  return `${Math.min(...w).toFixed(2)}–${Math.max(...w).toFixed(2)} s`;
}
function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r) => '  ' + r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('   ')).join('\n');
}
