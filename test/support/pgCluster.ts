// A throwaway PostgreSQL server (Debian's `postgresql` package) in a temp data folder on a port of its
// own: initdb + pg_ctl, run as the `postgres` system user when we are root (PostgreSQL refuses to
// run as root, and CI runs as root). Used by the team-sync tests, the team bench and `.ci/run`
// (`npx tsx test/support/pgCluster.ts start` prints `AI_USAGE_TEST_PG_URL=…`).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Superuser password of every throwaway cluster (they listen on 127.0.0.1 only and live minutes). */
export const SUPERUSER_PASSWORD = 'test-superuser-pw';

/** The bin folder of the newest installed PostgreSQL, or a clear error naming the package to install. */
export function pgBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error('PostgreSQL is not installed: apt-get install postgresql (or run bash .ci/run)');
  return path.join(root, versions[0], 'bin');
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL tool as a user the server accepts (`postgres` when we are root). */
async function pgTool(tool: string, args: string[]): Promise<string> {
  const bin = path.join(pgBinDir(), tool);
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    const { stdout } = await run(cmd, argv, { timeout: 120_000 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${tool} failed: ${err.stderr?.trim() || err.message}`);
  }
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ClusterOptions {
  /** Server certificate, key and the CA that signed it: the server then accepts TLS (hostssl). */
  tls?: { certFile: string; keyFile: string };
  /** Extra postgresql.conf lines. */
  conf?: string[];
}

export class PgCluster {
  private constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {}

  /** `postgres://postgres:…@127.0.0.1:PORT/DB` (database `postgres` unless named). */
  url(db = 'postgres', user = 'postgres', password = SUPERUSER_PASSWORD): string {
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${db}`;
  }

  static async start(opts: ClusterOptions = {}): Promise<PgCluster> {
    const base = await fs.mkdtemp(path.join(os.tmpdir(), 'ai-usage-pg-'));
    const dataDir = path.join(base, 'data');
    const pwFile = path.join(base, 'pw');
    await fs.writeFile(pwFile, SUPERUSER_PASSWORD);
    if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', base]);
    await pgTool('initdb', ['-D', dataDir, '-U', 'postgres', '--pwfile', pwFile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync', '--locale=C']);
    const conf = [
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${base}'`,
      'fsync = off', // throwaway data: durability across an OS crash is not what the tests test
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 60',
      'shared_buffers = 256MB',
      ...(opts.conf ?? []),
    ];
    if (opts.tls) {
      // The server reads its key as the postgres user and wants it private.
      const cert = path.join(base, 'server.crt');
      const key = path.join(base, 'server.key');
      await fs.copyFile(opts.tls.certFile, cert);
      await fs.copyFile(opts.tls.keyFile, key);
      await fs.chmod(key, 0o600);
      if (asRoot) execFileSync('chown', ['postgres:postgres', cert, key]);
      conf.push('ssl = on', `ssl_cert_file = '${cert}'`, `ssl_key_file = '${key}'`);
      // Only TLS connections over TCP: a plain one is refused by pg_hba.
      await fs.writeFile(path.join(dataDir, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n');
      if (asRoot) execFileSync('chown', ['postgres:postgres', path.join(dataDir, 'pg_hba.conf')]);
    }
    await fs.appendFile(path.join(dataDir, 'postgresql.conf'), `\n${conf.join('\n')}\n`);
    const cluster = new PgCluster(dataDir, await freePort());
    await cluster.startServer();
    return cluster;
  }

  async startServer(): Promise<void> {
    await pgTool('pg_ctl', ['-D', this.dataDir, '-o', `-p ${this.port}`, '-l', path.join(path.dirname(this.dataDir), 'log'), '-w', '-t', '60', 'start']);
  }

  /** Stops the server the fast way (active sessions are ended, as on a real restart). */
  async stopServer(): Promise<void> {
    await pgTool('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  async restart(): Promise<void> {
    await this.stopServer();
    await this.startServer();
  }

  /** Stops the server and deletes its folder. */
  async destroy(): Promise<void> {
    await this.stopServer().catch(() => undefined);
    await fs.rm(path.dirname(this.dataDir), { recursive: true, force: true });
  }

  /** Attaches to a running cluster by its data folder (the one `.ci/run` started). */
  static attach(dataDir: string, port: number): PgCluster {
    return new PgCluster(dataDir, port);
  }
}

// `tsx test/support/pgCluster.ts start|stop DATA_DIR`: for .ci/run.
if (require.main === module) {
  const [cmd, dir] = process.argv.slice(2);
  (async () => {
    if (cmd === 'start') {
      const c = await PgCluster.start();
      process.stdout.write(`AI_USAGE_TEST_PG_URL=${c.url()}\nAI_USAGE_TEST_PG_DATA=${c.dataDir}\n`);
    } else if (cmd === 'stop' && dir) {
      await PgCluster.attach(dir, 0).destroy();
    } else {
      throw new Error('usage: pgCluster.ts start | stop DATA_DIR');
    }
  })().catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
