// A typed handle on one role's mutable `signed` object, so tests can write
// `sim.timestamp.version = 1` or `sim.snapshot.expires = sim.daysFromNow(-1)`.

import type { JsonObject } from '../core/index.js';
import { numberField, stringField, toTufDate } from './json.js';

export interface RoleViewOwner {
  signed(role: string): JsonObject;
  publishedVersion(role: string): number | undefined;
}

export class RoleView {
  constructor(
    private readonly owner: RoleViewOwner,
    readonly name: string,
  ) {}

  /** The live `signed` object: edits show up in the next signature. */
  get signed(): JsonObject {
    return this.owner.signed(this.name);
  }

  get version(): number {
    return numberField(this.name, this.signed, 'version');
  }

  set version(value: number) {
    this.signed['version'] = value;
  }

  get expires(): string {
    return stringField(this.name, this.signed, 'expires');
  }

  /** Accepts a Date (formatted `YYYY-MM-DDTHH:MM:SSZ`) or a raw string (which may be malformed on purpose). */
  set expires(value: string | Date) {
    this.signed['expires'] = typeof value === 'string' ? value : toTufDate(value);
  }

  /** The version last signed and published, if any. */
  get publishedVersion(): number | undefined {
    return this.owner.publishedVersion(this.name);
  }
}
