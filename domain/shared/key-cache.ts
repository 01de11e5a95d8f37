import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * Parsing a PEM key or certificate and exporting a key's DER costs more than
 * the signature check it serves, and the same few keys come back on every
 * request. These memos make the second time free; they hold public material
 * only, and at most LIMIT entries (oldest dropped first).
 */
const LIMIT = 1024;
const fromPem = new Map<string, KeyObject>();
const spki = new WeakMap<KeyObject, Buffer>();
const canonicalOf = new WeakMap<KeyObject, KeyObject>();

/** The public key of a PEM public key or certificate; throws if it is neither. */
export function publicKeyFromPem(pem: string): KeyObject {
  let key = fromPem.get(pem);
  if (!key) {
    key = pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
    if (fromPem.size >= LIMIT) fromPem.delete(fromPem.keys().next().value!);
    fromPem.set(pem, key);
  }
  return key;
}

/**
 * The same public key in its one canonical encoding: a named curve with an
 * uncompressed point for EC keys (what Go, sigstore and every HSM export).
 * OpenSSL keeps whatever form a key was given in — a compressed point, explicit
 * curve parameters — so without this one key would have several DER
 * encodings, several fingerprints, and could pass for a key never seen.
 * Rebuilt from its JWK, which has only the mathematical key.
 */
export function canonicalPublicKey(key: KeyObject): KeyObject {
  let canonical = canonicalOf.get(key);
  if (!canonical) {
    canonical = createPublicKey({ key: key.export({ format: 'jwk' }), format: 'jwk' });
    canonicalOf.set(key, canonical);
  }
  return canonical;
}

/** The DER SubjectPublicKeyInfo of a key, as the key encodes it (see `canonicalPublicKey` for key identities). */
export function spkiDer(key: KeyObject): Buffer {
  let der = spki.get(key);
  if (!der) {
    der = key.export({ format: 'der', type: 'spki' });
    spki.set(key, der);
  }
  return der;
}
