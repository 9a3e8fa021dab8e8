// ccusage, the reference: installed on demand into .bench/ccusage (never a project dependency),
// run on the corpus, and its JSON reduced to the shape we compare:
//   { totals, byDay, byModel, byProject }, each sums = { inputTokens, outputTokens,
//   cacheReadTokens, cacheWriteTokens, cost }, inputTokens being uncached input.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { measure } from './measure.mjs';

export const CCUSAGE_VERSION = '20.0.24';
const PREFIX = path.resolve('.bench/ccusage');

/**
 * Installs ccusage if needed. Returns the command to run: its native binary (what the npm
 * `ccusage` launcher spawns), so the timing excludes the launcher's Node start-up.
 */
export function ensureCcusage(log = console.error) {
  const pkg = path.join(PREFIX, 'node_modules', 'ccusage', 'package.json');
  const installed = fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).version === CCUSAGE_VERSION;
  if (!installed) {
    log(`installing ccusage@${CCUSAGE_VERSION} into ${PREFIX} …`);
    fs.mkdirSync(PREFIX, { recursive: true });
    execFileSync('npm', ['install', '--prefix', PREFIX, '--no-audit', '--no-fund', `ccusage@${CCUSAGE_VERSION}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const req = createRequire(pkg);
  const native = `@ccusage/ccusage-${process.platform}-${process.arch}`;
  try {
    const dir = path.dirname(req.resolve(`${native}/package.json`));
    const bin = path.join(dir, 'bin', process.platform === 'win32' ? 'ccusage.exe' : 'ccusage');
    if (fs.existsSync(bin)) {
      // npm may unpack it without the execute bit; ccusage's launcher sets it the same way.
      if (process.platform !== 'win32' && !(fs.statSync(bin).mode & 0o111)) fs.chmodSync(bin, 0o755);
      return { cmd: bin, args: [] };
    }
  } catch { /* no native package for this platform: use the launcher */ }
  return { cmd: process.execPath, args: [path.join(PREFIX, 'node_modules', 'ccusage', 'src', 'cli.js')] };
}

/** Environment that makes ccusage read only the corpus. */
export function ccusageEnv(root, fakeHome) {
  return {
    PATH: process.env.PATH,
    HOME: fakeHome,
    TZ: 'UTC',
    NO_COLOR: '1',
    CLAUDE_CONFIG_DIR: path.join(root, 'claude'),
    CODEX_HOME: path.join(root, 'codex'),
  };
}

/** The timed command: one unified daily report over every detected agent (Claude + Codex). */
export const DAILY_ARGS = ['daily', '--json', '--offline', '--timezone', 'UTC'];

export function runCcusage(bin, args, env) {
  return measure(bin.cmd, [...bin.args, ...args], { env });
}

async function json(bin, args, env) {
  const r = await runCcusage(bin, args, env);
  if (r.code !== 0) throw new Error(`ccusage ${args.join(' ')}: exit ${r.code}\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout);
}

const zero = () => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cost: 0 });
function addTo(map, key, row, cost) {
  const s = (map[key] ??= zero());
  s.inputTokens += row.inputTokens ?? 0;
  s.outputTokens += row.outputTokens ?? 0;
  s.cacheReadTokens += row.cacheReadTokens ?? 0;
  s.cacheWriteTokens += row.cacheCreationTokens ?? 0;
  s.cost += cost ?? 0;
}

/**
 * Runs the reports needed for the comparison (untimed) and normalises them.
 * Per project: ccusage has no project view that spans both agents, so Claude comes from
 * `claude daily --instances` (keyed by the encoded project directory) and Codex from
 * `codex session` (keyed by rollout file); the generator's maps turn both into cwd paths.
 */
export async function ccusageReports(bin, env, truth) {
  const daily = await json(bin, DAILY_ARGS, env);
  const byDay = {};
  const byModel = {};
  for (const d of daily.daily) {
    addTo(byDay, d.period ?? d.date, d, d.totalCost);
    for (const m of d.modelBreakdowns ?? []) addTo(byModel, m.modelName, m, m.cost);
  }
  const totals = {};
  addTo(totals, 'all', daily.totals, daily.totals.totalCost);

  const byProject = {};
  const claude = await json(bin, ['claude', 'daily', '--instances', '--json', '--offline', '--timezone', 'UTC'], env);
  for (const [dir, rows] of Object.entries(claude.projects ?? {})) {
    for (const r of rows) addTo(byProject, truth.claudeProjectDirs[dir] ?? `?claude:${dir}`, r, r.totalCost);
  }
  const codex = await json(bin, ['codex', 'session', '--json', '--offline', '--timezone', 'UTC'], env);
  for (const s of codex.sessions ?? []) {
    const stem = path.basename(s.sessionFile ?? s.sessionId);
    addTo(byProject, truth.codexFiles[stem] ?? `?codex:${stem}`, s, s.costUSD);
  }
  return { totals: totals.all, byDay, byModel, byProject, raw: { daily } };
}
