// A fresh process (the CLI) pays for the sql.js wasm start-up and for loading the database just
// to learn that nothing changed. After each import it writes a small manifest beside the
// database: the stat of every source file it knew and of the database itself. The next run
// first compares those stats with the disk and opens the database only when something differs.
import * as fs from 'node:fs';
import type { SourceId } from '../model';
import type { Importer, SourceContext } from '../importers/types';
import { writeFileAtomic } from '../store/atomicFile';
import { storePaths } from '../store/storeFiles';

/** Bumped when the manifest's meaning changes: an old manifest then never matches. */
const VERSION = 2;

interface Stamp {
  size: number;
  mtimeMs: number;
}

export interface ImportManifest {
  version: number;
  /** The store's catalog and journal this manifest describes: a write by anyone else invalidates it. */
  db: (Stamp & { ino: number })[];
  /** Enabled sources and their roots when the manifest was written. */
  sources: string;
  /** Every source file, with a `-wal` beside SQLite files, as [size, mtimeMs] (absent: -1). */
  files: Record<string, [number, number]>;
  rows: number;
}

export interface SourceListing {
  source: SourceId;
  label: string;
  roots: { path: string; found: boolean }[];
  files: string[];
  /** Why listing failed, if it did (the import reports it). */
  error?: string;
}

export function manifestPath(dbFile: string): string {
  return `${dbFile}.files.json`;
}

/** Lists every enabled source's files (cheap: roots, directory walks). */
export async function listSources(importers: readonly Importer[], ctx: SourceContext): Promise<SourceListing[]> {
  const out: SourceListing[] = [];
  for (const imp of importers) {
    const roots = [...new Set(imp.roots(ctx))].map((p) => ({ path: p, found: fs.existsSync(p) }));
    const listing: SourceListing = { source: imp.source, label: imp.label, roots, files: [] };
    try {
      listing.files = await imp.listFiles(
        roots.filter((r) => r.found).map((r) => r.path),
        ctx,
      );
    } catch (e) {
      listing.error = e instanceof Error ? e.message : String(e);
    }
    out.push(listing);
  }
  return out;
}

function stampOf(file: string): [number, number] {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st ? [st.size, st.mtimeMs] : [-1, -1];
}

/** The files whose stats the manifest keeps: each listed file, and a database's write-ahead log. */
function watched(listing: readonly SourceListing[]): string[] {
  const out: string[] = [];
  for (const s of listing) {
    for (const f of s.files) {
      out.push(f);
      if (/\.(db|sqlite)$/i.test(f)) out.push(`${f}-wal`);
    }
  }
  return out;
}

function sourcesKey(listing: readonly SourceListing[]): string {
  // A listing error never matches a manifest: the full import must run and report it.
  return JSON.stringify(listing.map((s) => [s.source, s.roots.map((r) => [r.path, r.found]), s.error ?? null]));
}

/**
 * Stats of every watched file, taken BEFORE an import reads them: a file that grows during the
 * import then differs next time, and the next run imports it instead of trusting a stale manifest.
 */
export function snapshotFiles(listing: readonly SourceListing[]): Record<string, [number, number]> {
  const files: Record<string, [number, number]> = {};
  for (const f of watched(listing)) files[f] = stampOf(f);
  return files;
}

/** Records, after an import was saved, that `files` (as snapshotted before it) are all in the database. */
/** The catalog's and the journal's stats (a missing journal has none); undefined without a catalog. */
function storeStamps(dbFile: string): (Stamp & { ino: number })[] | undefined {
  const out: (Stamp & { ino: number })[] = [];
  for (const f of [dbFile, storePaths(dbFile).journal]) {
    const st = fs.statSync(f, { throwIfNoEntry: false });
    if (!st && f === dbFile) return undefined;
    out.push(st ? { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs } : { ino: -1, size: -1, mtimeMs: -1 });
  }
  return out;
}

export async function writeManifest(dbFile: string, listing: readonly SourceListing[], files: Record<string, [number, number]>, rows: number): Promise<void> {
  const db = storeStamps(dbFile);
  if (!db) return;
  const manifest: ImportManifest = { version: VERSION, db, sources: sourcesKey(listing), files, rows };
  await writeFileAtomic(manifestPath(dbFile), Buffer.from(JSON.stringify(manifest)));
}

/**
 * The manifest, when the database and every source file are exactly as it recorded them, so an
 * import would find nothing new. Any doubt (no manifest, unreadable, a new file) gives undefined.
 */
export function nothingChanged(dbFile: string, listing: readonly SourceListing[], files: Record<string, [number, number]>): ImportManifest | undefined {
  let m: ImportManifest;
  try {
    m = JSON.parse(fs.readFileSync(manifestPath(dbFile), 'utf8')) as ImportManifest;
  } catch {
    return undefined;
  }
  if (m.version !== VERSION || listing.some((s) => s.error) || m.sources !== sourcesKey(listing)) return undefined;
  const now = storeStamps(dbFile);
  if (!now || JSON.stringify(now) !== JSON.stringify(m.db)) return undefined;
  const listed = Object.entries(files);
  if (listed.length !== Object.keys(m.files).length) return undefined;
  for (const [f, [size, mtimeMs]] of listed) {
    const known = m.files[f];
    if (!known || size !== known[0] || mtimeMs !== known[1]) return undefined;
  }
  return m;
}
