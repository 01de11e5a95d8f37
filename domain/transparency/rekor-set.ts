import { verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json';
import { leafHash } from './merkle.hash';

/**
 * Rekor v1 Signed Entry Timestamps: the log's promise to include an entry,
 * an ECDSA (or other) signature over the RFC 8785 canonical JSON of
 * {body, integratedTime, logID, logIndex} (sigstore/rekor pkg/api/entries.go).
 */
export interface SetPayload {
  /** The canonicalized entry body, base64 as Rekor serves it. */
  readonly body: string;
  readonly integratedTime: number;
  /** Hex SHA-256 of the log's DER public key. */
  readonly logID: string;
  /** The virtual (cross-shard) index, not the shard-local one in the inclusion proof. */
  readonly logIndex: number;
}

export function setPayloadBytes(payload: SetPayload): Buffer {
  return Buffer.from(
    canonicalJson({ body: payload.body, integratedTime: payload.integratedTime, logID: payload.logID, logIndex: payload.logIndex }),
    'utf8',
  );
}

export function verifySet(payload: SetPayload, signedEntryTimestamp: Uint8Array, logKey: KeyObject): boolean {
  try {
    return verify(logKey.asymmetricKeyType === 'ed25519' ? null : 'sha256', setPayloadBytes(payload), logKey, signedEntryTimestamp);
  } catch {
    return false;
  }
}

/** Entry UUID: hex leaf hash of the canonical body, SHA-256(0x00 ‖ body). */
export function entryUuid(canonicalBody: Uint8Array): string {
  return leafHash(canonicalBody).toString('hex');
}

/** Entry ID as served by a sharded Rekor: 16-hex tree ID ‖ UUID. */
export function entryId(treeId: bigint, canonicalBody: Uint8Array): string {
  return `${treeId.toString(16).padStart(16, '0')}${entryUuid(canonicalBody)}`;
}
