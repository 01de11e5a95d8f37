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
  const { body, integratedTime, logID, logIndex } = payload;
  // Written directly: the keys are already in RFC 8785 order, and JCS writes
  // strings and finite numbers exactly as JSON.stringify does. A SET is checked
  // for every bundle, and the general canonicaliser was a visible cost there.
  if (Number.isFinite(integratedTime) && Number.isFinite(logIndex)) {
    return Buffer.from(
      `{"body":${JSON.stringify(body)},"integratedTime":${JSON.stringify(integratedTime)},"logID":${JSON.stringify(logID)},"logIndex":${JSON.stringify(logIndex)}}`,
      'utf8',
    );
  }
  return Buffer.from(canonicalJson({ body, integratedTime, logID, logIndex }), 'utf8');
}

export function verifySet(payload: SetPayload, signedEntryTimestamp: Uint8Array, logKey: KeyObject): boolean {
  return verifySetBytes(setPayloadBytes(payload), signedEntryTimestamp, logKey);
}

/** A bundle's tlog entry, as far as its SET covers it. */
export interface SetEntry {
  readonly canonicalizedBody: Uint8Array;
  readonly integratedTime: number;
  readonly logId: Uint8Array;
  readonly logIndex: number;
}

/**
 * `setPayloadBytes` from an entry's decoded fields. Base64 and hex text never
 * needs JSON escaping, so the payload is written without JSON.stringify, whose
 * scan of the ~1 kB body was a visible part of verifying a bundle.
 */
export function entrySetPayloadBytes(entry: SetEntry): Buffer {
  const body = Buffer.from(entry.canonicalizedBody.buffer, entry.canonicalizedBody.byteOffset, entry.canonicalizedBody.byteLength).toString('base64');
  const logID = Buffer.from(entry.logId.buffer, entry.logId.byteOffset, entry.logId.byteLength).toString('hex');
  const { integratedTime, logIndex } = entry;
  if (!Number.isSafeInteger(integratedTime) || !Number.isSafeInteger(logIndex)) return setPayloadBytes({ body, integratedTime, logID, logIndex });
  return Buffer.from(`{"body":"${body}","integratedTime":${integratedTime},"logID":"${logID}","logIndex":${logIndex}}`, 'latin1');
}

/** Verifies the SET of a bundle's tlog entry. */
export function verifyEntrySet(entry: SetEntry, signedEntryTimestamp: Uint8Array, logKey: KeyObject): boolean {
  return verifySetBytes(entrySetPayloadBytes(entry), signedEntryTimestamp, logKey);
}

function verifySetBytes(payload: Buffer, signedEntryTimestamp: Uint8Array, logKey: KeyObject): boolean {
  try {
    return verify(logKey.asymmetricKeyType === 'ed25519' ? null : 'sha256', payload, logKey, signedEntryTimestamp);
  } catch {
    return false;
  }
}

/** Entry UUID: hex leaf hash of the canonical body, SHA-256(0x00 ‖ body). */
export function entryUuid(canonicalBody: Uint8Array): string {
  return leafHash(canonicalBody).toString('hex');
}

