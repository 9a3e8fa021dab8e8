// Team sync inside the engine worker: when to sync (after this window's imports, debounced; a
// safety net every few minutes; Sync Now), backoff after failures (never a hot loop), one sync at
// a time per window and, through the server's session lock, per user and machine across windows
// and the CLI. Its state goes to the host for the Sources view and the badge.
//
// PostgreSQL's client and the sync code are loaded (`loadBackend`) only once a team database is
// connected: a user without one pays nothing for them.
import type { TeamBackend } from './backend';
import type { ChangeSource } from './changeSource';
import type { TeamCheck } from './check';
import { databaseLabel, scrubSecret } from './connectionText';
import { resolveIdentity, type TeamIdentity } from './identity';
import { SerialJob } from './serialJob';
import type { RetryPolicy } from './sync';
import { NOT_CONNECTED, type ProjectPrivacy, type TeamSyncState } from './teamTypes';

/** What the host sends: the connection string (from SecretStorage) and the identity settings. */
export interface TeamConfig {
  /** '' when no team database is connected. */
  url: string;
  /** A CA certificate (PEM) for sslmode=verify-full / verify-ca. */
  caFile?: string;
  user?: string;
  machine?: string;
  projects?: ProjectPrivacy;
}

export interface SyncTiming {
  /** After the configuration arrives (the window's first import goes first). */
  startDelayMs: number;
  /** After a change this window stored, so a burst of imports syncs once. */
  debounceMs: number;
  /** Even without changes here (another window's sync may have died), now and then. */
  safetyNetMs: number;
  /** After a failure the server may recover from: base · 2^(failures − 1), at most max. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** After a failure someone must fix (grants, schema, member mapping): once an hour. */
  fixableRetryMs: number;
  /** Attempts within one sync (a dropped connection mid-batch resumes at once). */
  retry: RetryPolicy;
}

export const SYNC_TIMING: SyncTiming = {
  startDelayMs: 5_000,
  debounceMs: 2_000,
  safetyNetMs: 10 * 60_000,
  backoffBaseMs: 30_000,
  backoffMaxMs: 15 * 60_000,
  fixableRetryMs: 60 * 60_000,
  retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
};

/** A failed sync as the runner judges it (a TeamConnectionError's fields). */
export interface Failure {
  message: string;
  transient?: boolean;
  code?: string;
}

/** Errors the database owner can fix without anything changing here: worth an hourly retry. */
const FIXABLE_CODES = new Set(['42501', 'SCHEMA', 'MEMBER', '42P01', '3F000']);

/**
 * When to try again after `failures` failures in a row, or null to wait for Sync Now or new
 * settings (a wrong password or certificate does not fix itself; retrying it only locks accounts).
 */
export function retryDelay(f: Failure, failures: number, t: SyncTiming = SYNC_TIMING): number | null {
  if (f.transient) return Math.min(t.backoffMaxMs, t.backoffBaseMs * 2 ** Math.max(0, failures - 1));
  if (f.code && FIXABLE_CODES.has(f.code)) return t.fixableRetryMs;
  return null;
}

export interface SyncRunnerOptions {
  source: ChangeSource;
  onState: (state: TeamSyncState) => void;
  timing?: Partial<SyncTiming>;
  /** Loads the PostgreSQL side (a bundle of its own in the extension). */
  loadBackend?: () => typeof import('./backend');
  /** For git's user.email (the default team user). */
  env?: NodeJS.ProcessEnv;
}

const loadBundledBackend = (): typeof import('./backend') => require('./backend');

export class TeamSyncRunner {
  private readonly timing: SyncTiming;
  private config: TeamConfig = { url: '' };
  private id: TeamIdentity | undefined;
  private current: TeamSyncState = NOT_CONNECTED;
  private backendInstance: TeamBackend | undefined;
  /** The server's acknowledged cursor, as this window last saw it. */
  private cursor: string | null | undefined;
  private failures = 0;
  private readonly job: SerialJob;
  private abort: AbortController | undefined;
  /** Bumped by every configuration: a sync started under an older one reports nothing. */
  private generation = 0;
  private disposed = false;

  constructor(private readonly opts: SyncRunnerOptions) {
    this.timing = { ...SYNC_TIMING, ...opts.timing };
    this.job = new SerialJob(() => (this.id && !this.disposed ? this.syncOnce(this.id) : Promise.resolve()), {
      againAfterMs: this.timing.debounceMs,
      everyMs: this.timing.safetyNetMs,
      wanted: () => !!this.id,
      holding: () => this.inBackoff(),
    });
  }

  private load(): typeof import('./backend') {
    return (this.opts.loadBackend ?? loadBundledBackend)();
  }

  private set(patch: Partial<TeamSyncState>): void {
    this.current = { ...this.current, ...patch };
    if (!this.disposed) this.opts.onState(this.state());
  }

  /** The state, with the rows pending counted now. */
  state(): TeamSyncState {
    const pending = this.cursor !== undefined && this.opts.source.pending ? this.opts.source.pending(this.cursor) : this.current.pending;
    return { ...this.current, pending };
  }

