// Runs a command and measures its wall time, peak RSS and CPU time (user + sys).
// Peak RSS comes from GNU time (%M: max RSS of the process and its waited-for children)
// when /usr/bin/time exists, else from polling /proc/<pid>/status VmHWM (the process only; no
// CPU time then). CPU time is less disturbed than wall time by other work on the machine.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const GNU_TIME = '/usr/bin/time';
let hasGnuTime;
function gnuTimeAvailable() {
  if (hasGnuTime === undefined) {
    hasGnuTime = fs.existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M %U %S', 'true']).status === 0;
  }
  return hasGnuTime;
}

/**
 * @returns {Promise<{wallS:number, maxRssMb:number, cpuS:number, code:number, stdout:string, stderr:string}>}
 */
export function measure(cmd, args, { env, cwd } = {}) {
  const useTime = gnuTimeAvailable();
  const timeFile = path.join(os.tmpdir(), `bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const argv = useTime ? [GNU_TIME, '-f', '%M %U %S', '-o', timeFile, cmd, ...args] : [cmd, ...args];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    let hwmKb = 0;
    let cpuS = NaN;
    let poll;
    if (!useTime) {
      poll = setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
        } catch { /* exited */ }
      }, 10);
    }
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      if (poll) clearInterval(poll);
      if (useTime) {
        try {
          const lines = fs.readFileSync(timeFile, 'utf8').trim().split('\n');
          const [m, u, sy] = lines[lines.length - 1].split(' ').map(Number); // earlier lines: "Command exited with non-zero status"
          hwmKb = m;
          cpuS = u + sy;
        } catch { /* leave 0 */ }
        fs.rmSync(timeFile, { force: true });
      }
      resolve({ wallS, maxRssMb: hwmKb / 1024, cpuS, code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** A store's size on disk: every file in its folder (catalog, journal, month files, lock tickets, manifest). */
export function dirBytes(dir) {
  let total = 0;
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) total += fs.statSync(path.join(e.parentPath ?? e.path, e.name)).size;
  return total;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` (which returns a measure() result) `runs` times; medians plus all samples. */
export async function repeat(runs, fn, label, log = console.error) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const r = await fn(i);
    if (r.code !== 0) throw new Error(`${label}: exit ${r.code}\n${r.stderr.slice(-2000)}`);
    samples.push({ wallS: r.wallS, maxRssMb: r.maxRssMb, cpuS: r.cpuS });
    log(`  ${label} #${i + 1}: ${r.wallS.toFixed(2)} s, ${r.maxRssMb.toFixed(0)} MB`);
  }
  return {
    wallS: median(samples.map((s) => s.wallS)),
    maxRssMb: median(samples.map((s) => s.maxRssMb)),
    cpuS: median(samples.map((s) => s.cpuS)),
    samples,
  };
}
