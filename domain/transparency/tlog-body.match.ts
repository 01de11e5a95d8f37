import { createPublicKey } from 'node:crypto';
import { sha256 } from '../shared/sha256';
import { dsse } from '@sigstore/core';
import { bytesEqual } from './bytes';
import type { BundleContent } from './bundle';
import { keyFromPem, type BundleSigner } from './bundle-signer';
import type { EntryBody, SignerRef } from './rekor-body';
import { fail, ok, type Result } from './result';
import { spkiDer as spkiDerOf } from '../shared/key-cache';

/** An entry body's verifier as bytes: a certificate, or a public key re-encoded the way node:crypto exports it. */
export interface DecodedVerifier {
  readonly certificateDer?: Buffer;
  readonly spki?: Buffer;
}

/**
 * Remembers the verifiers of entry bodies already decoded (a batch of bundles
 * meets the same few keys again and again). Each method answers what `decode`
 * answers for its input, calling it only for an input not seen before.
 */
export interface VerifierKeyCache {
  /** A PEM certificate or public key (Rekor v1). */
  pemVerifier(pem: string, decode: (pem: string) => Result<DecodedVerifier>): Result<DecodedVerifier>;
  /** A DER public key (Rekor v2). */
  derVerifier(der: Buffer, decode: (der: Buffer) => Result<DecodedVerifier>): Result<DecodedVerifier>;
}

/**
 * Does the logged entry describe this bundle's signature? Without this a
 * valid inclusion proof for some other entry would vouch for any content.
 * `keys`, if given, remembers the entry verifiers decoded for earlier bundles.
 */
export function matchEntryBody(body: EntryBody, content: BundleContent, signer: BundleSigner, keys?: VerifierKeyCache): Result<void> {
  switch (body.$case) {
    case 'hashedrekord': {
      const signed =
        content.$case === 'messageSignature'
          ? { digest: content.messageSignature.messageDigest.digest, signature: content.messageSignature.signature }
          : // Rekor v2 logs a DSSE envelope as a hashedrekord over the envelope's PAE.
            { digest: sha256(paeOf(content.dsseEnvelope)), signature: firstSignature(content.dsseEnvelope) };
      if (!bytesEqual(body.digest, signed.digest)) return fail('entry digest does not match the bundle');
      if (!bytesEqual(body.signature, signed.signature)) return fail('entry signature does not match the bundle signature');
      return signerMatches(body.signer, signer, keys);
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
      return signerMatches(logged.signer, signer, keys);
    }
  }
}

export function paeOf(envelope: { readonly payloadType: string; readonly payload: Buffer }): Buffer {
  return dsse.preAuthEncoding(envelope.payloadType, envelope.payload);
}

function firstSignature(envelope: { readonly signatures: readonly { readonly sig: Buffer }[] }): Buffer {
  return envelope.signatures[0]?.sig ?? Buffer.alloc(0);
}

const MISMATCH = fail<void>('entry was signed by a different certificate or key than the bundle');
const MATCH = ok<void>(undefined);

function signerMatches(ref: SignerRef, signer: BundleSigner, keys: VerifierKeyCache | undefined): Result<void> {
  switch (ref.$case) {
    case 'x509Certificate':
      return signer.$case === 'certificate' && bytesEqual(ref.der, signer.der) ? MATCH : MISMATCH;
    case 'publicKey': {
      // The logged DER is usually the signer's key exactly as node:crypto exports it; only another encoding is decoded.
      const expected = signerSpki(signer);
      if (expected === undefined) return MISMATCH;
      if (bytesEqual(ref.der, expected)) return MATCH;
      const decoded = keys ? keys.derVerifier(ref.der, decodeDerVerifier) : decodeDerVerifier(ref.der);
      return decoded.ok && decoded.value.spki !== undefined && bytesEqual(decoded.value.spki, expected) ? MATCH : MISMATCH;
    }
    case 'pem': {
      const decoded = keys ? keys.pemVerifier(ref.pem, decodePemVerifier) : decodePemVerifier(ref.pem);
      if (!decoded.ok) return fail(`entry verifier: ${decoded.reason}`);
      if (decoded.value.certificateDer) return signer.$case === 'certificate' && bytesEqual(decoded.value.certificateDer, signer.der) ? MATCH : MISMATCH;
      const expected = signerSpki(signer);
      return expected !== undefined && decoded.value.spki !== undefined && bytesEqual(decoded.value.spki, expected) ? MATCH : MISMATCH;
    }
  }
}

/** The DER SPKI of a managed-key signer (a certificate signer is matched by its certificate, never its key). */
function signerSpki(signer: BundleSigner): Buffer | undefined {
  if (signer.$case !== 'publicKey') return undefined;
  try {
    return spkiDerOf(signer.publicKey);
  } catch {
    return undefined;
  }
}

/** A PEM verifier from an entry body, as bytes to compare. */
export function decodePemVerifier(pem: string): Result<DecodedVerifier> {
  const parsed = keyFromPem(pem);
  if (!parsed.ok) return parsed;
  if (parsed.value.certificateDer) return ok({ certificateDer: parsed.value.certificateDer });
  try {
    return ok({ spki: spkiDerOf(parsed.value.publicKey) });
  } catch {
    return fail('PEM is neither a certificate nor a public key');
  }
}

/** A DER public key from an entry body, re-encoded the way node:crypto exports it. */
export function decodeDerVerifier(der: Buffer): Result<DecodedVerifier> {
  try {
    return ok({ spki: spkiDerOf(createPublicKey({ key: der, format: 'der', type: 'spki' })) });
  } catch {
    return fail('not a DER public key');
  }
}
