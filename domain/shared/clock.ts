/**
 * Time arrives in the domain as an argument, never from `Date.now()`, so that
 * deciding is deterministic and replay gives the same events.
 */
export interface Clock {
  /** Now, as an RFC 3339 UTC timestamp with millisecond precision. */
  now(): string;
}
