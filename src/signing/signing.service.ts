import { streamName } from '../../domain/events/stream-name';
import type { Position } from '../../domain/events/event';
import { parseKeyId } from '../../domain/keys/key-id';
import { activeSigningVersion } from '../../domain/keys/key.decide';
import type { KeyRecord, KeyVersionRecord } from '../../domain/keys/key.state';
import { envelopeBytes, pae, type DsseEnvelope } from '../../domain/signing/dsse-envelope';
import { ENVELOPE_EVENT_SCHEMA_VERSION, ENVELOPE_SIGNED, type EnvelopeSignedData, type EnvelopeSigner } from '../../domain/signing/envelope.events';
import { IN_TOTO_PAYLOAD_TYPE, parseInTotoStatement, type StatementSubject } from '../../domain/signing/in-toto-statement';
import { verifyMessageSignature } from '../../domain/signing/signature-verification';
import type { Clock } from '../../domain/shared/clock';
import { sha256Hex } from '../../domain/shared/sha256';
import { ValidationError } from '../errors/app-error';
import { inject, injectable } from '../injection';
import { CLOCK } from '../ports/clock';
import { EVENT_STORE, type EventStore } from '../ports/event-store';
import { KEY_PROVIDERS, type KeyProviders } from '../ports/key-provider';
import { OBJECT_STORE, type ObjectStore } from '../ports/object-store';
import { eventContext, newEvent, type CommandContext } from './command-context';
import { PayloadTooLargeError, SignatureSelfCheckError } from './errors';
import { translatingDomainErrors } from '../errors/domain-errors';
import { loadKey } from './key-stream';

export interface SignRequest {
  readonly keyIds: readonly string[];
  readonly payloadType: string;
  readonly payload: Uint8Array;
}

export interface SignResult {
  readonly envelope: DsseEnvelope;
  readonly envelopeDigest: string;
  readonly payloadDigest: string;
  readonly subjects: readonly StatementSubject[];
  readonly signers: readonly EnvelopeSigner[];
  readonly signedAt: string;
  /** Global position of the EnvelopeSigned event. */
  readonly position: Position;
  /** PEM public key of the first signer's version: what a transparency log needs to check the signature. */
  readonly signerPublicKeyPem: string;
}

export interface SigningServiceOptions {
  /** Largest payload signed, in bytes. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /** Most keys on one envelope. Default 8. */
  readonly maxKeys?: number;
}

/** Injection token of the signing limits (`SigningServiceOptions`). */
export const SIGNING_LIMITS = Symbol('SigningLimits');

export function envelopeStream(envelopeDigest: string) {
  return streamName('envelope', envelopeDigest);
}

/**
 * Signs payloads as DSSE envelopes with one or more registered keys. Each
 * signing archives the envelope bytes (content-addressed) and then records one
 * EnvelopeSigned event in `envelope-<sha256>`; if anything fails before the
 * append, no event is written.
 */
@injectable()
export class SigningService {
  private readonly maxPayloadBytes: number;
  private readonly maxKeys: number;

  constructor(
    @inject(EVENT_STORE) private readonly store: EventStore,
    @inject(KEY_PROVIDERS) private readonly providers: KeyProviders,
    @inject(OBJECT_STORE) private readonly archive: ObjectStore,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(SIGNING_LIMITS) options: SigningServiceOptions = {},
  ) {
    this.maxPayloadBytes = options.maxPayloadBytes ?? 1024 * 1024;
    this.maxKeys = options.maxKeys ?? 8;
  }

  sign(request: SignRequest, ctx: CommandContext = {}): Promise<SignResult> {
    return translatingDomainErrors(() => this.doSign(request, ctx));
  }

