// One long-lived `git cat-file --batch` process for all blob reads of a GitReader. Requests
// are pipelined (written in order, answered in order) and answers are parsed incrementally:
// "<oid> <type> <size>\n<content>\n" or "<query> missing\n".
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { DownloadError, GitError } from '../core/index.js';
import { spawnFailure } from './git-run.js';

/** Receives the content of a streamed blob; a returned promise pauses the pipe (backpressure). */
export type BlobChunkSink = (chunk: Buffer) => void | Promise<void>;

export interface BatchResult {
  /** The content, unless it went to a sink. */
  data?: Buffer;
  size: number;
}

interface BatchRequest {
  query: string;
  sink: BlobChunkSink | undefined;
  /** Largest content accepted; a bigger blob is skipped unread into memory and rejected. */
  maxSize: number | undefined;
  resolve: (result: BatchResult) => void;
  reject: (err: unknown) => void;
  data?: Buffer;
  filled: number;
  /** "missing" or the object's type when it is not a blob. */
  otherType?: string;
  error?: unknown;
}

const HEADER = /^([0-9a-f]{40,64}) ([a-z]+) (\d+)$/;
const MAX_HEADER = 8192;
const STDERR_KEEP = 8192;

export class CatFileBatch {
  private child: ChildProcessWithoutNullStreams | undefined;
  private exited: Promise<void> | undefined;
  private stderr = '';
  private queue: (BatchRequest | undefined)[] = [];
  private head = 0;
  private outbox: string[] = [];
  private state: 'header' | 'body' | 'trailer' = 'header';
  private headerParts: Buffer[] = [];
  private remaining = 0;
  private blocked = false;
  private stash: Buffer[] = [];
  private closing = false;

  constructor(
    private readonly gitArgs: string[],
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Queues one blob read by full oid (the caller validates it); answers come in order. */
  request(query: string, sink: BlobChunkSink | undefined, maxSize?: number): Promise<BatchResult> {
    return new Promise((resolve, reject) => {
      this.ensureProcess();
      if (this.queue.length === this.head) this.setRef(true);
      this.queue.push({ query, sink, maxSize, filled: 0, resolve, reject });
      this.outbox.push(`${query}\n`);
      // Requests made in the same tick go out in one write.
      if (this.outbox.length === 1) queueMicrotask(() => this.flush());
    });
  }

  /** Ends stdin; git answers every queued query before it exits. */
  async close(): Promise<void> {
    const exited = this.exited;
    this.closing = true;
    if (this.child) {
      // Held until git exits, so an awaited close() is never cut short by an empty event loop.
      this.setRef(true);
      this.flush();
      this.child.stdin.end();
    }
    await exited;
  }

  private flush(): void {
    if (this.outbox.length === 0 || !this.child) return;
    this.child.stdin.write(this.outbox.join(''));
    this.outbox = [];
  }

  private setRef(on: boolean): void {
    // Hold the event loop only while reads are pending, so a forgotten close() cannot hang exit.
    const c = this.child;
    if (!c) return;
    for (const h of [c, c.stdin, c.stdout, c.stderr] as { ref(): unknown; unref(): unknown }[]) {
      if (on) h.ref();
      else h.unref();
    }
  }

  private ensureProcess(): void {
    if (this.child) return;
    const child = spawn('git', [...this.gitArgs, 'cat-file', '--batch'], {
      cwd: this.cwd,
      env: this.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.stderr = '';
    this.state = 'header';
    this.headerParts = [];
    this.stash = [];
    this.blocked = false;
    let spawnError: unknown;
    child.stdout.on('data', (chunk: Buffer) => {
      if (this.child !== child) return; // a process dropped after a protocol error
      if (this.blocked) this.stash.push(chunk);
      else this.parse(chunk);
    });
    child.stderr.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString('utf8')).slice(-STDERR_KEEP);
    });
    child.stdin.on('error', () => {
      // EPIPE after git died: the close handler below fails the pending reads.
    });
    child.on('error', (err) => {
      spawnError = err;
    });
    this.exited = new Promise((done) => {
      child.on('close', (code, signal) => {
        if (this.child !== child) return done();
        this.child = undefined;
        const cause = { exitCode: code, signal, stderr: this.stderr };
        const msg = `git cat-file: expected a running process, got exit ${signal ?? code}: ${this.stderr.trim()}`;
        this.failAll(
          spawnError !== undefined
            ? spawnFailure('cat-file', spawnError)
            : new GitError('git-failed', msg, { cause }),
        );
        done();
      });
    });
  }

  private failAll(err: unknown): void {
    for (let i = this.head; i < this.queue.length; i++) this.queue[i]?.reject(err);
    this.queue = [];
    this.head = 0;
    this.outbox = [];
  }

