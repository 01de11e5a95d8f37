import { InvalidKeyInputError } from './key.errors';

import { rfc3339Ms } from '../shared/rfc3339';

/** Milliseconds since the epoch of an RFC 3339 timestamp, or NaN (for a date that does not exist too). */
export function instantMs(value: string): number {
  return rfc3339Ms(value);
}

/** Normalises an RFC 3339 timestamp to UTC with millisecond precision; throws a 400 naming `field` if invalid. */
export function parseInstant(value: unknown, field: string): string {
  const ms = typeof value === 'string' ? instantMs(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidKeyInputError(`${field} must be an RFC 3339 timestamp such as 2025-01-31T12:00:00Z`, { [field]: value });
  }
  return new Date(ms).toISOString();
}
