// Shared helpers for test/core: temp directories, the openssl CLI, metadata document builders.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { JsonObject } from '../../src/core/index.js';

const execFileP = promisify(execFile);

/** A fresh temp directory and its cleanup. */
export async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'pg-core-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs openssl with arguments in `cwd`; returns stdout. */
export async function openssl(cwd: string, ...args: string[]): Promise<Buffer> {
  const { stdout } = await execFileP('openssl', args, { cwd, encoding: 'buffer' });
  return stdout;
}

export const EXPIRES = '2030-01-01T00:00:00Z';

/** Serializes a document to bytes exactly as given (JSON.stringify). */
export function bytesOf(doc: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(doc));
}

/** A minimal valid `signed` for each role type; callers override fields. */
export function signedFor(
  type: 'root' | 'timestamp' | 'snapshot' | 'targets',
  extra: JsonObject = {},
): JsonObject {
  const common: JsonObject = { _type: type, spec_version: '1.0.31', version: 1, expires: EXPIRES };
  const role = { keyids: ['k1'], threshold: 1 };
  const body: Record<typeof type, JsonObject> = {
    root: {
      consistent_snapshot: true,
      keys: {},
      roles: { root: role, timestamp: role, snapshot: role, targets: role },
    },
    timestamp: { meta: { 'snapshot.json': { version: 1 } } },
    snapshot: { meta: { 'targets.json': { version: 1 } } },
    targets: { targets: {} },
  };
  return { ...common, ...body[type], ...extra };
}

/** An unsigned envelope around `signed`. */
export function envelope(signed: JsonObject, signatures: JsonObject[] = []): JsonObject {
  return { signed, signatures };
}

/** Runs `fn`, asserting it throws an instance of `cls`; returns the error's code. */
export function codeOf(
  fn: () => unknown,
  cls: abstract new (...args: never[]) => Error & { code: string },
): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof cls) return err.code;
    throw err;
  }
  throw new Error('expected a throw, got a return');
}
