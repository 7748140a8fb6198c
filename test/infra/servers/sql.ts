import { chown, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { SqlInfo } from '../types.js';
import { freePort, runCommand, startProcess, waitUntil, type ManagedProcess } from '../process.js';
import { postgresBinDir, systemBinary } from '../tools.js';

const USER = 'gridlake';
const PASSWORD = 'gridlake-test-pass';
const DATABASE = 'gridlake';

/** uid/gid of a system account, or undefined when we are not root (then we run as ourselves). */
async function accountIds(name: string): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number((await runCommand('id', ['-u', name])).trim());
  const gid = Number((await runCommand('id', ['-g', name])).trim());
  return { uid, gid };
}

/** PostgreSQL from Debian, initdb'd into the run folder, TCP on loopback with scram-sha-256. */
export async function startPostgres(runDir: string): Promise<{ info: SqlInfo; procs: ManagedProcess[] }> {
  const dir = path.join(runDir, 'postgres');
  const data = path.join(dir, 'data');
  const sock = path.join(dir, 'sock');
  await mkdir(sock, { recursive: true });
  const ids = await accountIds('postgres');
  const pwfile = path.join(dir, 'pwfile');
  await writeFile(pwfile, `${PASSWORD}\n`);
  if (ids) {
    // initdb refuses to run as root; the data folder must belong to the postgres account.
    for (const p of [dir, sock, pwfile]) await chown(p, ids.uid, ids.gid);
  }
  const bin = postgresBinDir();
  await runCommand(
    path.join(bin, 'initdb'),
    ['-D', data, '-U', USER, '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-locale', '--no-sync'],
    { ...ids },
  );
  const port = await freePort();
  const proc = startProcess({
    name: 'postgres',
    command: path.join(bin, 'postgres'),
    args: [
      '-D',
      data,
      '-c',
      'listen_addresses=127.0.0.1',
      '-p',
      String(port),
      '-k',
      sock,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    logFile: path.join(runDir, 'postgres.log'),
    ...ids,
  });
  const base = { host: '127.0.0.1', port, user: USER, password: PASSWORD };
  await waitUntil(
    'postgres',
    async () => {
      const c = new pg.Client({ ...base, database: 'postgres' });
      await c.connect();
      await c.end();
      return true;
    },
    { timeoutMs: 30_000, proc },
  );
  const admin = new pg.Client({ ...base, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  return {
    info: { ...base, database: DATABASE, url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}` },
    procs: [proc],
  };
}

/** MariaDB from Debian with its own data folder; root by socket only, a TCP user for tests. */
export async function startMariadb(runDir: string): Promise<{ info: SqlInfo; procs: ManagedProcess[] }> {
  const dir = path.join(runDir, 'mariadb');
  const data = path.join(dir, 'data');
  await mkdir(dir, { recursive: true });
  const ids = await accountIds('mysql');
  if (ids) await chown(dir, ids.uid, ids.gid);
  const userArgs = ids ? ['--user=mysql'] : [];
  await runCommand(systemBinary('mariadb-install-db'), [
    '--no-defaults',
    ...userArgs,
    `--datadir=${data}`,
    '--auth-root-authentication-method=socket',
    '--skip-test-db',
  ]);
  const port = await freePort();
  const socket = path.join(dir, 'mysqld.sock');
  const proc = startProcess({
    name: 'mariadb',
    command: systemBinary('mariadbd'),
    args: [
      '--no-defaults',
      ...userArgs,
      `--datadir=${data}`,
      '--bind-address=127.0.0.1',
      `--port=${port}`,
      `--socket=${socket}`,
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      `--log-error=${path.join(dir, 'error.log')}`,
      '--skip-name-resolve',
      '--innodb-flush-log-at-trx-commit=0',
      '--innodb-doublewrite=0',
    ],
    logFile: path.join(runDir, 'mariadb.log'),
  });
  const client = systemBinary('mariadb');
  await waitUntil(
    'mariadb',
    async () => {
      await runCommand(client, ['--no-defaults', `--socket=${socket}`, '-uroot', '-e', 'SELECT 1']);
      return true;
    },
    { timeoutMs: 30_000, proc, intervalMs: 200 },
  );
  await runCommand(client, [
    '--no-defaults',
    `--socket=${socket}`,
    '-uroot',
    '-e',
    `CREATE USER '${USER}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'; CREATE DATABASE ${DATABASE}; GRANT ALL ON ${DATABASE}.* TO '${USER}'@'127.0.0.1';`,
  ]);
  return {
    info: {
      host: '127.0.0.1',
      port,
      user: USER,
      password: PASSWORD,
      database: DATABASE,
      url: `mysql://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    },
    procs: [proc],
  };
}
