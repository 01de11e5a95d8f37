/** How often and how long a log is retried before a submission to it is abandoned. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 30, baseDelayMs: 500, maxDelayMs: 60_000 };

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): a delay drawn uniformly from [0, min(max, base·2^n)).
 * `random` is passed in so deciding stays pure and replayable.
 */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(Math.min(0.999999, Math.max(0, random)) * ceiling);
}
