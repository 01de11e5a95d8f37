import { foldKey } from '../../domain/keys/key.evolve';
import type { KeyEvent } from '../../domain/keys/key.events';
import type { KeyState } from '../../domain/keys/key.state';
import { signingValidityAt, wasActiveAtRevision } from '../../domain/keys/signing-validity';
import { parseEnvelope, type DsseEnvelope } from '../../domain/signing/dsse-envelope';
import { ENVELOPE_SIGNED, type EnvelopeSignedData } from '../../domain/signing/envelope.events';
import { verifyDsseSignature } from '../../domain/signing/signature-verification';
import { NotFoundError } from '../errors/app-error';
import { readCurrent } from '../events/read-current';
import { inject, injectable } from '../injection';
import { EVENT_STORE, type EventStore } from '../ports/event-store';
import { isSha256Hex, OBJECT_STORE, type ObjectStore } from '../ports/object-store';
import { loadAllKeys, loadKey } from './key-stream';
import { envelopeStream } from './signing.service';

export type SignatureInvalidReason =
  | 'unknown_keyid'
  | 'unknown_key'
  | 'unknown_version'
  | 'not_yet_active'
  | 'not_active_at_signing'
  | 'revoked'
  | 'invalid_time'
  | 'bad_signature';

export interface SignatureVerdict {
  readonly keyid: string;
  readonly keyId: string | null;
  readonly keyVersion: number | null;
  readonly valid: boolean;
  readonly reason?: SignatureInvalidReason;
  readonly message?: string;
}

export interface EnvelopeVerdict {
  readonly valid: boolean;
  readonly envelopeDigest: string | null;
  readonly signedAt: string;
  readonly signatures: readonly SignatureVerdict[];
  /** Why the envelope as a whole fails beyond its signatures (e.g. a recorded signer without a signature). */
  readonly problems: readonly string[];
}

/**
 * Verifies envelope signatures against the key registry as it stood at
 * signing time: the version must have been the key's active version at the
 * key-stream revision the signer read, no revocation (including ones recorded
 * later) may be effective at or before the signing time, and the signature
 * must verify with that version's public key. Rotation never invalidates.
 */
@injectable()
export class VerificationService {
  constructor(
    @inject(EVENT_STORE) private readonly store: EventStore,
    @inject(OBJECT_STORE) private readonly archive: ObjectStore,
  ) {}

  /** Verifies an envelope this service signed, found by its digest. */
  async verifyStored(envelopeDigest: string): Promise<EnvelopeVerdict> {
    const record = await this.signingRecord(envelopeDigest);
    const bytes = await this.archive.get(envelopeDigest);
    if (bytes === null) throw new NotFoundError(`envelope ${envelopeDigest} is recorded as signed but missing from the archive`, { envelopeDigest }, 'envelope_not_archived');
    const parsed = parseEnvelope(JSON.parse(bytes.toString('utf8')));
    if (!parsed.ok) throw new Error(`archived envelope ${envelopeDigest} is not an envelope: ${parsed.reason}`);
    return this.verifyAsSigned(parsed.envelope, record);
  }

  /**
   * Verifies an envelope in hand whose digest names its signing record: the
   * archived copy has the same digest, so it is not read back (as verifyStored does).
   */
  async verifySigned(envelope: DsseEnvelope, envelopeDigest: string): Promise<EnvelopeVerdict> {
    return this.verifyAsSigned(envelope, await this.signingRecord(envelopeDigest));
  }

  /** Verifies an envelope against the EnvelopeSigned record of its signing. */
  async verifyAsSigned(envelope: DsseEnvelope, record: EnvelopeSignedData): Promise<EnvelopeVerdict> {
    const keyEvents = new Map<string, readonly KeyEvent[]>();
    for (const signer of record.signers) {
      if (!keyEvents.has(signer.keyId)) keyEvents.set(signer.keyId, (await loadKey(this.store, signer.keyId)).events);
    }
    const signatures = envelope.signatures.map((signature): SignatureVerdict => {
      const keyid = signature.keyid ?? '';
      const signer = record.signers.find((s) => s.fingerprint === keyid);
      if (signer === undefined) return { keyid, keyId: null, keyVersion: null, valid: false, reason: 'unknown_keyid', message: 'no key of the signing record has this keyid' };
      const events = keyEvents.get(signer.keyId) ?? [];
      const base = { keyid, keyId: signer.keyId, keyVersion: signer.keyVersion };
      if (!wasActiveAtRevision(events, signer)) {
        return { ...base, valid: false, reason: 'not_active_at_signing', message: `version ${signer.keyVersion} was not the active version of key ${signer.keyId} at revision ${signer.keyRevision}` };
      }
      return this.check(envelope, signature, foldKey(events), signer.keyVersion, record.signedAt, base);
    });
    const problems: string[] = [];
    for (const signer of record.signers) {
      if (!envelope.signatures.some((s) => s.keyid === signer.fingerprint)) problems.push(`key ${signer.keyId} v${signer.keyVersion} is recorded as a signer but the envelope has no signature with its keyid`);
    }
    return {
      valid: signatures.length > 0 && signatures.every((s) => s.valid) && problems.length === 0,
      envelopeDigest: record.envelopeDigest,
      signedAt: record.signedAt,
      signatures,
      problems,
    };
  }

