// OpenTelemetry export of usage: new rows from a ChangeSource become OTLP/HTTP metrics, through
// @opentelemetry/sdk-metrics and the official OTLP exporters. Only the configured endpoint is
// contacted, and only when the user set one.
//
// Counters must never count a request twice: a ledger remembers what was exported per row id
// (rows within `horizonDays` of their time), so a more complete copy of a request adds only its
// difference and a re-sent row (a repeated batch, a new local epoch) adds nothing. Usage older
// than when the export was first switched on is history and is not exported.
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ChangeSource, SyncRow } from '../team/changeSource';
import { sharedProject, type TeamIdentity } from '../team/identity';
import { RepositoryResolver } from '../team/repository';
import { claudeCodeTelemetryOn, doubleCountWarning } from './claudeCodeTelemetry';
import { metricsUrl } from './endpoint';
import { UsageInstruments, type MetricNames } from './instruments';

export { metricsUrl };

export type OtlpProtocol = 'http/protobuf' | 'http/json';
export type Temporality = 'cumulative' | 'delta';

export interface OtlpOptions {
  /** The collector's base URL (`/v1/metrics` is appended) or the full metrics URL. */
  endpoint: string;
  headers?: Record<string, string>;
  protocol?: OtlpProtocol;
  temporality?: Temporality;
  names?: MetricNames;
  identity: TeamIdentity;
  timeoutMs?: number;
  /** Rows are remembered (against double counting) this long after their time. */
  horizonDays?: number;
  /** Where the export's cursor and ledger live between runs. */
  state: TelemetryStateStore;
  /** For tests and warnings: the environment Claude Code would see. */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

/** What a row contributed so far: [input, output, cacheRead, cacheWrite, cost, ts]. */
type Exported = [number, number, number, number, number, number];

export interface TelemetryState {
  epoch: string;
  cursor: string | null;
  /** UTC ms the export was first switched on: older usage is history, not exported. */
  since: number;
  exported: Record<string, Exported>;
}

export interface TelemetryStateStore {
  load(): Promise<TelemetryState | undefined>;
  save(state: TelemetryState): Promise<void>;
}

/** The state as a JSON file (written to a temp file and renamed, so never half-written). */
export function jsonFileState(file: string): TelemetryStateStore {
  return {
    async load() {
      try {
        const s = JSON.parse(await fs.readFile(file, 'utf8')) as TelemetryState;
        return s && typeof s.epoch === 'string' && typeof s.since === 'number' && s.exported && typeof s.exported === 'object' ? s : undefined;
      } catch {
        return undefined; // missing or unreadable: start afresh (history is not exported, so nothing doubles)
      }
    },
    async save(state) {
      await fs.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, JSON.stringify(state));
      await fs.rename(tmp, file);
    },
  };
}

/** Collects only when asked and reports whether the export succeeded (the SDK's periodic reader swallows failures). */
class PushReader extends MetricReader {
  constructor(private readonly exporter: PushMetricExporter) {
    super({ aggregationTemporalitySelector: (t) => exporter.selectAggregationTemporality!(t) });
  }

  async push(): Promise<void> {
    const { resourceMetrics } = await this.collect();
    if (!resourceMetrics.scopeMetrics.length) return;
    await new Promise<void>((resolve, reject) =>
      this.exporter.export(resourceMetrics, (r) => (r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error ?? new Error('OTLP export failed')))),
    );
  }

  protected override async onForceFlush(): Promise<void> {
    await this.push();
  }

  protected override async onShutdown(): Promise<void> {
    await this.exporter.shutdown();
  }
}

export interface ExportReport {
  rows: number;
  /** Rows that added something to a metric. */
  exported: number;
  /** Rows older than the export (history) or than the ledger's horizon. */
  skipped: number;
  warnings: string[];
}

