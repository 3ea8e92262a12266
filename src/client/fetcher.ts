import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { DownloadError, UsageError } from '../core/index.js';
import {
  abandonBody,
  checkMaxLength,
  collectBody,
  connectionReleased,
  guardedBody,
  type BodyGuard,
} from './fetcher-body.js';
import { classifyTransportError, statusError, tooLargeError } from './fetcher-errors.js';
import type { FetchOptions, Fetcher, FetchStats } from './fetcher-types.js';

export type { FetchOptions, Fetcher, FetchStats } from './fetcher-types.js';
export { FileFetcher } from './fetcher-file.js';

export interface HttpFetcherOptions {
  /** Default 10_000. */
  connectTimeoutMs?: number;
  /** No header or body bytes for this long → DownloadError('stalled'). Default 15_000. */
  stallTimeoutMs?: number;
  /** Slow-drip guard, measured per window (see rateWindowMs). Default 1024; 0 disables. */
  minBytesPerSecond?: number;
  /** Window of the slow-drip guard, the first one starting with the response. Default 5_000. */
  rateWindowMs?: number;
  /** Default 2. Only network errors and 5xx are retried, never 4xx. */
  retries?: number;
  /** Exponential backoff with jitter from this base. Default 200. */
  retryBaseDelayMs?: number;
  /** Keep-alive pool size per origin. Default 8. */
  connections?: number;
  userAgent?: string;
  /** HTTP_PROXY / HTTPS_PROXY / NO_PROXY (lowercase wins). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

type Response = Dispatcher.ResponseData;

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Error and redirect bodies up to this size are drained so the connection can be reused. */
const DRAIN_LIMIT = 16_384;
const DRAIN_TIMEOUT_MS = 1_000;
/** Larger body chunks mean fewer stream iterations for big targets. */
const BODY_HIGH_WATER_MARK = 256 * 1024;

function parseHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new UsageError(
      'invalid-argument',
      `${url}: expected an absolute http(s) URL, got an unparsable string`,
      { cause: err },
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(
      'invalid-argument',
      `${url}: expected an http(s) URL, got ${parsed.protocol}`,
    );
  }
  return parsed;
}

function checkNumber(name: string, value: number, min: number): number {
  if (!(value >= min) || !Number.isFinite(value)) {
    throw new UsageError(
      'invalid-argument',
      `HttpFetcher ${name}: expected a number >= ${min}, got ${value}`,
    );
  }
  return value;
}

