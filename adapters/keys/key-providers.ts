import type { KeyProviderKind } from '../../domain/keys/key-algorithm';
import { ValidationError } from '../../src/errors/app-error';
import type { KeyProvider, KeyProviders } from '../../src/ports/key-provider';
import { BreakerKeyProvider, type BreakerOptions } from './breaker.key-provider';

/** The providers configured in this process, each behind its own circuit breaker. */
export class KeyProviderRegistry implements KeyProviders {
  private readonly byKind = new Map<KeyProviderKind, KeyProvider>();

  constructor(providers: readonly KeyProvider[], breaker: BreakerOptions = {}) {
    for (const provider of providers) {
      this.byKind.set(provider.kind, provider instanceof BreakerKeyProvider ? provider : new BreakerKeyProvider(provider, breaker));
    }
  }

  get(kind: KeyProviderKind): KeyProvider {
    const provider = this.byKind.get(kind);
    if (provider === undefined) {
      const available = [...this.byKind.keys()].join(', ') || 'none';
      throw new ValidationError(`key provider ${kind} is not configured on this server (available: ${available})`, { provider: kind }, 'key_provider_not_configured');
    }
    return provider;
  }

  async close(): Promise<void> {
    await Promise.all([...this.byKind.values()].map((p) => p.close()));
  }
}
