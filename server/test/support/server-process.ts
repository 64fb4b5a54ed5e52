// A real server instance in a process of its own (npm start's entry point), for the suites that
// need several instances or a Redis of their own, and for the benchmark.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/paths.js';

/** The compiled entry point that npm start runs (tsconfig.build.json). */
export const COMPILED_ENTRY = path.join(PROJECT_ROOT, 'dist/src/index.js');

/** Compiles the service as npm start does (npm run build:server); incremental, so cheap when nothing changed. */
export async function buildServer(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', path.join(PROJECT_ROOT, 'tsconfig.build.json')], { cwd: PROJECT_ROOT });
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the service from source under tsx, or with `compiled` the output of buildServer() under
 * plain node, as npm start runs it.
 */
export async function startServerProcess(env: Record<string, string>, { nodeArgs = [], compiled = false }: { nodeArgs?: string[]; compiled?: boolean } = {}): Promise<ServerProcess> {
  const entry = compiled ? [COMPILED_ENTRY] : ['--import', 'tsx', path.join(PROJECT_ROOT, 'server/src/index.ts')];
  const child = spawn(process.execPath, [...nodeArgs, ...entry], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${output}`)), 60_000);
    // stops looking once found: under load a server may log a line per request, and matching
    // the whole output again on each chunk would cost the harness more than the server
    const check = () => {
      const match = /service on (http:\/\/[\d.:]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before starting:\n${output}`));
    });
  });
  return {
    url,
    child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        // ended already, by its own exit or by a signal (a test that killed it): no exit event will come
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A Redis of the suite's own, which the suite may kill and restart. Nothing is kept on disk. */
export async function startRedis(port: number): Promise<{ stop(): Promise<void> }> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout!.on('data', () => {
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (error) => reject(new Error(`redis-server could not be started: ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        // ended already, by its own exit or by a signal (a test that killed it): no exit event will come
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
