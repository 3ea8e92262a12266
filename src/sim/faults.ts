// Fault injection rules for the loopback test server: which request paths misbehave and how.
// Rules are data, matched in insertion order; `times` makes a rule expire after N uses.

/** How a response misbehaves. Options combine where that makes sense (e.g. delay + status). */
export interface Fault {
  /** Answer with this status (and a short text body) instead of the file. */
  readonly status?: number;
  /** Destroy the connection without answering. */
  readonly dropConnection?: boolean;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** Send the headers and this many body bytes, then hang until the client gives up. */
  readonly stallAfterBytes?: number;
  /** Send the body at this rate (slow-retrieval attack). */
  readonly dripBytesPerSecond?: number;
  /** Send an infinite chunked body (endless-data attack). */
  readonly endless?: boolean;
  /** Serve these bytes instead of the file (status 200 even for unknown paths). */
  readonly replaceBody?: Uint8Array;
  /** Send the body without a Content-Length header (chunked). */
  readonly omitContentLength?: boolean;
  /** Apply this many times, then forget the rule (default: forever). */
  readonly times?: number;
}

/** A request path relative to the server root (e.g. `metadata/timestamp.json`), or a predicate on it. */
export type FaultMatch = string | ((path: string) => boolean);

interface Rule {
  readonly match: FaultMatch;
  readonly fault: Fault;
  remaining: number;
}

export class FaultSet {
  private rules: Rule[] = [];

  /** Adds a rule after the existing ones. */
  add(match: FaultMatch, fault: Fault): void {
    this.rules.push({ match, fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  /** Replaces every rule for exactly this match with one rule. */
  set(match: FaultMatch, fault: Fault): void {
    this.delete(match);
    this.add(match, fault);
  }

  /** Removes the rules added with exactly this match (same string or same function). */
  delete(match: FaultMatch): void {
    this.rules = this.rules.filter((r) => r.match !== match);
  }

  clear(): void {
    this.rules = [];
  }

  /** Number of live rules. */
  get size(): number {
    return this.rules.length;
  }

  /** The first rule matching `path`, consuming one of its uses. */
  take(path: string): Fault | undefined {
    for (const rule of this.rules) {
      const hit = typeof rule.match === 'string' ? rule.match === path : rule.match(path);
      if (!hit) continue;
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      return rule.fault;
    }
    return undefined;
  }
}
