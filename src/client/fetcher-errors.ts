import { DownloadError } from '../core/index.js';

// Retry policy as data: which transport failures are worth another attempt. Everything not
// listed fails at once. HTTP statuses are decided in fetcher.ts (5xx retried, 4xx never).

/** Failures before any response arrived: the next attempt may well succeed. */
const RETRYABLE_NETWORK = new Set([
  'ECONNRESET', // keep-alive socket closed by the server while we were sending
  'ECONNREFUSED', // server restarting
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT', // kernel-level connect timeout
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN', // temporary DNS failure
  'UND_ERR_SOCKET', // "other side closed": connection dropped without a response
  'UND_ERR_CLOSED',
  'UND_ERR_PRX_CONN',
]);

export interface ClassifiedError {
  readonly error: DownloadError;
  readonly retryable: boolean;
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  if ('code' in err && typeof err.code === 'string') return err.code;
  // Happy-eyeballs connects report an AggregateError whose parts carry the codes.
  if (err instanceof AggregateError) return codeOf(err.errors[0]);
  return undefined;
}

/** Maps a thrown transport error to a DownloadError (cause kept) and says whether to retry. */
export function classifyTransportError(
  url: string,
  err: unknown,
  signal: AbortSignal | undefined,
): ClassifiedError {
  if (err instanceof DownloadError) return { error: err, retryable: false };
  if (signal?.aborted === true) {
    return {
      error: new DownloadError(
        'aborted',
        `${url}: expected a complete transfer, got aborted by the caller`,
        { cause: err },
      ),
      retryable: false,
    };
  }
  const code = codeOf(err) ?? (err instanceof Error ? err.name : 'unknown error');
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return {
        error: new DownloadError(
          'timeout',
          `${url}: expected a connection, got a connect timeout`,
          { cause: err },
        ),
        retryable: true,
      };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return {
        error: new DownloadError(
          'stalled',
          `${url}: expected response headers, got none before the stall timeout`,
          { cause: err },
        ),
        retryable: false,
      };
    case 'UND_ERR_BODY_TIMEOUT':
      return {
        error: new DownloadError(
          'stalled',
          `${url}: expected body bytes, got none before the stall timeout`,
          { cause: err },
        ),
        retryable: false,
      };
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_ABORT':
    case 'AbortError':
      return {
        error: new DownloadError('aborted', `${url}: expected a complete transfer, got aborted`, {
          cause: err,
        }),
        retryable: false,
      };
    default: {
      // Anything else (ENOTFOUND, a malformed response, a truncated body) fails at once.
      const retryable = RETRYABLE_NETWORK.has(code);
      const detail = err instanceof Error && err.message !== '' ? `${code} (${err.message})` : code;
      return {
        error: new DownloadError('network', `${url}: expected a response, got ${detail}`, {
          cause: err,
        }),
        retryable,
      };
    }
  }
}

/** The error for a non-200 final status: 404/410 are 'not-found', everything else 'http-status'. */
export function statusError(url: string, status: number): DownloadError {
  const code = status === 404 || status === 410 ? 'not-found' : 'http-status';
  return new DownloadError(code, `${url}: expected HTTP 200, got ${status}`, { status });
}

/** The error for a body longer than its cap (TUF 5.2 endless data). */
export function tooLargeError(url: string, maxLength: number, got: string): DownloadError {
  return new DownloadError('too-large', `${url}: expected at most ${maxLength} bytes, got ${got}`);
}
