import { canonicalPublicKey, publicKeyFromPem, spkiDer } from '../shared/key-cache';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { sha256Hex } from '../shared/sha256';
import { MalformedPublicKeyError, UnsupportedAlgorithmError } from './key.errors';

/**
 * Signing algorithms a key may have. Named after the Sigstore `PublicKeyDetails`
 * they map to; all are accepted by Rekor v1 and v2.
 */
export const KEY_ALGORITHMS = ['ecdsa-p256-sha256'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

export const KEY_PROVIDER_KINDS = ['file', 'pkcs11', 'kms'] as const;
export type KeyProviderKind = (typeof KEY_PROVIDER_KINDS)[number];

export function parseKeyAlgorithm(value: unknown): KeyAlgorithm {
  if (value === undefined) return 'ecdsa-p256-sha256';
  if (typeof value === 'string' && (KEY_ALGORITHMS as readonly string[]).includes(value)) return value as KeyAlgorithm;
  throw new UnsupportedAlgorithmError(value, KEY_ALGORITHMS);
}



export interface ParsedPublicKey {
  readonly key: KeyObject;
  /** Normalised PEM (SPKI, `-----BEGIN PUBLIC KEY-----`). */
  readonly pem: string;
  /** DER SubjectPublicKeyInfo. */
  readonly der: Buffer;
  /** Lower-case hex SHA-256 of the DER SPKI: the DSSE `keyid` of this key. */
  readonly fingerprint: string;
  readonly algorithm: KeyAlgorithm;
}

/** Parses a PEM public key and checks that it is a key of `expected` (when given). */
export function parsePublicKeyPem(pem: unknown, expected?: KeyAlgorithm): ParsedPublicKey {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new MalformedPublicKeyError('expected a "-----BEGIN PUBLIC KEY-----" block');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new MalformedPublicKeyError(error instanceof Error ? error.message : String(error));
  }
  const algorithm = algorithmOfKey(key);
  if (expected !== undefined && algorithm !== expected) {
    throw new UnsupportedAlgorithmError(algorithm, [expected]);
  }
  const der = key.export({ type: 'spki', format: 'der' });
  return { key, pem: key.export({ type: 'spki', format: 'pem' }).toString(), der, fingerprint: sha256Hex(der), algorithm };
}

/**
 * The same public key in its canonical PEM (named curve, uncompressed point):
 * what a new key version is recorded with, so that one key has one
 * fingerprint however a provider or an importer encoded it. Versions recorded
 * before keep their PEM and fingerprint (`keyIdentities` covers them).
 */
export function canonicalPublicKeyPem(pem: string): string {
  try {
    return canonicalPublicKey(createPublicKey({ key: pem, format: 'pem' })).export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    return pem; // not a key we can re-encode: parsePublicKeyPem refuses it with the reason
  }
}

/**
 * Every fingerprint a public key (PEM key or certificate) may be known by: over
 * its canonical encoding and over the encoding given. Never throws: a key that
 * cannot be read has none.
 */
export function keyIdentities(pem: string): string[] {
  try {
    const key = publicKeyFromPem(pem);
    const given = sha256Hex(spkiDer(key));
    try {
      const canonical = sha256Hex(spkiDer(canonicalPublicKey(key)));
      return canonical === given ? [given] : [canonical, given];
    } catch {
      return [given]; // a key type JWK cannot carry (DSA, unnamed curves)
    }
  } catch {
    return [];
  }
}

/** The algorithm of a public or private key object, or an UnsupportedAlgorithmError. */
export function algorithmOfKey(key: KeyObject): KeyAlgorithm {
  const algorithm = keyAlgorithmOf(key);
  if (algorithm === null) throw new UnsupportedAlgorithmError(describeKeyType(key), KEY_ALGORITHMS);
  return algorithm;
}

/** The algorithm of a key object, or null when it is not one we sign with. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | null {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'ecdsa-p256-sha256' : null;
}

/** `ec secp384r1`, `rsa`, …: for messages. */
export function describeKeyType(key: KeyObject): string {
  return key.asymmetricKeyType === 'ec' ? `ec ${key.asymmetricKeyDetails?.namedCurve ?? '?'}` : String(key.asymmetricKeyType);
}

/**
 * Hex SHA-256 of the DER SPKI of a PEM public key. Folding a key stream
 * recomputes every key's fingerprint from its PEM (a stored fingerprint is not
 * trusted), and a key stream is folded for every signing: parsing and exporting
 * the key cost more than the signature, so results are remembered per PEM text
 * (public material only, at most FINGERPRINTS_KEPT, oldest dropped first).
 */
export function fingerprintOf(pem: string): string {
  let fingerprint = fingerprints.get(pem);
  if (fingerprint === undefined) {
    fingerprint = parsePublicKeyPem(pem).fingerprint;
    if (fingerprints.size >= FINGERPRINTS_KEPT) fingerprints.delete(fingerprints.keys().next().value!);
    fingerprints.set(pem, fingerprint);
  }
  return fingerprint;
}

const FINGERPRINTS_KEPT = 1024;
const fingerprints = new Map<string, string>();
