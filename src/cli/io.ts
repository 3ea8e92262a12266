// The world a CLI run sees: streams, environment, working directory. `main` passes the real
// process; tests pass collecting streams so a whole command runs in-process.
import type { Writable } from 'node:stream';

export interface CliIo {
  /** Data: the result text, the JSON document, or artifact bytes with `-o -`. */
  readonly stdout: Writable;
  /** Diagnostics: errors, warnings, `--verbose` events, progress (TTY only). */
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** True when stderr is a terminal: only then is a progress line drawn. */
  readonly isTTY: boolean;
  /** Reference clock for in-process tests (not a CLI flag); defaults to the system clock. */
  readonly clock?: () => Date;
}

/** The real process as a CliIo. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    isTTY: process.stderr.isTTY,
  };
}

/** Writes a string and resolves once the stream accepted it (honours back-pressure). */
export function writeText(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}
