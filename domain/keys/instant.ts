import { InvalidKeyInputError } from './key.errors';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch of an RFC 3339 timestamp, or NaN. */
export function instantMs(value: string): number {
  return RFC3339.test(value) ? Date.parse(value) : Number.NaN;
}

/** Normalises an RFC 3339 timestamp to UTC with millisecond precision; throws a 400 naming `field` if invalid. */
export function parseInstant(value: unknown, field: string): string {
  const ms = typeof value === 'string' ? instantMs(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidKeyInputError(`${field} must be an RFC 3339 timestamp such as 2025-01-31T12:00:00Z`, { [field]: value });
  }
  return new Date(ms).toISOString();
}
