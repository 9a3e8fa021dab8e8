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

// Code most runs never need is loaded from a bundle of its own, at run time: `require()` calls of
// matching paths become `require('./<file>')` of a file beside the bundle. The CLI loads the price
// table (most of its size) only when it has something to price, so a warm `ai-usage import` starts
// without compiling it; the engine worker loads PostgreSQL's client and the OpenTelemetry SDK only
// once a team database or an OTLP endpoint is set up.
const apart = (routes) => ({
  name: 'apart',
  setup(build) {
    for (const [filter, file] of routes) build.onResolve({ filter }, (args) => (args.kind === 'require-call' ? { path: file, external: true } : undefined));
  },
});

const builds = [
  { ...nodeCommon, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  {
    ...nodeCommon,
    entryPoints: { engineWorker: 'src/extension/engineWorker.ts' },
    outdir: 'dist',
    external: ['vscode'],
    plugins: [apart([[/^\.\/backend$/, './teamBackend.js'], [/^\.\/otlpExport$/, './otlpExport.js']])],
  },
  { ...nodeCommon, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' }, plugins: [apart([[/\/core\/pricing$/, './pricing.js']])] },
  { ...nodeCommon, entryPoints: { pricing: 'src/core/pricing/index.ts' }, outdir: 'dist' },
  // The engine worker's team database side (PostgreSQL's client) and OpenTelemetry export.
  { ...nodeCommon, entryPoints: { teamBackend: 'src/core/team/backend.ts', otlpExport: 'src/core/telemetry/otlpExport.ts' }, outdir: 'dist' },
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
