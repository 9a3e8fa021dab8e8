// PostgreSQL for the team tests: the server `.ci/run` started (AI_USAGE_TEST_PG_URL), or a
// throwaway one started here once per test run; each test gets a database of its own.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PgCluster } from './pgCluster';
import { withDatabase } from './pgUrl';

let cluster: Promise<PgCluster> | undefined;
const made: string[] = [];

/** Superuser URL of the shared test server (database `postgres`). */
export async function adminUrl(): Promise<string> {
  const fromEnv = process.env.AI_USAGE_TEST_PG_URL;
  if (fromEnv) return fromEnv;
  cluster ??= PgCluster.start();
  return (await cluster).url();
}

export { withDatabase };

/** An empty database of its own on the shared server; returns its superuser URL. */
export async function freshDatabase(): Promise<string> {
  const admin = await adminUrl();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const c = new Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  made.push(name);
  return withDatabase(admin, name);
}

/** Runs SQL on a URL and returns the rows. */
export async function query<T extends Record<string, unknown> = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end().catch(() => undefined);
  }
}

after(async function () {
  this.timeout(120_000);
  if (made.length) {
    const admin = await adminUrl();
    for (const db of made) await query(admin, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
  }
  if (cluster) await (await cluster).destroy();
});
