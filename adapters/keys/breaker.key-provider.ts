import CircuitBreaker from 'opossum';
import { AppError, UnavailableError } from '../../src/errors/app-error';
import type { GenerateKeyRequest, ImportKeyRequest, KeyProvider, ProvidedKey } from '../../src/ports/key-provider';

export interface BreakerOptions {
  /** A call slower than this fails (and counts against the breaker). Default 5000 ms. */
  readonly timeoutMs?: number;
  /** How long the breaker stays open before letting one trial call through. Default 30000 ms. */
  readonly resetTimeoutMs?: number;
  /** Failure percentage in the rolling window that opens the breaker. Default 50. */
  readonly errorThresholdPercentage?: number;
  /** Calls needed in the window before the breaker may open. Default 5. */
  readonly volumeThreshold?: number;
}

type Thunk = () => Promise<unknown>;

/**
 * Puts every call of a provider behind an opossum circuit breaker with a
 * timeout. A timeout, an open breaker or a failing device answers
 * UnavailableError (503 + Retry-After) at once instead of hanging. Errors that
 * are the caller's fault (AppError 4xx: wrong PIN, malformed PEM, unknown key)
 * pass through without counting as failures.
 */
export class BreakerKeyProvider implements KeyProvider {
  readonly kind: KeyProvider['kind'];
  private readonly breaker: CircuitBreaker<[Thunk], unknown>;
  private readonly retryAfterSeconds: number;
  private readonly timeoutMs: number;

  constructor(private readonly inner: KeyProvider, options: BreakerOptions = {}) {
    this.kind = inner.kind;
    this.timeoutMs = options.timeoutMs ?? 5000;
    const resetTimeout = options.resetTimeoutMs ?? 30_000;
    this.retryAfterSeconds = Math.max(1, Math.ceil(resetTimeout / 1000));
    this.breaker = new CircuitBreaker<[Thunk], unknown>((thunk: Thunk) => thunk(), {
      name: `key-provider-${inner.kind}`,
      timeout: this.timeoutMs,
      resetTimeout,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      volumeThreshold: options.volumeThreshold ?? 5,
      errorFilter: (error: unknown) => error instanceof AppError && error.status < 500,
    });
  }

  /** True while the breaker fails fast. */
  get isOpen(): boolean {
    return this.breaker.opened;
  }

  generate(request: GenerateKeyRequest): Promise<ProvidedKey> {
    return this.call('generate', () => this.inner.generate(request));
  }

  import(request: ImportKeyRequest): Promise<ProvidedKey> {
    return this.call('import', () => this.inner.import(request));
  }

  publicKey(providerRef: string): Promise<ProvidedKey> {
    return this.call('publicKey', () => this.inner.publicKey(providerRef));
  }

  sign(providerRef: string, message: Uint8Array): Promise<Buffer> {
    return this.call('sign', () => this.inner.sign(providerRef, message));
  }

  discard(providerRef: string): Promise<void> {
    return this.call('discard', () => this.inner.discard(providerRef));
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    await this.inner.close();
  }

  private async call<T>(operation: string, thunk: () => Promise<T>): Promise<T> {
    try {
      return (await this.breaker.fire(thunk)) as T;
    } catch (error) {
      throw this.translate(operation, error);
    }
  }

  private translate(operation: string, error: unknown): unknown {
    if (error instanceof AppError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    const details = { provider: this.kind, operation };
    if (code === 'EOPENBREAKER' || code === 'ESEMLOCKED' || code === 'ESHUTDOWN') {
      return new UnavailableError(
        `the ${this.kind} key provider is failing and its circuit breaker is open; retry after ${this.retryAfterSeconds} s`,
        this.retryAfterSeconds,
        details,
        'key_provider_unavailable',
        error,
      );
    }
    if (code === 'ETIMEDOUT') {
      return new UnavailableError(
        `the ${this.kind} key provider did not answer ${operation} within ${this.timeoutMs} ms`,
        this.retryAfterSeconds,
        details,
        'key_provider_timeout',
        error,
      );
    }
    const message = error instanceof Error ? error.message : String(error);
    return new UnavailableError(`the ${this.kind} key provider failed during ${operation}: ${message}`, this.retryAfterSeconds, details, 'key_provider_failed', error);
  }
}
