// The catalog database: everything except the requests themselves. Dimensions (as small ids with
// running totals), the 15-minute rollups every chart and total is answered from, import cursors,
// source runs, the list of month files, and the change log team sync reads.
import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { limitHitKey, type FileCursor, type LimitHit, type LimitObservation, type SourceId } from '../model';
import { monthOf, monthStart, PART_COLUMNS, PART_PLACEHOLDERS, valuesOf, type Month, type Partition, type PartRow } from './partition';
import { CATALOG_SCHEMA, createCatalogSchema, tune, userVersion } from './schema';
import { ZoneClock } from '../time/zoneClock';
import { localBucketSql, localDay, SLOT_MS, SLOTS_PER_DAY } from '../time/zoneSql';
import { COST_SOURCE_MASK, FLAG_APPROXIMATE } from './storedRow';
import { SqlFile } from './sqlFile';

export { SLOT_MS };
const CACHE_KIB = 4096;

export interface SourceRunInfo {
  source: SourceId;
  roots: { path: string; found: boolean }[];
  files: number;
  lastImport: number;
  lastError?: string;
}

export interface FileStats {
  records: number;
  skipped: number;
  /** The file was read again from the start: these counts replace the stored ones instead of adding to them. */
  reread?: boolean;
}

/** What a row contributes to its rollup (in its 15-minute slot): the key dimensions and the sums. */
export interface RollupInput {
  project: number;
  model: number;
  source: number;
  branch: number;
  requests: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
  reasoning: number;
  cost: number;
  flags: number;
}

/** The summed columns of both rollup tables, in the order of a delta's first twelve fields. */
const ROLLUP_SUMS = ['rows', 'requests', 'input', 'output', 'cache_read', 'cache_write', 'cache_write_1h', 'reasoning', 'cost', 'reported_cost', 'unpriced', 'approximate'];
const DELTA_FIELDS = ROLLUP_SUMS.length;
type Delta = number[];

export class NewerSchemaError extends Error {}

/** Rows kept per month in top_cost: the first pages of the table sorted by cost, most expensive first. */
export const TOP_ROWS = 1000;

/** Zones with day rollups besides UTC (a window, the CLI and a second window may each use another). */
const MAX_ZONES = 3;

export class Catalog extends SqlFile {
  private readonly dimIds = new Map<string, number>();
  private deltas = new Map<string, Delta>();
  private touchedSlots = new Set<number>();
  private dimTotals = new Map<string, [number, number, number]>();
  private sessionSpans = new Map<number, [number, number]>();
  private monthRows = new Map<Month, number>();

  private constructor(db: Database) {
    super(db, CACHE_KIB);
  }

  static create(SQL: SqlJsStatic): Catalog {
    const db = tune(new SQL.Database(), CACHE_KIB);
    createCatalogSchema(db);
    return new Catalog(db);
  }

  /** Opens a catalog image; throws NewerSchemaError for a newer schema, another Error for anything unreadable. */
  static load(SQL: SqlJsStatic, bytes: Uint8Array): Catalog {
    const db = new SQL.Database(bytes);
    try {
      tune(db, CACHE_KIB);
      const version = userVersion(db);
      if (version > CATALOG_SCHEMA) {
        throw new NewerSchemaError(`The usage database was written by a newer version of AI Usage Dashboard (schema ${version}); update the extension or CLI.`);
      }
      if (version !== CATALOG_SCHEMA) throw new Error(`unexpected catalog schema ${version}`);
      db.exec('SELECT slot FROM rollup LIMIT 1');
    } catch (e) {
      db.close();
      throw e;
    }
    return new Catalog(db);
  }

  /** Opens a write transaction; rollups and totals accumulate in memory until `commit`. */
  begin(): void {
    this.db.run('BEGIN');
  }

  commit(): void {
    this.flush();
    this.db.run('COMMIT');
  }

  rollback(): void {
    this.db.run('ROLLBACK');
    this.copyAliases = undefined;
    this.floors.clear();
    this.dimIds.clear(); // may name rows the rollback removed
    this.deltas.clear();
    this.touchedSlots.clear();
    this.dimTotals.clear();
    this.sessionSpans.clear();
    this.monthRows.clear();
    this.changeVersion = undefined;
  }

