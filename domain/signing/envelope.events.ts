import type { StatementSubject } from './in-toto-statement';

export const ENVELOPE_SIGNED = 'EnvelopeSigned';
/** v2: `signers[]` only (v1 also had top-level keyId/keyVersion/signatureCount; see migrations/events/). */
export const ENVELOPE_EVENT_SCHEMA_VERSION = 2;

/** One key's part in a signing. */
export interface EnvelopeSigner {
  readonly keyId: string;
  readonly keyVersion: number;
  /** The DSSE `keyid` of its signature: hex SHA-256 of the version's DER SPKI. */
  readonly fingerprint: string;
  /** The revision of the key stream that was read to authorise the signature (the registry "as it stood"). */
  readonly keyRevision: number;
}

/** One signing act: one event per envelope produced, listing every key that signed it. */
export interface EnvelopeSignedData {
  readonly envelopeDigest: string;
  readonly payloadType: string;
  /** Hex SHA-256 of the payload bytes. */
  readonly payloadDigest: string;
  /** In-toto subjects (name and digests), empty for other payload types. */
  readonly subjects: readonly StatementSubject[];
  /** Every key that signed, in signature order (at least one). */
  readonly signers: readonly EnvelopeSigner[];
  readonly signedAt: string;
  /** Size of the archived envelope bytes. */
  readonly envelopeSize: number;
}

export interface EnvelopeSigned {
  readonly type: typeof ENVELOPE_SIGNED;
  readonly data: EnvelopeSignedData;
}
