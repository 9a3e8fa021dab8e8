// The trickle: two windows' engines open one big store while a Claude Code session appends one
// line every 2 s. What each engine process costs (CPU from /proc/<pid>/stat, bytes written from
// /proc/<pid>/io, worker threads included) over the trickle, and whether both end with every
// appended request exactly once, in memory and on disk.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + system, all threads) and bytes written so far by a live process. */
export function processCost(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const io = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (k) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(io)?.[1] ?? NaN);
  return { cpuS: (Number(f[11]) + Number(f[12])) / CLK_TCK, writeBytes: field('write_bytes'), wchar: field('wchar') };
}

/** Runs `node bundle command json` to its end; resolves with its last stdout line as JSON. */
export function runChild(bundle, command, json, { env, log, label } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, command, JSON.stringify(json)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => {
      err.push(d);
      if (log) for (const line of String(d).split('\n').filter(Boolean)) log(`${label ? `[${label}] ` : ''}${line}`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8').trim();
      if (code !== 0) return reject(new Error(`${path.basename(bundle)} ${command} exited ${code}: ${Buffer.concat(err).toString('utf8').slice(-3000)}`));
      try {
        resolve(JSON.parse(text.split('\n').pop()));
      } catch {
        reject(new Error(`${path.basename(bundle)} ${command} printed no answer: ${text.slice(-500)}`));
      }
    });
  });
}

/** An engine process of the trickle, driven over IPC. */
function startEngine(engine, args, env, log, label) {
  const child = spawn(process.execPath, [engine.bundle, 'serve', JSON.stringify(args)], { env, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  child.stderr.on('data', (d) => {
    for (const line of String(d).split('\n').filter(Boolean)) log(`    [${label}] ${line}`);
  });
  let pending = null; // one question at a time
  let exited = null;
  child.on('message', (m) => {
    if (!pending) return;
    if (m.type === 'error') pending.reject(new Error(`${label}: ${m.message}`));
    else if (m.type === pending.type) pending.resolve(m);
  });
  child.on('exit', (code) => {
    exited = code;
    pending?.reject(new Error(`${label} exited (${code}) before answering`));
  });
  /** Resolves with the next message of `type` (sending `message` first, if given), or fails after `timeoutMs`. */
  const expect = (type, message, timeoutMs) =>
    new Promise((resolve, reject) => {
      if (exited !== null) return reject(new Error(`${label} has exited (${exited})`));
      const done = (fn) => (v) => {
        clearTimeout(timer);
        pending = null;
        fn(v);
      };
      const timer = setTimeout(() => done(reject)(new Error(`${label}: no "${type}" within ${timeoutMs / 1000} s`)), timeoutMs);
      pending = { type, resolve: done(resolve), reject: done(reject) };
      if (message) child.send(message);
    });
  return { child, label, expect, ready: expect('ready', null, 20 * 60_000) };
}

/** Is every appended request there exactly once (and nothing else)? */
function exactlyOnce(appended, live) {
  const got = new Set(live.ts);
  const missing = appended.filter((t) => !got.has(t)).length;
  const ok = missing === 0 && live.total === appended.length && live.ts.length === appended.length && new Set(live.ids).size === live.ids.length;
  return { ok, appended: appended.length, found: live.total, missing };
}

/**
 * One engine's trickle: `windows` processes on a copy of `storeDir`, `minutes` of appends.
 * @returns per process {cpuS, coreShare, writeBytes, wchar, check}, plus the on-disk check.
 */
export async function runTrickle({ engine, storeDir, dbName, workDir, minutes, intervalMs = 2000, windows = 2, tz, expectedRows, appender, log }) {
  fs.rmSync(workDir, { recursive: true, force: true });
  const storage = path.join(workDir, 'globalStorage');
  const home = path.join(workDir, 'home');
  fs.cpSync(storeDir, storage, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  const dbFile = path.join(storage, dbName);
  // Only the fake home: no real logs, no settings from this machine.
  const env = { PATH: process.env.PATH, HOME: home, TZ: 'UTC', LANG: 'C.UTF-8' };
  const { file } = await runChild(appender, 'prepare', { home }, { env });

  log(`  ${engine.name}: starting ${windows} engine processes on ${path.relative(process.cwd(), dbFile)} …`);
  const engines = Array.from({ length: windows }, (_, i) => startEngine(engine, { dbFile, home, tz }, env, log, `${engine.name} window ${i + 1}`));
  try {
    const t0 = Date.now();
    await Promise.all(engines.map((e) => e.ready));
    log(`  ${engine.name}: both open and imported in ${((Date.now() - t0) / 1000).toFixed(1)} s; appending one line every ${intervalMs / 1000} s for ${minutes} min …`);

    const count = Math.max(1, Math.round((minutes * 60_000) / intervalMs));
    const before = engines.map((e) => processCost(e.child.pid));
    const started = performance.now();
    const progress = setInterval(() => {
      const now = engines.map((e, i) => processCost(e.child.pid).cpuS - before[i].cpuS);
      const s = (performance.now() - started) / 1000;
      log(`    ${s.toFixed(0)} s: CPU ${now.map((c) => `${c.toFixed(1)} s (${((c / s) * 100).toFixed(0)} %)`).join(', ')}`);
    }, 60_000);
    let appended;
    try {
      ({ appended } = await runChild(appender, 'run', { file, count, intervalMs, tag: 'trickle' }, { env }));
      // The last line's import and save are part of the trickle's cost: one more beat for them.
      await new Promise((r) => setTimeout(r, intervalMs));
    } finally {
      clearInterval(progress);
    }
    const seconds = (performance.now() - started) / 1000;
    const after = engines.map((e) => processCost(e.child.pid));

    log(`  ${engine.name}: checking what each window holds …`);
    const checks = await Promise.all(engines.map((e) => e.expect('checked', { type: 'check', now: Date.now() }, 20 * 60_000)));
    const processes = engines.map((e, i) => {
      const cpuS = after[i].cpuS - before[i].cpuS;
      return {
        window: i + 1,
        pid: e.child.pid,
        cpuS,
        coreShare: cpuS / seconds,
        writeBytes: after[i].writeBytes - before[i].writeBytes,
        wchar: after[i].wchar - before[i].wchar,
        peakBytes: checks[i].peakBytes,
        stats: checks[i].stats,
        check: exactlyOnce(appended, checks[i].live),
      };
    });
    await Promise.all(engines.map((e) => e.expect('stopped', { type: 'stop' }, 10 * 60_000)));
    const disk = await runChild(engine.bundle, 'count', { dbFile, tz, now: Date.now() }, { env });
    const onDisk = { ...exactlyOnce(appended, disk.live), rows: disk.rows, expectedRows: expectedRows + appended.length };
    onDisk.ok &&= disk.rows === onDisk.expectedRows;
    return { engine: engine.name, seconds, appended: appended.length, intervalMs, processes, onDisk };
  } finally {
    for (const e of engines) if (e.child.exitCode === null) e.child.kill('SIGKILL');
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
