import type { DependencyContainer } from '../injection';
import { LEDGER_CHECKPOINTER_OPTIONS, LedgerCheckpointer, type LedgerCheckpointerOptions } from './ledger-checkpointer';
import { LEDGER_KEY_OPTIONS, LedgerKey, type LedgerKeyOptions } from './ledger-key';
import type { LedgerConfig } from './ledger.config';

export interface LedgerComponents {
  readonly ledgerKey: LedgerKey;
  readonly checkpointer: LedgerCheckpointer;
}

/**
 * The ledger key and checkpointer, resolved from a container that already
 * holds the signing services (`buildSigning`). The caller starts/stops the timer.
 */
export function buildLedger(config: LedgerConfig, container: DependencyContainer, onError?: (error: unknown) => void): LedgerComponents {
  container.registerInstance<LedgerKeyOptions>(LEDGER_KEY_OPTIONS, { keyId: config.keyId, provider: config.provider });
  container.registerInstance<LedgerCheckpointerOptions>(LEDGER_CHECKPOINTER_OPTIONS, {
    origin: config.origin,
    intervalMs: config.checkpointIntervalMs,
    ...(onError ? { onError } : {}),
  });
  container.registerSingleton(LedgerKey);
  container.registerSingleton(LedgerCheckpointer);
  return { ledgerKey: container.resolve(LedgerKey), checkpointer: container.resolve(LedgerCheckpointer) };
}
