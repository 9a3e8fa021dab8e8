// The two engines the scale bench compares, each a source tree with its built dist/ and a
// bundle of child.ts compiled with its adapter against that tree.
//
//   baseline: the engine at BASELINE_COMMIT, in a git worktree under .bench/scale/ (created,
//             `npm ci`-ed and built once, then reused)
//   current:  this checkout (built by `npm run bench:scale` before the bench starts)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

export const BASELINE_COMMIT = '151444b';
const HERE = path.dirname(new URL(import.meta.url).pathname);
export const REPO = path.resolve(HERE, '../..');
export const BENCH_DIR = path.join(REPO, '.bench', 'scale');
const BUILD_DIR = path.join(BENCH_DIR, 'build');

function run(cmd, args, cwd, log) {
  log(`  $ ${cmd} ${args.join(' ')}   (in ${path.relative(REPO, cwd) || '.'})`);
  // Their output goes to stderr: stdout is for the table.
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 2, 2], env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });
}

/** The baseline worktree, ready to build against: created, installed and built on first use. */
function ensureBaselineTree(log) {
  const dir = path.join(BENCH_DIR, `baseline-${BASELINE_COMMIT}`);
  const stamp = path.join(dir, '.bench-ready');
  if (fs.existsSync(stamp)) return dir;
  log(`baseline: preparing ${BASELINE_COMMIT} in ${path.relative(REPO, dir)} (once: git worktree, npm ci, build) …`);
  if (fs.existsSync(dir)) {
    // A half-made tree from an interrupted run: start again.
    try {
      execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: REPO, stdio: 'ignore' });
    } catch {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  execFileSync('git', ['worktree', 'prune'], { cwd: REPO });
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  run('git', ['worktree', 'add', '--quiet', '--detach', dir, BASELINE_COMMIT], REPO, log);
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], dir, log);
  run('node', ['esbuild.mjs'], dir, log);
  fs.writeFileSync(stamp, `${BASELINE_COMMIT}\n`);
  return dir;
}

/** Resolves `engine/...` against the tree's src/ and `scale-adapter` to the adapter file. */
function enginePlugin(treeSrc, adapterFile) {
  return {
    name: 'scale-engine',
    setup(build) {
      build.onResolve({ filter: /^scale-adapter$/ }, () => ({ path: adapterFile }));
      build.onResolve({ filter: /^engine\// }, async (args) => {
        const r = await build.resolve(`./${args.path.slice('engine/'.length)}`, { resolveDir: treeSrc, kind: args.kind });
        return r.errors.length ? { errors: r.errors } : { path: r.path };
      });
    },
  };
}

async function bundle(entry, outfile, { tree, adapter } = {}) {
  await esbuild.build({
    entryPoints: [path.join(HERE, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    plugins: tree ? [enginePlugin(path.join(tree, 'src'), adapter)] : [],
    define: tree ? { ENGINE_DIST: JSON.stringify(path.join(tree, 'dist')) } : {},
  });
}

/** A short hash of files' contents (what a cached store depends on). */
function hashFiles(files) {
  const h = createHash('sha256');
  for (const f of files.sort()) h.update(f).update('\0').update(fs.readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 10);
}

function filesUnder(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name));
}

/**
 * The engines to compare: their trees built, their child bundles compiled. `fingerprint` changes
 * whenever the engine, its adapter or the generator changes (cached stores are keyed on it).
 */
export async function prepareEngines(names, log) {
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  const shared = [path.join(HERE, 'engine.ts'), path.join(HERE, 'history.ts'), path.join(HERE, 'live.ts'), ...filesUnder(path.join(HERE, 'engines'))];
  const out = [];
  for (const name of names) {
    const tree = name === 'baseline' ? ensureBaselineTree(log) : REPO;
    const dist = path.join(tree, 'dist');
    for (const f of ['cli.js', 'engineWorker.js', 'parseWorker.js', 'sql-wasm.wasm']) {
      if (!fs.existsSync(path.join(dist, f))) throw new Error(`${path.join(dist, f)} is missing: build that tree first (npm run build)`);
    }
    const file = path.join(BUILD_DIR, `${name}.cjs`);
    await bundle('child.ts', file, { tree, adapter: path.join(HERE, 'engines', `${name}.ts`) });
    const treeFiles = name === 'baseline' ? [] : [...filesUnder(path.join(tree, 'src', 'core')), path.join(tree, 'package-lock.json')];
    const fingerprint = name === 'baseline' ? `${BASELINE_COMMIT}-${hashFiles(shared)}` : hashFiles([...shared, ...treeFiles]);
    out.push({ name, tree, dist, cli: path.join(dist, 'cli.js'), bundle: file, fingerprint });
  }
  return out;
}

/** The appender of the trickle (no engine in it). */
export async function prepareAppender() {
  const file = path.join(BUILD_DIR, 'append.cjs');
  await bundle('append.ts', file);
  return file;
}

/** The generator's version, for cache keys (read from its source: the bench itself is not compiled). */
export function generatorVersion() {
  const m = /GENERATOR_VERSION = (\d+)/.exec(fs.readFileSync(path.join(HERE, 'history.ts'), 'utf8'));
  if (!m) throw new Error('GENERATOR_VERSION not found in history.ts');
  return Number(m[1]);
}