  transaction<T>(fn: () => T): T {
    this.begin();
    try {
      const out = fn();
      this.commit();
      return out;
    } catch (e) {
      this.rollback();
      throw e;
    }
  }

  // ---- dimensions ---------------------------------------------------------------------

  private dim(table: 'sources' | 'projects' | 'branches', column: string, value: string): number {
    const key = `${table}\0${value}`;
    let id = this.dimIds.get(key);
    if (id === undefined) {
      const found = this.one(`SELECT id FROM ${table} WHERE ${column} = ?`, [value]);
      if (found) id = Number(found[0]);
      else {
        this.stmt(`INSERT INTO ${table} (${column}) VALUES (?)`).run([value]);
        id = Number(this.one('SELECT last_insert_rowid()')![0]);
      }
      this.dimIds.set(key, id);
    }
    return id;
  }

  /** A stored source's or project's id, without creating one. */
  knownId(table: 'sources' | 'projects', value: string): number | undefined {
    const r = this.one(`SELECT id FROM ${table} WHERE ${table === 'sources' ? 'name' : 'path'} = ?`, [value]);
    return r ? Number(r[0]) : undefined;
  }

  sourceId(source: string): number {
    return this.dim('sources', 'name', source);
  }

  projectId(path: string): number {
    return this.dim('projects', 'path', path);
  }

  branchId(name: string): number {
    return name ? this.dim('branches', 'name', name) : 0;
  }

  /** A raw model id's row; its normalised id and price fallback follow the latest pricing. */
  modelId(raw: string, model: string, pricedAs: string | null): number {
    const key = `models\0${raw}\0${model}\0${pricedAs ?? ''}`;
    let id = this.dimIds.get(key);
    if (id === undefined) {
      const found = this.one('SELECT id, model, priced_as FROM models WHERE raw = ?', [raw]);
      if (found) {
        id = Number(found[0]);
        if (found[1] !== model || found[2] !== pricedAs) this.stmt('UPDATE models SET model = ?, priced_as = ? WHERE id = ?').run([model, pricedAs, id]);
      } else {
        this.stmt('INSERT INTO models (raw, model, priced_as) VALUES (?, ?, ?)').run([raw, model, pricedAs]);
        id = Number(this.one('SELECT last_insert_rowid()')![0]);
      }
      this.dimIds.set(key, id);
    }
    return id;
  }

  /** A session's id; its time bounds widen to include `ts` (written with the transaction). */
  sessionId(session: string, ts: number): number {
    const key = `sessions\0${session}`;
    let id = this.dimIds.get(key);
    if (id === undefined) {
      const found = this.one('SELECT id FROM sessions WHERE session = ?', [session]);
      if (found) id = Number(found[0]);
      else {
        this.stmt('INSERT INTO sessions (session, first_ts, last_ts) VALUES (?, ?, ?)').run([session, ts, ts]);
        id = Number(this.one('SELECT last_insert_rowid()')![0]);
      }
      this.dimIds.set(key, id);
    }
    const b = this.sessionSpans.get(id);
    if (!b) this.sessionSpans.set(id, [ts, ts]);
    else {
      if (ts < b[0]) b[0] = ts;
      if (ts > b[1]) b[1] = ts;
    }
    return id;
  }

  /** A session's id if it is stored (never creates one). */
  knownSessionId(session: string): number | undefined {
    const cached = this.dimIds.get(`sessions\0${session}`);
    if (cached !== undefined) return cached;
    const found = this.one('SELECT id FROM sessions WHERE session = ?', [session]);
    return found ? Number(found[0]) : undefined;
  }

  sessionBounds(id: number): { first: number; last: number } | undefined {
    const r = this.one('SELECT first_ts, last_ts FROM sessions WHERE id = ?', [id]);
    if (!r) return undefined;
    const pending = this.sessionSpans.get(id);
    return { first: Math.min(Number(r[0]), pending?.[0] ?? Infinity), last: Math.max(Number(r[1]), pending?.[1] ?? -Infinity) };
  }

  // ---- rollups and running totals (accumulated in memory, written once per transaction) ----