  /**
   * Verifies any envelope whose signatures carry registry fingerprints as
   * keyids, as of `signedAt` (e.g. a transparency-log integration time). Without
   * a signing record the "active at signing" check uses time only.
   */
  async verifyAt(envelope: DsseEnvelope, signedAt: string): Promise<EnvelopeVerdict> {
    const registry = await this.registryByFingerprint();
    const signatures = envelope.signatures.map((signature): SignatureVerdict => {
      const keyid = signature.keyid ?? '';
      const found = registry.get(keyid);
      if (found === undefined) return { keyid, keyId: null, keyVersion: null, valid: false, reason: 'unknown_keyid', message: 'no registered key has this fingerprint' };
      return this.check(envelope, signature, found.state, found.version, signedAt, { keyid, keyId: found.keyId, keyVersion: found.version });
    });
    return { valid: signatures.length > 0 && signatures.every((s) => s.valid), envelopeDigest: null, signedAt, signatures, problems: [] };
  }

  private check(
    envelope: DsseEnvelope,
    signature: DsseEnvelope['signatures'][number],
    current: KeyState,
    version: number,
    signedAt: string,
    base: Pick<SignatureVerdict, 'keyid' | 'keyId' | 'keyVersion'>,
  ): SignatureVerdict {
    const validity = signingValidityAt(current, version, signedAt);
    if (!validity.valid) return { ...base, valid: false, reason: validity.reason, message: validity.message };
    if (!verifyDsseSignature(envelope, signature, validity.publicKeyPem)) {
      return { ...base, valid: false, reason: 'bad_signature', message: 'the signature does not verify over PAE(payloadType, payload) with the registered public key' };
    }
    return { ...base, valid: true };
  }

  private async signingRecord(envelopeDigest: string): Promise<EnvelopeSignedData> {
    if (!isSha256Hex(envelopeDigest)) throw new NotFoundError(`${envelopeDigest} is not an envelope digest (64 lower-case hex)`, {}, 'envelope_not_found');
    const events = await this.store.readStream(envelopeStream(envelopeDigest));
    const signed = events.find((e) => e.type === ENVELOPE_SIGNED);
    if (signed === undefined) throw new NotFoundError(`no envelope ${envelopeDigest} was signed here`, { envelopeDigest }, 'envelope_not_found');
    // Read as the current shape: a v1 record (top-level keyId, no signers[] before its upcaster) reads as v2.
    return readCurrent(signed).data as EnvelopeSignedData;
  }

  private async registryByFingerprint(): Promise<Map<string, { keyId: string; version: number; state: KeyState }>> {
    const result = new Map<string, { keyId: string; version: number; state: KeyState }>();
    for (const state of await loadAllKeys(this.store)) {
      if (!state.exists) continue;
      for (const v of state.versions) result.set(v.fingerprint, { keyId: state.keyId, version: v.version, state });
    }
    return result;
  }

  /**
   * Judges signature `index` of `envelope` by the first registered key among `fingerprints` (the
   * identities of a key given as verifier), as of `signedAt`; null when none is registered.
   * One read of the registry, whatever the number of identities.
   */
  async verifyByRegisteredKey(envelope: DsseEnvelope, index: number, fingerprints: readonly string[], signedAt: string): Promise<SignatureVerdict | null> {
    const signature = envelope.signatures[index];
    if (signature === undefined) return null;
    const registry = await this.registryByFingerprint();
    for (const keyid of fingerprints) {
      const found = registry.get(keyid);
      if (found !== undefined) return this.check(envelope, signature, found.state, found.version, signedAt, { keyid, keyId: found.keyId, keyVersion: found.version });
    }
    return null;
  }
}
