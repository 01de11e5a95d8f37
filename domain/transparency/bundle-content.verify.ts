import { createHash, verify, type KeyObject } from 'node:crypto';
import { sha256 } from '../shared/sha256';
import { z } from 'zod';
import { bytesEqual } from './bytes';
import type { BundleContent } from './bundle';
import { fail, ok, type Result } from './result';
import { paeOf } from './tlog-body.match';

/**
 * Checks on the bundle's content itself: the signature under the signer's key,
 * and that the content is about the artifact the caller holds.
 */
export function verifyContentSignature(content: BundleContent, publicKey: KeyObject, artifact: Uint8Array | undefined): Result<void> {
  const keyDigest = digestFor(publicKey);
  if (keyDigest === undefined) return fail(`unsupported signing key type ${publicKey.asymmetricKeyType ?? 'unknown'}`);
  if (content.$case === 'dsseEnvelope') {
    // ECDSA can pair any curve with any hash. Sigstore clients sign P-384/P-521
    // envelopes with either the curve's hash or SHA-256 (sigstore-js), so both are tried.
    const digests = keyDigest === null ? ONLY_NULL : keyDigest === 'sha256' ? ONLY_SHA256 : [keyDigest, 'sha256'];
    const signature = content.dsseEnvelope.signatures[0]?.sig ?? Buffer.alloc(0);
    const pae = paeOf(content.dsseEnvelope);
    return digests.some((d) => safeVerify(d, pae, publicKey, signature)) ? ok(undefined) : fail('envelope signature does not verify');
  }
  if (!artifact) return fail('a message signature can only be checked against the artifact; none was given');
  // The bundle names the hash the message was signed with (e.g. SHA-256 with a P-384 key).
  const named = MESSAGE_DIGESTS.get(content.messageSignature.messageDigest.algorithm);
  if (named === undefined) return fail(`unsupported message digest algorithm ${content.messageSignature.messageDigest.algorithm}`);
  const verified = safeVerify(keyDigest === null ? null : named, Buffer.from(artifact), publicKey, content.messageSignature.signature);
  return verified ? ok(undefined) : fail('signature does not verify over the artifact');
}

// A Map: an algorithm named "constructor" must not find Object's prototype.
const MESSAGE_DIGESTS: ReadonlyMap<string, string> = new Map([
  ['SHA2_256', 'sha256'],
  ['SHA2_384', 'sha384'],
  ['SHA2_512', 'sha512'],
]);

function safeVerify(algorithm: string | null, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(algorithm, data, key, signature);
  } catch {
    // Malformed signatures land here; they simply do not verify.
    return false;
  }
}

const statementSchema = z.object({
  _type: z.string(),
  subject: z.array(z.object({ name: z.string().optional(), digest: z.record(z.string(), z.string()) })).min(1),
});

export function verifyArtifact(content: BundleContent, artifact: Uint8Array | undefined): Result<string> {
  if (content.$case === 'messageSignature') {
    if (!artifact) return fail('no artifact given');
    const { algorithm, digest } = content.messageSignature.messageDigest;
    const hash = MESSAGE_DIGESTS.get(algorithm);
    if (hash === undefined) return fail(`unsupported message digest algorithm ${algorithm}`);
    if (!bytesEqual(createHash(hash).update(artifact).digest(), digest)) return fail('artifact digest does not match the bundle message digest');
    return ok('artifact matches the message digest');
  }
  if (!artifact) return ok('no artifact given; the envelope payload is what was signed');
  const envelope = content.dsseEnvelope;
  if (envelope.payloadType !== 'application/vnd.in-toto+json') return fail(`cannot find artifact subjects in a ${envelope.payloadType} payload`);
  let json: unknown;
  try {
    json = JSON.parse(envelope.payload.toString('utf8'));
  } catch {
    return fail('in-toto payload is not JSON');
  }
  const statement = statementSchema.safeParse(json);
  if (!statement.success) return fail('in-toto payload is not a statement with subjects');
  const hex = sha256(artifact).toString('hex');
  const match = statement.data.subject.some((s) => s.digest.sha256?.toLowerCase() === hex);
  return match ? ok('artifact is a subject of the in-toto statement') : fail('artifact is not a subject of the in-toto statement');
}

const ONLY_NULL = [null] as const;
const ONLY_SHA256 = ['sha256'] as const;

/** Keys are few and verifications many: the key's details are read from native code once per key. */
const digestByKey = new WeakMap<KeyObject, string | null | undefined>();

function digestFor(key: KeyObject): string | null | undefined {
  if (digestByKey.has(key)) return digestByKey.get(key);
  const digest = digestOfKeyType(key);
  digestByKey.set(key, digest);
  return digest;
}

function digestOfKeyType(key: KeyObject): string | null | undefined {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return null;
    case 'rsa':
    case 'rsa-pss':
      return 'sha256';
    case 'ec':
      switch (key.asymmetricKeyDetails?.namedCurve) {
        case 'prime256v1':
          return 'sha256';
        case 'secp384r1':
          return 'sha384';
        case 'secp521r1':
          return 'sha512';
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}
