import { dsse } from '@sigstore/core';
import { verify as verifySignature, type KeyObject } from 'node:crypto';
import { sha256Hex } from '../shared/sha256';
import { canonicalJson } from '../shared/canonical-json';
import type { DsseV001Request, HashedRekordV002Request } from './entry-request';
import { verifyPrehashed } from './prehashed-verify';

/** Largest entry a tlog-tiles entry bundle can hold. */
export const MAX_TILED_ENTRY = 0xffff;

export type EntryKind = 'dsse/0.0.1' | 'hashedrekord/0.0.2';

/** An entry the log has checked and will append: its canonical body is the Merkle leaf. */
export interface AcceptedEntry {
  readonly kind: EntryKind;
  readonly body: Buffer;
}

export type Acceptance = { readonly ok: true; readonly entry: AcceptedEntry } | { readonly ok: false; readonly reason: string };

/**
 * Checks a Rekor v1 dsse request the way Rekor does — every signature must
 * verify over PAE(payloadType, payload) with one of the given verifiers — and
 * builds the canonical body Rekor stores (pkg/types/dsse/v0.0.1): the
 * envelope and payload hashes and each signature with its verifier, not the
 * envelope itself.
 */
export function acceptDsseV001(req: DsseV001Request): Acceptance {
  const pae = dsse.preAuthEncoding(req.envelope.payloadType, req.envelope.payload);
  const signatures: { signature: string; verifier: string }[] = [];
  for (const [i, s] of req.envelope.signatures.entries()) {
    const signer = req.verifiers.find((v) => safeVerify(v.key, pae, s.sig));
    if (!signer) return { ok: false, reason: `envelope signature ${i} does not verify with any of the given verifiers` };
    signatures.push({ signature: s.sig.toString('base64'), verifier: Buffer.from(signer.pem).toString('base64') });
  }
  const body = canonicalJson({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256Hex(req.envelopeText) },
      payloadHash: { algorithm: 'sha256', value: sha256Hex(req.envelope.payload) },
      signatures,
    },
  });
  return { ok: true, entry: { kind: 'dsse/0.0.1', body: Buffer.from(body) } };
}

/** Checks a Rekor v2 hashedrekord request (signature over the digest) and builds its canonical body. */
export function acceptHashedRekordV002(req: HashedRekordV002Request): Acceptance {
  const check = verifyPrehashed(req.verifier.key, req.digest, req.signature);
  if (!check.ok) return { ok: false, reason: `signature.content: ${check.reason}` };
  const body = canonicalJson({
    apiVersion: '0.0.2',
    kind: 'hashedrekord',
    spec: {
      hashedRekordV002: {
        data: { algorithm: 'SHA2_256', digest: req.digest.toString('base64') },
        signature: {
          content: req.signature.toString('base64'),
          verifier: { keyDetails: req.keyDetails, [req.verifier.$case]: { rawBytes: req.verifier.der.toString('base64') } },
        },
      },
    },
  });
  const bytes = Buffer.from(body);
  // tlog-tiles entry bundles prefix each entry with a uint16 length.
  if (bytes.length > MAX_TILED_ENTRY) return { ok: false, reason: `entry body is ${bytes.length} bytes; tlog-tiles entry bundles hold at most ${MAX_TILED_ENTRY}` };
  return { ok: true, entry: { kind: 'hashedrekord/0.0.2', body: bytes } };
}

function safeVerify(key: KeyObject, data: Buffer, sig: Buffer): boolean {
  try {
    // Ed25519 hashes internally and takes no digest name.
    return verifySignature(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', data, key, sig);
  } catch {
    return false;
  }
}
