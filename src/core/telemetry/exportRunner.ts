// The OpenTelemetry export inside the engine worker: after this window's imports (debounced) and
// now and then, new usage goes to the endpoint the user set, with backoff after failures. One
// window exports for the machine (a lock beside the database): two would send the same counters
// twice. The OpenTelemetry SDK and exporters are loaded only when an endpoint is set.
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireLock, type HeldLock } from '../store/lock';
import type { ChangeSource } from '../team/changeSource';
import { resolveIdentity, type TeamIdentity } from '../team/identity';
import { SerialJob } from '../team/serialJob';
import { retryDelay, SYNC_TIMING, type SyncTiming } from '../team/syncRunner';
import { OTLP_OFF, type OtlpState, type ProjectPrivacy } from '../team/teamTypes';
import { shownEndpoint } from './endpoint';
import type { MetricNames } from './instruments';
import type { OtlpProtocol, Temporality, UsageMetricsExporter } from './otlpExport';

export interface OtlpConfig {
  /** '' when the export is off. */
  endpoint: string;
  /** From SecretStorage (Set OpenTelemetry Headers). */
  headers: Record<string, string>;
  protocol: OtlpProtocol;
  temporality: Temporality;
  names: MetricNames;
  /** The team identity settings: user, machine and how projects are shared are attributes too. */
  user?: string;
  machine?: string;
  projects?: ProjectPrivacy;
}

export interface ExportRunnerOptions {
  source: ChangeSource;
  /** The folder for the export's cursor, ledger and lock (beside the database). */
  dir: string;
  onState: (s: OtlpState) => void;
  timing?: Partial<SyncTiming>;
  loadExporter?: () => typeof import('./otlpExport');
  env?: NodeJS.ProcessEnv;
}

/** Cumulative totals are pushed again this often while nothing new comes (backends mark series stale after ~5 minutes). */
const REFRESH_MS = 4 * 60_000;

const loadBundledExporter = (): typeof import('./otlpExport') => require('./otlpExport');

export class ExportRunner {
  private readonly timing: SyncTiming;
  private config: OtlpConfig | undefined;
  private exporter: UsageMetricsExporter | undefined;
  private lock: HeldLock | undefined;
  private current: OtlpState = OTLP_OFF;
  private failures = 0;
  private lastPush = 0;
  private readonly job: SerialJob;
  private generation = 0;
  private disposed = false;

  constructor(private readonly opts: ExportRunnerOptions) {
    this.timing = { ...SYNC_TIMING, safetyNetMs: 60_000, ...opts.timing };
    this.job = new SerialJob(() => (this.config && !this.disposed ? this.exportOnce(this.config) : Promise.resolve()), {
      againAfterMs: this.timing.debounceMs,
      everyMs: this.timing.safetyNetMs,
      wanted: () => !!this.config,
      holding: () => this.inBackoff(),
    });
  }

  private set(patch: Partial<OtlpState>): void {
    this.current = { ...this.current, ...patch };
    if (!this.disposed) this.opts.onState(this.current);
  }

  state(): OtlpState {
    return this.current;
  }

  async configure(config: OtlpConfig): Promise<OtlpState> {
    const gen = ++this.generation;
    this.job.cancel();
    await this.job.idle();
    await this.stop();
    this.failures = 0;
    if (!config.endpoint.trim()) {
      this.config = undefined;
      this.current = OTLP_OFF;
      this.opts.onState(this.current);
      return this.current;
    }
    this.config = config;
    this.current = { ...OTLP_OFF, enabled: true, endpoint: shownEndpoint(config.endpoint), protocol: config.protocol, temporality: config.temporality, names: config.names };
    if (gen === this.generation) this.job.schedule(this.timing.startDelayMs);
    this.opts.onState(this.current);
    return this.current;
  }

  dataChanged(byThisWindow: boolean): void {
    if (this.config && byThisWindow) this.job.request(this.timing.debounceMs);
  }

  /** Exports what is new now (tests, and the first export after configuring). */
  async exportNow(): Promise<OtlpState> {
    await this.job.runFresh();
    return this.current;
  }

  private inBackoff(): boolean {
    return this.current.nextAttempt !== null && this.current.nextAttempt > Date.now();
  }

  /** Holds the export lock for as long as this window exports; false when another window does. */
  private async lead(): Promise<boolean> {
    if (this.lock) return true;
    try {
      this.lock = await acquireLock(path.join(this.opts.dir, 'locks'), { timeoutMs: 0 });
      return true;
    } catch {
      return false;
    }
  }

  private async identity(c: OtlpConfig): Promise<TeamIdentity> {
    try {
      return await resolveIdentity({ user: c.user, machine: c.machine, projects: c.projects }, this.opts.env);
    } catch {
      // No team user known: the metrics go without one rather than not at all.
      return { user: '', machine: c.machine?.trim() || os.hostname(), projects: c.projects ?? 'repository' };
    }
  }

  private async exportOnce(c: OtlpConfig): Promise<void> {
    const gen = this.generation;
    if (!(await this.lead())) {
      this.set({ otherWindow: true });
      return;
    }
    this.set({ otherWindow: false, exporting: true });
    try {
      this.exporter ??= await this.createExporter(c);
    } catch (e) {
      // A setting to fix (the endpoint is not a URL): no retry until it changes.
      this.set({ exporting: false, lastError: this.scrub(e, c), errorAt: Date.now(), nextAttempt: null });
      return;
    }
    try {
      const report = await this.exporter.exportChanges(this.opts.source);
      if (report.exported === 0 && c.temporality === 'cumulative' && Date.now() - this.lastPush > REFRESH_MS) await this.exporter.pushNow();
      if (gen !== this.generation) return;
      this.lastPush = Date.now();
      this.failures = 0;
      this.set({ exporting: false, lastExport: Date.now(), lastRows: report.exported, lastError: null, errorAt: null, nextAttempt: null, doubleCountWarning: report.warnings[0] ?? null });
    } catch (e) {
      if (gen !== this.generation) return;
      this.failures++;
      // The SDK retries 429 and 5xx within the push; what reaches here is worth a slower retry.
      const delay = retryDelay({ message: String(e), transient: true }, this.failures, this.timing);
      this.set({ exporting: false, lastError: `the OTLP export failed: ${this.scrub(e, c)}`, errorAt: Date.now(), nextAttempt: delay === null ? null : Date.now() + delay });
      if (delay !== null) this.job.schedule(delay);
    }
  }

  private async createExporter(c: OtlpConfig): Promise<UsageMetricsExporter> {
    const { UsageMetricsExporter, jsonFileState } = (this.opts.loadExporter ?? loadBundledExporter)();
    return new UsageMetricsExporter({
      endpoint: c.endpoint,
      headers: c.headers,
      protocol: c.protocol,
      temporality: c.temporality,
      names: c.names,
      identity: await this.identity(c),
      state: jsonFileState(path.join(this.opts.dir, 'state.json')),
      env: this.opts.env,
    });
  }

  /** An error's words without credentials: a URL's user part, and the header values (API keys). */
  private scrub(e: unknown, c: OtlpConfig): string {
    let text = String((e as Error)?.message ?? e).replace(/\/\/[^/@\s]*@/g, '//***@');
    for (const v of Object.values(c.headers)) if (v.length >= 3) text = text.split(v).join('***');
    return text;
  }

  private async stop(): Promise<void> {
    const exporter = this.exporter;
    this.exporter = undefined;
    await exporter?.shutdown();
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release().catch(() => undefined);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.generation++;
    await this.job.stop();
    await this.stop();
  }
}
