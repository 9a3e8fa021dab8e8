// `ai-usage`: the usage engine in a terminal. Import, report, list sources, re-price.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runImport, type ImportReport } from '../core/engine/runImport';
import { listSources, nothingChanged, snapshotFiles, writeManifest, type SourceListing } from '../core/engine/quickCheck';
import { IMPORTERS } from '../core/importers/registry';
import { isSourceId, SOURCE_IDS, type SourceId } from '../core/model';
import { defaultDataDir, processSourceContext } from '../core/paths';
import type { Pricer, PriceOverrides } from '../core/pricing';
import { parsePriceOverrides } from '../core/pricing/overrides';
import { groupBy, series } from '../core/queries/aggregate';
import { groupBySession } from '../core/queries/sessions';
import { endOfLocalDay, resolveTimeZone, startOfLocalDay } from '../core/time/calendar';
import type { GroupBy, Granularity, Sums, UsageFilter } from '../core/queries/types';
import { describeSources } from '../core/engine/sourceStatus';
import { UsageStore } from '../core/store/usageStore';
import { formatBytes, formatInt, formatUsd } from '../core/format';
import { parseArgs, UsageError, type FlagSpec } from './args';
import { budgetCommand, limitsCommand, vscodeUserSettings } from './budgetCommand';
import { pricesUpdate, storedPriceTableFile } from './pricesCommand';
import { renderTable } from './table';

const HELP = `ai-usage — where does your AI money go?

Usage:
  ai-usage import  [--db FILE] [--prices FILE] [--source ID]... [--json]
  ai-usage report  daily|weekly|monthly|models|projects|sources|sessions|branches
                   [--db FILE] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--project PATH]...
                   [--model ID]... [--source ID]... [--branch NAME]... [--tz ZONE] [--json] [--no-import]
  ai-usage budget  [--db FILE] [--settings FILE] [--tz ZONE] [--json] [--no-import]
  ai-usage limits  [--db FILE] [--tz ZONE] [--json] [--no-import]
  ai-usage sources [--db FILE] [--json]
  ai-usage reprice [--db FILE] [--prices FILE] [--json]
  ai-usage prices update [--db FILE] [--prices FILE] [--url URL] [--json]
  ai-usage sync    [--db FILE] [--postgres URL] [--init] [--json] …  (ai-usage sync --help)

Options:
  --db FILE       the database (default: ${path.join(defaultDataDir(), 'usage.db')})
  --prices FILE   JSON price overrides, USD per million tokens (default: prices.json beside the database)
  --since/--until local calendar days, both included
  --project PATH  a project folder, its subfolders included (repeatable)
  --tz ZONE       IANA time zone for days, weeks and months (default: this machine's)
  --json          machine-readable output
  --no-import     report from the database as it is, without importing new usage first
  --url URL       where \`prices update\` fetches the genai-prices data file (default: the package's GitHub copy)
  --settings FILE a VS Code settings.json with "aiUsage.budgets" (default: VS Code's user settings)

Sources: ${SOURCE_IDS.filter((s) => s !== 'api').join(', ')}`;

const COMMON: Record<string, FlagSpec> = { db: { value: true }, json: {}, help: {} };
const SPECS: Record<string, Record<string, FlagSpec>> = {
  import: { ...COMMON, prices: { value: true }, source: { value: true, repeat: true } },
  report: {
    ...COMMON,
    prices: { value: true },
    since: { value: true },
    until: { value: true },
    project: { value: true, repeat: true },
    model: { value: true, repeat: true },
    source: { value: true, repeat: true },
    branch: { value: true, repeat: true },
    tz: { value: true },
    'no-import': {},
  },
  budget: { ...COMMON, prices: { value: true }, settings: { value: true }, tz: { value: true }, 'no-import': {} },
  limits: { ...COMMON, prices: { value: true }, tz: { value: true }, 'no-import': {} },
  sources: { ...COMMON },
  reprice: { ...COMMON, prices: { value: true } },
  prices: { ...COMMON, prices: { value: true }, url: { value: true } },
};

const REPORTS: Record<string, { period?: Granularity; group?: GroupBy; title: string }> = {
  daily: { period: 'day', title: 'Day' },
  weekly: { period: 'week', title: 'Week' },
  monthly: { period: 'month', title: 'Month' },
  models: { group: 'model', title: 'Model' },
  projects: { group: 'project', title: 'Project' },
  sources: { group: 'source', title: 'Source' },
  sessions: { group: 'session', title: 'Session' },
  branches: { group: 'branch', title: 'Branch' },
};

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

