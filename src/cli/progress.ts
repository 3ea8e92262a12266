// A single-line byte counter on stderr, drawn only when stderr is a terminal; redraws are
// throttled so a fast local download does not spend its time painting.
import type { Writable } from 'node:stream';

export interface Progress {
  update(label: string, received: number, total: number): void;
  /** Clears the line (call before printing anything else to stderr). */
  done(): void;
}

const NO_PROGRESS: Progress = { update: () => undefined, done: () => undefined };
const REDRAW_MS = 100;

/** A progress line writer; a no-op unless `enabled` (TTY and not --quiet). */
export function createProgress(
  stderr: Writable,
  enabled: boolean,
  now: () => number = Date.now,
): Progress {
  if (!enabled) return NO_PROGRESS;
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(label, received, total) {
      const t = now();
      if (received < total && t - last < REDRAW_MS) return;
      last = t;
      drawn = true;
      const pct = total > 0 ? ` ${Math.floor((received / total) * 100)}%` : '';
      // \r + erase-line: redraw in place without scrolling the terminal.
      stderr.write(`\r\x1b[K${label} ${formatBytes(received)} / ${formatBytes(total)}${pct}`);
    },
    done() {
      if (drawn) stderr.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/** Human byte counts: 512 B, 1.5 KiB, 3.2 MiB, 1.1 GiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit] ?? 'TiB'}`;
}
