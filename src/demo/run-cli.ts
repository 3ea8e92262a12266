// Runs the package's real executables (bin/*.js) as child processes, the way a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/index.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The package root: the nearest ancestor of this file holding bin/pg-mirror.js (src/ or dist/src/). */
export async function packageRoot(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      await access(join(dir, 'bin', 'pg-mirror.js'));
      await access(join(dir, 'package.json'));
      return dir;
    } catch {
      const parent = dirname(dir);
      if (parent === dir)
        throw new UsageError(
          'invalid-argument',
          'demo: expected to run inside the repository-playground package, got no bin/pg-mirror.js above it',
        );
      dir = parent;
    }
  }
}

/** Runs `node bin/<program>.js args` to completion (killed after `timeoutMs`). */
export function runCli(
  root: string,
  program: 'pg-mirror' | 'pg-download',
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', `${program}.js`), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** A long-running child (pg-mirror serve) and the first stdout line it printed. */
export interface Background {
  readonly child: ChildProcess;
  readonly firstLine: string;
  /** SIGTERM, then resolves with the exit code (SIGKILL after 5 s). */
  stop(): Promise<number | null>;
}

/** Starts `node bin/<program>.js args` and waits for its first line on stdout. */
export function startCli(
  root: string,
  program: 'pg-mirror',
  args: readonly string[],
  timeoutMs = 20_000,
): Promise<Background> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', `${program}.js`), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '';
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    const fail = (why: string): void => {
      child.kill('SIGKILL');
      reject(
        new UsageError(
          'invalid-argument',
          `${program} ${args[0] ?? ''}: expected a first line on stdout, got ${why}${stderr ? `: ${stderr.trim()}` : ''}`,
        ),
      );
    };
    const timer = setTimeout(() => fail('nothing in time'), timeoutMs);
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-4000);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!buffered.includes('\n')) fail(`exit ${code}`);
    });
    child.stdout.on('data', (c: Buffer) => {
      if (buffered.includes('\n')) return;
      buffered += c.toString('utf8');
      const nl = buffered.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      resolve({
        child,
        firstLine: buffered.slice(0, nl),
        async stop() {
          const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.kill('SIGTERM');
          const code = await exited;
          clearTimeout(kill);
          return code;
        },
      });
    });
  });
}
