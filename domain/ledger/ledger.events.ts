import type { StreamName } from '../events/event';
import { streamName } from '../events/stream-name';

export const LEDGER_CHECKPOINT_SIGNED = 'LedgerCheckpointSigned';
export const LEDGER_EVENT_SCHEMA_VERSION = 1;

/** Every ledger checkpoint is appended to this one stream, so their chain orders them too. */
export const LEDGER_CHECKPOINT_STREAM: StreamName = streamName('ledger', 'checkpoints');

/** The key id the ledger signs its checkpoints and kit manifests with (a registered key, `key-ledger`). */
export const DEFAULT_LEDGER_KEY_ID = 'ledger';
/** Default checkpoint origin and note key name. */
export const DEFAULT_LEDGER_ORIGIN = 'attestor-ledger';

/**
 * A signed commitment to the ledger's Merkle tree (RFC 6962) whose leaves are
 * the canonical bytes of every event in global order.
 *
 * Coverage, precisely: the checkpoint covers the first `treeSize` events of
 * the global order (leaf indexes 0 … treeSize−1). The checkpoint event itself
 * is always later than every event it covers (its own leaf index is ≥
 * treeSize); it is covered by the next checkpoint.
 */
export interface LedgerCheckpointSignedData {
  readonly origin: string;
  readonly treeSize: number;
  /** Lower-case hex RFC 6962 root of the first `treeSize` leaves. */
  readonly rootHash: string;
  /** The C2SP signed checkpoint note (ECDSA P-256, signature type 0x02, key name = origin). */
  readonly checkpoint: string;
  readonly keyId: string;
  readonly keyVersion: number;
  /** Hex SHA-256 of the DER SPKI of the signing key version. */
  readonly fingerprint: string;
  /** Revision of the key stream read to pick the signing version (the registry "as it stood"). */
  readonly keyRevision: number;
  readonly signedAt: string;
}

export interface LedgerCheckpointSigned {
  readonly type: typeof LEDGER_CHECKPOINT_SIGNED;
  readonly data: LedgerCheckpointSignedData;
}

export function isLedgerCheckpoint(event: { readonly type: string; readonly stream: string }): boolean {
  return event.type === LEDGER_CHECKPOINT_SIGNED && event.stream === LEDGER_CHECKPOINT_STREAM;
}
