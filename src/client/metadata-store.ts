import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../core/index.js';
import { toStorageError, writeFileAtomic } from './fs-atomic.js';
import { roleFileName } from './role-file-name.js';

// The trusted metadata cache: one file per role, exact bytes as verified. Only the trusted
// set decides what is written here; this class only guarantees safe names and atomicity.

/** A directory of `<role>.json` files; every role name is encoded to one file inside `dir`. */
export class MetadataStore {
  readonly dir: string;
  private ready: Promise<void> | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The file a role is stored in; always directly inside `dir` (see roleFileName). */
  pathFor(role: string): string {
    return join(this.dir, roleFileName(role));
  }

  /** The stored bytes of a role, or undefined when none are stored. */
  async read(role: string): Promise<Uint8Array | undefined> {
    const path = this.pathFor(role);
    try {
      return await readFile(path);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw toStorageError(path, 'a readable metadata file', err);
    }
  }

  /** Replaces a role's file atomically with exactly `bytes`. */
  async write(role: string, bytes: Uint8Array): Promise<void> {
    await this.ensureDir();
    await writeFileAtomic(this.dir, roleFileName(role), bytes);
  }

  /** Deletes a role's file; succeeds when it is already absent. */
  async remove(role: string): Promise<void> {
    const path = this.pathFor(role);
    try {
      await rm(path, { force: true });
    } catch (err) {
      throw toStorageError(path, 'a removable metadata file', err);
    }
  }

  private ensureDir(): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true }).then(
      () => undefined,
      (err: unknown) => {
        this.ready = undefined; // let a later call retry, e.g. after the user fixed permissions
        throw toStorageError(this.dir, 'a writable metadata directory', err);
      },
    );
    return this.ready;
  }
}

function isMissing(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