  /** Adds (sign 1) or removes (sign -1) a row's contribution. */
  count(r: RollupInput, slot: number, sign: 1 | -1): void {
    const key = `${slot}|${r.project}|${r.model}|${r.source}|${r.branch}`;
    let d = this.deltas.get(key);
    if (!d) this.deltas.set(key, (d = new Array<number>(DELTA_FIELDS).fill(0)));
    const costSource = r.flags & COST_SOURCE_MASK;
    d[0] += sign;
    d[1] += sign * r.requests;
    d[2] += sign * r.input;
    d[3] += sign * r.output;
    d[4] += sign * r.cacheRead;
    d[5] += sign * r.cacheWrite;
    d[6] += sign * r.cacheWrite1h;
    d[7] += sign * r.reasoning;
    d[8] += sign * r.cost;
    d[9] += costSource === 1 ? sign * r.cost : 0;
    d[10] += costSource === 2 ? sign * r.requests : 0;
    d[11] += r.flags & FLAG_APPROXIMATE ? sign * r.requests : 0;
  }

  /** Records a deleted row for team sync. */
  tombstone(id: bigint, slot: number): void {
    this.stmt('INSERT OR REPLACE INTO tombstones (id, slot, version) VALUES (?, ?, ?)').run([id, slot, this.nextChangeVersion()]);
    this.touchedSlots.add(slot);
  }

  private changeVersion: number | undefined;

  private nextChangeVersion(): number {
    this.changeVersion ??= Number(this.getMeta('change_version') ?? 0) + 1;
    return this.changeVersion;
  }

