// A PostgreSQL cluster of the suite's own, which the suite may stop and start: the shared one on
// 127.0.0.1:5432 serves every other suite in parallel, so it is never restarted.
//
// initdb makes the cluster in a temporary directory (trust auth, only 127.0.0.1, its socket in that
// directory too), and pg_ctl starts it on a free port. initdb and postgres refuse to run as root
// ("cannot be run as root"), and the machines of this project run the suites as root: there the
// cluster's programs run as the `postgres` user (which Debian's postgresql package creates, and
// which owns the shared cluster) through `runuser -u postgres --`, and the temporary directory is
// handed to that user. As any other user they run as that user, directly.
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './server-process.js';

const run = promisify(execFile);

/** The newest PostgreSQL's programs: PG_BIN if set, else /usr/lib/postgresql/<version>/bin (Debian's layout). */
export function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((version) => existsSync(path.join(root, version, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL programs under ${root}/*/bin (install postgresql, or set PG_BIN to the directory of initdb and pg_ctl)`);
  return path.join(root, versions[0]!, 'bin');
}

/** The uid and gid of a user, from `id` (no native lookup in Node). */
function idsOf(user: string): { uid: number; gid: number } {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(`running as root, and there is no "${user}" user to run PostgreSQL as (initdb refuses root): create one, or run the suite as another user`);
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export interface PrivatePostgres {
  /** postgresql://postgres@127.0.0.1:PORT/postgres: the cluster's own database, for the suite alone. */
  url: string;
  port: number;
  /** The server's log, for a failure's message. */
  log(): string;
  /** pg_ctl stop -m fast: rolls back what runs, ends every connection, writes a checkpoint. */
  stop(): Promise<void>;
  /** pg_ctl start, waiting until it accepts connections. */
  start(): Promise<void>;
  /** stop, then start. */
  restart(): Promise<void>;
  /** Stops it at once (if running) and removes its directory. */
  destroy(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const directory = mkdtempSync(path.join(tmpdir(), 'pogodoc-private-pg-'));
  const dataDir = path.join(directory, 'data');
  const logFile = path.join(directory, 'postgres.log');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = idsOf('postgres');
    // mkdtemp makes it 0700 and root's: the postgres user must own it to write the cluster and its socket
    chownSync(directory, uid, gid);
  }
  /** Runs one of the cluster's programs, as the postgres user when we are root. */
  const pg = async (program: string, args: string[]) => {
    const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, program), ...args]] : [path.join(bin, program), args];
    try {
      return await run(command, argv, { timeout: 120_000 });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`${program} ${args.join(' ')} failed: ${(error as Error).message}\n${stdout}${stderr}\n${readLog()}`);
    }
  };
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };

  let destroyed = false;
  let running = false;
  // a suite that dies without its afterAll must not leave a postmaster behind: pg_ctl detaches it
  const onExit = () => {
    if (!running) return;
    const args = ['-D', dataDir, '-m', 'immediate', 'stop'];
    if (asRoot) spawnSync('runuser', ['-u', 'postgres', '--', path.join(bin, 'pg_ctl'), ...args], { stdio: 'ignore' });
    else spawnSync(path.join(bin, 'pg_ctl'), args, { stdio: 'ignore' });
    rmSync(directory, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  // --no-sync: the data directory is thrown away at the end; nothing here is about the disk
  await pg('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  // fsync=off: only PostgreSQL restarts here, never the machine, so what it wrote stays in the
  // page cache; a fast stop writes a checkpoint anyway. Not for the suite's assertions, for its speed.
  const options = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;

  const start = async () => {
    await pg('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '120', '-o', options, 'start']);
    running = true;
  };
  const stop = async () => {
    await pg('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '120', 'stop']);
    running = false;
  };
  await start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    log: readLog,
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      if (running) await pg('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      running = false;
      process.off('exit', onExit);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