  private async doSign(request: SignRequest, ctx: CommandContext): Promise<SignResult> {
    const { keyIds, payloadType, payload } = this.validate(request);
    const subjects = subjectsOf(payloadType, payload);

    const keys = await Promise.all(
      keyIds.map(async (keyId) => {
        const { state } = await loadKey(this.store, keyId);
        const version = activeSigningVersion(state, keyId);
        return { key: state as KeyRecord, version };
      }),
    );
    const fingerprints = new Set(keys.map((k) => k.version.fingerprint));
    if (fingerprints.size !== keys.length) throw new ValidationError('two of the keys share the same key material; list each key once', { keyIds }, 'duplicate_key');

    const signedAt = this.clock.now();
    const message = pae(payloadType, payload);
    const signatures = await Promise.all(keys.map(({ key, version }) => this.signWith(key, version, message)));

    const envelope: DsseEnvelope = {
      payload: Buffer.from(payload).toString('base64'),
      payloadType,
      signatures: signatures.map((sig, i) => ({ keyid: keys[i]?.version.fingerprint ?? '', sig: sig.toString('base64') })),
    };
    const bytes = envelopeBytes(envelope);
    const { digest: envelopeDigest } = await this.archive.put(bytes);

    const signers: EnvelopeSigner[] = keys.map(({ key, version }) => ({
      keyId: key.keyId,
      keyVersion: version.version,
      fingerprint: version.fingerprint,
      keyRevision: key.eventCount - 1,
    }));
    const payloadDigest = sha256Hex(payload);
    const data: EnvelopeSignedData = {
      envelopeDigest,
      payloadType,
      payloadDigest,
      subjects,
      signers,
      signedAt,
      envelopeSize: bytes.length,
    };
    const event = newEvent({ type: ENVELOPE_SIGNED, data }, ENVELOPE_EVENT_SCHEMA_VERSION, eventContext(ctx, signedAt));
    const appended = await this.store.append(envelopeStream(envelopeDigest), [event], { expectedRevision: 'any' });
    return { envelope, envelopeDigest, payloadDigest, subjects, signers, signedAt, position: appended.position, signerPublicKeyPem: keys[0]!.version.publicKeyPem };
  }

  private async signWith(key: KeyRecord, version: KeyVersionRecord, message: Buffer): Promise<Buffer> {
    const signature = await this.providers.get(key.provider).sign(version.providerRef, message);
    // verifyMessageSignature parses the PEM once (domain/shared/key-cache); one that does not parse fails the check.
    if (!verifyMessageSignature(message, signature, version.publicKeyPem)) throw new SignatureSelfCheckError(key.keyId, version.version);
    return signature;
  }


  private validate(request: SignRequest): { keyIds: string[]; payloadType: string; payload: Buffer } {
    if (!Array.isArray(request.keyIds) || request.keyIds.length === 0) {
      throw new ValidationError('keyIds must list at least one key id', { field: 'keyIds' }, 'invalid_sign_request');
    }
    if (request.keyIds.length > this.maxKeys) {
      throw new ValidationError(`at most ${this.maxKeys} keys may sign one envelope`, { field: 'keyIds', max: this.maxKeys }, 'invalid_sign_request');
    }
    const keyIds = request.keyIds.map((k) => parseKeyId(k));
    if (new Set(keyIds).size !== keyIds.length) throw new ValidationError('keyIds lists a key more than once', { keyIds }, 'duplicate_key');
    // Printable ASCII: every media type and URI is, and nothing else can reach a log or another verifier unchanged.
    if (typeof request.payloadType !== 'string' || !/^[\x21-\x7e][\x20-\x7e]{0,255}$/.test(request.payloadType)) {
      throw new ValidationError('payloadType must be a media type or URI of 1–256 printable ASCII characters, e.g. application/vnd.in-toto+json', { field: 'payloadType' }, 'invalid_sign_request');
    }
    if (!(request.payload instanceof Uint8Array)) throw new ValidationError('payload must be bytes', { field: 'payload' }, 'invalid_sign_request');
    if (request.payload.length > this.maxPayloadBytes) throw new PayloadTooLargeError(request.payload.length, this.maxPayloadBytes);
    return { keyIds, payloadType: request.payloadType, payload: Buffer.from(request.payload) };
  }
}

function subjectsOf(payloadType: string, payload: Buffer): StatementSubject[] {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) return [];
  const parsed = parseInTotoStatement(payload);
  if (!parsed.ok) {
    throw new ValidationError(`the payload is typed ${IN_TOTO_PAYLOAD_TYPE} but is not a valid in-toto Statement v1: ${parsed.reason}`, {}, 'invalid_statement');
  }
  return [...parsed.statement.subject];
}
