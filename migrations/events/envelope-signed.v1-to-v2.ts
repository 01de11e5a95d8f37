import type { RecordedEvent } from '../../domain/events/event';
import type { EventUpcaster } from './upcaster';

/**
 * `EnvelopeSigned` v1 as it was written until this step (frozen here: the
 * domain type only describes the current shape). The first signer was
 * duplicated at the top level (`keyId`, `keyVersion`) together with a
 * `signatureCount`, which readers had to keep consistent with `signers`.
 */
export interface EnvelopeSignedDataV1 {
  readonly envelopeDigest: string;
  readonly payloadType: string;
  readonly payloadDigest: string;
  readonly subjects: readonly { readonly name: string; readonly digest: Readonly<Record<string, string>> }[];
  readonly keyId: string;
  readonly keyVersion: number;
  readonly signatureCount: number;
  readonly signers?: readonly { readonly keyId: string; readonly keyVersion: number; readonly fingerprint: string; readonly keyRevision: number }[];
  readonly signedAt: string;
  readonly envelopeSize: number;
}

/**
 * v1 → v2: `signers[]` is the only record of who signed. The top-level
 * `keyId`, `keyVersion` and `signatureCount` are dropped (they are
 * `signers[0].keyId`, `signers[0].keyVersion` and `signers.length`). A v1
 * event without `signers` (none was ever written by the product, but data is
 * data) gets a one-element list from its top-level key, with the fields it
 * cannot know left out.
 */
export const envelopeSignedV1ToV2: EventUpcaster = {
  type: 'EnvelopeSigned',
  fromVersion: 1,
  change: 'keyId/keyVersion/signatureCount removed; signers[] is the only list of signing keys',
  up(data: unknown, _event: RecordedEvent): unknown {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
    const { keyId, keyVersion, signatureCount: _count, signers, ...rest } = data as Partial<EnvelopeSignedDataV1> & Record<string, unknown>;
    const list: unknown[] = Array.isArray(signers)
      ? [...(signers as unknown[])]
      : typeof keyId === 'string'
        ? [{ keyId, ...(typeof keyVersion === 'number' ? { keyVersion } : {}) }]
        : [];
    return { ...rest, signers: list };
  },
};
