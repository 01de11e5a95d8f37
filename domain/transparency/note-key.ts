import { spkiDer } from '../shared/key-cache';
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { fail, ok, type Result } from './result';

/**
 * Keys for C2SP signed notes (c2sp.org/signed-note, tlog-cosignature). A key is
 * identified by the pair (name, 4-byte key ID); the ID commits to the algorithm
 * so the same key material cannot be replayed under another signature type.
 */
export const NoteSignatureType = {
  ed25519: 0x01,
  /** ECDSA as used by Rekor v1 and transparency-dev/witness; key ID ignores the name. */
  ecdsa: 0x02,
  /** Timestamped Ed25519 witness cosignature (cosignature/v1). */
  cosignatureV1: 0x04,
} as const;
export type NoteSignatureType = (typeof NoteSignatureType)[keyof typeof NoteSignatureType];

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: Buffer;
  readonly type: NoteSignatureType;
  /** Checks `signature` (without the 4-byte key ID) over the note text. */
  verify(text: string, signature: Uint8Array): boolean;
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: Buffer;
  readonly type: NoteSignatureType;
  /** Signature bytes (without the key ID) over the note text. */
  sign(text: string): Buffer;
}

/** SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4], the C2SP recommendation (mandatory for Ed25519 and cosignatures). */
export function c2spKeyId(name: string, type: NoteSignatureType, publicKey: Uint8Array): Buffer {
  return createHash('sha256').update(name, 'utf8').update(Buffer.of(0x0a, type)).update(publicKey).digest().subarray(0, 4);
}

/** SHA-256(DER SPKI)[:4]: how Rekor v1 and ECDSA note keys are identified. */
export function spkiKeyId(publicKey: KeyObject): Buffer {
  return createHash('sha256').update(spkiDer(publicKey)).digest().subarray(0, 4);
}

export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !/\p{Zs}/u.test(name);
}

/** A verifier for `publicKey` under `name`: Ed25519 → type 0x01, ECDSA P-256 → type 0x02. */
export function noteVerifierFor(name: string, publicKey: KeyObject): Result<NoteVerifier> {
  const kind = keyKind(publicKey);
  if (!kind.ok) return kind;
  if (kind.value === 'ed25519') {
    return ok({
      name,
      type: NoteSignatureType.ed25519,
      keyId: c2spKeyId(name, NoteSignatureType.ed25519, rawEd25519(publicKey)),
      verify: (text, signature) => safeVerify(null, Buffer.from(text, 'utf8'), publicKey, signature),
    });
  }
  return ok({
    name,
    type: NoteSignatureType.ecdsa,
    keyId: spkiKeyId(publicKey),
    verify: (text, signature) => safeVerify('sha256', Buffer.from(text, 'utf8'), publicKey, signature),
  });
}

/**
 * A verifier for Ed25519 witness cosignatures (cosignature/v1): the signature
 * is u64-BE timestamp ‖ Ed25519 signature over
 * "cosignature/v1\ntime <ts>\n" ‖ note text.
 */
export function cosignatureVerifierFor(name: string, publicKey: KeyObject): Result<NoteVerifier> {
  const kind = keyKind(publicKey);
  if (!kind.ok) return kind;
  if (kind.value !== 'ed25519') return fail('cosignature/v1 keys must be Ed25519');
  return ok({
    name,
    type: NoteSignatureType.cosignatureV1,
    keyId: c2spKeyId(name, NoteSignatureType.cosignatureV1, rawEd25519(publicKey)),
    verify: (text, signature) => {
      const parsed = splitCosignature(signature);
      if (!parsed) return false;
      return safeVerify(null, Buffer.from(cosignedMessage(text, parsed.timestamp), 'utf8'), publicKey, parsed.signature);
    },
  });
}

/** A signer for `privateKey` under `name`: Ed25519 → type 0x01, ECDSA P-256 → type 0x02 (DER signatures). */
export function noteSignerFor(name: string, privateKey: KeyObject): Result<NoteSigner> {
  if (!isValidKeyName(name)) return fail(`invalid key name ${JSON.stringify(name)}`);
  if (privateKey.type !== 'private') return fail('a note signer needs a private key');
  const publicKey = createPublicKey(privateKey);
  const verifier = noteVerifierFor(name, publicKey);
  if (!verifier.ok) return verifier;
  const algorithm = verifier.value.type === NoteSignatureType.ed25519 ? null : 'sha256';
  return ok({
    name,
    type: verifier.value.type,
    keyId: verifier.value.keyId,
    sign: (text) => sign(algorithm, Buffer.from(text, 'utf8'), privateKey),
  });
}

/** A witness cosigner that stamps its cosignatures with `timestamp` (POSIX seconds), passed in so signing stays pure. */
export function cosignerFor(name: string, privateKey: KeyObject, timestamp: number): Result<NoteSigner> {
  if (!isValidKeyName(name)) return fail(`invalid key name ${JSON.stringify(name)}`);
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') return fail('a cosigner needs an Ed25519 private key');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) return fail('cosignature timestamp must be a non-negative integer');
  const raw = rawEd25519(createPublicKey(privateKey));
  return ok({
    name,
    type: NoteSignatureType.cosignatureV1,
    keyId: c2spKeyId(name, NoteSignatureType.cosignatureV1, raw),
    sign: (text) => {
      const ts = Buffer.alloc(8);
      ts.writeBigUInt64BE(BigInt(timestamp));
      return Buffer.concat([ts, sign(null, Buffer.from(cosignedMessage(text, timestamp), 'utf8'), privateKey)]);
    },
  });
}

/** The timestamp of a cosignature/v1 signature, or undefined if malformed. */
export function cosignatureTimestamp(signature: Uint8Array): number | undefined {
  return splitCosignature(signature)?.timestamp;
}

export function ed25519FromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

export function rawEd25519(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

// The DER SPKI, exported once per key (domain/shared/key-cache): needed for every verified tlog entry.
export { spkiDer };

function keyKind(publicKey: KeyObject): Result<'ed25519' | 'ecdsa-p256'> {
  if (publicKey.type !== 'public') return fail('expected a public key');
  if (publicKey.asymmetricKeyType === 'ed25519') return ok('ed25519');
  if (publicKey.asymmetricKeyType === 'ec' && publicKey.asymmetricKeyDetails?.namedCurve === 'prime256v1') return ok('ecdsa-p256');
  return fail(`unsupported note key type ${publicKey.asymmetricKeyType ?? 'unknown'}`);
}

function cosignedMessage(text: string, timestamp: number): string {
  return `cosignature/v1\ntime ${timestamp}\n${text}`;
}

function splitCosignature(signature: Uint8Array): { timestamp: number; signature: Buffer } | undefined {
  if (signature.length !== 8 + 64) return undefined;
  const bytes = Buffer.from(signature);
  const ts = bytes.readBigUInt64BE(0);
  if (ts > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { timestamp: Number(ts), signature: bytes.subarray(8) };
}

function safeVerify(algorithm: string | null, data: Buffer, key: KeyObject, signature: Uint8Array): boolean {
  try {
    return verify(algorithm, data, key, signature);
  } catch {
    return false;
  }
}
