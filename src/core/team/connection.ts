// Connecting to the team database: a checked connection string, TLS as libpq's sslmode says, and
// errors in plain words. The password never appears in a message (`redactUrl`).
import { promises as fs } from 'node:fs';
import { Client, type ClientConfig } from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { redactUrl } from './connectionText';

export { redactUrl };

export class TeamConnectionError extends Error {
  constructor(
    message: string,
    /** Worth retrying later (network, server restarting); false for configuration and permission problems. */
    readonly transient: boolean,
    readonly code?: string,
  ) {
    super(message);
  }
}

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

export interface ConnectOptions {
  /** A CA certificate file (PEM) to verify the server with; same as `sslrootcert=` in the URL. */
  caFile?: string;
  connectTimeoutMs?: number;
  /** Server-side limit per statement, so a stuck query cannot hang a sync. */
  statementTimeoutMs?: number;
}

/** Checks a connection string and turns it into a pg client configuration (reads the CA file). */
export async function clientConfig(url: string, opts: ConnectOptions = {}): Promise<ClientConfig> {
  const shown = redactUrl(url);
  if (!/^postgres(ql)?:\/\//i.test(url.trim())) {
    // Something without a scheme may be a pasted password: never echo it.
    const what = /^[a-z][a-z0-9+.-]*:\/\//i.test(url.trim()) ? `: "${shown}"` : '';
    throw new TeamConnectionError(`not a PostgreSQL connection string${what} (expected postgres://user:password@host:5432/database)`, false);
  }
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new TeamConnectionError(`not a valid connection string: "${shown}" (expected postgres://user:password@host:5432/database; escape special characters in the password with %XX)`, false);
  }
  const params = parsed.searchParams;
  const sslmode = (params.get('sslmode') ?? (params.get('ssl') === 'true' ? 'require' : 'disable')).toLowerCase();
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw new TeamConnectionError(`unknown sslmode "${sslmode}" (one of: ${SSL_MODES.join(', ')}; verify-full is the safe one)`, false);
  }
  const caFile = opts.caFile ?? params.get('sslrootcert') ?? undefined;
  for (const p of ['sslmode', 'ssl', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat', 'sslnegotiation']) params.delete(p);
  const base = parseConnectionString(parsed.toString());
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = await fs.readFile(caFile, 'utf8');
    } catch (e) {
      throw new TeamConnectionError(`cannot read the CA file ${caFile}: ${(e as Error).message}`, false);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new TeamConnectionError(`the CA file ${caFile} holds no PEM certificate`, false);
  }
  let ssl: ClientConfig['ssl'] = false;
  if (sslmode === 'require') ssl = { rejectUnauthorized: false, ca };
  else if (sslmode === 'verify-ca') ssl = { rejectUnauthorized: true, ca, checkServerIdentity: () => undefined };
  else if (sslmode === 'verify-full') ssl = { rejectUnauthorized: true, ca };
  return {
    host: base.host ?? undefined,
    port: base.port ? Number(base.port) : undefined,
    user: base.user,
    password: base.password,
    database: base.database ?? undefined,
    ssl,
    application_name: 'ai-usage',
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    statement_timeout: opts.statementTimeoutMs ?? 120_000,
    keepAlive: true,
  };
}

/** Opens a connection, or throws a TeamConnectionError that says what went wrong. */
export async function connectTeamDatabase(url: string, opts: ConnectOptions = {}): Promise<Client> {
  const config = await clientConfig(url, opts);
  const client = new Client(config);
  // A connection lost between queries emits 'error' on the client: the next query fails instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw explainPgError(e, config);
  }
  return client;
}

const TRANSIENT_SQLSTATE = /^(08|53|57P0[1-4]|40001|40P01)/; // connection, resources, shutdown/restart, serialization, deadlock
const TRANSIENT_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** A pg or network error as a TeamConnectionError with a plain-words message. */
export function explainPgError(e: unknown, config?: Pick<ClientConfig, 'host' | 'port' | 'user' | 'database'>): TeamConnectionError {
  if (e instanceof TeamConnectionError) return e;
  const err = e as { code?: string; message?: string; errno?: number };
  const code = err?.code;
  const msg = String(err?.message ?? e);
  const where = config ? `${config.host ?? 'localhost'}:${config.port ?? 5432}` : 'the database';
  const user = config?.user ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return new TeamConnectionError(`cannot connect to ${where}: connection refused (is PostgreSQL running and listening there?)`, true, code);
    case 'ENOTFOUND':
      return new TeamConnectionError(`cannot connect to ${where}: unknown host`, false, code);
    case '28P01':
      return new TeamConnectionError(`password authentication failed for user "${user}"`, false, code);
    case '28000':
      return new TeamConnectionError(`the server does not let "${user}" connect (pg_hba.conf: ${msg})`, false, code);
    case '3D000':
      return new TeamConnectionError(`database "${config?.database ?? ''}" does not exist on ${where}`, false, code);
    case '42501':
      if (/row-level security/i.test(msg)) {
        return new TeamConnectionError(`the database refused a row (row-level security): role "${user}" may write only as the user ai_usage.members maps it to; set the team user to that (${msg})`, false, code);
      }
      return new TeamConnectionError(`role "${user}" lacks a privilege: ${msg}. Ask the database owner to run the grants in the README ("Team database")`, false, code);
    case '42P01':
    case '3F000':
      return new TeamConnectionError(`the team schema is missing or incomplete (${msg}): run \`ai-usage sync --init\` as the database owner`, false, code);
  }
  if (/does not support SSL/i.test(msg)) return new TeamConnectionError(`${where} does not accept TLS connections (sslmode asks for TLS)`, false, code);
  if (/self[- ]signed|unable to (get|verify)|certificate|ERR_TLS_CERT_ALTNAME_INVALID|altname/i.test(msg) || code?.startsWith('ERR_TLS') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') {
    return new TeamConnectionError(`the server's TLS certificate is not trusted (${msg}): give the CA that signed it (sslrootcert=FILE or the CA file setting) and connect by the name in the certificate`, false, code);
  }
  if (/no pg_hba\.conf entry/i.test(msg)) return new TeamConnectionError(`the server does not let "${user}" connect from here (${msg})`, false, code);
  if (/timeout/i.test(msg)) return new TeamConnectionError(`cannot connect to ${where}: timed out`, true, code);
  if (/Connection terminated|terminating connection|server closed the connection|Client has encountered a connection error|Connection closed/i.test(msg)) {
    return new TeamConnectionError(`the connection to ${where} was lost (${msg})`, true, code);
  }
  const transient = (code !== undefined && (TRANSIENT_SQLSTATE.test(code) || TRANSIENT_NODE.has(code))) || false;
  return new TeamConnectionError(msg, transient, code);
}