export class UsageMetricsExporter {
  private readonly provider: MeterProvider;
  private readonly reader: PushReader;
  private readonly instruments: UsageInstruments;
  private readonly repos = new RepositoryResolver();
  private state: TelemetryState | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: OtlpOptions) {
    const url = metricsUrl(opts.endpoint);
    const exporterOptions = {
      url,
      headers: opts.headers ?? {},
      timeoutMillis: opts.timeoutMs ?? 10_000,
      temporalityPreference: opts.temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE,
    };
    const exporter = opts.protocol === 'http/json' ? new JsonExporter(exporterOptions) : new ProtoExporter(exporterOptions);
    this.reader = new PushReader(exporter);
    this.provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'ai-usage-dashboard', 'host.name': opts.identity.machine }),
      readers: [this.reader],
    });
    this.instruments = new UsageInstruments(this.provider.getMeter('ai-usage-dashboard'), opts.names ?? 'semconv');
    this.now = opts.now ?? Date.now;
  }

  /**
   * Exports what is new in `source` and pushes it; the cursor and ledger are saved only after the
   * receiver accepted the push. On failure the usage stays in the (cumulative) totals and goes out
   * with the next push.
   */
  async exportChanges(source: ChangeSource, batchRows = 1000): Promise<ExportReport> {
    const warnings: string[] = [];
    if ((this.opts.names ?? 'semconv') !== 'semconv') {
      const where = await claudeCodeTelemetryOn(this.opts.env ?? process.env);
      if (where) warnings.push(doubleCountWarning(where));
    }
    const state = (this.state ??= (await this.opts.state.load()) ?? { epoch: source.epoch(), cursor: null, since: this.now(), exported: {} });
    if (state.epoch !== source.epoch()) {
      // A new local history: read it all again; the ledger keeps what was already counted.
      state.epoch = source.epoch();
      state.cursor = null;
    }
    const horizon = this.now() - (this.opts.horizonDays ?? 35) * 86_400_000;
    const report: ExportReport = { rows: 0, exported: 0, skipped: 0, warnings };
    for await (const { batch, cursor } of source.changesSince(state.cursor, batchRows)) {
      for (const row of batch.rows) {
        report.rows++;
        if (row.ts < state.since || row.ts < horizon) {
          report.skipped++;
          continue;
        }
        if (await this.add(row, state)) report.exported++;
      }
      await this.reader.push();
      state.cursor = cursor;
      this.prune(state, horizon);
      await this.opts.state.save(state);
    }
    return report;
  }

  /** Adds the part of `row` not exported before; true when something was added. */
  private async add(row: SyncRow, state: TelemetryState): Promise<boolean> {
    const prev = state.exported[row.id] ?? [0, 0, 0, 0, 0, row.ts];
    // Counters only go up: a copy with fewer tokens than one exported adds nothing.
    const d = [row.inputTokens - prev[0], row.outputTokens - prev[1], row.cacheReadTokens - prev[2], row.cacheWriteTokens - prev[3], row.cost - prev[4]].map((x) => Math.max(0, x));
    state.exported[row.id] = [Math.max(row.inputTokens, prev[0]), Math.max(row.outputTokens, prev[1]), Math.max(row.cacheReadTokens, prev[2]), Math.max(row.cacheWriteTokens, prev[3]), Math.max(row.cost, prev[4]), row.ts];
    if (!d.some((x) => x > 0)) return false;
    const { project } = await sharedProject(row.project, this.opts.identity.projects, this.repos);
    this.instruments.add({
      model: row.model,
      identity: { 'ai_usage.source': row.source, 'ai_usage.project': project, 'ai_usage.user': this.opts.identity.user, 'ai_usage.machine': this.opts.identity.machine },
      input: d[0],
      output: d[1],
      cacheRead: d[2],
      cacheWrite: d[3],
      cost: d[4],
    });
    return true;
  }

  private prune(state: TelemetryState, horizon: number): void {
    for (const [id, e] of Object.entries(state.exported)) if (e[5] < horizon) delete state.exported[id];
  }

  /** Pushes the current totals again (cumulative receivers keep the series fresh). */
  async pushNow(): Promise<void> {
    await this.reader.push();
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined);
  }
}