  /**
   * Adds rows of integers to a table, summing into rows that exist. The values are inlined as SQL
   * literals, many rows a statement: binding each of thousands of small upserts cost more in
   * sql.js than SQLite spends parsing the text.
   */
  private addInto(table: string, keys: readonly string[], sums: readonly string[], rows: readonly number[][]): void {
    const cols = [...keys, ...sums];
    const update = sums.map((c) => `${c} = ${c} + excluded.${c}`).join(', ');
    for (let i = 0; i < rows.length; i += 400) {
      const values = rows
        .slice(i, i + 400)
        .map((r) => `(${r.map((n) => (Number.isSafeInteger(n) ? n : Math.round(n) || 0)).join(',')})`)
        .join(',');
      this.db.run(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${values} ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${update}`);
    }
  }

  /** What the deltas change besides the rollups: dimension totals, rows per month, touched slots. */
  private deriveFromDeltas(): void {
    const add = (k: string, d: Delta) => {
      let t = this.dimTotals.get(k);
      if (!t) this.dimTotals.set(k, (t = [0, 0, 0]));
      t[0] += d[0];
      t[1] += d[1];
      t[2] += d[8];
    };
    for (const [key, d] of this.deltas) {
      const [slot, project, model, source, branch] = key.split('|').map(Number);
      this.touchedSlots.add(slot);
      const month = monthOf(slot * SLOT_MS);
      this.monthRows.set(month, (this.monthRows.get(month) ?? 0) + d[0]);
      add(`sources\0${source}`, d);
      add(`projects\0${project}`, d);
      add(`models\0${model}`, d);
      if (branch) add(`branches\0${branch}`, d);
    }
  }

  private flush(): void {
    this.deriveFromDeltas();
    if (this.deltas.size) {
      const live = [...this.deltas].filter(([, d]) => d.some((x) => x !== 0));
      this.addInto(
        'rollup',
        ['slot', 'project', 'model', 'source', 'branch'],
        ROLLUP_SUMS,
        live.map(([key, d]) => [...key.split('|').map(Number), ...d.slice(0, 12)]),
      );
      this.db.run('DELETE FROM rollup WHERE rows = 0 AND slot IN (' + [...new Set(live.map(([k]) => Number(k.split('|')[0])))].join(',') + ')');
      this.flushDays(live);
      this.deltas.clear();
    }
    for (const [k, t] of this.dimTotals) {
      const [table, id] = k.split('\0');
      this.stmt(`UPDATE ${table} SET rows = rows + ?, requests = requests + ?, cost = cost + ? WHERE id = ?`).run([t[0], t[1], t[2], Number(id)]);
    }
    this.dimTotals.clear();
    for (const [id, [first, last]] of this.sessionSpans) {
      this.stmt('UPDATE sessions SET first_ts = min(first_ts, ?), last_ts = max(last_ts, ?) WHERE id = ?').run([first, last, id]);
    }
    this.sessionSpans.clear();
    for (const [month, n] of this.monthRows) {
      if (n) this.stmt(`INSERT INTO partitions (month, file, rows, bytes) VALUES (?, '', ?, 0) ON CONFLICT (month) DO UPDATE SET rows = rows + excluded.rows`).run([month, n]);
    }
    this.monthRows.clear();
    if (this.touchedSlots.size) {
      const version = this.nextChangeVersion();
      const slots = [...this.touchedSlots];
      for (let i = 0; i < slots.length; i += 1000) {
        const values = slots.slice(i, i + 1000).map((slot) => `(${slot},${version})`).join(',');
        this.db.run(`INSERT INTO changes (slot, version) VALUES ${values} ON CONFLICT (slot) DO UPDATE SET version = excluded.version`);
      }
      this.setMeta('change_version', String(version));
      this.touchedSlots.clear();
    }
    this.changeVersion = undefined;
  }

  /** The slot deltas, per local day of every zone kept. */
  private flushDays(live: [string, Delta][]): void {
    for (const [id, name] of this.all('SELECT id, name FROM zones')) {
      const clock = ZoneClock.of(String(name));
      const byDay = new Map<string, number[]>();
      for (const [key, d] of live) {
        const [slot, ...dims] = key.split('|').map(Number);
        const k = `${localDay(clock, slot)}|${dims.join('|')}`;
        const sum = byDay.get(k);
        if (!sum) byDay.set(k, d.slice(0, 12));
        else for (let i = 0; i < 12; i++) sum[i] += d[i];
      }
      this.addInto(
        'day_rollup',
        ['zone', 'day', 'project', 'model', 'source', 'branch'],
        ROLLUP_SUMS,
        [...byDay].map(([k, d]) => [Number(id), ...k.split('|').map(Number), ...d]),
      );
      const days = new Set([...byDay.keys()].map((k) => Number(k.split('|')[0])));
      if (days.size) this.db.run(`DELETE FROM day_rollup WHERE zone = ? AND rows = 0 AND day IN (${[...days].join(',')})`, [Number(id)]);
    }
  }

  /**
   * The id of a zone's day rollups, built from the slots the first time it is asked for (one
   * pass over the rollups). At most MAX_ZONES are kept besides UTC: the least used goes.
   */
  dayZone(tz: string): number {
    const found = this.one('SELECT id FROM zones WHERE name = ?', [tz]);
    const now = Date.now();
    if (found) {
      this.stmt('UPDATE zones SET used = ? WHERE id = ?').run([now, Number(found[0])]);
      return Number(found[0]);
    }
    const extra = this.all('SELECT id FROM zones WHERE id != 1 ORDER BY used');
    for (const [old] of extra.slice(0, Math.max(0, extra.length - MAX_ZONES + 1))) {
      this.db.run('DELETE FROM day_rollup WHERE zone = ?', [Number(old)]);
      this.db.run('DELETE FROM zones WHERE id = ?', [Number(old)]);
    }
    this.stmt('INSERT INTO zones (name, used) VALUES (?, ?)').run([tz, now]);
    const id = Number(this.one('SELECT last_insert_rowid()')![0]);
    const [lo, hi] = this.all('SELECT MIN(slot), MAX(slot) FROM rollup')[0];
    if (lo !== null) {
      const day = localBucketSql(ZoneClock.of(tz), 'slot', Number(lo), Number(hi) + 1, SLOTS_PER_DAY);
      this.db.run(
        `INSERT INTO day_rollup SELECT ${id}, ${day}, project, model, source, branch, SUM(rows), SUM(requests), SUM(input), SUM(output),
           SUM(cache_read), SUM(cache_write), SUM(cache_write_1h), SUM(reasoning), SUM(cost), SUM(reported_cost), SUM(unpriced), SUM(approximate)
         FROM rollup GROUP BY 2, 3, 4, 5, 6`,
      );
    }
    return id;
  }

  // ---- month files ----------------------------------------------------------------------

  partitions(): Map<Month, { file: string; rows: number; bytes: number }> {
    const out = new Map<Month, { file: string; rows: number; bytes: number }>();
    for (const [m, file, rows, bytes] of this.all('SELECT month, file, rows, bytes FROM partitions')) {
      out.set(Number(m), { file: String(file), rows: Number(rows), bytes: Number(bytes) });
    }
    return out;
  }

  /** After a month was written to `file` (its row count is kept up to date by every change). */
  setPartitionFile(month: Month, file: string, bytes: number): void {
    this.stmt(`INSERT INTO partitions (month, file, rows, bytes) VALUES (?, ?, 0, ?) ON CONFLICT (month) DO UPDATE SET file = excluded.file, bytes = excluded.bytes`).run([month, file, bytes]);
  }

  /** Removes a month that could not be read: its rollups, and the totals they fed. */
  forgetMonth(month: Month): void {
    const from = Math.floor(monthStart(month) / SLOT_MS);
    const to = Math.floor(monthStart(month + 1) / SLOT_MS);
    this.db.run('DELETE FROM rollup WHERE slot >= ? AND slot < ?', [from, to]);
    // Day rollups are rebuilt from the slots on next use.
    this.db.run('DELETE FROM day_rollup');
    this.db.run('DELETE FROM zones WHERE id != 1');
    this.db.run(`INSERT INTO day_rollup SELECT 1, slot / ${SLOTS_PER_DAY}, project, model, source, branch, SUM(rows), SUM(requests), SUM(input), SUM(output),
        SUM(cache_read), SUM(cache_write), SUM(cache_write_1h), SUM(reasoning), SUM(cost), SUM(reported_cost), SUM(unpriced), SUM(approximate)
      FROM rollup GROUP BY 2, 3, 4, 5, 6`);
    this.db.run('DELETE FROM partitions WHERE month = ?', [month]);
    this.db.run('DELETE FROM copies WHERE month = ?', [month]);
    this.db.run('DELETE FROM top_cost WHERE month = ?', [month]);
    this.copyAliases = undefined;
    this.floors.delete(month);
    for (const [table, column] of [['sources', 'source'], ['projects', 'project'], ['models', 'model'], ['branches', 'branch']]) {
      this.db.run(`UPDATE ${table} SET rows = COALESCE((SELECT SUM(rows) FROM rollup WHERE ${column} = ${table}.id), 0),
        requests = COALESCE((SELECT SUM(requests) FROM rollup WHERE ${column} = ${table}.id), 0),
        cost = COALESCE((SELECT SUM(cost) FROM rollup WHERE ${column} = ${table}.id), 0)`);
    }
    for (let slot = from; slot < to; slot++) this.touchedSlots.add(slot);
  }

  // ---- each month's most expensive rows ---------------------------------------------------

  /** The cost a row needs to be among its month's kept top rows (-1: fewer than TOP_ROWS kept, any cost does). */
  private floors = new Map<Month, number>();

  private topFloor(month: Month): number {
    let f = this.floors.get(month);
    if (f === undefined) {
      const [n, min] = this.one('SELECT count(*), MIN(cost) FROM top_cost WHERE month = ?', [month])!;
      f = Number(n) < TOP_ROWS ? -1 : Number(min);
      this.floors.set(month, f);
    }
    return f;
  }

  /** Months whose changes reached their most expensive rows: their kept copy is renewed (inside the write's transaction). */
  renewTopRows(parts: Iterable<Partition>): void {
    for (const p of parts) {
      this.topBehind.delete(p);
      if (p.costTouched < 0) continue;
      if (p.costTouched >= this.topFloor(p.month)) this.setTopRows(p.month, p.topRows(TOP_ROWS));
      p.costTouched = -1;
    }
  }

  /**
   * The same, put off until `renewDeferredTopRows` (a large write renews each month once, not
   * once a batch); until then table pages read those months' own rows (`topRowsBehind`).
   */
  deferTopRows(parts: Iterable<Partition>): void {
    for (const p of parts) if (p.costTouched >= 0) this.topBehind.add(p);
  }

  renewDeferredTopRows(): void {
    this.renewTopRows([...this.topBehind]);
  }

  /** Whether the month's kept top rows may miss some of its rows (see `deferTopRows`). */
  topRowsBehind(month: Month): boolean {
    for (const p of this.topBehind) if (p.month === month) return true;
    return false;
  }

  private readonly topBehind = new Set<Partition>();

  private setTopRows(month: Month, rows: PartRow[]): void {
    this.db.run('DELETE FROM top_cost WHERE month = ?', [month]);
    const ins = this.stmt(`INSERT INTO top_cost (month, ${PART_COLUMNS}) VALUES (?, ${PART_PLACEHOLDERS})`);
    for (const r of rows) ins.run([month, ...valuesOf(r)]);
    this.floors.set(month, rows.length < TOP_ROWS ? -1 : Math.min(...rows.map((r) => r.cost)));
  }

  // ---- where copies live ------------------------------------------------------------------

  /** Aliases that have copies (few): asked about for every row with an alias, so kept in memory. */
  private copyAliases: Set<bigint> | undefined;

  private aliasesWithCopies(): Set<bigint> {
    if (!this.copyAliases) {
      this.copyAliases = new Set();
      const s = this.db.prepare('SELECT DISTINCT CAST(alias AS TEXT) FROM copies');
      try {
        while (s.step()) this.copyAliases.add(BigInt(String(s.get()[0])));
      } finally {
        s.free();
      }
    }
    return this.copyAliases;
  }

  addCopy(alias: bigint, month: Month): void {
    this.stmt('INSERT OR IGNORE INTO copies (alias, month) VALUES (?, ?)').run([alias, month]);
    this.aliasesWithCopies().add(alias);
  }

  copyMonths(alias: bigint): Month[] {
    if (!this.aliasesWithCopies().has(alias)) return [];
    const s = this.stmt('SELECT month FROM copies WHERE alias = ?');
    const out: Month[] = [];
    try {
      s.bind([alias]);
      while (s.step()) out.push(Number(s.get()[0]));
    } finally {
      s.reset();
    }
    return out;
  }

  dropCopies(alias: bigint): void {
    if (!this.aliasesWithCopies().has(alias)) return;
    this.stmt('DELETE FROM copies WHERE alias = ?').run([alias]);
    this.aliasesWithCopies().delete(alias);
  }

  // ---- import cursors, source runs, meta ----------------------------------------------

  getCursor(file: string): FileCursor | undefined {
    const row = this.one('SELECT size, mtime_ms, offset, head_hash, state FROM files WHERE path = ?', [file]);
    return row ? cursorOf(row) : undefined;
  }

  cursors(source: SourceId): Map<string, FileCursor> {
    const out = new Map<string, FileCursor>();
    for (const r of this.all('SELECT path, size, mtime_ms, offset, head_hash, state FROM files WHERE source = ?', [source])) {
      out.set(String(r[0]), cursorOf(r.slice(1)));
    }
    return out;
  }

  setCursor(source: SourceId, file: string, cursor: FileCursor, added: FileStats, at: number): void {
    const reread = added.reread ? 1 : 0;
    this.stmt(
      `INSERT INTO files (path, source, size, mtime_ms, offset, head_hash, state, records, skipped, imported_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(path) DO UPDATE SET source = excluded.source, size = excluded.size, mtime_ms = excluded.mtime_ms,
         offset = excluded.offset, head_hash = excluded.head_hash, state = excluded.state,
         records = CASE WHEN ? THEN excluded.records ELSE files.records + excluded.records END,
         skipped = CASE WHEN ? THEN excluded.skipped ELSE files.skipped + excluded.skipped END,
         imported_at = excluded.imported_at`,
    ).run([
      file,
      source,
      cursor.size,
      cursor.mtimeMs,
      cursor.offset,
      cursor.headHash,
      cursor.state === undefined ? null : JSON.stringify(cursor.state),
      added.records,
      added.skipped,
      at,
      reread,
      reread,
    ]);
  }

  sourceRun(source: SourceId): SourceRunInfo | undefined {
    const r = this.one('SELECT roots, files, last_import, last_error FROM source_runs WHERE source = ?', [source]);
    if (!r) return undefined;
    return { source, roots: JSON.parse(String(r[0])), files: Number(r[1]), lastImport: Number(r[2]), lastError: r[3] === null ? undefined : String(r[3]) };
  }

  setSourceRun(info: SourceRunInfo): void {
    this.stmt(
      `INSERT INTO source_runs (source, roots, files, last_import, last_error) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(source) DO UPDATE SET roots = excluded.roots, files = excluded.files, last_import = excluded.last_import, last_error = excluded.last_error`,
    ).run([info.source, JSON.stringify(info.roots), info.files, info.lastImport, info.lastError ?? null]);
  }

  lastImport(): number | null {
    const v = this.one('SELECT MAX(last_import) FROM source_runs')?.[0];
    return v === null || v === undefined ? null : Number(v);
  }

  // ---- plan limits ------------------------------------------------------------------------

  /** Keeps the observation if it is the newest of its bucket and window. */
  setLimit(o: LimitObservation): void {
    this.stmt(
      `INSERT INTO limits (source, limit_id, window, limit_name, window_minutes, used_percent, resets_at, observed_at, plan_type, reached_type)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (source, limit_id, window) DO UPDATE SET limit_name = excluded.limit_name, window_minutes = excluded.window_minutes,
         used_percent = excluded.used_percent, resets_at = excluded.resets_at, observed_at = excluded.observed_at,
         plan_type = excluded.plan_type, reached_type = excluded.reached_type
       WHERE excluded.observed_at >= limits.observed_at`,
    ).run([o.source, o.limitId, o.window, o.limitName ?? null, o.windowMinutes, o.usedPercent, o.resetsAt, o.observedAt, o.planType ?? null, o.reachedType ?? null]);
  }

  limits(): LimitObservation[] {
    return this.all('SELECT source, limit_id, window, limit_name, window_minutes, used_percent, resets_at, observed_at, plan_type, reached_type FROM limits ORDER BY source, limit_id, window_minutes').map((v) => {
      const o: LimitObservation = {
        source: String(v[0]) as SourceId,
        limitId: String(v[1]),
        window: String(v[2]),
        windowMinutes: v[4] === null ? null : Number(v[4]),
        usedPercent: Number(v[5]),
        resetsAt: v[6] === null ? null : Number(v[6]),
        observedAt: Number(v[7]),
      };
      if (v[3] !== null) o.limitName = String(v[3]);
      if (v[8] !== null) o.planType = String(v[8]);
      if (v[9] !== null) o.reachedType = String(v[9]);
      return o;
    });
  }

  /** Stores a hit once per key, keeping the first time it was logged. */
  addHit(h: LimitHit): void {
    this.stmt(
      `INSERT INTO limit_hits (source, key, ts, resets_at, kind, text) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (source, key) DO UPDATE SET ts = excluded.ts, kind = excluded.kind, text = excluded.text WHERE excluded.ts < limit_hits.ts`,
    ).run([h.source, limitHitKey(h), h.ts, h.resetsAt, h.kind, h.text]);
  }

  /** Hits logged in [from, to), oldest first. */
  hits(from = -Infinity, to = Infinity): LimitHit[] {
    return this.all('SELECT source, ts, resets_at, kind, text FROM limit_hits WHERE ts >= ? AND ts < ? ORDER BY ts', [Math.max(from, -8.64e15), Math.min(to, 8.64e15)]).map((v) => ({
      source: String(v[0]) as SourceId,
      ts: Number(v[1]),
      resetsAt: v[2] === null ? null : Number(v[2]),
      kind: String(v[3]),
      text: String(v[4]),
    }));
  }

  getMeta(key: string): string | undefined {
    const r = this.one('SELECT value FROM meta WHERE key = ?', [key]);
    return r ? String(r[0]) : undefined;
  }

  setMeta(key: string, value: string): void {
    this.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run([key, value]);
  }

  rowCount(): number {
    return Number(this.one('SELECT COALESCE(SUM(rows), 0) FROM partitions')?.[0] ?? 0);
  }

  image(): Uint8Array {
    return this.exportImage();
  }

  byteSize(): number {
    const pages = Number(this.db.exec('PRAGMA page_count')[0].values[0][0]);
    return pages * Number(this.db.exec('PRAGMA page_size')[0].values[0][0]);
  }

}

function cursorOf(r: SqlValue[]): FileCursor {
  return {
    size: Number(r[0]),
    mtimeMs: Number(r[1]),
    offset: Number(r[2]),
    headHash: String(r[3]),
    state: r[4] === null || r[4] === undefined ? undefined : JSON.parse(String(r[4])),
  };
}
