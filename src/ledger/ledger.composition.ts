import type { Clock } from '../../domain/shared/clock';
import type { EventStore } from '../ports/event-store';
import type { SigningComponents } from '../signing/signing.composition';
import { LedgerCheckpointer } from './ledger-checkpointer';
import { LedgerKey } from './ledger-key';
import type { LedgerConfig } from './ledger.config';

export const LEDGER_CHECKPOINTER = Symbol('LedgerCheckpointer');

export interface LedgerComponents {
  readonly ledgerKey: LedgerKey;
  readonly checkpointer: LedgerCheckpointer;
}

/** The ledger key and checkpointer over the service's store and key providers. The caller starts/stops the timer. */
export function buildLedger(config: LedgerConfig, store: EventStore, signing: Pick<SigningComponents, 'keys' | 'providers'>, clock: Clock, onError?: (error: unknown) => void): LedgerComponents {
  const ledgerKey = new LedgerKey(store, signing.keys, signing.providers, { keyId: config.keyId, provider: config.provider });
  const checkpointer = new LedgerCheckpointer(store, ledgerKey, clock, {
    origin: config.origin,
    intervalMs: config.checkpointIntervalMs,
    ...(onError ? { onError } : {}),
  });
  return { ledgerKey, checkpointer };
}
