// Runs one job in a fresh child process (bench/runner.ts) under a wall-clock limit. A child past
// its limit is killed and reported as over the limit; a child that dies reports what it printed.

import { fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Job, RunOutcome } from './protocol.js';

/** How to start a runner: the script and the Node flags it needs. */
export interface RunnerCommand {
  readonly script: string;
  readonly execArgv: readonly string[];
}

const STDERR_TAIL = 2_000;

/** The runner next to this module (runner.js when compiled, runner.ts when run from source). */
export function defaultRunner(): RunnerCommand {
  const self = fileURLToPath(import.meta.url);
  const script = fileURLToPath(new URL(`./runner${extname(self)}`, import.meta.url));
  // Source runs need the same loader flags as the parent; compiled runs have none.
  return { script, execArgv: [...process.execArgv] };
}

/** Resolves with the child's result, or a failure: over the limit, crashed, or silent. */
export function runInChild(job: Job, limitMs: number, runner: RunnerCommand): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const child = fork(runner.script, [], {
      execArgv: [...runner.execArgv],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    let outcome: RunOutcome | undefined;
    let overLimit = false;
    let stderr = '';
    let spawnError: Error | undefined;
    const timer = setTimeout(() => {
      overLimit = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL);
    });
    child.on('message', (message: unknown) => {
      outcome = message as RunOutcome;
    });
    child.on('error', (err) => {
      spawnError = err;
    });
    // 'close' comes after the IPC channel and stderr are drained, so a sent result is never lost.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (overLimit) {
        resolve({
          ok: false,
          overLimit: true,
          error: `over the limit (> ${formatSeconds(limitMs)} s)`,
        });
      } else if (outcome !== undefined) {
        resolve(outcome);
      } else {
        const how = spawnError ? spawnError.message : `exit ${code ?? signal ?? '?'}`;
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        resolve({
          ok: false,
          error: `runner: expected a result, got ${how}${tail ? `: ${tail}` : ''}`,
        });
      }
    });
    child.send(job);
  });
}

function formatSeconds(ms: number): string {
  return Number.isInteger(ms / 1000) ? String(ms / 1000) : (ms / 1000).toFixed(1);
}