function one(flags: Map<string, string[]>, name: string): string | undefined {
  return flags.get(name)?.[0];
}

function sourcesOf(flags: Map<string, string[]>): SourceId[] | undefined {
  const list = flags.get('source');
  if (!list) return undefined;
  for (const s of list) if (!isSourceId(s)) throw new UsageError(`unknown source "${s}" (one of: ${SOURCE_IDS.join(', ')})`);
  return list as SourceId[];
}

function dbPathOf(flags: Map<string, string[]>): string {
  return path.resolve(one(flags, 'db') ?? path.join(defaultDataDir(), 'usage.db'));
}

async function openStore(flags: Map<string, string[]>): Promise<UsageStore> {
  const file = dbPathOf(flags);
  try {
    const st = await fs.stat(file);
    if (st.isDirectory()) throw new UsageError(`--db ${file} is a folder, not a database file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return await UsageStore.open(file);
  } catch (e) {
    throw new UsageError(`cannot open the database ${file}: ${(e as Error).message}`);
  }
}

/**
 * Reads and checks the price overrides now (bad files fail early); the price table itself (the
 * bundled one, or the one `prices update` stored beside the database) loads only when needed.
 */
async function loadPricer(
  flags: Map<string, string[]>,
  warn: (t: string) => void = (t) => process.stderr.write(`ai-usage: warning: ${t}\n`),
): Promise<() => Promise<Pricer>> {
  const explicit = one(flags, 'prices');
  const file = explicit ? path.resolve(explicit) : path.join(path.dirname(dbPathOf(flags)), 'prices.json');
  let overrides: PriceOverrides = {};
  let text: string | undefined;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if (explicit || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`cannot read price file ${file}: ${(e as Error).message}`);
  }
  if (text !== undefined) {
    try {
      overrides = parsePriceOverrides(JSON.parse(text));
    } catch (e) {
      throw new UsageError(`bad price file ${file}: ${(e as Error).message}`);
    }
  }
  // The bundled price table is large: a warm import with nothing new never loads it.
  return async () => {
    const pricing: typeof import('../core/pricing') = require('../core/pricing');
    const { pricer, warning } = pricing.pricerFor(overrides, storedPriceTableFile(dbPathOf(flags)));
    if (warning) warn(warning);
    return pricer;
  };
}

/**
 * Imports what is new. When the manifest shows that no source file and not the database changed
 * since the last import, the database is not even opened (see quickCheck.ts).
 */
async function doImport(flags: Map<string, string[]>, only?: SourceId[]): Promise<{ report: ImportReport; store?: UsageStore }> {
  const started = performance.now();
  const pricer = await loadPricer(flags);
  const ctx = processSourceContext();
  const importers = IMPORTERS.filter((i) => !only || only.includes(i.source));
  const listing = await listSources(importers, ctx);
  const files = snapshotFiles(listing);
  const dbFile = dbPathOf(flags);
  const quick = nothingChanged(dbFile, listing, files);
  if (quick) return { report: unchangedReport(listing, quick.rows, performance.now() - started) };
  const store = await openStore(flags);
  const worker = path.join(__dirname, 'parseWorker.js');
  const parseWorkerFile = existsSync(worker) ? worker : undefined; // absent when run from source (tests)
  const report = await runImport(store, { ctx, pricer, importers, listing, parseWorkerFile });
  // The next command reads the catalog and replays the journal: leave it short.
  await store.foldIfIdle();
  await writeManifest(dbFile, listing, files, report.totalRows);
  return { report, store };
}

function unchangedReport(listing: readonly SourceListing[], rows: number, ms: number): ImportReport {
  const sources = listing.map((l) => ({
    source: l.source,
    label: l.label,
    roots: l.roots,
    files: l.files.length,
    filesRead: 0,
    bytesRead: 0,
    records: 0,
    changedRows: 0,
    newRows: 0,
    skipped: 0,
    errors: [],
    durationMs: 0,
  }));
  const files = sources.reduce((a, s) => a + s.files, 0);
  const durationMs = Math.round(ms);
  return { sources, files, filesRead: 0, bytesRead: 0, records: 0, newRows: 0, changedRows: 0, skipped: 0, errors: [], durationMs, totalRows: rows };
}

function printImport(r: ImportReport, io: Io): void {
  const rows = r.sources.map((s) => [
    s.label,
    s.roots.some((x) => x.found) ? formatInt(s.files) : 'not found',
    formatInt(s.filesRead),
    formatBytes(s.bytesRead),
    formatInt(s.records),
    formatInt(s.changedRows),
    formatInt(s.skipped),
    `${s.durationMs} ms`,
  ]);
  io.out(
    renderTable(
      ['Source', 'Files', 'Read', 'Bytes', 'Records', 'Changed', 'Skipped', 'Time'],
      rows,
      ['Total', formatInt(r.files), formatInt(r.filesRead), formatBytes(r.bytesRead), formatInt(r.records), formatInt(r.changedRows), formatInt(r.skipped), `${r.durationMs} ms`],
      [false, true, true, true, true, true, true, true],
    ),
  );
  io.out(`\n${formatInt(r.newRows)} new rows; ${formatInt(r.totalRows)} in the database.`);
  for (const e of r.errors) io.err(`warning: ${e}`);
}

function filterOf(flags: Map<string, string[]>, tz: string): UsageFilter {
  const since = one(flags, 'since');
  const until = one(flags, 'until');
  const f: UsageFilter = {};
  try {
    if (since) f.from = startOfLocalDay(since, tz);
    if (until) f.to = endOfLocalDay(until, tz);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (f.from !== undefined && f.to !== undefined && f.from >= f.to) throw new UsageError('--since is after --until');
  const projects = flags.get('project');
  if (projects) f.projects = projects.map((p) => path.resolve(p));
  const models = flags.get('model');
  if (models) f.models = models;
  f.sources = sourcesOf(flags);
  const branches = flags.get('branch');
  if (branches) f.branches = branches;
  return f;
}

/** The stable JSON shape of a report row (documented in the README). */
function jsonSums(s: Sums): Omit<Sums, never> {
  return {
    inputTokens: s.inputTokens,
    outputTokens: s.outputTokens,
    cacheReadTokens: s.cacheReadTokens,
    cacheWriteTokens: s.cacheWriteTokens,
    totalTokens: s.totalTokens,
    cost: s.cost,
    messages: s.messages,
  };
}

async function report(kind: string | undefined, flags: Map<string, string[]>, io: Io): Promise<void> {
  const spec = kind ? REPORTS[kind] : undefined;
  if (!spec) throw new UsageError(`report needs one of: ${Object.keys(REPORTS).join(', ')}`);
  let tz: string;
  try {
    tz = resolveTimeZone(one(flags, 'tz'));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const filter = filterOf(flags, tz);
  let store: UsageStore | undefined;
  if (!flags.has('no-import')) {
    const r = await doImport(flags);
    for (const e of r.report.errors) io.err(`warning: ${e}`);
    store = r.store;
  }
  store ??= await openStore(flags);
  for (const w of store.warnings) io.err(`warning: ${w}`);
  const groups = spec.group === 'session' ? await groupBySession(store, filter) : spec.group ? groupBy(store.catalog, filter, spec.group, tz) : [];
  const rows = spec.period ? series(store.catalog, filter, spec.period, tz).map((p) => ({ key: p.key, ...jsonSums(p) })) : groups.map((g) => ({ key: g.key, ...jsonSums(g) }));
  await store.close();
  const totals = rows.reduce<Sums>(
    (t, r) => ({
      inputTokens: t.inputTokens + r.inputTokens,
      outputTokens: t.outputTokens + r.outputTokens,
      cacheReadTokens: t.cacheReadTokens + r.cacheReadTokens,
      cacheWriteTokens: t.cacheWriteTokens + r.cacheWriteTokens,
      totalTokens: t.totalTokens + r.totalTokens,
      cost: t.cost + r.cost,
      messages: t.messages + r.messages,
    }),
    { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, totalTokens: 0, cost: 0, messages: 0 },
  );
  if (flags.has('json')) {
    io.out(JSON.stringify({ rows, totals }));
    return;
  }
  if (!rows.length) {
    io.out('No usage in this range. Run `ai-usage sources` to see where usage is looked for.');
    return;
  }
  const cells = (s: Sums) => [
    formatInt(s.inputTokens),
    formatInt(s.outputTokens),
    formatInt(s.cacheReadTokens),
    formatInt(s.cacheWriteTokens),
    formatInt(s.totalTokens),
    formatUsd(s.cost),
    formatInt(s.messages),
  ];
  io.out(
    renderTable(
      [spec.title, 'Input', 'Output', 'Cache read', 'Cache write', 'Total tokens', 'Cost', 'Messages'],
      rows.map((r) => [r.key || '(unknown)', ...cells(r)]),
      ['Total', ...cells(totals)],
      [false, true, true, true, true, true, true, true],
    ),
  );
  io.out(`(times in ${tz})`);
}

async function sources(flags: Map<string, string[]>, io: Io): Promise<void> {
  const store = await openStore(flags);
  const list = await describeSources(store, IMPORTERS, processSourceContext());
  await store.close();
  if (flags.has('json')) {
    io.out(JSON.stringify(list));
    return;
  }
  for (const s of list) {
    io.out(`${s.label} (${s.source}): ${s.found ? 'found' : 'not found'}; ${formatInt(s.files)} files, ${formatInt(s.rows)} rows, ${formatInt(s.skipped)} skipped lines`);
    io.out(`  last import: ${s.lastImport ? new Date(s.lastImport).toLocaleString() : 'never'}${s.lastError ? `; last error: ${s.lastError}` : ''}`);
    for (const r of s.roots) io.out(`  ${r.found ? '✓' : '·'} ${r.path}`);
  }
}

async function reprice(flags: Map<string, string[]>, io: Io): Promise<void> {
  const store = await openStore(flags);
  const pricer = await (await loadPricer(flags))();
  const changed = await store.reprice((r) => pricer.price(r), pricer.fingerprint);
  const rows = store.rowCount();
  await store.close();
  if (flags.has('json')) io.out(JSON.stringify({ changedRows: changed, rows }));
  else io.out(`Re-priced ${formatInt(rows)} rows; ${formatInt(changed)} changed.`);
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      io.out(HELP);
      return 0;
    }
    if (command === 'sync') {
      // Loaded on use: the PostgreSQL client is not needed by any other command.
      const { runSyncCli }: typeof import('./sync') = require('./sync');
      const { StoreChangeFeed }: typeof import('../core/store/changeFeed') = require('../core/store/changeFeed');
      return await runSyncCli(rest, io, async (flags) => new StoreChangeFeed(await openStore(flags)));
    }
    const spec = SPECS[command];
    if (!spec) throw new UsageError(`unknown command "${command}" (try: ai-usage help)`);
    const { positionals, flags } = parseArgs(rest, spec);
    if (flags.has('help')) {
      io.out(HELP);
      return 0;
    }
    if (command === 'report') {
      if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
      await report(positionals[0], flags, io);
      return 0;
    }
    if (command === 'prices') {
      if (positionals[0] !== 'update' || positionals.length > 1) throw new UsageError('usage: ai-usage prices update [--db FILE] [--url URL] [--json]');
      const makePricer = await loadPricer(flags, (t) => io.err(`warning: ${t}`));
      await pricesUpdate({ dbFile: dbPathOf(flags), url: one(flags, 'url'), json: flags.has('json'), openStore: () => openStore(flags), makePricer, out: io.out });
      return 0;
    }
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (command === 'budget' || command === 'limits') {
      const tzOf = (tz: string | undefined) => {
        try {
          return resolveTimeZone(tz);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      };
      const openStoreImported = async () => {
        const store = flags.has('no-import') ? undefined : (await doImport(flags)).store;
        return store ?? openStore(flags);
      };
      const json = flags.has('json');
      if (command === 'limits') await limitsCommand({ json, tz: tzOf(one(flags, 'tz')), now: Date.now(), openStore: openStoreImported, out: io.out });
      else {
        const settings = one(flags, 'settings');
        await budgetCommand({
          settingsFile: settings ? path.resolve(settings) : vscodeUserSettings(),
          explicitSettings: !!settings,
          tz: one(flags, 'tz'),
          json,
          openStore: openStoreImported,
          resolveTz: tzOf,
          now: Date.now(),
          cwd: process.cwd(),
          out: io.out,
          err: (t) => io.err(t),
        });
      }
      return 0;
    }
    if (command === 'import') {
      const { report: r, store } = await doImport(flags, sourcesOf(flags));
      for (const w of store?.warnings ?? []) io.err(`warning: ${w}`);
      await store?.close();
      if (flags.has('json')) io.out(JSON.stringify(r));
      else printImport(r, io);
    } else if (command === 'sources') {
      await sources(flags, io);
    } else {
      await reprice(flags, io);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`ai-usage: ${e.message}`);
      return 2;
    }
    io.err(`ai-usage: ${(e as Error)?.message ?? String(e)}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`ai-usage: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