function header(res: Response, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Releases a response we will not read. A small body (at most DRAIN_LIMIT bytes within
 * DRAIN_TIMEOUT_MS, chunked or not) is drained so the keep-alive connection is reused; a larger
 * or slower one is destroyed by undici's dump, closing the connection.
 */
async function discard(res: Response): Promise<void> {
  await res.body
    .dump({ limit: DRAIN_LIMIT, signal: AbortSignal.timeout(DRAIN_TIMEOUT_MS) })
    .catch(() => undefined);
  await connectionReleased();
}

/** HTTP(S) fetcher on one shared undici keep-alive pool, with caps, timeouts, retries and proxies. */
export class HttpFetcher implements Fetcher {
  readonly stats: FetchStats = { requests: 0, bytes: 0 };
  private readonly dispatcher: Dispatcher;
  private readonly retries: number;
  private readonly retryBaseDelayMs: number;
  private readonly minBytesPerSecond: number;
  private readonly rateWindowMs: number;
  private readonly headers: Record<string, string>;

  constructor(options: HttpFetcherOptions = {}) {
    // A NaN or negative setting would silently disable a guard (or retry forever): refuse it.
    const stall = checkNumber('stallTimeoutMs', options.stallTimeoutMs ?? 15_000, 1);
    this.retries = checkNumber('retries', options.retries ?? 2, 0);
    this.retryBaseDelayMs = checkNumber('retryBaseDelayMs', options.retryBaseDelayMs ?? 200, 0);
    this.minBytesPerSecond = checkNumber('minBytesPerSecond', options.minBytesPerSecond ?? 1024, 0);
    this.rateWindowMs = checkNumber('rateWindowMs', options.rateWindowMs ?? 5_000, 1);
    this.headers = { 'user-agent': options.userAgent ?? 'repository-playground' };
    const agentOptions = {
      connections: checkNumber('connections', options.connections ?? 8, 1),
      connectTimeout: checkNumber('connectTimeoutMs', options.connectTimeoutMs ?? 10_000, 1),
      headersTimeout: stall,
      bodyTimeout: stall,
    };
    const env = options.env ?? process.env;
    // Lowercase wins, as in curl and undici. Empty strings are passed on purpose: they stop
    // undici from falling back to process.env when the caller gave its own `env`.
    const httpProxy = env.http_proxy ?? env.HTTP_PROXY ?? '';
    const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY ?? '';
    const noProxy = env.no_proxy ?? env.NO_PROXY ?? '';
    this.dispatcher =
      httpProxy === '' && httpsProxy === ''
        ? new Agent(agentOptions)
        : new EnvHttpProxyAgent({ ...agentOptions, httpProxy, httpsProxy, noProxy });
  }

  /** Whole body of a 200 response; at most `maxLength` bytes. */
  async fetchBytes(url: string, options: FetchOptions): Promise<Uint8Array> {
    return collectBody(await this.fetchStream(url, options));
  }

  /** Body of a 200 response as chunks; capped, stall- and drip-guarded. */
  async fetchStream(url: string, options: FetchOptions): Promise<AsyncIterable<Uint8Array>> {
    checkMaxLength(url, options.maxLength);
    const res = await this.open(url, options);
    const guard: BodyGuard = {
      url,
      maxLength: options.maxLength,
      minBytesPerSecond: this.minBytesPerSecond,
      rateWindowMs: this.rateWindowMs,
      signal: options.signal,
      stats: this.stats,
    };
    return guardedBody(res.body, guard);
  }

  /** Closes the pool; waits for transfers in progress. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  // Follows redirects and returns a 200 response whose declared length fits the cap.
  private async open(url: string, options: FetchOptions): Promise<Response> {
    let target = parseHttpUrl(url);
    let label = url;
    for (let hops = 0; ; hops++) {
      const res = await this.requestWithRetry(target, label, options.signal);
      const status = res.statusCode;
      if (status === 200) {
        const declared = header(res, 'content-length');
        if (declared !== undefined && Number(declared) > options.maxLength) {
          // Refuse before reading: the header is a promise of endless data (TUF 5.2).
          abandonBody(res.body);
          throw tooLargeError(label, options.maxLength, `Content-Length ${declared}`);
        }
        return res;
      }
      // 2xx other than 200 (e.g. a 206 partial body) is never success: the caller asked for a whole document.
      if (!REDIRECT_STATUSES.has(status)) {
        await discard(res);
        throw statusError(label, status);
      }
      const location = header(res, 'location');
      await discard(res);
      if (location === undefined)
        throw new DownloadError(
          'http-status',
          `${label}: expected a Location header with HTTP ${status}, got none`,
        );
      if (hops >= MAX_REDIRECTS)
        throw new DownloadError(
          'http-status',
          `${url}: expected at most ${MAX_REDIRECTS} redirects, got more`,
        );
      target = this.redirectTarget(target, label, location);
      label = target.href;
    }
  }

  private redirectTarget(from: URL, label: string, location: string): URL {
    let next: URL;
    try {
      next = new URL(location, from);
    } catch (err) {
      throw new DownloadError(
        'http-status',
        `${label}: expected a valid redirect Location, got ${JSON.stringify(location.slice(0, 200))}`,
        { cause: err },
      );
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new DownloadError(
        'http-status',
        `${label}: expected a redirect to http(s), got ${next.protocol}`,
      );
    }
    // Metadata is signed, but a downgrade would still expose which targets a client fetches.
    if (from.protocol === 'https:' && next.protocol === 'http:') {
      throw new DownloadError(
        'http-status',
        `${label}: expected a redirect to https, got ${next.href}`,
      );
    }
    return next;
  }

  // One logical request: network failures and 5xx are retried with backoff, nothing else.
  private async requestWithRetry(
    target: URL,
    label: string,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        this.stats.requests++;
        res = await this.dispatcher.request({
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: 'GET',
          headers: this.headers,
          signal: signal ?? null,
          highWaterMark: BODY_HIGH_WATER_MARK,
        });
      } catch (err) {
        const classified = classifyTransportError(label, err, signal);
        if (!classified.retryable || attempt >= this.retries) throw classified.error;
        await this.backoff(attempt, label, signal);
        continue;
      }
      if (res.statusCode < 500 || attempt >= this.retries) return res;
      await discard(res); // 5xx: the server may recover; 4xx is an answer and is never retried
      await this.backoff(attempt, label, signal);
    }
  }

  private async backoff(
    attempt: number,
    label: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    // Exponential with jitter in [50%, 100%] so many clients do not retry in lockstep.
    const delay = this.retryBaseDelayMs * 2 ** attempt * (0.5 + Math.random() / 2);
    try {
      await sleep(delay, undefined, signal === undefined ? undefined : { signal });
    } catch (err) {
      throw classifyTransportError(label, err, signal).error;
    }
  }
}