  get identity(): TeamIdentity | undefined {
    return this.id;
  }

  /** New settings or connection string: stops what runs, and syncs soon when connected. */
  async configure(config: TeamConfig): Promise<TeamSyncState> {
    const gen = ++this.generation;
    this.abort?.abort();
    this.job.cancel();
    const old = this.backendInstance;
    this.backendInstance = undefined;
    await old?.close();
    this.config = config;
    this.id = undefined;
    this.cursor = undefined;
    this.failures = 0;
    if (!config.url) {
      this.current = NOT_CONNECTED;
      this.opts.onState(this.state());
      return this.state();
    }
    this.current = { ...NOT_CONNECTED, connected: true, database: databaseLabel(config.url), projects: config.projects ?? 'repository' };
    try {
      const id = await resolveIdentity({ user: config.user, machine: config.machine, projects: config.projects }, this.opts.env);
      if (gen !== this.generation) return this.state();
      this.id = id;
      this.set({ user: id.user, machine: id.machine, projects: id.projects });
      this.job.schedule(this.timing.startDelayMs);
    } catch (e) {
      if (gen !== this.generation) return this.state();
      this.set({ lastError: `no team user: set aiUsage.team.user, or git's user.email (${(e as Error).message})`, errorAt: Date.now() });
    }
    return this.state();
  }

  /** Something was stored: by this window (sync it soon) or by another one (it syncs its own). */
  dataChanged(byThisWindow: boolean): void {
    if (this.id && byThisWindow) this.job.request(this.timing.debounceMs);
  }

  /** Sync Now: at once, whatever the backoff said; resolves when done. */
  async syncNow(): Promise<TeamSyncState> {
    if (!this.config.url) throw new Error('No team database is connected: run AI Usage: Connect Team Database first.');
    if (!this.id) throw new Error(this.current.lastError ?? 'The team user is not known yet.');
    this.set({ nextAttempt: null });
    await this.job.runFresh();
    return this.state();
  }

  private inBackoff(): boolean {
    return this.current.nextAttempt !== null && this.current.nextAttempt > Date.now();
  }

  /** The backend of the connected database (loading the PostgreSQL side on first use). */
  backend(): TeamBackend {
    if (!this.config.url) throw new Error('No team database is connected: run AI Usage: Connect Team Database first.');
    this.backendInstance ??= new (this.load().TeamBackend)(this.config.url, this.config.caFile);
    return this.backendInstance;
  }

  /** A failure's message for the host: plain words, never the connection string or its password. */
  scrub(e: unknown, url = this.config.url): Failure {
    const f = e as Failure;
    return { message: scrubSecret(String(f?.message ?? e), url), transient: f?.transient, code: f?.code };
  }

  private async syncOnce(id: TeamIdentity): Promise<void> {
    const gen = this.generation;
    const abort = (this.abort = new AbortController());
    this.set({ syncing: true, busyElsewhere: false });
    try {
      const report = await this.backend().sync(this.opts.source, id, {
        retry: this.timing.retry,
        signal: abort.signal,
        onBatch: (rows, cursor) => {
          if (gen !== this.generation) return;
          this.cursor = cursor;
          this.set({ lastBatchRows: rows });
        },
      });
      if (gen !== this.generation) return;
      this.cursor = report.cursor;
      this.failures = 0;
      this.set({ syncing: false, lastSync: Date.now(), lastRows: report.rows, lastBatchRows: report.batches ? this.current.lastBatchRows : 0, lastError: null, errorAt: null, nextAttempt: null });
    } catch (e) {
      if (gen !== this.generation || abort.signal.aborted) return;
      const f = this.scrub(e);
      if (f.code === 'BUSY') {
        // Another window (or the CLI) is syncing this machine: it sends these rows too.
        this.set({ syncing: false, busyElsewhere: true });
        return;
      }
      this.failures++;
      const delay = retryDelay(f, this.failures, this.timing);
      this.set({ syncing: false, lastError: f.message, errorAt: Date.now(), nextAttempt: delay === null ? null : Date.now() + delay });
      if (delay !== null) this.job.schedule(delay);
    }
  }

  /**
   * Connect Team Database's check of a connection string not stored yet: connects, checks the
   * schema (creating or upgrading it when `migrate`), the member mapping and the grants.
   */
  async check(url: string, caFile: string | undefined, migrate: boolean): Promise<TeamCheck> {
    let id: TeamIdentity;
    try {
      id = await resolveIdentity({ user: this.config.user, machine: this.config.machine, projects: this.config.projects }, this.opts.env);
    } catch (e) {
      throw new Error(`no team user: set aiUsage.team.user, or git's user.email (${(e as Error).message})`);
    }
    const backend = new (this.load().TeamBackend)(url, caFile);
    try {
      return await backend.check(id.user, migrate);
    } catch (e) {
      throw new Error(this.scrub(e, url).message);
    } finally {
      await backend.close();
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.generation++;
    this.abort?.abort();
    await this.job.stop();
    await this.backendInstance?.close();
  }
}
