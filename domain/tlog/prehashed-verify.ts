import { p256, p384, p521 } from '@noble/curves/nist';
import { constants, publicDecrypt, type KeyObject } from 'node:crypto';

/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1) for the hashes Rekor v2 accepts with RSA. */
const DIGEST_INFO_SHA256 = Buffer.from('3031300d060960864801650304020105000420', 'hex');

export type PrehashedCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Verifies a signature over a message that the verifier sees only as its
 * SHA-256 digest (a hashedrekord). node:crypto can only verify over the whole
 * message, so ECDSA goes through @noble/curves with `prehash: false`, and RSA
 * PKCS#1 v1.5 through the public-key operation and a DigestInfo comparison.
 * High-S ECDSA signatures are accepted: OpenSSL and HSMs produce them.
 */
export function verifyPrehashed(publicKey: KeyObject, digest: Uint8Array, signature: Uint8Array): PrehashedCheck {
  if (digest.length !== 32) return { ok: false, reason: 'digest must be 32 bytes (SHA-256)' };
  const type = publicKey.asymmetricKeyType;
  if (type === 'ec') {
    const jwk = publicKey.export({ format: 'jwk' });
    const curve = { 'P-256': p256, 'P-384': p384, 'P-521': p521 }[jwk.crv ?? ''];
    if (!curve || !jwk.x || !jwk.y) return { ok: false, reason: `unsupported EC curve ${jwk.crv ?? '?'}` };
    const point = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
    try {
      return curve.verify(signature, digest, point, { prehash: false, lowS: false, format: 'der' })
        ? { ok: true }
        : { ok: false, reason: 'signature does not verify over the digest' };
    } catch {
      return { ok: false, reason: 'signature is not a DER ECDSA signature' };
    }
  }
  if (type === 'rsa') {
    const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (![2048, 3072, 4096].includes(bits)) return { ok: false, reason: `unsupported RSA key size ${bits}` };
    try {
      const recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
      return recovered.equals(Buffer.concat([DIGEST_INFO_SHA256, digest]))
        ? { ok: true }
        : { ok: false, reason: 'signature does not verify over the digest' };
    } catch {
      return { ok: false, reason: 'signature does not verify over the digest' };
    }
  }
  return {
    ok: false,
    reason: `unsupported key type ${type ?? '?'}: use ECDSA P-256/384/521 or RSA 2048/3072/4096 (pure Ed25519 cannot sign a digest)`,
  };
}
