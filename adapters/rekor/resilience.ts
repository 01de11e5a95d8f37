import CircuitBreaker from 'opossum';
import { UnavailableError } from '../../src/errors/app-error';

/**
 * Retry and circuit-breaker policy for calls to a remote dependency, in one
 * place. Only failures marked `RetryableError` (network errors, timeouts,
 * HTTP 408, 429, 5xx except 501) are retried, with exponential backoff and
 * full jitter (delay drawn uniformly from [0, min(max, base·2^(n−1)))), a
 * bounded number of attempts and a bounded total time. Every attempt goes
 * through one opossum breaker per dependency; only retryable failures count
 * against it. An open breaker, or retries used up, become UnavailableError
 * (503 + Retry-After) at once: a caller never waits on a dead dependency.
 */
export class RetryableError extends Error {
  constructor(
    message: string,
    /** The dependency's own Retry-After, if it gave one. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RetryableError';
  }
}

/** 408 Request Timeout, 429 Too Many Requests and 5xx except 501 Not Implemented. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/** Seconds or an HTTP date, as in Retry-After; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No retry starts that would end after this much time since the first attempt. */
  readonly maxElapsedMs: number;
}

export interface BreakerPolicy {
  /** How long an open breaker fails fast before letting one trial call through. */
  readonly resetTimeoutMs: number;
  /** Failure percentage in the rolling window that opens the breaker. */
  readonly errorThresholdPercentage: number;
  /** Calls needed in the window before the breaker may open. */
  readonly volumeThreshold: number;
  readonly rollingCountTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 5_000, maxElapsedMs: 60_000 };
export const DEFAULT_BREAKER: BreakerPolicy = { resetTimeoutMs: 30_000, errorThresholdPercentage: 50, volumeThreshold: 5, rollingCountTimeoutMs: 60_000 };

/** Full-jitter delay before retry number `retry` (1 = the first retry). */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

export interface ResilienceOptions {
  /** The dependency, in messages and the breaker's name. */
  readonly name: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly breaker?: Partial<BreakerPolicy>;
  /** Test seams. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
  /** Error codes of the UnavailableErrors raised (defaults: dependency_unavailable, dependency_breaker_open). */
  readonly codes?: { readonly unavailable?: string; readonly breakerOpen?: string };
  /** Called before each retry (for logs and metrics). */
  readonly onRetry?: (info: { operation: string; attempt: number; delayMs: number; error: RetryableError }) => void;
}

export class Resilience {
  readonly retry: RetryPolicy;
  readonly breakerPolicy: BreakerPolicy;
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;

  constructor(private readonly options: ResilienceOptions) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.breakerPolicy = { ...DEFAULT_BREAKER, ...options.breaker };
    this.breaker = new CircuitBreaker<[() => Promise<unknown>], unknown>((thunk: () => Promise<unknown>) => thunk(), {
      name: options.name,
      // Each attempt bounds itself (fetch with an AbortSignal), so the request is really cancelled, not abandoned.
      timeout: false,
      resetTimeout: this.breakerPolicy.resetTimeoutMs,
      errorThresholdPercentage: this.breakerPolicy.errorThresholdPercentage,
      volumeThreshold: this.breakerPolicy.volumeThreshold,
      rollingCountTimeout: this.breakerPolicy.rollingCountTimeoutMs,
      // The caller's mistakes and unverifiable answers say nothing about availability.
      errorFilter: (error: unknown) => !(error instanceof RetryableError),
    });
  }

  /** True while the breaker fails fast. */
  get isOpen(): boolean {
    return this.breaker.opened;
  }

  /** Runs `attempt` until it succeeds, fails for good, or the policy says stop. */
  async execute<T>(operation: string, attempt: () => Promise<T>): Promise<T> {
    const now = this.options.now ?? Date.now;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const started = now();
    for (let n = 1; ; n++) {
      try {
        return (await this.breaker.fire(attempt)) as T;
      } catch (error) {
        if (isOpenBreaker(error)) throw this.breakerOpen(operation, error);
        if (!(error instanceof RetryableError)) throw error;
        if (n >= this.retry.maxAttempts) throw this.exhausted(operation, `${n} attempts failed, the last with: ${error.message}`, error);
        const jittered = backoffDelay(n, this.retry, this.options.random);
        const delayMs = error.retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(error.retryAfterMs, this.retry.maxDelayMs));
        if (now() - started + delayMs > this.retry.maxElapsedMs) {
          throw this.exhausted(operation, `gave up after ${n} attempts in ${now() - started} ms, the last with: ${error.message}`, error);
        }
        this.options.onRetry?.({ operation, attempt: n, delayMs, error });
        await sleep(delayMs);
      }
    }
  }

  /** Stops the breaker's timers. */
  close(): void {
    this.breaker.shutdown();
  }

  private breakerOpen(operation: string, cause: unknown): UnavailableError {
    const retryAfter = Math.max(1, Math.ceil(this.breakerPolicy.resetTimeoutMs / 1000));
    return new UnavailableError(
      `${this.options.name} is failing and its circuit breaker is open; ${operation} was not attempted; retry after ${retryAfter} s`,
      retryAfter,
      { dependency: this.options.name, operation },
      this.options.codes?.breakerOpen ?? 'dependency_breaker_open',
      cause,
    );
  }

  private exhausted(operation: string, detail: string, cause: RetryableError): UnavailableError {
    const retryAfter = Math.max(1, Math.ceil((cause.retryAfterMs ?? this.retry.maxDelayMs) / 1000));
    return new UnavailableError(`${this.options.name} is unavailable for ${operation}: ${detail}`, retryAfter, { dependency: this.options.name, operation }, this.options.codes?.unavailable ?? 'dependency_unavailable', cause);
  }
}

function isOpenBreaker(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EOPENBREAKER' || code === 'ESHUTDOWN' || code === 'ESEMLOCKED';
}
