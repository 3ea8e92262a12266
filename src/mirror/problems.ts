// What a refused build reports: one entry per independent problem, each naming the role, the
// file, what was expected and what was found, so an operator can fix all of them in one go.
import { PgError } from '../core/index.js';
import { displayName, inertText } from './display.js';

export interface Problem {
  /** The role the problem belongs to, or null for files no role owns (artifacts, lock, tree). */
  readonly role: string | null;
  /** Repository path (`metadata/...`, `targets/...`) or output path the problem is about (raw). */
  readonly file: string;
  /** Stable error code (`threshold-not-met`, `hash-mismatch`, `unlisted-artifact`, ...). */
  readonly code: string;
  readonly expected: string;
  readonly found: string;
  /** The full message: one line, names quoted and control characters escaped (safe to print). */
  readonly message: string;
}

const SHAPE = /^(.*?): expected ([\s\S]*?), got ([\s\S]*)$/;

/** Most problems kept in a report; the rest are counted (a broken role can fail 100,000 artifacts). */
const MAX_PROBLEMS = 1000;

/** Collects problems in the order they are found. */
export class ProblemList {
  readonly items: Problem[] = [];
  /** Problems found beyond MAX_PROBLEMS (counted, not kept). */
  omitted = 0;

  get empty(): boolean {
    return this.items.length === 0 && this.omitted === 0;
  }

  /** Records an explicit problem. */
  add(role: string | null, file: string, code: string, expected: string, found: string): void {
    const safeExpected = inertText(expected);
    const safeFound = inertText(found);
    this.push({
      role,
      file,
      code,
      expected: safeExpected,
      found: safeFound,
      message: `${displayName(file)}: expected ${safeExpected}, got ${safeFound}`,
    });
  }

  private push(problem: Problem): void {
    if (this.items.length < MAX_PROBLEMS) this.items.push(problem);
    else this.omitted++;
  }

  /** Records a thrown error; its `<subject>: expected X, got Y` message is split into the fields. */
  addError(role: string | null, file: string, err: unknown): void {
    // Error messages quote names from metadata and git: escaped before they reach a terminal.
    const message = inertText(err instanceof Error ? err.message : String(err));
    const code: string = err instanceof PgError ? (err as PgError).code : 'error';
    const m = SHAPE.exec(message);
    const expected = m?.[2] ?? 'valid metadata';
    const found = m?.[3] ?? message;
    this.push({ role, file, code, expected, found, message: `${displayName(file)}: ${message}` });
  }
}
