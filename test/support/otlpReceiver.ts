// An OTLP/HTTP metrics receiver for the export tests: a real HTTP server on 127.0.0.1 that decodes
// what it receives with the OpenTelemetry project's own generated protobuf code (the
// `opentelemetry.proto.collector.metrics.v1` messages of @opentelemetry/otlp-transformer 0.215,
// installed as `otlp-proto-decoder`), or as OTLP JSON. No collector binary is packaged in npm or
// Debian; see the README's OpenTelemetry section.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const root = require('otlp-proto-decoder/build/src/generated/root');
const ExportRequest = root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;

export interface ReceivedPoint {
  metric: string;
  unit: string;
  kind: 'sum' | 'histogram';
  monotonic?: boolean;
  /** 1 delta, 2 cumulative (OTLP's AggregationTemporality). */
  temporality: number;
  attributes: Record<string, string>;
  resource: Record<string, string>;
  value: number;
  count?: number;
  startNs: string;
  timeNs: string;
}

export interface ReceivedRequest {
  contentType: string;
  headers: http.IncomingHttpHeaders;
  points: ReceivedPoint[];
}

type AnyValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean };
const valueOf = (v: AnyValue) => String(v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue ?? '');
const attrs = (list: { key: string; value: AnyValue }[] = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));
const num = (x: unknown) => (x === undefined || x === null ? 0 : Number(x));

/** Flattens an ExportMetricsServiceRequest (decoded to plain JSON: longs as strings) into data points. */
function pointsOf(req: { resourceMetrics?: unknown[] }): ReceivedPoint[] {
  const out: ReceivedPoint[] = [];
  for (const rm of (req.resourceMetrics ?? []) as { resource?: { attributes?: [] }; scopeMetrics?: { metrics?: Record<string, unknown>[] }[] }[]) {
    const resource = attrs(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const sum = m.sum as { dataPoints?: Record<string, unknown>[]; aggregationTemporality?: number | string; isMonotonic?: boolean } | undefined;
        const hist = m.histogram as { dataPoints?: Record<string, unknown>[]; aggregationTemporality?: number | string } | undefined;
        const temporalityOf = (t: unknown) => (t === 'AGGREGATION_TEMPORALITY_CUMULATIVE' ? 2 : t === 'AGGREGATION_TEMPORALITY_DELTA' ? 1 : Number(t));
        for (const p of sum?.dataPoints ?? []) {
          out.push({
            metric: String(m.name), unit: String(m.unit ?? ''), kind: 'sum', monotonic: !!sum!.isMonotonic, temporality: temporalityOf(sum!.aggregationTemporality),
            attributes: attrs(p.attributes as []), resource, value: num(p.asDouble ?? p.asInt), startNs: String(p.startTimeUnixNano), timeNs: String(p.timeUnixNano),
          });
        }
        for (const p of hist?.dataPoints ?? []) {
          out.push({
            metric: String(m.name), unit: String(m.unit ?? ''), kind: 'histogram', temporality: temporalityOf(hist!.aggregationTemporality),
            attributes: attrs(p.attributes as []), resource, value: num(p.sum), count: num(p.count), startNs: String(p.startTimeUnixNano), timeNs: String(p.timeUnixNano),
          });
        }
      }
    }
  }
  return out;
}

export class OtlpReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** Answer the next N requests with `failStatus` instead of 200. */
  failNext = 0;
  /** 400 is final for OTLP exporters; 429/502/503/504 they retry by themselves. */
  failStatus = 400;
  private constructor(private readonly server: http.Server) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  static async start(): Promise<OtlpReceiver> {
    let receiver!: OtlpReceiver;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/metrics') {
          res.writeHead(404).end();
          return;
        }
        if (receiver.failNext > 0) {
          receiver.failNext--;
          res.writeHead(receiver.failStatus).end();
          return;
        }
        const body = Buffer.concat(chunks);
        const contentType = String(req.headers['content-type'] ?? '');
        let decoded: { resourceMetrics?: unknown[] };
        if (contentType.includes('application/x-protobuf')) {
          decoded = ExportRequest.toObject(ExportRequest.decode(body), { longs: String, enums: Number, defaults: false });
        } else if (contentType.includes('application/json')) {
          decoded = JSON.parse(body.toString('utf8'));
        } else {
          res.writeHead(415).end();
          return;
        }
        receiver.requests.push({ contentType, headers: req.headers, points: pointsOf(decoded) });
        res.writeHead(200, { 'content-type': contentType.includes('json') ? 'application/json' : 'application/x-protobuf' });
        res.end(contentType.includes('json') ? '{}' : Buffer.alloc(0));
      });
    });
    receiver = new OtlpReceiver(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return receiver;
  }

  /** The latest request's points of one metric. */
  latest(metric: string): ReceivedPoint[] {
    for (let i = this.requests.length - 1; i >= 0; i--) {
      const pts = this.requests[i].points.filter((p) => p.metric === metric);
      if (pts.length) return pts;
    }
    return [];
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server.close(r));
  }
}
