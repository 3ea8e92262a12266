// The transport seam between the updater / target store and the network (or a local mirror).

export interface FetchOptions {
  /** Hard cap on the body: more bytes abort the transfer with DownloadError('too-large'). */
  maxLength: number;
  signal?: AbortSignal;
}

export interface FetchStats {
  /** Requests sent, counting retries and redirect hops. */
  requests: number;
  /** Body bytes received from successful responses. */
  bytes: number;
}

export interface Fetcher {
  /** Whole body, at most maxLength bytes (over → DownloadError('too-large'), body aborted as soon as the cap is passed). */
  fetchBytes(url: string, options: FetchOptions): Promise<Uint8Array>;
  /**
   * Streams the body in chunks; the same cap and timeouts apply; the consumer may stop early.
   * The consumer must iterate the result (or call its `return()`): that releases the connection.
   */
  fetchStream(url: string, options: FetchOptions): Promise<AsyncIterable<Uint8Array>>;
  /** Counters for benchmarks and `--json` output. */
  readonly stats: FetchStats;
  close(): Promise<void>;
}
