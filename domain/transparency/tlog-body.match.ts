import { createPublicKey } from 'node:crypto';
import { sha256 } from '../shared/sha256';
import { dsse } from '@sigstore/core';
import { bytesEqual } from './bytes';
import type { BundleContent } from './bundle';
import { keyFromPem, type BundleSigner } from './bundle-signer';
import type { EntryBody, SignerRef } from './rekor-body';
import { fail, ok, type Result } from './result';
import { spkiDer as spkiDerOf } from '../shared/key-cache';

/**
 * Does the logged entry describe this bundle's signature? Without this a
 * valid inclusion proof for some other entry would vouch for any content.
 */
export function matchEntryBody(body: EntryBody, content: BundleContent, signer: BundleSigner): Result<void> {
  switch (body.$case) {
    case 'hashedrekord': {
      const signed =
        content.$case === 'messageSignature'
          ? { digest: content.messageSignature.messageDigest.digest, signature: content.messageSignature.signature }
          : // Rekor v2 logs a DSSE envelope as a hashedrekord over the envelope's PAE.
            { digest: sha256(paeOf(content.dsseEnvelope)), signature: firstSignature(content.dsseEnvelope) };
      if (!bytesEqual(body.digest, signed.digest)) return fail('entry digest does not match the bundle');
      if (!bytesEqual(body.signature, signed.signature)) return fail('entry signature does not match the bundle signature');
      return signerMatches(body.signer, signer);
    }
    case 'dsse':
    case 'intoto': {
      if (content.$case !== 'dsseEnvelope') return fail(`a ${body.$case} entry cannot log a message signature`);
      const envelope = content.dsseEnvelope;
      if (body.signatures.length !== 1) return fail('entry and envelope have different numbers of signatures');
      const [logged] = body.signatures;
      if (!logged || !bytesEqual(logged.signature, firstSignature(envelope))) return fail('entry signature does not match the envelope signature');
      if (!bytesEqual(body.payloadHash, sha256(envelope.payload))) return fail('entry payload hash does not match the envelope payload');
      if (body.$case === 'intoto' && (!bytesEqual(body.payload, envelope.payload) || body.payloadType !== envelope.payloadType)) {
        return fail('logged envelope differs from the bundle envelope');
      }
      return signerMatches(logged.signer, signer);
    }
  }
}

export function paeOf(envelope: { readonly payloadType: string; readonly payload: Buffer }): Buffer {
  return dsse.preAuthEncoding(envelope.payloadType, envelope.payload);
}

function firstSignature(envelope: { readonly signatures: readonly { readonly sig: Buffer }[] }): Buffer {
  return envelope.signatures[0]?.sig ?? Buffer.alloc(0);
}

function signerMatches(ref: SignerRef, signer: BundleSigner): Result<void> {
  const mismatch = fail<void>('entry was signed by a different certificate or key than the bundle');
  switch (ref.$case) {
    case 'x509Certificate':
      return signer.$case === 'certificate' && bytesEqual(ref.der, signer.der) ? ok(undefined) : mismatch;
    case 'publicKey':
      return sameKey(ref.der, signer) ? ok(undefined) : mismatch;
    case 'pem': {
      const parsed = keyFromPem(ref.pem);
      if (!parsed.ok) return fail(`entry verifier: ${parsed.reason}`);
      if (parsed.value.certificateDer) {
        return signer.$case === 'certificate' && bytesEqual(parsed.value.certificateDer, signer.der) ? ok(undefined) : mismatch;
      }
      return sameKey(spkiDerOf(parsed.value.publicKey), signer) ? ok(undefined) : mismatch;
    }
  }
}

function sameKey(der: Buffer, signer: BundleSigner): boolean {
  if (signer.$case !== 'publicKey') return false;
  try {
    const expected = spkiDerOf(signer.publicKey);
    if (bytesEqual(der, expected)) return true;
    // Not byte-equal: re-encode the logged DER (it may use another valid encoding) before comparing.
    return bytesEqual(spkiDerOf(createPublicKey({ key: der, format: 'der', type: 'spki' })), expected);
  } catch {
    return false;
  }
}
