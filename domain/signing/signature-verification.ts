import { verify as verifySignature, type KeyObject } from 'node:crypto';
import { publicKeyFromPem } from '../shared/key-cache';
import { readDsseBase64 } from './dsse-base64';
import { pae, type DsseEnvelope, type DsseSignature } from './dsse-envelope';

/**
 * Checks one ECDSA/SHA-256 (or Ed25519) signature over `message` with a PEM
 * public key. False for any malformed input, never throws.
 */
export function verifyMessageSignature(message: Uint8Array, signature: Uint8Array, publicKey: string | KeyObject): boolean {
  let key: KeyObject;
  try {
    key = typeof publicKey === 'string' ? publicKeyFromPem(publicKey) : publicKey;
  } catch {
    return false;
  }
  try {
    const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return verifySignature(algorithm, message, key, signature);
  } catch {
    return false;
  }
}

/** Checks one DSSE signature of an envelope: the signature over PAE(payloadType, payload). */
export function verifyDsseSignature(envelope: DsseEnvelope, signature: DsseSignature, publicKey: string | KeyObject): boolean {
  const payload = readDsseBase64(envelope.payload);
  const sig = readDsseBase64(signature.sig);
  if (!payload.ok || !sig.ok || sig.bytes.length === 0) return false;
  return verifyMessageSignature(pae(envelope.payloadType, payload.bytes), sig.bytes, publicKey);
}
