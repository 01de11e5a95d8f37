import { createPublicKey, type KeyObject } from 'node:crypto';
import { bytesEqual, decodeBase64, decodeHex } from './bytes';
import {
  cosignatureVerifierFor,
  ed25519FromRaw,
  isValidKeyName,
  noteVerifierFor,
  NoteSignatureType,
  rawEd25519,
  spkiDer,
  type NoteVerifier,
} from './note-key';
import { fail, type Result } from './result';

/**
 * The text form of a note verifier key (c2sp.org/signed-note#verifier-keys),
 * how logs and witnesses publish their keys: `name+hex(keyID)+base64(type ‖ key)`.
 */
/** Verifier key text: `name+hex(keyID)+base64(type ‖ key)`; ECDSA keys are DER SPKI, Ed25519 raw 32 bytes. */
export function formatVerifierKey(verifier: Pick<NoteVerifier, 'name' | 'keyId' | 'type'>, publicKey: KeyObject): string {
  const material = verifier.type === NoteSignatureType.ecdsa ? spkiDer(publicKey) : rawEd25519(publicKey);
  return `${verifier.name}+${verifier.keyId.toString('hex')}+${Buffer.concat([Buffer.of(verifier.type), material]).toString('base64')}`;
}

/** Parses verifier key text and checks that its key ID matches the key. */
export function parseVerifierKey(text: string): Result<NoteVerifier> {
  // Only the first two '+' separate fields: base64 key material may contain '+'.
  const match = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(text.trim());
  if (!match) return fail('verifier key must be name+keyid+key');
  const [, name = '', hexId = '', b64 = ''] = match;
  if (!isValidKeyName(name)) return fail(`invalid key name ${JSON.stringify(name)}`);
  const keyId = decodeHex(hexId);
  const blob = decodeBase64(b64);
  if (!keyId || keyId.length !== 4) return fail('verifier key ID must be 8 hex digits');
  if (!blob || blob.length < 2) return fail('verifier key material is not base64');
  const type = blob[0];
  const material = blob.subarray(1);
  let verifier: Result<NoteVerifier>;
  try {
    switch (type) {
      case NoteSignatureType.ed25519:
        verifier = noteVerifierFor(name, ed25519FromRaw(material));
        break;
      case NoteSignatureType.cosignatureV1:
        verifier = cosignatureVerifierFor(name, ed25519FromRaw(material));
        break;
      case NoteSignatureType.ecdsa:
        verifier = noteVerifierFor(name, createPublicKey({ key: material, format: 'der', type: 'spki' }));
        break;
      default:
        return fail(`unsupported signature type 0x${(type ?? 0).toString(16).padStart(2, '0')}`);
    }
  } catch {
    return fail('verifier key material is not a valid public key');
  }
  if (!verifier.ok) return verifier;
  if (verifier.value.type !== type) return fail('verifier key type does not match its key material');
  if (!bytesEqual(verifier.value.keyId, keyId)) return fail('verifier key ID does not match the key');
  return verifier;
}
