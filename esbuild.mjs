// Builds every bundle into dist/: the extension host, its engine worker, the CLI and the webview.
// `node esbuild.mjs --watch` rebuilds on change; `--dev` keeps bundles unminified with source maps.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const dev = watch || process.argv.includes('--dev');

// A fresh dist/ for every full build: nothing stale (old source maps, renamed bundles) gets packaged.
if (!watch) rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
// sql.js loads its wasm from a path we give it (wasmBinary), so ship the file beside the bundles.
copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
// The dashboard's icons: the webview may load files from dist/ only (localResourceRoots).
for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/${f}`);

const nodeCommon = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: dev,
  minify: !dev,
  logLevel: 'warning',
  // jsonc-parser's default entry is a UMD wrapper whose inner require() calls esbuild cannot follow.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};

// The CLI loads the price table (most of its size) only when it has something to price: a warm
// `ai-usage import` then starts without compiling it. Its require() of the pricing module is
// pointed at a bundle of its own.
const pricingApart = {
  name: 'pricing-apart',
  setup(build) {
    build.onResolve({ filter: /\/core\/pricing$/ }, (args) => (args.kind === 'require-call' ? { path: './pricing.js', external: true } : undefined));
  },
};

const builds = [
  { ...nodeCommon, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  { ...nodeCommon, entryPoints: { engineWorker: 'src/extension/engineWorker.ts' }, outdir: 'dist', external: ['vscode'] },
  { ...nodeCommon, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' }, plugins: [pricingApart] },
  { ...nodeCommon, entryPoints: { pricing: 'src/core/pricing/index.ts' }, outdir: 'dist' },
  // Reads big imports on worker threads, for the CLI and the extension's engine worker.
  { ...nodeCommon, entryPoints: { parseWorker: 'src/core/engine/parseWorker.ts' }, outdir: 'dist' },
].filter((b) => Object.values(b.entryPoints).every((p) => existsSync(p)));

if (existsSync('src/webview/main.ts')) {
  const { default: sveltePlugin } = await import('esbuild-svelte');
  builds.push({
    entryPoints: { webview: 'src/webview/main.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    conditions: ['svelte', 'browser'],
    mainFields: ['svelte', 'browser', 'module', 'main'],
    sourcemap: dev,
    minify: !dev,
    logLevel: 'warning',
    plugins: [sveltePlugin({ compilerOptions: { css: 'external', dev } })],
  });
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('watching…');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
