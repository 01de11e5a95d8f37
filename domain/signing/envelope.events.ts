import type { StatementSubject } from './in-toto-statement';

export const ENVELOPE_SIGNED = 'EnvelopeSigned';
export const ENVELOPE_EVENT_SCHEMA_VERSION = 1;

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
  /** The first signer (also in `signers`), kept as top-level fields for simple queries. */
  readonly keyId: string;
  readonly keyVersion: number;
  readonly signatureCount: number;
  readonly signers: readonly EnvelopeSigner[];
  readonly signedAt: string;
  /** Size of the archived envelope bytes. */
  readonly envelopeSize: number;
}

export interface EnvelopeSigned {
  readonly type: typeof ENVELOPE_SIGNED;
  readonly data: EnvelopeSignedData;
}
