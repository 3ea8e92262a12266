// Dispatches metadata bytes to the parser for the expected role type.

import type { Envelope, RoleType } from './model.js';
import { parseRoot, parseSnapshot, parseTimestamp } from './parse-roles.js';
import { parseTargets } from './parse-targets.js';

/** Parses bytes as metadata of type `expected`; throws FormatError, or TrustError('wrong-type'). */
export function parseMetadata(
  bytes: Uint8Array,
  expected: RoleType,
  subject: string = expected,
): Envelope {
  switch (expected) {
    case 'root':
      return parseRoot(bytes, subject);
    case 'timestamp':
      return parseTimestamp(bytes, subject);
    case 'snapshot':
      return parseSnapshot(bytes, subject);
    case 'targets':
      return parseTargets(bytes, subject);
  }
}