  private protocolError(detail: string): void {
    // Out of sync: drop this process (the next read starts a new one) and fail what it owed.
    const child = this.child;
    this.child = undefined;
    this.failAll(
      new GitError('git-failed', `git cat-file: expected a batch response, got ${detail}`),
    );
    child?.kill();
  }

  // Parses answers in request order; a chunk may hold many answers or part of one.
  private parse(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      const cur = this.queue[this.head];
      if (!cur) return this.protocolError('output nobody asked for');
      if (this.state === 'header') {
        const nl = chunk.indexOf(10, pos);
        this.headerParts.push(chunk.subarray(pos, nl === -1 ? chunk.length : nl));
        if (nl === -1) {
          const len = this.headerParts.reduce((n, b) => n + b.length, 0);
          if (len > MAX_HEADER) this.protocolError('an endless header line');
          return;
        }
        const header = Buffer.concat(this.headerParts).toString('utf8');
        this.headerParts = [];
        pos = nl + 1;
        const m = HEADER.exec(header);
        if (!m) {
          if (header !== `${cur.query} missing` && header !== `${cur.query} ambiguous`) {
            return this.protocolError(JSON.stringify(header.slice(0, 200)));
          }
          cur.otherType = 'missing';
          this.finish();
          continue;
        }
        const type = m[2] ?? '';
        this.remaining = Number(m[3]);
        if (type !== 'blob') cur.otherType = type;
        else if (cur.maxSize !== undefined && this.remaining > cur.maxSize) {
          // The size comes from the object header (attacker-controlled): the body is skipped.
          cur.error = new DownloadError(
            'too-large',
            `git object ${cur.query}: expected at most ${cur.maxSize} bytes, got ${this.remaining}`,
          );
        } else if (!cur.sink) {
          const data = this.allocate(cur);
          if (data) cur.data = data;
        }
        this.state = this.remaining === 0 ? 'trailer' : 'body';
      } else if (this.state === 'body') {
        const n = Math.min(this.remaining, chunk.length - pos);
        const piece = chunk.subarray(pos, pos + n);
        pos += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = 'trailer';
        if (cur.error !== undefined || cur.otherType !== undefined) continue;
        cur.filled += n;
        if (cur.data) piece.copy(cur.data, cur.filled - n);
        else if (cur.sink && this.deliver(cur, cur.sink, piece, chunk.subarray(pos))) return;
      } else {
        if (chunk[pos] !== 10) return this.protocolError('content without its trailing newline');
        pos += 1;
        this.state = 'header';
        this.finish();
      }
    }
  }

  // A header may claim petabytes: a failed allocation fails this read only, never the process
  // (it runs inside a stream 'data' handler, where a throw is an uncaught exception).
  private allocate(cur: BatchRequest): Buffer | undefined {
    try {
      return Buffer.allocUnsafe(this.remaining);
    } catch (err) {
      const msg = `git object ${cur.query}: expected a blob that fits in memory, got ${this.remaining} bytes`;
      cur.error = new GitError('git-failed', msg, { cause: err });
      return undefined;
    }
  }

  // Hands a piece to a streaming sink; true when the sink asked to wait (the rest is stashed).
  private deliver(cur: BatchRequest, sink: BlobChunkSink, piece: Buffer, rest: Buffer): boolean {
    let pending: void | Promise<void>;
    try {
      pending = sink(piece);
    } catch (err) {
      cur.error = err;
      return false;
    }
    if (!(pending instanceof Promise)) return false;
    this.blocked = true;
    this.child?.stdout.pause();
    this.stash = rest.length > 0 ? [rest] : [];
    const resume = (): void => {
      this.blocked = false;
      const stashed = this.stash;
      this.stash = [];
      for (const c of stashed) {
        if (this.blocked) this.stash.push(c);
        else this.parse(c);
      }
      if (!this.blocked) this.child?.stdout.resume();
    };
    pending.then(resume, (err: unknown) => {
      cur.error = err;
      resume();
    });
    return true;
  }

  private finish(): void {
    const cur = this.queue[this.head];
    if (!cur) return;
    this.queue[this.head] = undefined;
    this.head += 1;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      if (!this.closing) this.setRef(false);
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (cur.error !== undefined) cur.reject(cur.error);
    else if (cur.otherType === undefined) {
      cur.resolve(cur.data ? { data: cur.data, size: cur.filled } : { size: cur.filled });
    } else {
      const msg = `git object ${cur.query}: expected a blob, got ${cur.otherType}`;
      cur.reject(new GitError('git-missing-object', msg));
    }
  }
}
