// The team database's and the OpenTelemetry export's settings (aiUsage.team.*, aiUsage.otlp.*)
// as plain values, checked: a bad value is reported in plain words and replaced by its default.
// The connection string and the OTLP headers are secrets, never settings: see the extension's
// SecretStorage.
import * as os from 'node:os';
import * as path from 'node:path';
import { METRIC_NAMES, type MetricNames } from '../telemetry/instruments';
import { PROJECT_PRIVACY, type ProjectPrivacy } from './teamTypes';

export interface TeamSettings {
  /** '' = git's user.email. */
  user: string;
  /** '' = the host name. */
  machine: string;
  projects: ProjectPrivacy;
  /** A CA certificate (PEM) for sslmode=verify-full; '' = the system's CAs or sslrootcert= in the URL. */
  caFile: string;
}

export interface OtlpSettings {
  /** '' = off. */
  endpoint: string;
  protocol: 'http/protobuf' | 'http/json';
  temporality: 'cumulative' | 'delta';
  names: MetricNames;
}

export type RawTeamSettings = Partial<Record<'team.user' | 'team.machine' | 'team.projects' | 'team.caFile' | 'otlp.endpoint' | 'otlp.protocol' | 'otlp.temporality' | 'otlp.metricNames', unknown>>;
export const TEAM_SETTING_KEYS: (keyof RawTeamSettings)[] = ['team.user', 'team.machine', 'team.projects', 'team.caFile', 'otlp.endpoint', 'otlp.protocol', 'otlp.temporality', 'otlp.metricNames'];

function text(raw: unknown, key: string, problems: string[]): string {
  if (raw === undefined || raw === null) return '';
  if (typeof raw === 'string') return raw.trim();
  problems.push(`aiUsage.${key} must be a string; ignored.`);
  return '';
}

function oneOf<T extends string>(raw: unknown, key: string, values: readonly T[], fallback: T, problems: string[]): T {
  if (raw === undefined || raw === null || raw === '') return fallback;
  if ((values as readonly unknown[]).includes(raw)) return raw as T;
  problems.push(`aiUsage.${key} must be one of ${values.join(', ')}; using "${fallback}".`);
  return fallback;
}

export function parseTeamSettings(raw: RawTeamSettings, home = os.homedir()): { team: TeamSettings; otlp: OtlpSettings; problems: string[] } {
  const problems: string[] = [];
  let caFile = text(raw['team.caFile'], 'team.caFile', problems);
  if (caFile.startsWith('~')) caFile = path.join(home, caFile.slice(1));
  if (caFile && !path.isAbsolute(caFile)) {
    problems.push(`aiUsage.team.caFile must be an absolute path (or start with ~); ignored.`);
    caFile = '';
  }
  let endpoint = text(raw['otlp.endpoint'], 'otlp.endpoint', problems);
  if (endpoint && !/^https?:\/\/\S+$/i.test(endpoint)) {
    problems.push(`aiUsage.otlp.endpoint must be an http(s) URL such as http://localhost:4318; nothing is exported.`);
    endpoint = '';
  }
  return {
    team: {
      user: text(raw['team.user'], 'team.user', problems),
      machine: text(raw['team.machine'], 'team.machine', problems),
      projects: oneOf(raw['team.projects'], 'team.projects', PROJECT_PRIVACY, 'repository', problems),
      caFile,
    },
    otlp: {
      endpoint,
      protocol: oneOf(raw['otlp.protocol'], 'otlp.protocol', ['http/protobuf', 'http/json'] as const, 'http/protobuf', problems),
      temporality: oneOf(raw['otlp.temporality'], 'otlp.temporality', ['cumulative', 'delta'] as const, 'cumulative', problems),
      names: oneOf(raw['otlp.metricNames'], 'otlp.metricNames', METRIC_NAMES, 'semconv', problems),
    },
    problems,
  };
}

/**
 * OTLP headers as the OpenTelemetry SDKs take them from OTEL_EXPORTER_OTLP_HEADERS:
 * `key=value,key2=value2`, values %-decoded. Throws a readable error (without the values).
 */
export function parseOtlpHeaders(textValue: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, part] of textValue.split(',').entries()) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    // Without "=" the entry may be a pasted token: it is never echoed.
    if (eq < 0) throw new Error(`entry ${i + 1} is not key=value (e.g. authorization=Bearer%20abc,x-team=dev)`);
    const key = part.slice(0, eq).trim();
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) throw new Error(`entry ${i + 1}: "${key.slice(0, 40)}" is not a header name`);
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      throw new Error(`the value of "${key}" has a % that starts no escape (write %25 for a percent sign)`);
    }
    if (/[\r\n]/.test(value)) throw new Error(`the value of "${key}" has a line break`);
    out[key.toLowerCase()] = value;
  }
  return out;
}
